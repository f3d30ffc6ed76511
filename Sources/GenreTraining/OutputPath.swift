import Foundation

/// Checks made on an output path before any long work starts, so a run that cannot save its result
/// fails in the first second, not after an hour of training.
public enum OutputPath {
    /// - Throws: `RunError` naming `path` when it exists but is not a regular file, or when neither its
    ///   folder nor the nearest existing ancestor of that folder is a writable folder.
    public static func checkWritable(_ path: String) throws {
        var isFolder: ObjCBool = false
        let fm = FileManager.default
        if fm.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { throw RunError("\(path): is a folder; give a file name") }
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
                throw RunError("\(path): exists and is not a regular file")
            }
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
        guard access(folder, W_OK) == 0 else {
            throw RunError("\(path): cannot be written: \(folder) is not writable (\(String(cString: strerror(errno))))")
        }
    }
}
