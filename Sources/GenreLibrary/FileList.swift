import Foundation
import GenreSupport

/// The paths of a `--files-from` list: one per line, or NUL-separated as `find -print0` writes them (a name may then
/// hold a line break). Empty entries are ignored; a trailing "\r" is part of the name, as the file system would have it.
public enum FileList {
    /// A listed path that is not UTF-8, as `FileName.shown` writes it.
    public struct Problem: Sendable, Equatable {
        public var shown: String
        public var reason: String { FileName.notUTF8Problem }
    }

    /// - Parameters:
    ///   - source: a file, or "-" for standard input.
    ///   - nulSeparated: entries end with NUL instead of a line feed.
    /// - Returns: the paths in order, and the entries that are not UTF-8 (reported as failures, never opened).
    /// - Throws: `RunError` "SOURCE: cannot read the file list: reason".
    public static func read(_ source: String, nulSeparated: Bool) throws -> (paths: [String], problems: [Problem]) {
        let data: Data
        do {
            data = source == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                : try Data(contentsOf: URL(fileURLWithPath: source))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw RunError("\(source): cannot read the file list: \(reason)")
        }
        return parse([UInt8](data), nulSeparated: nulSeparated)
    }

    /// `read` on bytes already in memory.
    public static func parse(_ bytes: [UInt8], nulSeparated: Bool) -> (paths: [String], problems: [Problem]) {
        var paths: [String] = [], problems: [Problem] = []
        for entry in bytes.split(separator: nulSeparated ? 0 : 0x0A, omittingEmptySubsequences: true) {
            if let path = FileName.text(Array(entry)) { paths.append(path) } else { problems.append(Problem(shown: FileName.shown(Array(entry)))) }
        }
        return (paths, problems)
    }
}
