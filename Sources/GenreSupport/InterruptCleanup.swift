import Foundation

/// Files to delete if the process is interrupted while they may exist: a signal handler may only call
/// async-signal-safe functions, so the paths are prepared as C strings beforehand and the handler does no
/// more than `unlink`, `rmdir` and re-raise the signal.
package enum InterruptCleanup {
    /// The signals a user or the system sends to stop a command: Ctrl-C, `kill`, a closed terminal.
    static let signals = [SIGINT, SIGTERM, SIGHUP]

    /// `files` (unlinked) then `folder` (removed when empty), as C strings; read by the handler.
    nonisolated(unsafe) private static var paths: [UnsafeMutablePointer<CChar>] = []
    nonisolated(unsafe) private static var pathCount = 0

    /// Runs `body`; if one of `signals` arrives meanwhile, deletes `files` and then `folder`, and dies of
    /// that signal as the process would have without this. Not reentrant (one cleanup at a time).
    package static func run<T>(deleting files: [String], thenFolder folder: String, _ body: () throws -> T) rethrows -> T {
        paths = (files + [folder]).map { strdup($0)! }
        pathCount = paths.count
        var previous: [sigaction] = []
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                let count = InterruptCleanup.pathCount
                for i in 0..<count - 1 { unlink(InterruptCleanup.paths[i]) }
                rmdir(InterruptCleanup.paths[count - 1])
                signal(number, SIG_DFL)
                raise(number)
            }
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            sigaction(number, &action, &old)
            previous.append(old)
        }
        defer {
            for (i, number) in signals.enumerated() { sigaction(number, &previous[i], nil) }
            pathCount = 0
            for p in paths { free(p) }
            paths = []
        }
        return try body()
    }
}
