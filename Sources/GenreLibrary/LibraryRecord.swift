import Foundation
import GenreAudio
import GenreFeatures
import GenreModel

/// One file's result as `predict` writes it: a JSON object (`--format json`'s `results[]`, one `--format jsonl` line),
/// a CSV row, or a block of text. Fields are added, never renamed or removed (README, "JSON output").
public struct LibraryRecord: Codable, Sendable, Equatable {
    /// The path as written (`LibraryFile.path`).
    public var file: String
    /// The most probable genres, best first (`--top` of them).
    public var top: [Prediction.Entry]?
    public var segments: Int?
    /// Seconds of audio at the model's sample rate.
    public var duration: Double?
    /// Seconds of the segments past the end of the audio: zero padding (`Prediction.paddingSeconds`).
    public var paddingSeconds: Double?
    /// RMS level, dBFS; present with `warning` for a near-silent file.
    public var rmsDBFS: Double?
    /// How the file was decoded: "libsndfile" or "FFmpeg", its format, rate (Hz), channels.
    public var decoder: String?
    public var format: String?
    public var sampleRate: Int?
    public var channels: Int?
    /// Frames decoded, and what the header promised (absent when it says nothing).
    public var frames: Int?
    public var headerFrames: Int?
    /// Seconds read when --max-duration cut the file.
    public var stoppedAtSeconds: Double?
    /// Decoding notes: the header's frame count differing from the decoded one, a cut at --max-duration.
    public var note: String?
    public var warning: String?
    /// With --segments: every segment's top genre and full distribution, in time order.
    public var timeline: [Prediction.SegmentTop]?
    /// Why the file could not be classified (then no `top`).
    public var error: String?
    /// With `--min-confidence`: true when the top probability is below it (the answer is "uncertain"; `top` is still
    /// listed), false when not; absent without it, and for a file that could not be classified.
    public var uncertain: Bool?
    /// The file's size in bytes and modification time (`FileTime`) when it was read: what `--resume` compares.
    public var size: Int64?
    public var modified: String?
    /// SHA-256 of the model file, as `sha256sum` prints it.
    public var modelFileSHA256: String?
    /// The options that shape a record (`RecordFormat.summary`), which `--resume` requires to match.
    public var options: String?
    /// The path below the PATH argument the file was found under (a file named on its own: its path as given): the
    /// shard key, and what `--resume` recognises the file by, however the PATH was spelt.
    public var relativePath: String?

    /// The record of a file that could not be classified.
    public init(file: String, error: String) {
        self.file = file
        self.error = error
    }

    /// The record of a classified file.
    /// - Parameters:
    ///   - top: how many genres to keep, ≥ 1.
    ///   - timeline: each segment's top genre, or nil.
    ///   - features: the model's, which the file's sample rate is compared with (`warnings`).
    public init(file: String, prediction p: Prediction, top: Int, timeline: [Prediction.SegmentTop]?, features: FeatureParameters) {
        self.file = file
        self.top = Array(p.ranking.prefix(top))
        segments = p.segments
        duration = p.duration
        paddingSeconds = p.paddingSeconds
        rmsDBFS = p.rmsDBFS
        if let audio = p.audio {
            decoder = audio.decoder.name
            format = audio.format
            sampleRate = audio.sampleRate
            channels = audio.channels
            frames = audio.frames
            headerFrames = audio.headerFrames
            stoppedAtSeconds = audio.stoppedAtSeconds
            note = Self.note(audio)
        }
        let warnings = Self.warnings(p, features: features)
        warning = warnings.isEmpty ? nil : warnings.joined(separator: "; ")
        self.timeline = timeline
    }

    /// The decoding note for one file: where --max-duration cut it, or the header's frame count when it differs from
    /// the decoded one.
    static func note(_ audio: AudioInfo) -> String? {
        if let seconds = audio.stoppedAtSeconds { return String(format: "only the first %g s read (--max-duration)", seconds) }
        return audio.frameCountNote
    }

    /// Why a prediction means little: under 1 s of audio (train skips such clips: most of the one segment is padding),
    /// a near-silent file, or a file sampled too low to fill the model's mel range (its top bands are then empty:
    /// music the model never saw). Empty when none holds.
    static func warnings(_ p: Prediction, features: FeatureParameters) -> [String] {
        var warnings: [String] = []
        if p.duration < 1 {
            warnings.append(String(format: "only %.2f s of audio, mostly padding; the prediction means little", p.duration))
        } else if p.isNearSilent {
            warnings.append(String(format: "near-silent (RMS %.1f dBFS, below %.0f dBFS); the prediction means little",
                                   p.rmsDBFS, Prediction.nearSilentDBFS))
        }
        if let rate = p.audio?.sampleRate, let problem = lowSampleRate(rate, features: features) { warnings.append(problem) }
        return warnings
    }

    /// A file sampled at `rate` Hz holds nothing above `rate / 2` (Nyquist); when that is below the model's top mel
    /// frequency (`fMax`, default `sampleRate / 2`), resampling up cannot fill the bands above it.
    static func lowSampleRate(_ rate: Int, features: FeatureParameters) -> String? {
        let nyquist = Double(rate) / 2, top = Double(features.resolvedFMax)
        guard rate > 0, rate < features.sampleRate, nyquist < top else { return nil }
        return String(format: "sampled at %d Hz, below the model's %d Hz: nothing above %.0f Hz, so its mel bands from "
                      + "%.0f to %.0f Hz are empty and the prediction is less reliable", rate, features.sampleRate, nyquist,
                      nyquist, top)
    }
}
