/// Why an audio file could not be turned into samples.
///
/// Every case carries the path it concerns so a caller can print `description` as-is: one line,
/// `"<path>: <reason>"`, suitable for a command-line error message.
public enum AudioError: Error, CustomStringConvertible, Equatable {
    /// Nothing exists at `path` (checked with `stat` before libsndfile is asked).
    case fileNotFound(path: String)
    /// `path` exists but is a directory, FIFO, device or other non-regular file.
    case notARegularFile(path: String)
    /// libsndfile could not open or decode the file; `reason` is a human-readable sentence that
    /// ends with libsndfile's own error text in parentheses.
    case unreadable(path: String, reason: String)
    /// Neither libsndfile nor an allowed FFmpeg demuxer recognises the file, or it is a container with no audio
    /// stream: by its content it is not audio (cover.jpg, a .cue sheet, a text file). `reason` starts "not a recognised
    /// audio file" or "no audio stream". A library walk skips such files; a file named on its own is an error.
    case notAudio(path: String, reason: String)
    /// The file opened but decoding to end of file produced zero frames.
    case noFrames(path: String)
    /// The file could not be written (AudioWriter); `reason` is libsndfile's or the OS's.
    case writeFailed(path: String, reason: String)
    /// libsoxr refused the conversion (for example a non-positive rate); `reason` is its message.
    /// `path` is empty when `Resampler` is used directly on samples.
    case resampleFailed(path: String, reason: String)
    /// The file's sample rate lies outside `AudioDecoder.sampleRates` (no music is sampled at 1 Hz, and
    /// resampling from it would ask libsoxr for gigabytes).
    case unsupportedSampleRate(path: String, sampleRate: Int)

    /// One line: `"<path>: <reason>"` (just the reason when there is no path).
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return Self.line(path, "no such file")
        case .notARegularFile(let path):
            return Self.line(path, "not a regular file (a directory, device or pipe)")
        case .unreadable(let path, let reason), .notAudio(let path, let reason):
            return Self.line(path, reason)
        case .noFrames(let path):
            return Self.line(path, "no audio frames (the file holds no samples)")
        case .writeFailed(let path, let reason):
            return Self.line(path, "cannot write: \(reason)")
        case .resampleFailed(let path, let reason):
            return Self.line(path, "resampling failed (libsoxr: \(reason))")
        case .unsupportedSampleRate(let path, let rate):
            let range = AudioDecoder.sampleRates
            return Self.line(path, "sample rate \(rate) Hz is outside the supported \(range.lowerBound)–\(range.upperBound) Hz")
        }
    }

    private static func line(_ path: String, _ reason: String) -> String {
        // Error texts from C libraries can contain newlines; the contract is one line. A line break in the
        // path is the file's name: it is kept, for the front end to print escaped (`\x0a`), not made a space.
        let reason = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        return path.isEmpty ? reason : "\(path): \(reason)"
    }
}
