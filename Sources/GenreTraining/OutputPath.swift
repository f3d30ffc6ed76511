import Foundation

/// Checks made on an output path before any long work starts, so a run that cannot save its result
/// fails in the first second, not after an hour of training.
public enum OutputPath {
    /// Room kept in a file name for the suffixes of the temporary files written beside it.
    static let temporarySuffixRoom = 40

    /// - Throws: `RunError` naming `path` when it is empty, when it exists but is not a regular file, when
    ///   its file name is too long to write it atomically, or when a file cannot be created in its folder
    ///   (or, if that folder is yet to be made, in the nearest existing ancestor), with the system's
    ///   reason.
    public static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw RunError("output path is empty; give a file name") }
        var isFolder: ObjCBool = false
        let fm = FileManager.default
        if fm.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { throw RunError("\(path): is a folder; give a file name") }
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
                throw RunError("\(path): exists and is not a regular file")
            }
        }
        let name = (path as NSString).lastPathComponent
        if name.utf8.count + temporarySuffixRoom > Int(NAME_MAX) {
            throw RunError("\(path): file name too long (\(name.utf8.count) bytes; at most \(Int(NAME_MAX) - temporarySuffixRoom))")
        }
        var folder = (path as NSString).deletingLastPathComponent
        if folder.isEmpty { folder = "." }
        while !fm.fileExists(atPath: folder, isDirectory: &isFolder) {
            let up = (folder as NSString).deletingLastPathComponent
            if up.isEmpty || up == folder { folder = up.isEmpty ? "." : up; break }
            folder = up
        }
        guard fm.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw RunError("\(path): cannot be written: \(folder) is not a folder")
        }
        // Creating a file is the only test that covers permissions, read-only and pseudo file systems.
        let probe = folder + "/.genre-probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw RunError("\(path): cannot be written in \(folder): \(String(cString: strerror(errno)))")
        }
        close(fd)
        unlink(probe)
    }

    /// Creates `path` and any missing parents (mode 0755), like `mkdir -p`.
    /// - Throws: `RunError` naming the folder that could not be made, with the system's reason.
    public static func createFolder(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw RunError("\(path): cannot create folder \(prefix): \(String(cString: strerror(errno)))")
            }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw RunError("\(path): cannot create folder: a file is in the way")
        }
    }
}
