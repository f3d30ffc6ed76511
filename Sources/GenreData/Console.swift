import Foundation
import GenreAudio
import GenreSupport

/// Where a run's human-readable output goes: results on stdout, warnings and progress on stderr.
/// Every line is flushed as it is written so `genre train | tee log` shows each epoch when it ends.
///
/// Progress: on a terminal, one line redrawn in place (`label [####....] done/total  rate  ETA m:ss`);
/// elsewhere (a pipe, a CI log) a plain line every `plainInterval` seconds, so logs stay readable; nothing
/// under `quiet`.
public final class Console: Reporter, @unchecked Sendable {
    /// No progress is shown; results, warnings and (with `verbose`) details still are.
    public let quiet: Bool
    /// True when stderr is a terminal: only then is a redrawn progress bar shown.
    public let interactive: Bool
    /// Per-file details (`detail`) are shown.
    public let verbose: Bool
    /// Seconds between plain progress lines when stderr is not a terminal.
    public let plainInterval: Double
    private let lock = NSLock()
    private var progressShown = false
    private let errorSink: (String) -> Void
    private let clock: () -> Double
    private let columns: () -> Int
    private let spelling: @Sendable (Setting) -> String
    /// The task being timed: its label, its first report (time and count: the rate is measured from
    /// there), when progress was last shown, and the latest count.
    private var task: (label: String, start: Double, startDone: Int, lastShown: Double, done: Int)?
    /// When the last plain progress line was written (off a terminal), or the first report came.
    private var lastPlainLine: Double?

    /// - Parameters:
    ///   - errorSink: where stderr text goes (tests capture it); default: the process's stderr, unbuffered.
    ///   - clock: seconds from any fixed origin (tests drive it); default: the monotonic uptime clock.
    ///   - columns: the terminal's width in characters; default: asked of stderr's terminal each time (80
    ///     when it will not say).
    ///   - spelling: how settings named in warnings are printed (the `genre` command: its flags); default:
    ///     the library's names.
    public init(quiet: Bool = false, verbose: Bool = false, interactive: Bool = isatty(STDERR_FILENO) == 1,
                plainInterval: Double = 10, errorSink: @escaping (String) -> Void = StandardError.write,
                clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 },
                columns: @escaping () -> Int = Console.terminalColumns,
                spelling: @escaping @Sendable (Setting) -> String = \.rawValue) {
        self.quiet = quiet
        self.verbose = verbose
        self.interactive = interactive
        self.plainInterval = plainInterval
        self.errorSink = errorSink
        self.clock = clock
        self.columns = columns
        self.spelling = spelling
    }

    /// How this console prints `setting`.
    public func name(of setting: Setting) -> String { spelling(setting) }

    /// Width of the terminal on stderr (TIOCGWINSZ), or 80.
    public static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// A result line on stdout.
    public func out(_ line: String) {
        lock.withLock {
            clearProgress()
            FileHandle.standardOutput.write(Data((Self.printable(line) + "\n").utf8))
        }
    }

    /// Runs `body`, a write of results to stdout, with the progress line cleared first: the two never share a line.
    public func withProgressCleared<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock {
            clearProgress()
            return try body()
        }
    }

    /// A warning or note on stderr, settings spelt by `spelling`.
    public func warn(_ message: Message) {
        let line = render(message)
        lock.withLock {
            clearProgress()
            errorSink(Self.printable(line, lineBreaks: false) + "\n")
        }
    }

    /// From now on, Ctrl-C, `kill`, a closed terminal or a closed pipe print `genre: <message>` on stderr (after ending the
    /// progress line on a terminal) and remove `file` before the process dies of the signal (`InterruptNotice`);
    /// nil restores what the signals did before.
    public func onInterrupt(_ message: Message?, removing file: String?) {
        guard let message else { return InterruptNotice.clear() }
        let endLine = interactive && !quiet ? "\n" : ""
        InterruptNotice.set(endLine + "genre: " + Self.printable(render(message), lineBreaks: false) + "\n", removing: file)
    }

    /// Runs `body` with Ctrl-C, `kill`, a hang-up or a closed pipe held back until it ends (`InterruptNotice.deferring`).
    public func deferringInterrupts<T>(_ body: () throws -> T) rethrows -> T {
        try InterruptNotice.deferring(body)
    }

    /// A per-file detail line on stderr, only with `verbose`.
    public func detail(_ line: String) {
        guard verbose else { return }
        warn(Message(verbatim: line))
    }

    /// `genre: error: <message>` on stderr: the one line a failed command prints.
    public static func error(_ message: String) {
        StandardError.write("genre: error: \(printable(message, lineBreaks: false))\n")
    }

    /// A line on stderr as it is, for commands without a `Console` instance.
    public static func note(_ line: String) {
        StandardError.write(printable(line, lineBreaks: false) + "\n")
    }

    /// `warning: <message>` on stderr, for commands without a `Console` instance.
    public static func warning(_ message: String) {
        StandardError.write("warning: \(printable(message, lineBreaks: false))\n")
    }

    /// Progress of a task of `total` steps counted in `unit` (e.g. "files"): on a terminal a bar redrawn at
    /// most 10 times a second, with the rate and the time left; otherwise a plain line whenever
    /// `plainInterval` seconds have passed since the last one (of any task); nothing when `quiet`.
    /// A new label, or a count that went back, starts a new task (and its clock).
    /// - Parameter status: shown after the label without starting a new task (e.g. "epoch 3/60").
    public func progress(_ label: String, _ done: Int, _ total: Int, unit: String, status: String?) {
        guard !quiet, total > 0 else { return }
        lock.withLock {
            let now = clock()
            if task == nil || task!.label != label || done < task!.done {
                task = (label, now, done, now, done)
            }
            task!.done = done
            let elapsed = now - task!.start, counted = done - task!.startDone
            let finished = done >= total
            let name = label + (status.map { ", " + $0 } ?? "")
            if interactive {
                guard finished || now - task!.lastShown >= 0.1 || !progressShown else { return }
                task!.lastShown = now
                if finished {
                    clearProgress()
                    return
                }
                // A line longer than the terminal wraps, and "\r" then redraws only its last row: the bar
                // shrinks (to nothing) first, then the label is cut.
                let tail = " \(done)/\(total)\(Self.rateAndETA(counted, total - done, elapsed, unit))"
                let room = columns() - 1 - name.count - tail.count - 3
                var line = name + tail
                if room >= 5 {
                    let width = min(24, room), filled = width * done / total
                    line = name + " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]" + tail
                }
                let limit = max(columns() - 1, 10)
                if line.count > limit { line = String(line.prefix(limit - 1)) + "…" }
                errorSink("\r\(line)\u{1B}[K")
                progressShown = true
            } else {
                let last = lastPlainLine ?? now
                if lastPlainLine == nil { lastPlainLine = now }
                guard !finished, now - last >= plainInterval else { return }
                lastPlainLine = now
                errorSink("\(name) \(done)/\(total) (\(100 * done / total) %)\(Self.rateAndETA(counted, total - done, elapsed, unit))\n")
            }
        }
    }

    /// "  12.3 files/s  ETA 1:05" for `counted` steps in `elapsed` seconds and `left` to go, or "" until a
    /// rate can be measured.
    static func rateAndETA(_ counted: Int, _ left: Int, _ elapsed: Double, _ unit: String) -> String {
        guard counted > 0, elapsed > 0.05 else { return "" }
        let rate = Double(counted) / elapsed
        return String(format: "  %.1f %@/s  ETA %@", rate, unit, duration(Double(left) / rate))
    }

    /// `text` with control characters (C0, DEL, C1) written as `\x1b` or `\u{9b}`, so a file name cannot move
    /// the cursor or recolour a terminal (names come from the dataset, not from us).
    /// - Parameter lineBreaks: keep line feeds (a block of result lines); false for what must stay one line (a
    ///   warning, an error, a file's heading), where a line break in a name is written `\x0a`.
    public static func printable(_ text: String, lineBreaks: Bool = true) -> String {
        let isControl = { (s: Unicode.Scalar) in Self.isControl(s) || (!lineBreaks && s == "\n") }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                out += scalar.value < 0x80 ? String(format: "\\x%02x", scalar.value) : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        (s.value < 0x20 && s != "\n") || (0x7F...0x9F).contains(s.value)
    }

    /// "m:ss", or "h:mm:ss" from an hour on.
    /// - Parameters:
    ///   - hours: h:mm:ss even under an hour (a column of times of which one reaches an hour).
    ///   - tenths: to the nearest tenth of a second, "0:00.4".
    public static func duration(_ seconds: Double, hours: Bool = false, tenths: Bool = false) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e8 else { return "?" }  // Int() of inf would trap
        let scale = tenths ? 10 : 1
        let units = Int((seconds * Double(scale)).rounded()), s = units / scale
        let fraction = tenths ? ".\(units % 10)" : ""
        return (s >= 3600 || hours ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                                   : String(format: "%d:%02d", s / 60, s % 60)) + fraction
    }

    private func clearProgress() {
        if progressShown {
            errorSink("\r\u{1B}[K")
            progressShown = false
        }
    }
}
