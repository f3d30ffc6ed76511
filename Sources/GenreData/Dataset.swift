import Foundation
import GenreSupport
#if canImport(Glibc)
import Glibc
#endif

/// One audio file of a dataset and its class.
public struct DatasetFile: Sendable, Equatable {
    /// "<genre>/<file name>", relative to `Dataset.root`, e.g. "blues/blues.00000.wav".
    public let relativePath: String
    /// Index into `Dataset.classNames`, 0..<K.
    public let label: Int

    /// - Parameters: relativePath "<genre>/<file>"; label in 0..<K.
    public init(relativePath: String, label: Int) {
        self.relativePath = relativePath
        self.label = label
    }
}

/// A labelled audio collection laid out as `root/<genre>/<audio files>` (the GTZAN layout).
public struct Dataset: Sendable {
    /// The folder as given to the scanner.
    public let root: String
    /// K class names: the sub-folders of `root` holding at least one candidate file, sorted by
    /// UTF-8 bytes (Unicode scalar order, independent of locale).
    public let classNames: [String]
    /// Every candidate file, sorted by `relativePath` (UTF-8 byte order).
    public let files: [DatasetFile]
    /// Things ignored while scanning that are not files of a genre (empty genre folders, files directly in
    /// `root`, sub-folders of a genre folder), one human-readable line each.
    public let warnings: [String]
    /// Entries of the dataset that are not used, each with its reason: names that a `String` cannot carry or a
    /// split list cannot hold (not UTF-8, a tab or a line break; a genre folder's control character), links
    /// to nothing in the dataset folder (a genre folder on a disk not mounted), and entries of a genre folder
    /// that are not regular files (a symbolic link to nothing, a socket). Runs count
    /// them with the files that do not decode; `--strict` refuses them. Sorted by path.
    public let skipped: [SkippedFile]

    /// Builds a dataset directly (tests, or a list from elsewhere); no file system access.
    /// Precondition: every label is in 0..<classNames.count.
    public init(root: String, classNames: [String], files: [DatasetFile], warnings: [String] = [],
                skipped: [SkippedFile] = []) {
        precondition(files.allSatisfy { classNames.indices.contains($0.label) }, "label outside classNames")
        self.root = root
        self.classNames = classNames
        self.files = files
        self.warnings = warnings
        self.skipped = skipped
    }

    /// The path of `file` on disk: root + "/" + relativePath.
    public func path(of file: DatasetFile) -> String {
        root.hasSuffix("/") ? root + file.relativePath : root + "/" + file.relativePath
    }
}

/// Why a dataset folder cannot be used.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// Nothing exists at the path.
    case notFound(String)
    /// The path exists but is not a folder.
    case notADirectory(String)
    /// A folder could not be listed (permissions, I/O); `reason` is the system's.
    case unreadable(String, reason: String)
    /// Fewer than two genre folders with files; `found` lists the non-empty ones (0 or 1).
    case tooFewClasses(String, found: [String])
    /// Two genre folders (`what` "genre folders") or two files of one genre ("files", relative paths) whose
    /// names differ only in Unicode normalisation: distinct to the file system, equal as Swift strings, so one
    /// class or file would stand for two.
    case normalisationClash(String, what: String, first: String, second: String)

    /// One line naming the path.
    public var description: String {
        switch self {
        case .notFound(let path):
            return "\(path): dataset folder not found"
        case .notADirectory(let path):
            return "\(path): not a folder (expected a dataset folder with one sub-folder per genre)"
        case .unreadable(let path, let reason):
            return "\(path): cannot list folder: \(reason)"
        case .tooFewClasses(let path, let found):
            let list = found.isEmpty ? "none" : found.map { "'\($0)'" }.joined(separator: ", ")
            return "\(path): need at least two genre folders with audio files, found \(found.count) (\(list)); "
                + "the layout is DIR/<genre>/<audio files>, and sub-folders of a genre folder are not searched"
        case .normalisationClash(let path, let what, let first, let second):
            return "\(path): the \(what) '\(first)' (bytes \(FileName.bytesShown(first))) and '\(second)' "
                + "(bytes \(FileName.bytesShown(second))) differ only in Unicode normalisation; genre cannot tell them apart: "
                + "merge or rename one"
        }
    }
}

/// Finds the classes and files of a dataset folder.
public enum DatasetScanner {
    /// Scans `root/<genre>/<file>`.
    ///
    /// Rules: only immediate sub-folders of `root` are classes, and only files directly inside each
    /// (no recursion). Names starting with "." are skipped silently (".DS_Store", "._x.wav", ".git").
    /// Files are not filtered by extension — the decoder sniffs content, and undecodable files are
    /// skipped at decode time. Symbolic links are followed. Names are read as the bytes they are: a genre
    /// folder or file whose name is not UTF-8 or holds a tab or a line break (which the split list cannot
    /// hold), a genre folder whose name holds a control character, a link to nothing in `root`, and an entry
    /// of a genre folder that is not a regular file (a link to nothing, a socket) are `Dataset.skipped`;
    /// sub-folders of a genre, files directly in `root` and genre folders with no candidate file are warnings.
    /// - Parameters:
    ///   - root: the dataset folder.
    ///   - inUse: paths of files the run itself reads (a fold file); one of them lying directly in `root`
    ///     (compared as `OutputPath.resolved` paths) is not warned about as a stray file.
    /// - Returns: classes and files in UTF-8 byte order; labels index `classNames`.
    /// - Throws: `DatasetError.notFound`, `.notADirectory`, `.unreadable`, `.tooFewClasses` when fewer than
    ///   two genre folders hold files, or `.normalisationClash` for two genre folders, or two files of one
    ///   genre, whose names differ only in Unicode normalisation.
    public static func scan(_ root: String, inUse: [String] = []) throws -> Dataset {
        switch kind(of: root) {
        case nil: throw DatasetError.notFound(root)
        case .directory?: break
        default: throw DatasetError.notADirectory(root)
        }
        var warnings: [String] = [], skipped: [SkippedFile] = []
        var genres: [(name: String, files: [String])] = []
        let filesInUse = Set(inUse.compactMap(OutputPath.resolved))
        for entry in try visibleEntries(root) {
            let path = join(root, entry.shown)
            switch entry.kind {
            case .directory:
                if let problem = entry.nameProblem(controlCharacters: true) {
                    // A genre name is stored in the model, whose loader refuses control characters in it.
                    skipped.append(SkippedFile(path: path, reason: "genre folder name \(problem); its files are not read"))
                    continue
                }
                let name = entry.name!
                let files = try genreFiles(root: root, genre: name, warnings: &warnings, skipped: &skipped)
                if files.isEmpty {
                    warnings.append("genre folder '\(name)' has no files; ignored")
                } else {
                    genres.append((name, files))
                }
            case .regular:
                if !filesInUse.contains(OutputPath.resolved(path) ?? path) {
                    warnings.append("file '\(entry.shown)' is directly in the dataset folder, not in a genre folder; ignored")
                }
            case .linkToNothing(let target):
                // Most likely a genre folder on a disk not mounted now: its files are left out, so it counts.
                skipped.append(SkippedFile(path: path, reason: "a symbolic link to nothing (\(target); a genre folder on a disk that is not mounted?)"))
            case .other:
                warnings.append("'\(entry.shown)' is neither a folder nor a regular file; skipped")
            }
        }
        try refuseNormalisationClashes(genres.map(\.name), root: root, what: "genre folders")
        for genre in genres {
            try refuseNormalisationClashes(genre.files.map { genre.name + "/" + $0 }, root: root, what: "files")
        }
        guard genres.count >= 2 else { throw DatasetError.tooFewClasses(root, found: genres.map(\.name)) }
        // visibleEntries is sorted, so genres are in class order and label = position.
        var files: [DatasetFile] = []
        for (label, genre) in genres.enumerated() {
            files += genre.files.map { DatasetFile(relativePath: genre.name + "/" + $0, label: label) }
        }
        files.sort { utf8Precedes($0.relativePath, $1.relativePath) }
        skipped.sort { utf8Precedes($0.path, $1.path) }
        return Dataset(root: root, classNames: genres.map(\.name), files: files, warnings: warnings, skipped: skipped)
    }

    /// The candidate files of the genre folder `root/genre` (names, sorted by bytes); what is left out is added
    /// to `warnings` (sub-folders) or `skipped` (names, entries that are not regular files).
    private static func genreFiles(root: String, genre: String, warnings: inout [String],
                                   skipped: inout [SkippedFile]) throws -> [String] {
        var files: [String] = []
        for entry in try visibleEntries(join(root, genre)) {
            let path = join(join(root, genre), entry.shown)
            if let problem = entry.nameProblem(controlCharacters: false) {
                skipped.append(SkippedFile(path: path, reason: "file name \(problem)"))
                continue
            }
            switch entry.kind {
            case .regular: files.append(entry.name!)
            case .directory: warnings.append("'\(genre)/\(entry.shown)' is a folder; sub-folders of a genre are not searched")
            case .linkToNothing(let target):
                skipped.append(SkippedFile(path: path, reason: "not a regular file: a symbolic link to nothing (\(target))"))
            case .other: skipped.append(SkippedFile(path: path, reason: "not a regular file (a socket, FIFO or device)"))
            }
        }
        return files
    }

    /// Throws for the first two of `names` that Swift compares as equal (canonical equivalence) though their
    /// bytes differ: one class, or one file, would stand for two.
    private static func refuseNormalisationClashes(_ names: [String], root: String, what: String) throws {
        var seen: [String: String] = [:]
        for name in names {
            if let earlier = seen[name] {
                throw DatasetError.normalisationClash(root, what: what, first: earlier, second: name)
            }
            seen[name] = name
        }
    }

    /// What an entry is; a link to nothing keeps its target (as `FileName.shown`) for the message.
    private enum Kind { case directory, regular, linkToNothing(String), other }

    /// What `path` is after following links; nil when nothing (or a broken link) is there.
    private static func kind(of path: String) -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return kind(info.st_mode)
    }

    private static func kind(_ mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        default: return .other
        }
    }

    /// One entry of a folder: its name's bytes and what it is (links followed).
    private struct Entry {
        /// The name as the file system holds it (the sort key).
        let bytes: [UInt8]
        let kind: Kind
        /// The name, when its bytes are UTF-8.
        let name: String?
        /// The name for messages (`FileName.shown`).
        let shown: String

        /// Decoded once: every entry's name is used several times.
        init(bytes: [UInt8], kind: Kind) {
            self.bytes = bytes
            self.kind = kind
            name = FileName.text(bytes)
            shown = FileName.shown(bytes)
        }

        /// Why the name cannot be used ("is not valid UTF-8", "has a tab or line break", and with
        /// `controlCharacters` "has a control character"), or nil.
        func nameProblem(controlCharacters: Bool) -> String? {
            guard let name else { return "is not valid UTF-8" }
            // The split list is one `path<TAB>split` line per file.
            if name.contains(where: \.isNewline) || name.contains("\t") {
                return "has a tab or line break"
            }
            if controlCharacters, name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                return "has a control character"
            }
            return nil
        }
    }

    /// Entries of `folder` whose names do not start with ".", in byte order, read with readdir so that a name's
    /// bytes arrive as they are.
    private static func visibleEntries(_ folder: String) throws -> [Entry] {
        let entries: [Entry?]
        do throws(FolderEntries.Failure) {
            // Hidden entries start with "."; the kind is asked of the open folder (fstatat).
            entries = try FolderEntries.map(folder) { fd, name in name.first == UInt8(ascii: ".") ? nil : Entry(bytes: name, kind: kind(in: fd, name)) }
        } catch {
            throw DatasetError.unreadable(folder, reason: error.description)
        }
        return entries.compactMap { $0 }
    }

    /// What the entry `name` of the open folder `folder` is, links followed; a link whose target is missing
    /// is `.linkToNothing`.
    private static func kind(in folder: Int32, _ name: [UInt8]) -> Kind {
        let cName = name.map { CChar(bitPattern: $0) } + [0]
        var info = stat()
        if fstatat(folder, cName, &info, 0) == 0 { return kind(info.st_mode) }
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(folder, cName, &target, target.count - 1)
        guard count >= 0 else { return .other }
        return .linkToNothing(FileName.shown(target[..<count].map { UInt8(bitPattern: $0) }))
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
