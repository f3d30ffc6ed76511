import Foundation
import Synchronization

/// What a long run says when it is stopped by Ctrl-C (SIGINT), `kill` (SIGTERM), a closed terminal (SIGHUP) or a
/// closed pipe on stdout (SIGPIPE, `genre train | head`): a line prepared beforehand (e.g. which checkpoint is
/// kept and how to continue), written to stderr by the signal handler, which then removes one prepared file (a
/// lock file) and lets the process die of the signal as it would have without the handler (so the shell sees 130
/// for Ctrl-C). Inside `deferring` a signal waits until the block ends, so a checkpoint or a model is never left
/// half-written (no temporary file behind) and the line said matches what is on disk.
///
/// A handler may only call async-signal-safe functions: the line and the path are C strings made before, the
/// flags are lock-free atomics, and it calls no more than `write`, `unlink`, `signal` and `raise`.
package enum InterruptNotice {
    /// The signals a user or the system sends to stop a command.
    static let signals = [SIGINT, SIGTERM, SIGHUP, SIGPIPE]

    /// The line (NUL-terminated) and the file to remove, read by the handler. A replaced line is never freed:
    /// a handler running on another thread may be reading it (a few hundred bytes per epoch).
    nonisolated(unsafe) private static var line: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var removing: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var previous: [sigaction]?
    /// Inside `deferring`; and the signal that arrived meanwhile (0: none).
    private static let deferred = Atomic<Bool>(false)
    private static let pending = Atomic<Int32>(0)

    /// Sets the line to write (and the file to remove) from now on, installing the handlers on first use.
    package static func set(_ text: String, removing file: String?) {
        line = strdup(text)
        removing = file.map { strdup($0)! }
        guard previous == nil else { return }
        previous = signals.map { number in
            var action = sigaction(), old = sigaction()
            // A signal the parent set to be ignored (a script's background job ignores SIGINT) stays ignored.
            sigaction(number, nil, &old)
            if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { return old }
            action.__sigaction_handler.sa_handler = { number in
                if InterruptNotice.deferred.load(ordering: .sequentiallyConsistent) {
                    InterruptNotice.pending.store(number, ordering: .sequentiallyConsistent)
                } else {
                    InterruptNotice.die(of: number)
                }
            }
            // A deferred signal must not make the write it waits for fail with EINTR.
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, &old)
            return old
        }
    }

    /// Runs `body` with the signals held back: one that arrives meanwhile takes effect when `body` has ended
    /// (returned or thrown), with the line set by then. Without handlers (`set` not called) it only runs `body`.
    package static func deferring<T>(_ body: () throws -> T) rethrows -> T {
        guard previous != nil, !deferred.load(ordering: .sequentiallyConsistent) else { return try body() }
        deferred.store(true, ordering: .sequentiallyConsistent)
        defer {
            deferred.store(false, ordering: .sequentiallyConsistent)
            let number = pending.exchange(0, ordering: .sequentiallyConsistent)
            if number != 0 { die(of: number) }
        }
        return try body()
    }

    /// Restores the handlers there were before `set`; the signals do what they did before.
    package static func clear() {
        guard var old = previous else { return }
        for (i, number) in signals.enumerated() { sigaction(number, &old[i], nil) }
        previous = nil
        removing = nil
        line = nil
    }

    /// Removes the prepared file, writes the prepared line, and dies of `number`.
    private static func die(of number: Int32) {
        if let file = removing { unlink(file) }
        if let text = line {
            var count = 0
            while text[count] != 0 { count += 1 }
            _ = write(STDERR_FILENO, text, count)
        }
        signal(number, SIG_DFL)
        raise(number)
    }
}
