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
    /// Things ignored while scanning (empty genre folders, files directly in `root`, entries that
    /// are not regular files), one human-readable line each.
    public let warnings: [String]

    /// Builds a dataset directly (tests, or a list from elsewhere); no file system access.
    /// Precondition: every label is in 0..<classNames.count.
    public init(root: String, classNames: [String], files: [DatasetFile], warnings: [String] = []) {
        precondition(files.allSatisfy { classNames.indices.contains($0.label) }, "label outside classNames")
        self.root = root
        self.classNames = classNames
        self.files = files
        self.warnings = warnings
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
    /// skipped at decode time. Symbolic links are followed. Entries that are not regular files
    /// (sub-sub-folders, sockets, broken links) are skipped with a warning, as are files directly in
    /// `root`; a genre folder with no candidate file is ignored with a warning.
    /// - Parameters:
    ///   - root: the dataset folder.
    ///   - inUse: paths of files the run itself reads (a fold file); one of them lying directly in `root`
    ///     (compared as `OutputPath.resolved` paths) is not warned about as a stray file.
    /// - Returns: classes and files in UTF-8 byte order; labels index `classNames`.
    /// - Throws: `DatasetError.notFound`, `.notADirectory`, `.unreadable`, or `.tooFewClasses`
    ///   when fewer than two genre folders hold files.
    public static func scan(_ root: String, inUse: [String] = []) throws -> Dataset {
        switch kind(of: root) {
        case nil: throw DatasetError.notFound(root)
        case .directory?: break
        default: throw DatasetError.notADirectory(root)
        }
        var warnings: [String] = []
        var genres: [(name: String, files: [String])] = []
        let filesInUse = Set(inUse.compactMap(OutputPath.resolved))
        for name in try visibleEntries(root) {
            let path = join(root, name)
            if name.contains("\u{FFFD}") {
                warnings.append("'\(name)' has a name that is not valid UTF-8; skipped")
                continue
            }
            if name.contains(where: \.isNewline) || name.contains("\t") {
                warnings.append("'\(name.debugDescription.dropFirst().dropLast())' has a tab or line break in its name; skipped")
                continue
            }
            // A genre name is stored in the model, whose loader refuses control characters in it.
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                warnings.append("'\(name.debugDescription.dropFirst().dropLast())' has a control character in its name; skipped")
                continue
            }
            switch kind(of: path) {
            case .directory?:
                var files: [String] = []
                for fileName in try visibleEntries(path) {
                    let entryKind = kind(of: join(path, fileName))
                    if fileName.contains("\u{FFFD}") {
                        warnings.append("'\(name)/\(fileName)' has a name that is not valid UTF-8; skipped")
                    } else if fileName.contains(where: \.isNewline) || fileName.contains("\t") {
                        // The split list is one `path<TAB>split` line per file.
                        warnings.append("'\(name)/\(fileName.debugDescription.dropFirst().dropLast())' has a tab or line break in its name; skipped")
                    } else if entryKind == .regular {
                        files.append(fileName)
                    } else if entryKind == .directory {
                        warnings.append("'\(name)/\(fileName)' is a folder; sub-folders of a genre are not searched")
                    } else {
                        warnings.append("'\(name)/\(fileName)' is not a regular file; skipped")
                    }
                }
                if files.isEmpty {
                    warnings.append("genre folder '\(name)' has no files; ignored")
                } else {
                    genres.append((name, files))
                }
            case .regular?:
                if !filesInUse.contains(OutputPath.resolved(path) ?? path) {
                    warnings.append("file '\(name)' is directly in the dataset folder, not in a genre folder; ignored")
                }
            default:
                warnings.append("'\(name)' is neither a folder nor a regular file; skipped")
            }
        }
        guard genres.count >= 2 else { throw DatasetError.tooFewClasses(root, found: genres.map(\.name)) }
        // visibleEntries is sorted, so genres are in class order and label = position.
        var files: [DatasetFile] = []
        for (label, genre) in genres.enumerated() {
            files += genre.files.map { DatasetFile(relativePath: genre.name + "/" + $0, label: label) }
        }
        files.sort { utf8Precedes($0.relativePath, $1.relativePath) }
        return Dataset(root: root, classNames: genres.map(\.name), files: files, warnings: warnings)
    }

    private enum Kind { case directory, regular, other }

    /// What `path` is after following links; nil when nothing (or a broken link) is there.
    private static func kind(of path: String) -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        default: return .other
        }
    }

    /// Names in `folder` not starting with ".", in UTF-8 byte order.
    private static func visibleEntries(_ folder: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw DatasetError.unreadable(folder, reason: (error as NSError).localizedDescription)
        }
        return names.filter { !$0.hasPrefix(".") }.sorted(by: utf8Precedes)
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
