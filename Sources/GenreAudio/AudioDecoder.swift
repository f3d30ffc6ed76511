import CSndfile
import Foundation

/// Decodes audio files with libsndfile (WAV/WAVEX, AIFF/AIFC, AU, FLAC, Ogg Vorbis/Opus, MP3, ...),
/// mixes to mono and resamples with libsoxr.
///
/// Samples are read with `sf_readf_float` under libsndfile's default scaling: integer PCM is mapped to
/// [-1, 1) (`SFC_SET_NORM_FLOAT` on, the default), float and double files come back unchanged (a
/// float file peaking at 2.0 reads as 2.0). That is what python-soundfile's `read(dtype=float32)`
/// returns, which librosa and the reference tensors use.
public enum AudioDecoder {
    /// Frames requested per `sf_readf_float` call.
    private static let chunkFrames = 16_384

    /// libsndfile's global error slot (`sf_strerror(NULL)`) is shared by all threads, so a failing
    /// `sf_open` and the read of its message happen under one lock: `StandardError.lock`, because the
    /// probe also runs with stderr silenced (see `StandardError`).
    private static var openLock: NSLock { StandardError.lock }

    /// libsndfile's message for a file too short to probe; untrue of a file we have just seen exists.
    private static let misleadingOpenError = "File does not exist or is not a regular file"

    /// The longest file read, seconds (1 hour): longer ones throw `AudioError.tooLong`.
    public static let maxSeconds = 3600

    /// Decodes every frame of `path`.
    ///
    /// - Parameter path: a file path; the extension (and its case) is ignored, libsndfile sniffs content.
    /// - Returns: interleaved samples `[frames * channels]` (float scale) and the file's `AudioInfo`,
    ///   whose `frames` counts the frames actually decoded (reads continue until libsndfile returns 0,
    ///   since the header's count is only an estimate for MP3 and wrong for truncated files).
    /// - Throws: `AudioError.fileNotFound` if nothing exists at `path`; `.notARegularFile` for a
    ///   directory or device; `.unreadable` when libsndfile cannot open it (reason
    ///   `"not a recognised audio file (libsndfile: <sf_strerror>)"`, without libsndfile's untrue "File does
    ///   not exist" for tiny files); `.noFrames` when zero frames decode; `.tooLong` beyond `maxSeconds`.
    public static func readInterleaved(path: String) throws -> (samples: [Float], info: AudioInfo) {
        let (file, sfInfo) = try open(path)
        defer { sf_close(file) }
        let channels = Int(sfInfo.channels)

        // Whole files are held in memory (and resampled): bound their length, from the header first and
        // again while reading, since headers can lie. A 1 Hz header would otherwise ask soxr for days.
        let maxFrames = Int(sfInfo.samplerate) * maxSeconds
        guard sfInfo.frames <= maxFrames else { throw AudioError.tooLong(path: path, limitSeconds: maxSeconds) }

        var samples: [Float] = []
        // The header's frame count is a capacity hint only; cap it so a lying header cannot make us
        // reserve gigabytes.
        if sfInfo.frames > 0 {
            samples.reserveCapacity(Int(min(sfInfo.frames, 1 << 27)) * channels)
        }
        var chunk = [Float](repeating: 0, count: chunkFrames * channels)
        while true {
            let got = chunk.withUnsafeMutableBufferPointer { buffer in
                sf_readf_float(file, buffer.baseAddress, sf_count_t(chunkFrames))
            }
            if got <= 0 { break }
            samples.append(contentsOf: chunk[0..<(Int(got) * channels)])
            if samples.count > maxFrames * channels { throw AudioError.tooLong(path: path, limitSeconds: maxSeconds) }
        }

        let frames = samples.count / channels
        guard frames > 0 else {
            // Tell a decoder failure on the first block apart from a genuinely empty file.
            if sf_error(file) != 0 {
                let message = String(cString: sf_strerror(file))
                throw AudioError.unreadable(path: path, reason: "cannot decode audio (libsndfile: \(message))")
            }
            throw AudioError.noFrames(path: path)
        }
        let info = AudioInfo(path: path, sampleRate: Int(sfInfo.samplerate), channels: channels,
                             frames: frames, format: FormatNames.describe(format: sfInfo.format),
                             channelRoles: channelRoles(file, sfInfo))
        return (samples, info)
    }

    /// What the file's header says, without decoding it: rate, channels, format, and `frames` as the header
    /// promises them (an estimate for MP3, too large for a truncated file).
    /// - Throws: the open errors of `readInterleaved(path:)` (`.fileNotFound`, `.notARegularFile`, `.unreadable`).
    public static func probe(path: String) throws -> AudioInfo {
        let (file, sfInfo) = try open(path)
        defer { sf_close(file) }
        return AudioInfo(path: path, sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels),
                         frames: Int(sfInfo.frames), format: FormatNames.describe(format: sfInfo.format))
    }

    /// The channel roles of an open file: its channel map when libsndfile reports one, else its codec's
    /// order for the channel count (`ChannelLayout.roles`). Mono and stereo need none.
    private static func channelRoles(_ file: OpaquePointer, _ sfInfo: SF_INFO) -> [ChannelRole]? {
        let channels = Int(sfInfo.channels)
        guard channels > 2 else { return nil }
        var map = [Int32](repeating: 0, count: channels)
        let reported = map.withUnsafeMutableBytes { bytes in
            sf_command(file, Int32(SFC_GET_CHANNEL_MAP_INFO), bytes.baseAddress, Int32(bytes.count)) == SF_TRUE
        }
        return ChannelLayout.roles(format: sfInfo.format, channels: channels, map: reported ? map : nil)
    }

    /// Opens `path` for reading with libsndfile; the caller closes the handle.
    private static func open(_ path: String) throws -> (OpaquePointer, SF_INFO) {
        try checkRegularFile(path)
        var sfInfo = SF_INFO()
        let (handle, openError) = openLock.withLock { () -> (OpaquePointer?, String) in
            let opened = StandardError.silenced { sf_open(path, Int32(SFM_READ), &sfInfo) }
            return (opened, opened == nil ? String(cString: sf_strerror(nil)) : "")
        }
        guard let file = handle else {
            let detail = openError.hasPrefix(misleadingOpenError) ? "" : " (libsndfile: \(openError))"
            throw AudioError.unreadable(path: path, reason: "not a recognised audio file\(detail)")
        }
        guard sfInfo.channels > 0, sfInfo.samplerate > 0 else {
            sf_close(file)
            throw AudioError.unreadable(path: path, reason: "libsndfile reports \(sfInfo.channels) channels at \(sfInfo.samplerate) Hz")
        }
        return (file, sfInfo)
    }

    /// Decodes `path` and mixes its channels into one by `downmix`: `.mean` is librosa `to_mono` (the
    /// Float mean of the channels of each frame); `.itu775` weighs the channels of a known 5.1 or 7.1
    /// layout by ITU-R BS.775 (`ChannelLayout.weights`) and is the mean otherwise.
    ///
    /// - Returns: mono samples `[frames]` at the file's own rate (Hz) and the file's `AudioInfo`.
    /// - Throws: the `AudioError`s of `readInterleaved(path:)`.
    public static func readMono(path: String, downmix: Downmix = .mean) throws -> (audio: MonoAudio, info: AudioInfo) {
        let (interleaved, info) = try readInterleaved(path: path)
        let mono: [Float]
        if downmix == .mean || info.channels <= 2 {
            mono = mixToMono(interleaved, channels: info.channels)
        } else {
            let weights = ChannelLayout.weights(rule: downmix, channels: info.channels, roles: info.channelRoles)
            mono = mix(interleaved, weights: weights)
        }
        return (MonoAudio(samples: mono, sampleRate: info.sampleRate), info)
    }

    /// Frame-wise weighted sum of interleaved channels `[frames * weights.count]` → `[frames]`.
    static func mix(_ interleaved: [Float], weights: [Float]) -> [Float] {
        let channels = weights.count, frames = interleaved.count / channels
        return [Float](unsafeUninitializedCapacity: frames) { out, count in
            interleaved.withUnsafeBufferPointer { x in
                for t in 0..<frames {
                    var sum: Float = 0
                    for c in 0..<channels { sum += weights[c] * x[t * channels + c] }
                    out[t] = sum
                }
            }
            count = frames
        }
    }

    /// Decodes `path`, mixes to mono by `downmix` (`readMono`) and, when the file's rate differs from `sampleRate`, resamples with
    /// `Resampler.resample` (libsoxr HQ, as librosa `load(sr=...)` / `resample(res_type="soxr_hq")`).
    ///
    /// - Parameter sampleRate: the wanted rate, Hz, > 0.
    /// - Returns: mono audio at `sampleRate` with `ceil(frames * sampleRate / info.sampleRate)` samples,
    ///   and the file's `AudioInfo` (which keeps the file's own rate).
    /// - Throws: the `AudioError`s of `readInterleaved(path:)`, and `.resampleFailed` naming `path`.
    public static func load(path: String, sampleRate: Int, downmix: Downmix = .mean) throws -> (audio: MonoAudio, info: AudioInfo) {
        var (audio, info) = try readMono(path: path, downmix: downmix)
        if info.sampleRate != sampleRate {
            do {
                audio.samples = try Resampler.resample(audio.samples, from: info.sampleRate, to: sampleRate)
            } catch AudioError.resampleFailed(_, let reason) {
                throw AudioError.resampleFailed(path: path, reason: reason)
            }
            audio.sampleRate = sampleRate
        }
        return (audio, info)
    }

    /// libsndfile's version string, e.g. `"libsndfile-1.2.0"`.
    public static var libsndfileVersion: String { String(cString: sf_version_string()) }

    /// Frame-wise mean of interleaved channels `[frames * channels]` → `[frames]`.
    static func mixToMono(_ interleaved: [Float], channels: Int) -> [Float] {
        if channels == 1 { return interleaved }
        let frames = interleaved.count / channels
        let scale = Float(channels)
        return [Float](unsafeUninitializedCapacity: frames) { out, count in
            interleaved.withUnsafeBufferPointer { x in
                for t in 0..<frames {
                    var sum: Float = 0
                    for c in 0..<channels { sum += x[t * channels + c] }
                    // Divide (not multiply by 1/channels) to round like numpy's mean.
                    out[t] = sum / scale
                }
            }
            count = frames
        }
    }

    /// Existence and type are checked before libsndfile so the error says what is really wrong
    /// (libsndfile would report "System error" for both).
    private static func checkRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw AudioError.fileNotFound(path: path) }
            throw AudioError.unreadable(path: path, reason: String(cString: strerror(code)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw AudioError.notARegularFile(path: path) }
    }

}
