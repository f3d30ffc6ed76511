import Foundation

/// Checks made on an output path before any long work starts, so a run that cannot save its result
/// fails in the first second, not after an hour of training.
public enum OutputPath {
    /// Room kept in a file name for the suffixes of the temporary files written beside it.
    static let temporarySuffixRoom = 40

    /// - Throws: `RunError` naming `path` when it is empty, when it exists but is not a regular file, when
    ///   its file name is too long to write it atomically, or when a file cannot be created in its folder
    ///   (or, if that folder is yet to be made, in the nearest existing ancestor), with the system's
    ///   reason; when the path or a folder on the way is a broken symbolic link; and when an existing file
    ///   there cannot be replaced (e.g. immutable).
    public static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw RunError("output path is empty; give a file name") }
        // Swift repairs invalid UTF-8 in arguments with U+FFFD, which would name another file.
        guard !path.contains("\u{FFFD}") else { throw RunError("\(path): not valid UTF-8; use another name") }
        var isFolder: ObjCBool = false
        let fm = FileManager.default
        if fm.fileExists(atPath: path, isDirectory: &isFolder) {
            if isFolder.boolValue { throw RunError("\(path): is a folder; give a file name") }
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
                throw RunError("\(path): exists and is not a regular file")
            }
            if access(path, W_OK) != 0 {
                throw RunError("\(path): cannot be replaced: \(String(cString: strerror(errno)))")
            }
        }
        guard !path.hasSuffix("/") else { throw RunError("\(path): is a folder name; give a file name") }
        guard path.utf8.count + temporarySuffixRoom <= Int(PATH_MAX) else {
            throw RunError("\(path): path too long (\(path.utf8.count) bytes)")
        }
        let name = fileName(of: path)
        if name.utf8.count + temporarySuffixRoom > Int(NAME_MAX) {
            throw RunError("\(path): file name too long (\(name.utf8.count) bytes; at most \(Int(NAME_MAX) - temporarySuffixRoom))")
        }
        // A broken link looks missing to stat() but cannot be made into a folder or written through.
        var missing = path
        while !missing.isEmpty && missing != "." && !fm.fileExists(atPath: missing) {
            var link = stat()
            if lstat(missing, &link) == 0 {
                throw RunError("\(path): cannot be written: \(missing) is a broken symbolic link")
            }
            let up = parent(of: missing)
            if up == missing { break }
            missing = up
        }
        let folder = nearestExistingAncestor(parent(of: path))
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

    /// Checks that an existing file at `path` is one of genre's own pictures, reports or tables: its line
    /// `line` (0-based) starts with `marker`, where genre puts it, so that replacing it loses nothing a
    /// person wrote (a page that merely quotes the marker elsewhere is not ours).
    /// - Throws: `RunError` naming `path` and `what` it should be, with `hint` on how to go on.
    public static func checkReplaceable(_ path: String, marker: String, line: Int = 1, what: String, hint: Message) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        let head = String(decoding: (try? handle.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
        try? handle.close()
        let lines = head.split(separator: "\n", maxSplits: line + 1, omittingEmptySubsequences: false)
        let expected = marker.hasSuffix("\n") ? String(marker.dropLast()) : marker  // a whole header line
        guard lines.count > line, lines[line].hasPrefix(expected) else {
            throw RunError("\(path): exists and is not \(what); not overwriting it (\(hint))")
        }
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

    /// The folder part of `path` ("" when there is none; "/" for a file in the root). Foundation's
    /// `NSString.deletingLastPathComponent` crashes on one-character paths on Linux, hence our own.
    public static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// The file written beside a model: `X.safetensors` → `X.<suffix>` (a path without the extension
    /// keeps its whole name: `X` → `X.<suffix>`). One rule for the split list, the checkpoint and the
    /// training curves, so that `train` and `evaluate` always find each other's files. A model path that is a
    /// symbolic link stands for the file it names (the model is written through the link): the companions go
    /// beside that file, so the model and its split list stay a pair whichever path a command is given.
    /// - Parameters:
    ///   - modelPath: the model file's path (absolute or relative; need not exist).
    ///   - suffix: the companion's extension without the leading dot, e.g. `split.tsv`.
    public static func beside(model modelPath: String, suffix: String) -> String {
        var link = stat()
        if lstat(modelPath, &link) == 0, link.st_mode & S_IFMT == S_IFLNK, let real = realpath(modelPath, nil) {
            defer { free(real) }
            return beside(model: String(cString: real), suffix: suffix)
        }
        let ext = ".safetensors"
        let base = modelPath.hasSuffix(ext) ? String(modelPath.dropLast(ext.count)) : modelPath
        return base + "." + suffix
    }

    /// The model `path` lies beside, the inverse of `beside(model:suffix:)`: `m.checkpoint.safetensors`
    /// with suffix `checkpoint.safetensors` gives `m.safetensors`; nil when `path` does not end in the suffix.
    public static func model(beside path: String, suffix: String) -> String? {
        guard path.hasSuffix("." + suffix) else { return nil }
        return String(path.dropLast(suffix.count + 1)) + ".safetensors"
    }

    /// The last component of `path` (after the last "/").
    public static func fileName(of path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// `folder` itself if it exists, else its nearest existing ancestor ("." for a relative path whose
    /// first component is missing).
    static func nearestExistingAncestor(_ folder: String) -> String {
        var current = folder.isEmpty ? "." : folder
        while !FileManager.default.fileExists(atPath: current) {
            let up = parent(of: current)
            if up.isEmpty { return "." }
            if up == current { return current }
            current = up
        }
        return current
    }

    /// Whether `path` (which need not exist yet) lies inside `folder` once symbolic links are resolved,
    /// so that a link cannot smuggle an output into a dataset.
    public static func isInside(_ path: String, folder: String) -> Bool {
        guard let root = realpath(folder, nil) else { return false }
        defer { free(root) }
        let rootPath = String(cString: root)
        guard let target = resolved(path) else { return false }
        return target == rootPath || target.hasPrefix(rootPath == "/" ? "/" : rootPath + "/")
    }

    /// The absolute path `path` (which need not exist yet) names once symbolic links in its existing part
    /// are resolved and `.`/`..` removed: two outputs with the same resolved path are the same file.
    public static func resolved(_ path: String) -> String? {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let existing = nearestExistingAncestor(absolute)
        guard let real = realpath(existing, nil) else { return nil }
        defer { free(real) }
        let rest = absolute.dropFirst(existing.count)
        return URL(fileURLWithPath: String(cString: real) + rest).standardizedFileURL.path
    }
}
