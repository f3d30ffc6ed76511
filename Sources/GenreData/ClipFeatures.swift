import Foundation
import GenreAudio
import GenreFeatures
import GenreSupport

/// The log-mel segments of one labelled clip.
public struct ClipFeatures: Sendable {
    /// Path relative to the dataset folder, e.g. `blues/blues.00000.wav`.
    public let relativePath: String
    /// Class index into the dataset's (and model's) sorted class names.
    public let label: Int
    /// `[segmentCount, nMels, segmentFrames]` row-major, dB (standardised once `Normalization` is applied).
    public var segments: [Float]
    /// Number of segments, the first dimension of `segments`; ≥ 1 (`LogMelExtractor.segmentCount`).
    public let segmentCount: Int
    /// Duration of the decoded audio at the model's rate, seconds.
    public let duration: Double
    /// Set when only the first this-many seconds of the file were read (`--max-duration`).
    public let stoppedAtSeconds: Double?

    package init(relativePath: String, label: Int, segments: [Float], segmentCount: Int, duration: Double,
                 stoppedAtSeconds: Double? = nil) {
        self.stoppedAtSeconds = stoppedAtSeconds
        self.relativePath = relativePath
        self.label = label
        self.segments = segments
        self.segmentCount = segmentCount
        self.duration = duration
    }
}

/// One clip's segments and what was measured on the way (`ClipFeatureExtractor.clip`).
public struct ClipSegments: Sendable {
    /// `[count, nMels, segmentFrames]`, dB, level-normalised (not yet standardised); nil when the clip had more
    /// segments than the caller would hold.
    public var values: [Float]?
    /// Segments, ≥ 1.
    public var count: Int
    /// Seconds of decoded audio at the model's rate.
    public var duration: Double
    /// RMS level of the mono audio before normalisation, dBFS (−200 for digital silence).
    public var rmsDBFS: Double
    /// The level-normalisation gain applied, dB.
    public var gainDB: Float
    /// The file as decoded: format, decoder, header and decoded frame counts, where reading stopped.
    public var audio: AudioInfo
}

/// A file left out of a run, with the one-line reason.
public struct SkippedFile: Sendable, Equatable {
    /// The file, as the run was given it (dataset folder joined with the relative path).
    public let path: String
    /// Why it was left out: one line, which may name a setting (e.g. the minimum duration).
    public let reason: Message
    /// `path: reason`, for a front end to print with its spelling of settings.
    public var message: Message { "\(path): \(reason)" }
    /// `path: reason` with settings named as the library names them.
    public var description: String { message.description }

    package init(path: String, reason: Message) {
        self.path = path
        self.reason = reason
    }
}

/// Decodes and featurises many files in parallel.
public enum ClipFeatureExtractor {
    /// The version of the decode → mono → resample → log-mel → segments computation. The feature cache's
    /// key carries it, beside every parameter and the libraries' versions: raise it with any change of
    /// code that changes the segments a file yields for the same parameters (a downmix rule, padding,
    /// a new normalisation step), so that no cache entry made by the old code is served.
    public static let pipelineVersion = 1

    /// Decodes each file (libsndfile → mono → libsoxr to `extractor.parameters.sampleRate`) and cuts its
    /// log-mel into segments, on `threads` worker threads. Files that cannot be decoded are returned in
    /// `skipped` with the decoder's reason instead of stopping the run.
    /// - Parameters:
    ///   - files: `(path on disk, path relative to the dataset, label)`.
    ///   - cache: where decoded clips' segments are looked up first and stored after computing; nil computes
    ///     every file.
    ///   - maxSeconds: read at most this many seconds of each file (nil: all of it).
    ///   - progress: called after each file with (files done, total), from worker threads, serialised.
    ///   - detail: when given, receives one line per file (path, format, rate, channels, duration,
    ///     segments, whether the features came from the cache), from worker threads.
    /// - Returns: clips in the order of `files` (minus skipped ones), and the skipped files.
    public static func extract(_ files: [(path: String, relativePath: String, label: Int)],
                               extractor: LogMelExtractor, threads: Int, cache: FeatureCache? = nil,
                               maxSeconds: Double? = nil, progress: ((Int, Int) -> Void)? = nil,
                               detail: ((String) -> Void)? = nil) -> (clips: [ClipFeatures], skipped: [SkippedFile]) {
        let results = WorkQueue.map(count: files.count, workers: threads, makeWorker: { _ in () }, done: progress) {
            _, i -> Result<ClipFeatures, SkippedFile> in
            let f = files[i]
            do {
                let (clip, cached) = try cachedSegments(path: f.path, extractor: extractor, cache: cache, maxSeconds: maxSeconds)
                if let detail {
                    // The cache keeps no decoding details: a cached clip's come from its header.
                    let audio = cached ? (try? AudioDecoder.probe(path: f.path)) ?? clip.audio : clip.audio
                    detail(Self.describe(f.relativePath, audio: audio, duration: clip.duration, segments: clip.count,
                                         cached: cached))
                }
                return .success(ClipFeatures(relativePath: f.relativePath, label: f.label, segments: clip.values!,
                                             segmentCount: clip.count, duration: clip.duration,
                                             stoppedAtSeconds: clip.audio.stoppedAtSeconds))
            } catch {
                return .failure(SkippedFile(path: f.path, reason: Self.reason(error, path: f.path)))
            }
        }
        var clips: [ClipFeatures] = [], skipped: [SkippedFile] = []
        for r in results {
            switch r {
            case .success(let c): clips.append(c)
            case .failure(let s): skipped.append(s)
            }
        }
        return (clips, skipped)
    }

    /// `clip(path:extractor:maxSeconds:)` through `cache` when there is one. A clip cut at `maxSeconds` is not
    /// stored (the key holds the limit, so a later run with another limit never gets it either way).
    static func cachedSegments(path: String, extractor: LogMelExtractor, cache: FeatureCache?,
                               maxSeconds: Double?) throws -> (clip: ClipSegments, cached: Bool) {
        let p = extractor.parameters
        guard let cache, let key = cache.key(path: path, parameters: p, maxSeconds: maxSeconds) else {
            return (try clip(path: path, extractor: extractor, maxSeconds: maxSeconds), false)
        }
        if let entry = cache.load(key: key, nMels: p.nMels, segmentFrames: p.segmentFrames) {
            cache.recordHit()
            // Only the fields the cache keeps: what the run reports from a cached clip.
            let audio = AudioInfo(path: path, sampleRate: 0, channels: 0, frames: 0, format: "")
            return (ClipSegments(values: entry.values, count: entry.count, duration: entry.duration, rmsDBFS: 0, gainDB: 0,
                                 audio: audio), true)
        }
        let computed = try clip(path: path, extractor: extractor, maxSeconds: maxSeconds)
        cache.recordMiss()
        if computed.audio.stoppedAtSeconds == nil {
            cache.store(key: key, values: computed.values!, count: computed.count, nMels: p.nMels,
                        segmentFrames: p.segmentFrames, duration: computed.duration)
        }
        return (computed, false)
    }

    /// `path: WAV PCM_16, 22050 Hz, 2 channels, 30.01 s, 13 segments, decoded with libsndfile` (+ `, features from
    /// cache`): the file's own format, rate and channels; the duration decoded at the model's rate; the decoder. A clip
    /// without decoding details (`audio.channels` 0) gets only its duration and segments.
    public static func describe(_ path: String, audio: AudioInfo, duration: Double, segments: Int, cached: Bool) -> String {
        var parts: [String] = []
        if audio.channels > 0 {
            parts = [audio.format, "\(audio.sampleRate) Hz", audio.channels == 1 ? "1 channel" : "\(audio.channels) channels"]
        }
        parts += [String(format: "%.2f s", duration), segments == 1 ? "1 segment" : "\(segments) segments"]
        if audio.channels > 0 { parts.append("decoded with \(audio.decoder.name)") }
        if cached { parts.append("features from cache") }
        return "\(path): " + parts.joined(separator: ", ")
    }

    /// One file's log-mel segments: decoded (libsndfile, or FFmpeg for what it cannot read), mixed to mono by the
    /// extractor's `downmix`, resampled to its rate, cut into `[count, nMels, segmentFrames]` (dB, not yet
    /// standardised), and shifted by the clip's level-normalisation gain (`LevelNormalization`, measured on the
    /// whole mono signal at the model's rate). `threads` workers share the STFT frames (use 1 when files are
    /// already processed in parallel).
    /// - Returns: also the duration of the decoded audio in seconds, its RMS level in dBFS (20·log10 of the
    ///   root mean square of the mono samples, floored at −200 for digital silence) and the gain applied,
    ///   dB. The RMS level is measured before normalisation: it describes the file.
    /// - Throws: `AudioError` for a missing, unreadable or empty file; `RunError` when the audio holds
    ///   NaN or infinite samples, or samples so large that their power overflows Float.
    public static func segments(path: String, extractor: LogMelExtractor, threads: Int = 1)
        throws -> (values: [Float], count: Int, duration: Double, rmsDBFS: Double, gainDB: Float) {
        let clip = try self.clip(path: path, extractor: extractor, threads: threads)
        return (clip.values!, clip.count, clip.duration, clip.rmsDBFS, clip.gainDB)
    }

    /// `segments(path:extractor:threads:)` streamed: the file is decoded block by block and its segments computed as
    /// the audio arrives (`SegmentStream`), so memory holds the segments kept and a constant.
    /// - Parameters:
    ///   - maxSeconds: read at most this much of the file (`AudioInfo.stoppedAtSeconds` says when it stopped).
    ///   - heldSegments: keep at most this many segments; past it `values` is nil and only the statistics (count,
    ///     duration, level, gain) are returned, for `forEachSegmentBatch` to classify in a second pass.
    public static func clip(path: String, extractor: LogMelExtractor, threads: Int = 1, maxSeconds: Double? = nil,
                            heldSegments: Int = .max) throws -> ClipSegments {
        let p = extractor.parameters
        var values: [Float]? = [], peak = -Float.infinity
        // Only loudness normalisation needs libebur128's measurement (a tenth of a 30 s MP3's classification time).
        var meter: LoudnessMeter?
        if case .loudness = p.level { meter = LoudnessMeter(sampleRate: p.sampleRate) }
        let (info, stream, rms) = try stream(path: path, extractor: extractor, threads: threads, maxSeconds: maxSeconds,
                                             samples: { meter?.add($0) }) { segment in
            peak = max(peak, segment.max() ?? peak)
            if values != nil, values!.count / segment.count < heldSegments { values! += segment } else { values = nil }
        }
        let lufs = meter?.integratedLUFS
        let gain: Float
        switch p.level {
        case .none: gain = 0
        case .loudness:
            guard let lufs else { throw RunError("\(path): libebur128 could not measure the loudness") }
            gain = p.level.gainDB(lufs: lufs, peakDB: 0)
        case .peak: gain = p.level.gainDB(lufs: 0, peakDB: peak)
        }
        if p.level != .none, values != nil { LevelNormalization.apply(gainDB: gain, to: &values!) }
        return ClipSegments(values: values, count: stream.segmentCount, duration: Double(stream.sampleCount) / Double(p.sampleRate),
                            rmsDBFS: rms, gainDB: gain, audio: info)
    }

    /// The second pass of a clip too long to hold (`clip(…, heldSegments:)` returned no values): decodes `path` again
    /// and hands its segments, shifted by `gainDB` and clamped as `LevelNormalization.apply`, to `body` in batches of
    /// up to `batch` segments `[n, nMels, segmentFrames]`, in order.
    public static func forEachSegmentBatch(path: String, extractor: LogMelExtractor, threads: Int = 1, maxSeconds: Double?,
                                           gainDB: Float, batch: Int, body: ([Float], Int) throws -> Void) throws {
        let level = extractor.parameters.level
        var pending: [Float] = [], count = 0
        func flush() throws {
            if level != .none { LevelNormalization.apply(gainDB: gainDB, to: &pending) }
            try body(pending, count)
            pending.removeAll(keepingCapacity: true)
            count = 0
        }
        _ = try stream(path: path, extractor: extractor, threads: threads, maxSeconds: maxSeconds, samples: { _ in }) { segment in
            pending += segment
            count += 1
            if count == batch { try flush() }
        }
        if count > 0 { try flush() }
    }

    /// Decodes `path` at the extractor's rate and downmix into a `SegmentStream`: `samples` sees every mono block,
    /// `segment` every segment `[nMels, segmentFrames]` (dB, before level normalisation).
    /// - Returns: the file's `AudioInfo`, the finished stream (segment and sample counts), and the RMS level, dBFS.
    /// - Throws: `AudioError`; `RunError` for NaN or infinite samples, or a power spectrum that overflows.
    private static func stream(path: String, extractor: LogMelExtractor, threads: Int, maxSeconds: Double?,
                               samples: (UnsafeBufferPointer<Float>) -> Void,
                               segment: ([Float]) throws -> Void) throws -> (AudioInfo, SegmentStream, Double) {
        let p = extractor.parameters
        let stream = SegmentStream(extractor: extractor, threads: threads)
        var power = 0.0
        func accept(_ values: UnsafeBufferPointer<Float>) throws {
            guard values.allSatisfy(\.isFinite) else {
                throw RunError("\(path): samples so large that their power overflows; cannot compute features")
            }
            try segment(Array(values))
        }
        let info = try AudioDecoder.decode(path: path, sampleRate: p.sampleRate, downmix: p.downmix, maxSeconds: maxSeconds) { block in
            // Float files can hold anything. A NaN sample would read as silence (−100 dB) after
            // max(1e-10, ·), and a huge one overflows the power spectrum: refuse both.
            guard block.allSatisfy(\.isFinite) else {
                throw RunError("\(path): holds NaN or infinite samples; cannot compute features")
            }
            for x in block { power += Double(x) * Double(x) }
            samples(block)
            try stream.append(block, emit: accept)
        }
        try stream.finish(emit: accept)
        let rms = (power / Double(max(stream.sampleCount, 1))).squareRoot()
        return (info, stream, 20 * log10(max(rms, 1e-10)))
    }

    /// The error's one-line text without the leading "path: " (the caller prints the path itself).
    package static func reason(_ error: Error, path: String) -> Message {
        let text = "\(error)"
        return Message(verbatim: text.hasPrefix("\(path): ") ? String(text.dropFirst(path.count + 2)) : text)
    }
}

extension SkippedFile: Error {}
