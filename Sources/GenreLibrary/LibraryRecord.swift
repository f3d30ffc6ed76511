import Foundation
import GenreAudio
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
    /// With --segments: each segment's top genre.
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
    public init(file: String, prediction p: Prediction, top: Int, timeline: [Prediction.SegmentTop]?) {
        self.file = file
        self.top = Array(p.ranking.prefix(top))
        segments = p.segments
        duration = p.duration
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
        warning = Self.warning(p)
        self.timeline = timeline
    }

    /// The decoding note for one file: where --max-duration cut it, or the header's frame count when it differs from
    /// the decoded one.
    static func note(_ audio: AudioInfo) -> String? {
        if let seconds = audio.stoppedAtSeconds { return String(format: "only the first %g s read (--max-duration)", seconds) }
        return audio.frameCountNote
    }

    /// Why a prediction means little: under 1 s of audio (train skips such clips: most of the one segment is padding),
    /// or a near-silent file.
    static func warning(_ p: Prediction) -> String? {
        if p.duration < 1 {
            return String(format: "only %.2f s of audio, mostly padding; the prediction means little", p.duration)
        }
        if p.isNearSilent {
            return String(format: "near-silent (RMS %.1f dBFS, below %.0f dBFS); the prediction means little",
                          p.rmsDBFS, Prediction.nearSilentDBFS)
        }
        return nil
    }
}
