import Foundation
import GenreData
import GenreSupport

/// One entry of a library run, in input order: a file to classify, or one that cannot even be opened.
public struct LibraryFile: Sendable, Equatable {
    /// The path as written in every output: the PATH argument it came from joined with its path below that folder,
    /// or a file's path as given (a name that is not UTF-8 as `FileName.shown` writes it).
    public var path: String
    /// Its path relative to the PATH argument it was found under: the shard key (`Shard`) and what `--resume`
    /// recognises it by; a file named on its own (an argument or a `--files-from` line) is keyed by its path as given.
    public var key: String
    /// Bytes and modification time as `stat` reports them; nil when it could not be read (decoding then names the
    /// problem).
    public var size: Int64?
    public var modified: FileTime?
    /// Named on its own rather than found by walking a folder: a file that is not audio is then an error, not a skip.
    public var named: Bool
    /// Why it cannot be classified without trying (a name that is not UTF-8, a folder that cannot be read); nil for a
    /// file to classify.
    public var problem: String?
    /// The file on disk (device and inode) when it could be looked at: what `--resume` recognises it by.
    public var identity: FileIdentity?

    public init(path: String, key: String, size: Int64?, modified: FileTime?, named: Bool, problem: String? = nil,
                identity: FileIdentity? = nil) {
        self.path = path
        self.key = key
        self.size = size
        self.modified = modified
        self.named = named
        self.problem = problem
        self.identity = identity
    }
}

/// A file as the file system knows it, whatever path names it: device and inode.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The file `stat` described.
    public init(_ info: stat) { self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) }

    /// The identity of the file at `path` (links followed), nil when it cannot be looked at.
    public static func of(_ path: String) -> FileIdentity? {
        var info = stat()
        return stat(path, &info) == 0 ? FileIdentity(info) : nil
    }
}

/// A modification time to the nanosecond (`st_mtim`).
public struct FileTime: Sendable, Hashable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int64

    public init(seconds: Int64, nanoseconds: Int64) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The modification time `stat` described.
    public init(_ info: stat) { self.init(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec)) }

    /// ISO 8601 in UTC with nine fractional digits, e.g. `2026-11-30T21:10:06.123456789Z`: exact, and what resume
    /// compares.
    public var description: String {
        var time = time_t(seconds), parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, nanoseconds)
    }
}

/// What walking the inputs left out, counted for the summary.
public struct InputReport: Sendable, Equatable {
    /// Paths left out on purpose, with the reason (a link to nothing, a device or pipe, a folder already walked
    /// through a symbolic link): not failures.
    public var skipped: [SkippedFile] = []
    /// Hidden files and folders (names starting with ".") left out of folder walks.
    public var hidden = 0
    /// Files reached twice (a hard link, a link to a file already listed, a path named twice): classified once.
    public var repeated = 0
    /// PATH arguments that were folders (walked).
    public var folders = 0
    /// PATH arguments that were folders in which the walk found no file at all (hidden ones aside).
    public var emptyFolders: [String] = []

    public init() {}
}

/// An input as given: a path, or a name whose bytes are not UTF-8 (an argument or list entry a `String` cannot carry).
public enum LibraryInput: Sendable, Equatable {
    case path(String)
    /// The name's bytes, when known (a list entry), and how it is shown.
    case unnamable(bytes: [UInt8]?, shown: String)
}

/// The files a library run classifies: PATH arguments, each a file or a folder walked recursively.
///
/// Folders are read with `readdir` (names as bytes, in byte order; hidden entries left out) and symbolic links are
/// followed, but a folder already walked (a link loop, or a second link to it) is not walked again; every file is
/// listed once, by device and inode, at its first path, names that are not UTF-8 included.
public enum LibraryInputs {
    /// - Parameter inputs: files and folders, in order; a file that does not exist is listed (named) so that
    ///   classifying it reports the problem.
    public static func collect(_ inputs: [LibraryInput]) -> (files: [LibraryFile], report: InputReport) {
        var walk = Walk()
        for input in inputs {
            switch input {
            case .path(let path): walk.add(path)
            case .unnamable(let bytes, let shown):
                walk.addFile(path: shown, key: shown, info: bytes.flatMap { Walk.status($0) }, named: true, problem: FileName.notUTF8Problem)
            }
        }
        return (walk.files, walk.report)
    }

    /// `collect` of paths only.
    public static func collect(_ paths: [String]) -> (files: [LibraryFile], report: InputReport) { collect(paths.map { .path($0) }) }


    private struct Walk {
        var files: [LibraryFile] = []
        var report = InputReport()
        var seenFiles = Set<FileIdentity>()
        var walkedFolders = Set<FileIdentity>()

        /// `stat` (or with `follow` false, `lstat`) of a path given as bytes, nil when it fails (`errno` says why).
        static func status(_ bytes: [UInt8], follow: Bool = true) -> stat? {
            var info = stat()
            let found = (bytes + [0]).withUnsafeBufferPointer {
                let path = UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)
                return follow ? stat(path, &info) : lstat(path, &info)
            }
            return found == 0 ? info : nil
        }

        mutating func add(_ path: String) {
            let info = Self.status(Array(path.utf8))
            guard let info, (info.st_mode & S_IFMT) == S_IFDIR else { return addFile(path: path, key: path, info: info, named: true) }
            report.folders += 1
            let before = files.count
            walk(folder: Array(path.utf8), shown: path, relative: "", info: info)
            if files.count == before { report.emptyFolders.append(path) }
        }

        mutating func addFile(path: String, key: String, info: stat?, named: Bool, problem: String? = nil) {
            if let info {
                guard seenFiles.insert(FileIdentity(info)).inserted else {
                    report.repeated += 1
                    return
                }
            }
            let modified = info.map(FileTime.init)
            let identity = info.map(FileIdentity.init)
            files.append(LibraryFile(path: path, key: key, size: info.map { Int64($0.st_size) }, modified: modified, named: named,
                                     problem: problem, identity: identity))
        }

        mutating func walk(folder: [UInt8], shown: String, relative: String, info: stat) {
            guard walkedFolders.insert(FileIdentity(info)).inserted else {
                return report.skipped.append(SkippedFile(path: shown, reason: "a folder already walked (a symbolic-link loop, or a second link to it)"))
            }
            let entries: [[UInt8]]
            do throws(FolderEntries.Failure) { entries = try FolderEntries.names(shown) } catch {
                return addFile(path: shown, key: relative.isEmpty ? shown : relative, info: nil, named: false,
                               problem: "cannot read: " + Self.reason(error.code))
            }
            for bytes in entries {
                if bytes.first == UInt8(ascii: ".") {
                    report.hidden += 1
                    continue
                }
                let name = FileName.text(bytes)
                let child = Self.join(folder, bytes), childShown = Self.join(shown, name ?? FileName.shown(bytes))
                let childRelative = relative.isEmpty ? (name ?? FileName.shown(bytes)) : relative + "/" + (name ?? FileName.shown(bytes))
                guard name != nil else {
                    addFile(path: childShown, key: childRelative, info: Self.status(child), named: false, problem: FileName.notUTF8Problem)
                    continue
                }
                entry(child, shown: childShown, relative: childRelative)
            }
        }

        mutating func entry(_ path: [UInt8], shown: String, relative: String) {
            guard let info = Self.status(path) else {
                // A link whose target is missing is skipped; anything else that cannot be looked at (no permission to
                // enter the folder, a path past PATH_MAX, an I/O error) is a failure, in its place.
                let code = errno
                let isLink = Self.status(path, follow: false).map { ($0.st_mode & S_IFMT) == S_IFLNK } ?? false
                guard isLink && code == ENOENT else {
                    return addFile(path: shown, key: relative, info: nil, named: false, problem: "cannot read: \(Self.reason(code))")
                }
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: shown)).map { " (\($0))" } ?? ""
                return report.skipped.append(SkippedFile(path: shown, reason: "not a regular file: a symbolic link to nothing\(target)"))
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: walk(folder: path, shown: shown, relative: relative, info: info)
            case S_IFREG: addFile(path: shown, key: relative, info: info, named: false)
            default: report.skipped.append(SkippedFile(path: shown, reason: "not a regular file (a device, pipe or socket)"))
            }
        }

        /// The system's reason, as the decoder words it ("permission denied", "file name too long").
        static func reason(_ code: Int32) -> String {
            let text = String(cString: strerror(code))
            return text.prefix(1).lowercased() + text.dropFirst()
        }

        static func join(_ folder: [UInt8], _ name: [UInt8]) -> [UInt8] {
            folder.last == UInt8(ascii: "/") ? folder + name : folder + [UInt8(ascii: "/")] + name
        }

        static func join(_ folder: String, _ name: String) -> String {
            folder.hasSuffix("/") ? folder + name : folder + "/" + name
        }
    }
}
