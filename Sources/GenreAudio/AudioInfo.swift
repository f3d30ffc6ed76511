/// What libsndfile reported about a decoded file.
public struct AudioInfo: Sendable, Equatable {
    /// The path as given by the caller.
    public let path: String
    /// The file's own sample rate, Hz (before any resampling).
    public let sampleRate: Int
    /// Number of interleaved channels in the file.
    public let channels: Int
    /// Frames (samples per channel) actually decoded by reading to end of file. This can differ from
    /// the header's promise: it is an estimate for MP3 and too large for truncated files.
    public let frames: Int
    /// Container and encoding as `"<MAJOR> <SUBTYPE>"`, named after libsndfile's `SF_FORMAT_*`
    /// constants (the names python-soundfile uses), e.g. `"WAV PCM_16"`, `"OGG VORBIS"`,
    /// `"MP3 MPEG_LAYER_III"`.
    public let format: String
    /// What each channel carries, from the file's channel map or its codec's order for the count
    /// (`ChannelLayout.roles`); nil when neither says (mono and stereo files need none).
    public let channelRoles: [ChannelRole]?

    /// Memberwise; `AudioDecoder` fills these from libsndfile.
    public init(path: String, sampleRate: Int, channels: Int, frames: Int, format: String,
                channelRoles: [ChannelRole]? = nil) {
        self.channelRoles = channelRoles
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
        self.format = format
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
