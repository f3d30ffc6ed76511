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

    package init(relativePath: String, label: Int, segments: [Float], segmentCount: Int, duration: Double) {
        self.relativePath = relativePath
        self.label = label
        self.segments = segments
        self.segmentCount = segmentCount
        self.duration = duration
    }
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
    ///   - progress: called after each file with (files done, total), from worker threads, serialised.
    ///   - detail: when given, receives one line per file (path, format, rate, channels, duration,
    ///     segments, whether the features came from the cache), from worker threads.
    /// - Returns: clips in the order of `files` (minus skipped ones), and the skipped files.
    public static func extract(_ files: [(path: String, relativePath: String, label: Int)],
                               extractor: LogMelExtractor, threads: Int, cache: FeatureCache? = nil,
                               progress: ((Int, Int) -> Void)? = nil,
                               detail: ((String) -> Void)? = nil) -> (clips: [ClipFeatures], skipped: [SkippedFile]) {
        let results = WorkQueue.map(count: files.count, workers: threads, makeWorker: { _ in () }, done: progress) {
            _, i -> Result<ClipFeatures, SkippedFile> in
            let f = files[i]
            do {
                let (values, count, duration, cached) = try cachedSegments(path: f.path, extractor: extractor, cache: cache)
                if let detail {
                    detail(Self.describe(f.relativePath, probe: try? AudioDecoder.probe(path: f.path), duration: duration,
                                         segments: count, cached: cached))
                }
                return .success(ClipFeatures(relativePath: f.relativePath, label: f.label, segments: values,
                                             segmentCount: count, duration: duration))
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

    /// `segments(path:extractor:)` through `cache` when there is one.
    static func cachedSegments(path: String, extractor: LogMelExtractor,
                               cache: FeatureCache?) throws -> (values: [Float], count: Int, duration: Double, cached: Bool) {
        let p = extractor.parameters
        guard let cache, let key = cache.key(path: path, parameters: p) else {
            let computed = try segments(path: path, extractor: extractor)
            return (computed.values, computed.count, computed.duration, false)
        }
        if let entry = cache.load(key: key, nMels: p.nMels, segmentFrames: p.segmentFrames) {
            cache.recordHit()
            return (entry.values, entry.count, entry.duration, true)
        }
        let computed = try segments(path: path, extractor: extractor)
        cache.recordMiss()
        cache.store(key: key, values: computed.values, count: computed.count, nMels: p.nMels,
                    segmentFrames: p.segmentFrames, duration: computed.duration)
        return (computed.values, computed.count, computed.duration, false)
    }

    /// `path: WAV PCM_16, 22050 Hz, 2 channels, 30.01 s, 13 segments` (+ `, features from cache`): the
    /// file's own format, rate and channels from its header; the duration decoded at the model's rate.
    public static func describe(_ path: String, probe: AudioInfo?, duration: Double, segments: Int, cached: Bool) -> String {
        var parts: [String] = []
        if let probe {
            parts = [probe.format, "\(probe.sampleRate) Hz", probe.channels == 1 ? "1 channel" : "\(probe.channels) channels"]
        }
        parts += [String(format: "%.2f s", duration), segments == 1 ? "1 segment" : "\(segments) segments"]
        if cached { parts.append("features from cache") }
        return "\(path): " + parts.joined(separator: ", ")
    }

    /// One file's log-mel segments: decoded with libsndfile, mixed to mono by the extractor's `downmix`,
    /// resampled to its rate, cut into `[count, nMels, segmentFrames]` (dB, not yet standardised), and
    /// shifted by the clip's level-normalisation gain (`LevelNormalization`, measured on the whole mono
    /// signal at the model's rate). `threads` workers share the STFT frames (use 1 when files are
    /// already processed in parallel).
    /// - Returns: also the duration of the decoded audio in seconds, its RMS level in dBFS (20·log10 of the
    ///   root mean square of the mono samples, floored at −200 for digital silence) and the gain applied,
    ///   dB. The RMS level is measured before normalisation: it describes the file.
    /// - Throws: `AudioError` for a missing, unreadable or empty file; `RunError` when the audio holds
    ///   NaN or infinite samples, or samples so large that their power overflows Float.
    public static func segments(path: String, extractor: LogMelExtractor, threads: Int = 1)
        throws -> (values: [Float], count: Int, duration: Double, rmsDBFS: Double, gainDB: Float) {
        let p = extractor.parameters
        let (audio, _) = try AudioDecoder.load(path: path, sampleRate: p.sampleRate, downmix: p.downmix)
        // Float files can hold anything. A NaN sample would read as silence (−100 dB) after
        // max(1e-10, ·), and a huge one overflows the power spectrum: refuse both.
        guard audio.samples.allSatisfy(\.isFinite) else {
            throw RunError("\(path): holds NaN or infinite samples; cannot compute features")
        }
        var (values, count) = extractor.segments(audio.samples, threads: threads)
        guard values.allSatisfy(\.isFinite) else {
            throw RunError("\(path): samples so large that their power overflows; cannot compute features")
        }
        let gain = try levelGain(p.level, samples: audio.samples, sampleRate: p.sampleRate, values: values, path: path)
        if p.level != .none { LevelNormalization.apply(gainDB: gain, to: &values) }
        var power = 0.0
        for x in audio.samples { power += Double(x) * Double(x) }
        let rms = (power / Double(max(audio.samples.count, 1))).squareRoot()
        return (values, count, Double(audio.samples.count) / Double(p.sampleRate), 20 * log10(max(rms, 1e-10)), gain)
    }

    /// The level-normalisation gain of one clip, dB (0 for `.none`).
    static func levelGain(_ level: LevelNormalization, samples: [Float], sampleRate: Int, values: [Float],
                          path: String) throws -> Float {
        switch level {
        case .none: return 0
        case .loudness:
            guard let lufs = Loudness.integratedLUFS(samples, sampleRate: sampleRate) else {
                throw RunError("\(path): libebur128 could not measure the loudness")
            }
            return level.gainDB(lufs: lufs, peakDB: 0)
        case .peak:
            return level.gainDB(lufs: 0, peakDB: values.max() ?? 0)
        }
    }

    /// The error's one-line text without the leading "path: " (the caller prints the path itself).
    package static func reason(_ error: Error, path: String) -> Message {
        let text = "\(error)"
        return Message(verbatim: text.hasPrefix("\(path): ") ? String(text.dropFirst(path.count + 2)) : text)
    }
}

extension SkippedFile: Error {}
