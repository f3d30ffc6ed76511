import Foundation
import GenreSupport

/// The paths of a `--files-from` list: one per line, or NUL-separated as `find -print0` writes them (a name may then
/// hold a line break, or end with a carriage return). Empty entries are ignored; a line's trailing "\r" is dropped, so
/// that a list written by a Windows tool reads as it was meant.
public enum FileList {
    /// - Parameters:
    ///   - source: a file, a pipe (`<(find …)`), or "-" for standard input.
    ///   - nulSeparated: entries end with NUL instead of a line feed.
    /// - Returns: the entries in order; one that is not UTF-8 is `.unnamable` (reported as a failure, never opened).
    /// - Throws: `RunError` "SOURCE: cannot read the file list: reason" (a folder: "it is a folder").
    public static func read(_ source: String, nulSeparated: Bool) throws -> [LibraryInput] {
        let fd = source == "-" ? STDIN_FILENO : open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RunError("\(source): cannot read the file list: \(String(cString: strerror(errno)))") }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw RunError("\(source): cannot read the file list: it is a folder")
        }
        var bytes: [UInt8] = [], block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = block.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw RunError("\(source): cannot read the file list: \(String(cString: strerror(errno)))") }
            if got == 0 { break }
            bytes += block[..<got]
        }
        return parse(bytes, nulSeparated: nulSeparated)
    }

    /// `read` on bytes already in memory.
    public static func parse(_ bytes: [UInt8], nulSeparated: Bool) -> [LibraryInput] {
        bytes.split(separator: nulSeparated ? 0 : 0x0A, omittingEmptySubsequences: true).compactMap { entry in
            let entry = !nulSeparated && entry.last == 0x0D ? Array(entry.dropLast()) : Array(entry)
            guard !entry.isEmpty else { return nil }
            return FileName.text(entry).map { .path($0) } ?? .unnamable(bytes: entry, shown: FileName.shown(entry))
        }
    }
}
