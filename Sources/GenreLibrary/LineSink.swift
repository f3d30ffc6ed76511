import Foundation
import GenreSupport

/// Where results go: standard output, or a file opened for appending. Each `write` is one `write(2)` loop on an
/// unbuffered descriptor; a write that fails part-way (a full disk) is cut back off the file, so the file only ever
/// ends in the middle of a record when the process dies inside that call; `--resume` drops such a tail.
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

    /// Why a write failed: the sink's name and the system's reason.
    public struct WriteFailure: Error, CustomStringConvertible {
        public var name: String
        public var reason: String
        public var description: String { "\(name): cannot write: \(reason)" }
    }

    /// Writes `text` whole, or (a file) nothing of it.
    /// - Throws: `WriteFailure` (a full disk, a file size limit, a closed pipe).
    public func write(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        let start = owned ? lseek(descriptor, 0, SEEK_END) : -1
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                if start >= 0 { _ = ftruncate(descriptor, start) }
                throw WriteFailure(name: name, reason: String(cString: strerror(code)))
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
