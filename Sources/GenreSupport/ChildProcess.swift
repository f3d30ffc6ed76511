import Foundation

/// Runs a program and reports its own peak resident memory.
///
/// `wait4`'s `ru_maxrss` is not enough: glibc's `posix_spawn` runs the child on the parent's memory until `exec`,
/// and Linux folds that memory's high-water mark into the child's, so a child of a large process (a test runner,
/// `genre bench` after its speed figures) seems at least as large as its parent. The child therefore reports its own
/// `VmHWM` from `/proc/self/status` at exit, into the file `peakFileVariable` names, when it is a genre process that
/// called `reportPeakAtExitIfAsked()`; `ru_maxrss` remains the fallback.
public enum ChildProcess {
    /// The environment variable naming the file a genre child writes its peak resident memory (KiB) to at exit.
    public static let peakFileVariable = "GENRE_PEAK_RSS_FILE"

    /// Runs `executable` with `arguments`, stdout and stderr sent to /dev/null, and waits for it.
    /// - Returns: its exit status (128 + signal when killed) and peak resident set size, MiB.
    /// - Throws: `RunError` when it cannot be started.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, peakResidentMiB: Double) {
        let peakFile = NSTemporaryDirectory() + "genre-peak-\(getpid())-\(UUID().uuidString)"
        defer { unlink(peakFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        var environment = ProcessInfo.processInfo.environment
        environment[peakFileVariable] = peakFile
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid = pid_t()
        let started = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard started == 0 else { throw RunError("cannot run \(executable): \(String(cString: strerror(started)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
        let signal = status & 0x7F
        let code = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        let reported = (try? String(contentsOfFile: peakFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return (code, Double(reported ?? usage.ru_maxrss) / 1024)
    }

    /// When `peakFileVariable` is set, writes this process's `VmHWM` (KiB) to that file at exit. Call once, first
    /// thing in `main`.
    public static func reportPeakAtExitIfAsked() {
        guard ProcessInfo.processInfo.environment[peakFileVariable] != nil else { return }
        atexit {
            guard let path = ProcessInfo.processInfo.environment[ChildProcess.peakFileVariable],
                  let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                  let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first else { return }
            try? String(kib).write(toFile: path, atomically: false, encoding: .utf8)
        }
    }
}
