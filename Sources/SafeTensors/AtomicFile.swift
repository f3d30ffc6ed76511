#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic, durable replacement of a file's whole content.
///
/// A crash or error at any point leaves either the previous file or the new one at `path`, never a
/// mix: the bytes go to a temporary file in the same folder (same file system, so rename is atomic),
/// which is fsynced, renamed over `path`, and then the folder is fsynced so the rename itself
/// survives a power cut. On failure the temporary file is removed and `path` is untouched.
/// Source: POSIX rename(2) atomicity; the usual "write, fsync, rename, fsync dir" recipe.
public enum AtomicFile {
    /// An atomic write failed; `path` is the target, `reason` one line (e.g. "folder missing").
    public struct WriteError: Error, CustomStringConvertible, Equatable {
        /// The file that was to be written.
        public let path: String
        /// What went wrong, one line.
        public let reason: String
        /// "<path>: cannot write: <reason>".
        public var description: String { "\(path): cannot write: \(reason)" }
    }

    /// Replaces the content of `path` with `bytes` (creating it, mode 0644 less the umask).
    /// - Parameter check: reads the temporary file (its path given) back as the next reader will, before it
    ///   replaces `path`; what it throws stops the write, so that no file is put in place that its own reader
    ///   refuses (a later check in the reader, a name the writer could not round-trip).
    /// - Throws: `WriteError` naming `path`: folder missing, parent not a folder, permission,
    ///   disk full, the new file not reading back (`check`'s reason), or any other OS error; `path` then
    ///   still holds its previous content.
    ///   One exception: if only the final folder fsync fails, the new content is already in place.
    ///   A symbolic link at `path` to an existing file is written through: the file it names is replaced
    ///   and the link stays (renaming over the link would replace the link and leave its target stale).
    public static func write(_ bytes: [UInt8], to path: String, check: ((String) throws -> Void)? = nil) throws {
        var link = stat()
        if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK, let real = realpath(path, nil) {
            defer { free(real) }
            return try write(bytes, to: String(cString: real), check: check)
        }
        let folder = parentFolder(of: path)
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard !base.isEmpty, base != ".", base != ".." else {
            throw WriteError(path: path, reason: "not a file name")
        }
        // Only a regular file may be replaced: renaming over a device such as /dev/full (possible as
        // root) would destroy it, and a folder cannot take a file's place.
        var existing = stat()
        let existed = stat(path, &existing) == 0
        if existed, (existing.st_mode & S_IFMT) != S_IFREG {
            let isFolder = (existing.st_mode & S_IFMT) == S_IFDIR
            throw WriteError(path: path, reason: isFolder ? "is a folder" : "exists and is not a regular file")
        }
        // Hidden, unique-enough name; O_EXCL below refuses to reuse an existing file.
        var random = SystemRandomNumberGenerator()
        let token = String(random.next() as UInt64, radix: 16)
        let temp = String(path.dropLast(base.count)) + ".\(base).tmp-\(getpid())-\(token)"

        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, reason: reason(errno, creating: true)) }
        if let code = writeAll(fd, bytes) ?? (fsync(fd) == 0 ? nil : errno) {
            close(fd)
            unlink(temp)
            throw WriteError(path: path, reason: reason(code, creating: false))
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temp)
            throw WriteError(path: path, reason: reason(code, creating: false))
        }
        if let check {
            do {
                try check(temp)
            } catch {
                unlink(temp)
                let kept = existed ? "the previous file is untouched" : "nothing written"
                throw WriteError(path: path, reason: "the new file does not read back: \(placeless(error, temp)); \(kept)")
            }
        }
        if rename(temp, path) != 0 {
            let code = errno
            unlink(temp)
            throw WriteError(path: path, reason: code == EISDIR ? "is a folder" : reason(code, creating: false))
        }
        // Make the rename durable. Some file systems refuse fsync on folders (EINVAL); that is not an error.
        let dirFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            let result = fsync(dirFD)
            let code = errno
            close(dirFD)
            if result != 0 && code != EINVAL {
                throw WriteError(path: path, reason: "written, but syncing the folder failed: \(systemMessage(code))")
            }
        }
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR; the errno on failure, else nil.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            written += n
        }
        return nil
    }

    /// `error`'s one line without the temporary file's name, which means nothing to a reader: "TEMP: why"
    /// becomes "why", "TEMP:LINE: why" "line LINE: why".
    private static func placeless(_ error: any Error, _ temp: String) -> String {
        let line = "\(error)"
        guard line.hasPrefix(temp + ":") else { return line }
        let rest = line.dropFirst(temp.count + 1)
        return rest.first == " " ? String(rest.dropFirst()) : "line " + rest
    }

    /// The folder part of `path` ("." for a bare name, "/" for a file at the root).
    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    /// errno as a reason a user can act on.
    private static func reason(_ code: Int32, creating: Bool) -> String {
        switch code {
        case ENOENT where creating: return "folder missing"
        case ENOTDIR: return "parent is not a folder"
        case ENOSPC: return "disk full"
        case EDQUOT: return "disk quota exceeded"
        case EFBIG: return "file too large"
        case EACCES, EPERM, EROFS: return "permission denied (\(systemMessage(code)))"
        default: return systemMessage(code)
        }
    }
}

/// write(2) under a name that the static `AtomicFile.write` does not shadow.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
