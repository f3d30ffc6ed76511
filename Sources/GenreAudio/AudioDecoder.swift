import CSndfile
import Foundation

/// Decodes audio files block by block, mixes each block to mono as it arrives and resamples it with libsoxr's
/// streaming interface, so that memory does not grow with a file's duration, channel count or rate.
///
/// libsndfile decodes what it reads (WAV/WAVEX, AIFF/AIFC, AU, FLAC, Ogg Vorbis/Opus, MP3, ...); FFmpeg's
/// libraries decode what it cannot (`open`). Samples are float scale: integer PCM maps to [-1, 1), float files come
/// back unchanged (a float file peaking at 2.0 reads as 2.0), which is what python-soundfile's
/// `read(dtype=float32)` returns and what librosa and the reference tensors use.
public enum AudioDecoder {
    /// Frames requested per read.
    static let blockFrames = 16_384

    /// The sample rates accepted, Hz: telephone-band speech to the highest studio rate.
    public static let sampleRates = 1000...768_000

    /// Opens `path` with the decoder that reads it whole:
    /// - libsndfile, when it opens the file, unless
    /// - it reports 0 frames (a WAV or RF64 whose header sizes a streaming writer left at 0): FFmpeg, reading the data
    ///   to the end of the file;
    /// - the file is a chained Ogg (`OggChain`), of which libsndfile decodes the first link only: FFmpeg;
    /// - libsndfile refuses the file (AAC or ALAC in MP4, some AIFF): FFmpeg, if one of its allowed demuxers
    ///   recognises it (`FFmpegSource.allowedDemuxers`).
    /// - Throws: `AudioError.fileNotFound` if nothing exists at `path`; `.notARegularFile` for a directory or device;
    ///   `.notAudio` when neither library recognises it (reason `"not a recognised audio file (libsndfile: …)"`) or a
    ///   recognised container holds no audio stream; `.unreadable` with FFmpeg's reason when an allowed demuxer
    ///   recognises the file but it cannot be opened (e.g. a truncated MP4), and for a chained Ogg whose links use different codecs; `.unsupportedSampleRate` outside `sampleRates`
    ///   (for a chained Ogg, checked again on every link as it is decoded).
    /// - Parameter decoder: use only this library (the fallback decoder's fuzzer); nil chooses as above.
    public static func open(path: String, decoder: AudioInfo.Decoder? = nil) throws -> AudioSource {
        try checkRegularFile(path)
        let source: AudioSource
        if decoder == .libsndfile {
            source = try SndfileSource(path: path)
        } else if decoder == .ffmpeg {
            do { source = try FFmpegSource(path: path) } catch is FFmpegSource.NotRecognised {
                throw AudioError.notAudio(path: path, reason: "not a recognised audio file (FFmpeg: no allowed demuxer recognises it)")
            }
        } else {
            source = try choose(path)
        }
        guard sampleRates.contains(source.info.sampleRate) else {
            throw AudioError.unsupportedSampleRate(path: path, sampleRate: source.info.sampleRate)
        }
        return source
    }

    /// The decoder `open` describes, for a file that exists.
    private static func choose(_ path: String) throws -> AudioSource {
        let sndfile: SndfileSource
        do { sndfile = try SndfileSource(path: path) } catch let refused {
            // libsndfile's reason is kept for what no allowed FFmpeg demuxer recognises: for garbage it is the more telling.
            do { return try FFmpegSource(path: path) } catch is FFmpegSource.NotRecognised { throw refused }
        }
        if sndfile.info.headerFrames == 0 {
            // The header's count stays the one the header holds (0), for the note that tells it from the data.
            let ffmpeg = try? FFmpegSource(path: path, ignoreLength: true)
            ffmpeg?.info.headerFrames = 0
            return ffmpeg ?? sndfile
        }
        guard sndfile.majorFormat == SF_FORMAT_OGG else { return sndfile }
        let links = OggChain.links(path: path)
        guard links.count > 1 else { return sndfile }
        // FFmpeg decodes every link, but cannot switch codecs between links: it would drop the others silently.
        let codecs = links.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard codecs.count == 1 else {
            throw AudioError.unreadable(path: path, reason: "a chained Ogg whose links use different codecs "
                                        + "(\(codecs.joined(separator: ", "))); convert it to one codec first")
        }
        guard let ffmpeg = try? FFmpegSource(path: path) else { return sndfile }
        // Each link has its own header: none counts the whole chain.
        ffmpeg.info.headerFrames = nil
        return ffmpeg
    }

    /// Decodes `path` block by block, mixing to mono by `downmix` and resampling to `sampleRate` as it goes.
    ///
    /// - Parameters:
    ///   - sampleRate: the wanted rate, Hz, > 0; nil keeps the file's own.
    ///   - downmix: `.mean` is librosa `to_mono` (the Float mean of each frame's channels); `.itu775` weighs the
    ///     channels of a known 5.1 or 7.1 layout by ITU-R BS.775 (`ChannelLayout.weights`), the mean otherwise.
    ///   - maxSeconds: stop reading after this many seconds of the file (the result's `stoppedAtSeconds` says so);
    ///     nil reads to the end.
    ///   - decoder: use only this library (see `open`).
    ///   - body: called with each block of mono samples at the output rate, in order; together they are
    ///     `ceil(frames * sampleRate / fileRate)` samples, bit for bit those of resampling the whole signal at once.
    /// - Returns: the file's `AudioInfo`, `frames` counting the frames actually decoded.
    /// - Throws: the errors of `open(path:)`; `.noFrames` when none decode; `.resampleFailed` naming `path`;
    ///   whatever `body` throws.
    public static func decode(path: String, sampleRate: Int?, downmix: Downmix = .mean, maxSeconds: Double? = nil,
                              decoder: AudioInfo.Decoder? = nil,
                              body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> AudioInfo {
        let source = try open(path: path, decoder: decoder)
        let info = source.info
        let weights = ChannelLayout.weights(rule: downmix, channels: info.channels, roles: info.channelRoles)
        let resampler: StreamingResampler
        do { resampler = try StreamingResampler(from: info.sampleRate, to: sampleRate ?? info.sampleRate) } catch {
            throw named(error, path)
        }
        // Frames to read; a limit beyond what Int counts (1e15 s at 768 kHz) is no limit.
        let limit = maxSeconds.map { $0 * Double(info.sampleRate) }.map { $0 < 0x1p62 ? Int($0.rounded(.up)) : Int.max } ?? Int.max
        var frames = 0
        var block = [Float](repeating: 0, count: blockFrames * info.channels)
        while frames < limit {
            let wanted = min(blockFrames, limit - frames)
            let got = try block.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, maxFrames: wanted) }
            if got == 0 { break }
            frames += got
            let mono = mix(block, frames: got, weights: weights, mean: downmix == .mean || info.channels <= 2)
            let resampled: [Float]
            do { resampled = try mono.withUnsafeBufferPointer { try resampler.process($0) } } catch { throw named(error, path) }
            try resampled.withUnsafeBufferPointer(body)
        }
        guard frames > 0 else { throw AudioError.noFrames(path: path) }
        // At the limit, one more frame tells a cut file from one exactly that long.
        var cut = false
        if frames >= limit {
            cut = try block.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, maxFrames: 1) } > 0
        }
        do { try resampler.finish().withUnsafeBufferPointer(body) } catch let error as AudioError { throw named(error, path) }
        var decoded = info
        decoded.frames = frames
        decoded.stoppedAtSeconds = cut ? maxSeconds : nil
        return decoded
    }

    /// Decodes every frame of `path`, all channels, at the file's rate (for perturbing files, not for features:
    /// this holds the whole file).
    /// - Returns: interleaved samples `[frames * channels]` and the file's `AudioInfo`.
    /// - Throws: as `decode`.
    public static func readInterleaved(path: String) throws -> (samples: [Float], info: AudioInfo) {
        let source = try open(path: path)
        var samples: [Float] = [], frames = 0
        var block = [Float](repeating: 0, count: blockFrames * source.info.channels)
        while true {
            let got = try block.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, maxFrames: blockFrames) }
            if got == 0 { break }
            frames += got
            samples += block[0..<(got * source.info.channels)]
        }
        guard frames > 0 else { throw AudioError.noFrames(path: path) }
        var info = source.info
        info.frames = frames
        return (samples, info)
    }

    /// What the file's header says, without decoding it: rate, channels, format, decoder, `headerFrames`.
    /// - Throws: the errors of `open(path:)`.
    public static func probe(path: String) throws -> AudioInfo { try open(path: path).info }

    /// Decodes `path` and mixes its channels into one by `downmix` (see `decode`), at the file's own rate.
    /// - Returns: mono samples `[frames]` and the file's `AudioInfo`.
    public static func readMono(path: String, downmix: Downmix = .mean) throws -> (audio: MonoAudio, info: AudioInfo) {
        var samples: [Float] = []
        let info = try decode(path: path, sampleRate: nil, downmix: downmix) { samples += $0 }
        return (MonoAudio(samples: samples, sampleRate: info.sampleRate), info)
    }

    /// Decodes `path`, mixes to mono by `downmix` and resamples to `sampleRate` with libsoxr HQ (as librosa
    /// `load(sr=...)` / `resample(res_type="soxr_hq")`), holding the result whole.
    /// - Returns: mono audio at `sampleRate` with `ceil(frames * sampleRate / info.sampleRate)` samples, and the file's
    ///   `AudioInfo` (which keeps the file's own rate).
    /// - Throws: as `decode`.
    public static func load(path: String, sampleRate: Int, downmix: Downmix = .mean,
                            maxSeconds: Double? = nil) throws -> (audio: MonoAudio, info: AudioInfo) {
        var samples: [Float] = []
        let info = try decode(path: path, sampleRate: sampleRate, downmix: downmix, maxSeconds: maxSeconds) { samples += $0 }
        return (MonoAudio(samples: samples, sampleRate: sampleRate), info)
    }

    /// libsndfile's version string, e.g. `"libsndfile-1.2.0"`.
    public static var libsndfileVersion: String { String(cString: sf_version_string()) }

    /// The FFmpeg libraries' versions, e.g. `"FFmpeg libavformat 59.27.100, libavcodec 59.37.100"`.
    public static var ffmpegVersion: String { FFmpegSource.version }

    /// Frame-wise mono of `frames` interleaved frames: the mean (`mean`, dividing as numpy's mean rounds) or the
    /// weighted sum by `weights`.
    static func mix(_ interleaved: [Float], frames: Int, weights: [Float], mean: Bool) -> [Float] {
        let channels = weights.count
        if channels == 1 { return Array(interleaved[0..<frames]) }
        let scale = Float(channels)
        return [Float](unsafeUninitializedCapacity: frames) { out, count in
            interleaved.withUnsafeBufferPointer { x in
                for t in 0..<frames {
                    var sum: Float = 0
                    if mean {
                        for c in 0..<channels { sum += x[t * channels + c] }
                        out[t] = sum / scale
                    } else {
                        for c in 0..<channels { sum += weights[c] * x[t * channels + c] }
                        out[t] = sum
                    }
                }
            }
            count = frames
        }
    }

    /// A resampling error with `path` filled in.
    private static func named(_ error: Error, _ path: String) -> Error {
        guard case AudioError.resampleFailed(_, let reason) = error else { return error }
        return AudioError.resampleFailed(path: path, reason: reason)
    }

    /// Existence, type and read permission are checked before libsndfile so the error says what is really wrong
    /// (libsndfile would report "System error" for each: "not a recognised audio file (libsndfile: System error :
    /// Permission denied.)").
    private static func checkRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT, let target = linkTarget(path) {
                throw AudioError.unreadable(path: path, reason: "cannot read: a symbolic link to nothing (\(target))")
            }
            if code == ENOENT || code == ENOTDIR { throw AudioError.fileNotFound(path: path) }
            throw AudioError.unreadable(path: path, reason: "cannot read: \(systemReason(code))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw AudioError.notARegularFile(path: path) }
        // The system's reason for not opening it (permission denied, too many open files), not a decoder's guess.
        let descriptor = Glibc.open(path, O_RDONLY)
        guard descriptor >= 0 else { throw AudioError.unreadable(path: path, reason: "cannot read: \(systemReason(errno))") }
        close(descriptor)
    }

    /// Where the symbolic link at `path` points, or nil when `path` is not a link.
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `strerror(code)` as it reads inside a sentence: "permission denied".
    private static func systemReason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
