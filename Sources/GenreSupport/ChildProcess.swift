import Foundation

/// Runs a program and reports its own peak resident memory: `wait4`'s `ru_maxrss` for that one child (Linux,
/// KiB), not the maximum over every child this process ever had (`getrusage(RUSAGE_CHILDREN)`).
public enum ChildProcess {
    /// Runs `executable` with `arguments`, stdout and stderr sent to /dev/null, and waits for it.
    /// - Returns: its exit status (128 + signal when killed) and peak resident set size, MiB.
    /// - Throws: `RunError` when it cannot be started.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, peakResidentMiB: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid = pid_t()
        let started = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard started == 0 else { throw RunError("cannot run \(executable): \(String(cString: strerror(started)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
        let signal = status & 0x7F
        let code = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return (code, Double(usage.ru_maxrss) / 1024)
    }
}
