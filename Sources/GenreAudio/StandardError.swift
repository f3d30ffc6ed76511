import Foundation

/// The process's stderr, shared by genre's messages and the C libraries under libsndfile.
///
/// When libsndfile probes a file that is not audio, its MP3 decoder (mpg123) prints notes such as
/// "Note: Illegal Audio-MPEG-Header …" straight to file descriptor 2, which would turn genre's one-line
/// error into several. Opening is therefore done with fd 2 pointed at /dev/null, under `lock`; genre's
/// own stderr lines take the same lock, so none of them can be swallowed meanwhile.
public enum StandardError {
    public static let lock = NSLock()

    /// Writes `text` to stderr unbuffered, waiting for any silenced section to end.
    public static func write(_ text: String) {
        lock.withLock { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Runs `body` with fd 2 redirected to /dev/null. The caller must hold `lock`.
    static func silenced<T>(_ body: () -> T) -> T {
        fflush(stderr)
        let saved = dup(STDERR_FILENO)
        let null = open("/dev/null", O_WRONLY)
        guard saved >= 0, null >= 0 else {
            if saved >= 0 { close(saved) }
            if null >= 0 { close(null) }
            return body()
        }
        dup2(null, STDERR_FILENO)
        close(null)
        defer {
            fflush(stderr)
            dup2(saved, STDERR_FILENO)
            close(saved)
        }
        return body()
    }
}
