import Foundation
import GenreSupport

/// Where results go: standard output, or a file opened for appending. Each `write` is one `write(2)` loop on an
/// unbuffered descriptor, so the file only ever ends in the middle of a record when the process dies inside that
/// call; `--resume` drops such a tail.
public final class LineSink {
    private let descriptor: Int32
    /// The file written, or "standard output".
    public let name: String
    private let owned: Bool
    /// Standard output, which a progress line on the same terminal must make way for.
    public var isStandardOutput: Bool { !owned }

    /// Standard output.
    public init() {
        descriptor = STDOUT_FILENO
        name = "standard output"
        owned = false
    }

    /// `path`, created (mode 0666 less the umask) or appended to.
    /// - Throws: `RunError` "PATH: cannot write: reason".
    public init(appendingTo path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw RunError("\(path): cannot write: \(String(cString: strerror(errno)))") }
        descriptor = fd
        name = path
        owned = true
    }

    deinit { if owned { close(descriptor) } }

    /// Writes `text` whole.
    /// - Throws: `RunError` "NAME: cannot write: reason" (a full disk, a closed pipe).
    public func write(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw RunError("\(name): cannot write: \(String(cString: strerror(errno)))")
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
