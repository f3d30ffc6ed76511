/// Where a pipeline (training, evaluation, cross-validation) reports what it does, so that it can run
/// as a library as well as under the `genre` command, whose `Console` prints to stdout and stderr.
public protocol Reporter: AnyObject, Sendable {
    /// A line of the run's result or progress narrative (the command prints it to stdout).
    func out(_ line: String)
    /// A warning or a file left out: one line naming the file and the problem.
    func warn(_ message: Message)
    /// Per-file details, reported only when `verbose`.
    func detail(_ line: String)
    /// Whether per-file details are wanted (they cost a line per file).
    var verbose: Bool { get }
    /// Progress of a long task: `done` of `total` `unit`s (files, batches), with an optional status.
    func progress(_ label: String, _ done: Int, _ total: Int, unit: String, status: String?)
    /// How this front end spells a setting in what it prints.
    func name(of setting: Setting) -> String
    /// What to say if the process is stopped (Ctrl-C, `kill`) from now on, replacing what was said before, and
    /// a file to remove then (a lock file); nil: nothing to say any more. A front end that owns the process
    /// (the `genre` command) prints it before the process dies of the signal; the default ignores it, so a
    /// library never takes over a program's signals.
    func onInterrupt(_ message: Message?, removing file: String?)
    /// Runs `body` (the write of a checkpoint or a model and what is said about it) so that an interruption
    /// meanwhile takes effect only when `body` has ended; the default just runs it.
    func deferringInterrupts<T>(_ body: () throws -> T) rethrows -> T
}

extension Reporter {
    /// `message` as this front end prints it.
    public func render(_ message: Message) -> String { message.rendered(name(of:)) }

    /// Ignored: only a front end that owns the process handles its signals.
    public func onInterrupt(_ message: Message?, removing file: String?) {}

    /// Runs `body`: only a front end that owns the process handles its signals.
    public func deferringInterrupts<T>(_ body: () throws -> T) rethrows -> T { try body() }

    /// `progress` without a status.
    public func progress(_ label: String, _ done: Int, _ total: Int, unit: String = "steps") {
        progress(label, done, total, unit: unit, status: nil)
    }
}

/// A reporter that keeps nothing: for library callers that only want the result.
public final class SilentReporter: Reporter {
    /// A reporter that drops everything.
    public init() {}
    /// Dropped.
    public func out(_ line: String) {}
    /// Dropped.
    public func warn(_ message: Message) {}
    /// Dropped.
    public func detail(_ line: String) {}
    /// Always false: nothing asks for per-file details.
    public var verbose: Bool { false }
    /// Dropped.
    public func progress(_ label: String, _ done: Int, _ total: Int, unit: String, status: String?) {}
    /// The library's name of `setting` (its property).
    public func name(of setting: Setting) -> String { setting.rawValue }
}
