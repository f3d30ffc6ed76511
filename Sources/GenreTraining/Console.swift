import Foundation
import GenreAudio

/// Where a run's human-readable output goes: results on stdout, warnings and progress on stderr.
/// Every line is flushed as it is written so `genre train | tee log` shows each epoch when it ends.
public final class Console: @unchecked Sendable {
    public let quiet: Bool
    /// True when stderr is a terminal: only then is a redrawn progress bar shown.
    public let interactive: Bool
    private let lock = NSLock()
    private var progressShown = false

    public init(quiet: Bool = false, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.quiet = quiet
        self.interactive = interactive
    }

    /// A result line on stdout.
    public func out(_ line: String) {
        lock.withLock {
            clearProgress()
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    /// A warning or note on stderr.
    public func warn(_ line: String) {
        lock.withLock {
            clearProgress()
            StandardError.write(line + "\n")
        }
    }

    /// `genre: error: <message>` on stderr: the one line a failed command prints.
    public static func error(_ message: String) {
        StandardError.write("genre: error: \(message)\n")
    }

    /// `warning: <message>` on stderr, for commands without a `Console` instance.
    public static func warning(_ message: String) {
        StandardError.write("warning: \(message)\n")
    }

    /// A progress bar on stderr (`label [#####.....] done/total`), redrawn in place; only when stderr is a
    /// terminal and not `quiet`.
    public func progress(_ label: String, _ done: Int, _ total: Int) {
        guard interactive, !quiet, total > 0 else { return }
        lock.withLock {
            let width = 30, filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            StandardError.write("\r\(label) [\(bar)] \(done)/\(total)\u{1B}[K")
            progressShown = done < total
            if !progressShown { StandardError.write("\r\u{1B}[K") }
        }
    }

    private func clearProgress() {
        if progressShown {
            StandardError.write("\r\u{1B}[K")
            progressShown = false
        }
    }
}
