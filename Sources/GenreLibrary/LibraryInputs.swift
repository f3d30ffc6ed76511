import Foundation
import GenreSupport

/// One file a library run classifies.
public struct LibraryFile: Sendable, Equatable {
    /// The path as written in every output: the PATH argument it came from joined with its path below that folder,
    /// or a file's path as given.
    public var path: String
    /// Its path relative to the PATH argument it was found under (the shard key, `Shard`); a file named on its own
    /// (an argument or a `--files-from` line) is keyed by its path as given.
    public var key: String
    /// Bytes, and the modification time, as `stat` reports them (0 and `.unknown` when it could not be read:
    /// decoding then names the problem).
    public var size: Int64
    public var modified: FileTime
    /// Named on its own rather than found by walking a folder: a file that is not audio is then an error, not a skip.
    public var named: Bool

    public init(path: String, key: String, size: Int64, modified: FileTime, named: Bool) {
        self.path = path
        self.key = key
        self.size = size
        self.modified = modified
        self.named = named
    }
}

/// A modification time to the nanosecond (`st_mtim`).
public struct FileTime: Sendable, Hashable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int64
    public static let unknown = FileTime(seconds: 0, nanoseconds: 0)

    public init(seconds: Int64, nanoseconds: Int64) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// ISO 8601 in UTC with nine fractional digits, e.g. `2026-11-30T21:10:06.123456789Z`: exact, and what resume
    /// compares.
    public var description: String {
        var time = time_t(seconds), parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, nanoseconds)
    }
}

/// What walking the inputs found besides files to classify.
public struct InputReport: Sendable, Equatable {
    /// Paths that cannot be classified, with their shard key and the reason (a name that is not UTF-8, a folder that
    /// cannot be read): failures, counted as such.
    public var failures: [(path: String, key: String, reason: String)] = []
    /// Paths left out on purpose, with the reason (a link to nothing, a device or pipe, a folder already walked
    /// through a symbolic link): not failures.
    public var skipped: [(path: String, reason: String)] = []
    /// Hidden files and folders (names starting with ".") left out of folder walks.
    public var hidden = 0
    /// Files reached twice (a hard link, a link to a file already listed, a path named twice): classified once.
    public var repeated = 0
    /// PATH arguments that were folders (walked).
    public var folders = 0

    public init() {}

    public static func == (a: InputReport, b: InputReport) -> Bool {
        a.failures.elementsEqual(b.failures, by: { $0.path == $1.path && $0.key == $1.key && $0.reason == $1.reason }) && a.skipped.elementsEqual(b.skipped, by: ==)
            && a.hidden == b.hidden && a.repeated == b.repeated && a.folders == b.folders
    }
}

/// The files a library run classifies: PATH arguments, each a file or a folder walked recursively.
///
/// Folders are read with `readdir` (names as bytes, in byte order; hidden entries left out) and symbolic links are
/// followed, but a folder already walked (a link loop, or a second link to it) is not walked again; every file is
/// listed once, by device and inode, at its first path.
public enum LibraryInputs {
    /// - Parameter paths: files and folders, in order; a file that does not exist is listed (named) so that
    ///   classifying it reports the problem.
    public static func collect(_ paths: [String]) -> (files: [LibraryFile], report: InputReport) {
        var walk = Walk()
        for path in paths { walk.add(path) }
        return (walk.files, walk.report)
    }

    private struct Identity: Hashable { var device: UInt64; var inode: UInt64 }

    private struct Walk {
        var files: [LibraryFile] = []
        var report = InputReport()
        var seenFiles = Set<Identity>()
        var walkedFolders = Set<Identity>()

        mutating func add(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                let found = stat(path, &info) == 0
                addFile(path: path, key: path, info: found ? info : nil, named: true)
                return
            }
            report.folders += 1
            walk(folder: path, relative: "", info: info)
        }

        mutating func addFile(path: String, key: String, info: stat?, named: Bool) {
            if let info {
                guard seenFiles.insert(Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else {
                    report.repeated += 1
                    return
                }
            }
            let modified = info.map { FileTime(seconds: Int64($0.st_mtim.tv_sec), nanoseconds: Int64($0.st_mtim.tv_nsec)) }
            files.append(LibraryFile(path: path, key: key, size: Int64(info?.st_size ?? 0), modified: modified ?? .unknown,
                                     named: named))
        }

        mutating func walk(folder: String, relative: String, info: stat) {
            guard walkedFolders.insert(Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else {
                report.skipped.append((folder, "a folder already walked (a symbolic-link loop, or a second link to it)"))
                return
            }
            let entries: [[UInt8]]
            do { entries = try FolderEntries.names(folder) } catch {
                report.failures.append((folder, relative.isEmpty ? folder : relative, "cannot read the folder: \(error)"))
                return
            }
            for bytes in entries {
                if bytes.first == UInt8(ascii: ".") {
                    report.hidden += 1
                    continue
                }
                guard let name = FileName.text(bytes) else {
                    let shown = FileName.shown(bytes)
                    report.failures.append((join(folder, shown), relative.isEmpty ? shown : relative + "/" + shown, FileName.notUTF8Problem))
                    continue
                }
                entry(join(folder, name), relative: relative.isEmpty ? name : relative + "/" + name)
            }
        }

        mutating func entry(_ path: String, relative: String) {
            var info = stat()
            guard stat(path, &info) == 0 else {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " (\($0))" } ?? ""
                report.skipped.append((path, "not a regular file: a symbolic link to nothing\(target)"))
                return
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: walk(folder: path, relative: relative, info: info)
            case S_IFREG: addFile(path: path, key: relative, info: info, named: false)
            default: report.skipped.append((path, "not a regular file (a device, pipe or socket)"))
            }
        }

        func join(_ folder: String, _ name: String) -> String {
            folder.hasSuffix("/") ? folder + name : folder + "/" + name
        }
    }
}
