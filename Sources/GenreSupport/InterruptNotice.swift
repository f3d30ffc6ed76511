import Foundation

/// What a long run says when it is stopped by Ctrl-C (SIGINT), `kill` (SIGTERM) or a closed terminal (SIGHUP):
/// a line prepared beforehand (e.g. which checkpoint is kept and how to continue), written to stderr by the
/// signal handler, which then removes one prepared file (a lock file) and lets the process die of the signal
/// as it would have without the handler (so the shell sees 130 for Ctrl-C). A handler may only call
/// async-signal-safe functions: the line and the path are C strings made before, and it calls no more than
/// `write`, `unlink`, `signal` and `raise`.
package enum InterruptNotice {
    /// The line (NUL-terminated) and the file to remove, read by the handler. A replaced line is never freed:
    /// a handler running on another thread may be reading it (a few hundred bytes per epoch).
    nonisolated(unsafe) private static var line: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var removing: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var previous: [sigaction]?

    /// Sets the line to write (and the file to remove) from now on, installing the handlers on first use.
    package static func set(_ text: String, removing file: String?) {
        line = strdup(text)
        removing = file.map { strdup($0)! }
        guard previous == nil else { return }
        previous = InterruptCleanup.signals.map { number in
            var action = sigaction(), old = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                if let file = InterruptNotice.removing { unlink(file) }
                if let text = InterruptNotice.line {
                    var count = 0
                    while text[count] != 0 { count += 1 }
                    _ = write(STDERR_FILENO, text, count)
                }
                signal(number, SIG_DFL)
                raise(number)
            }
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, &old)
            return old
        }
    }

    /// Restores the handlers there were before `set`; the signals do what they did before.
    package static func clear() {
        guard var old = previous else { return }
        for (i, number) in InterruptCleanup.signals.enumerated() { sigaction(number, &old[i], nil) }
        previous = nil
        removing = nil
        line = nil
    }
}
