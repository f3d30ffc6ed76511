/// What a decoder reported about a file, and what decoding it found.
public struct AudioInfo: Sendable, Equatable, Codable {
    /// The library that decoded a file.
    public enum Decoder: String, Sendable, Codable {
        /// libsndfile: every format it reads (WAV, AIFF, AU, FLAC, Ogg Vorbis/Opus, MP3, …).
        case libsndfile
        /// FFmpeg's libavformat/libavcodec: what libsndfile refuses (AAC/ALAC in MP4, some AIFF), WAV/RF64
        /// headers of size 0, and chained Ogg (`AudioDecoder.open`).
        case ffmpeg = "FFmpeg"

        /// The name printed and written to JSON: `"libsndfile"` or `"FFmpeg"`.
        public var name: String { rawValue }
    }

    /// The path as given by the caller.
    public let path: String
    /// The file's own sample rate, Hz (before any resampling); for a chained Ogg, its first link's.
    public let sampleRate: Int
    /// Number of interleaved channels in the file (its first link's for a chained Ogg).
    public let channels: Int
    /// Frames (samples per channel) actually decoded by reading to the end of the file (or to
    /// `stoppedAtSeconds`). This can differ from `headerFrames`: an MP3's is an estimate, a truncated file's
    /// too large, a streaming writer's 0.
    public internal(set) var frames: Int
    /// Container and encoding, e.g. `"WAV PCM_16"`, `"OGG VORBIS"`, `"MP3 MPEG_LAYER_III"` (libsndfile's
    /// `SF_FORMAT_*` names, as python-soundfile uses) or `"MP4 AAC"`, `"AIFF PCM_S16BE"` (FFmpeg's container
    /// and codec names).
    public let format: String
    /// Which library decoded the file.
    public let decoder: Decoder
    /// The frame count the header promises; nil when it gives none.
    public internal(set) var headerFrames: Int?
    /// Set when reading stopped at a duration limit (`maxSeconds`), seconds; nil when the whole file was read.
    public internal(set) var stoppedAtSeconds: Double?
    /// What each channel carries, from the file's channel map or its codec's order for the count
    /// (`ChannelLayout.roles`); nil when neither says (mono and stereo files need none).
    public let channelRoles: [ChannelRole]?

    /// Memberwise; the decoders fill these.
    public init(path: String, sampleRate: Int, channels: Int, frames: Int, format: String, decoder: Decoder = .libsndfile,
                headerFrames: Int? = nil, stoppedAtSeconds: Double? = nil, channelRoles: [ChannelRole]? = nil) {
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
        self.format = format
        self.decoder = decoder
        self.headerFrames = headerFrames
        self.stoppedAtSeconds = stoppedAtSeconds
        self.channelRoles = channelRoles
    }

    /// `"the header says H frames, D decoded"` when the whole file was read and the header's count differs
    /// from the decoded one; nil otherwise. Any difference is reported: it is how an estimated (MP3) or wrong
    /// (truncated, streamed) header shows.
    public var frameCountNote: String? {
        guard stoppedAtSeconds == nil, let headerFrames, headerFrames != frames else { return nil }
        return "the header says \(headerFrames) frames, \(frames) decoded"
    }

    private enum CodingKeys: String, CodingKey {
        case path, sampleRate, channels, frames, format, decoder, headerFrames, stoppedAtSeconds
    }

    /// Decodes what `encode(to:)` wrote (channel roles are not written).
    public init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(path: try c.decode(String.self, forKey: .path), sampleRate: try c.decode(Int.self, forKey: .sampleRate),
                  channels: try c.decode(Int.self, forKey: .channels), frames: try c.decode(Int.self, forKey: .frames),
                  format: try c.decode(String.self, forKey: .format), decoder: try c.decode(Decoder.self, forKey: .decoder),
                  headerFrames: try c.decodeIfPresent(Int.self, forKey: .headerFrames),
                  stoppedAtSeconds: try c.decodeIfPresent(Double.self, forKey: .stoppedAtSeconds))
    }
}

/// A single-channel signal.
public struct MonoAudio: Sendable {
    /// Samples `[frames]`, float scale (integer PCM maps to [-1, 1); float files are not rescaled).
    public var samples: [Float]
    /// Sample rate, Hz.
    public var sampleRate: Int

    /// Memberwise: `samples` `[frames]` at `sampleRate` Hz.
    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }
}
