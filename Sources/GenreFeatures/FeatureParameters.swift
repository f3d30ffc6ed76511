import GenreAudio

/// Log-mel front-end settings. The defaults are librosa 0.11's `melspectrogram` defaults at 22050 Hz
/// with 128 mel bands, and 128-frame (≈ 2.97 s) segments for the network.
public struct FeatureParameters: Sendable, Equatable, Codable {
    /// Rate the audio is (re)sampled to before analysis, Hz, > 0.
    public var sampleRate: Int = 22050
    /// FFT and window length, samples, even, > 0.
    public var nFFT: Int = 2048
    /// Hop between frame centres, samples, > 0.
    public var hopLength: Int = 512
    /// Number of mel bands, > 0.
    public var nMels: Int = 128
    /// Lowest filterbank edge, Hz, ≥ 0.
    public var fMin: Float = 0
    /// Highest filterbank edge, Hz, ≤ sampleRate / 2; `nil` means sampleRate / 2.
    public var fMax: Float? = nil
    /// Frames per network input segment, > 0.
    public var segmentFrames: Int = 128
    /// A trailing partial segment is kept only when it has at least this many real frames,
    /// 1 ... segmentFrames.
    public var minLastSegmentFrames: Int = 64
    /// How more than two channels become one (`feature.mono`); `.mean` is librosa's `to_mono`.
    public var downmix: Downmix = .mean
    /// How the clip's level is taken out of its log-mel (`feature.level_normalization`); `.none` keeps
    /// the absolute level, as librosa does.
    public var level: LevelNormalization = .none
    /// Subtract each frame's mean before windowing (Kaldi's `remove_dc_offset`), so a constant offset
    /// in the signal leaves the features unchanged (`feature.dc_removal`); off in librosa.
    public var dcRemoval: Bool = false

    /// Every argument defaults to the value documented on its property.
    public init(sampleRate: Int = 22050, nFFT: Int = 2048, hopLength: Int = 512, nMels: Int = 128,
                fMin: Float = 0, fMax: Float? = nil, segmentFrames: Int = 128, minLastSegmentFrames: Int = 64,
                downmix: Downmix = .mean, level: LevelNormalization = .none, dcRemoval: Bool = false) {
        self.dcRemoval = dcRemoval
        self.downmix = downmix
        self.level = level
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.hopLength = hopLength
        self.nMels = nMels
        self.fMin = fMin
        self.fMax = fMax
        self.segmentFrames = segmentFrames
        self.minLastSegmentFrames = minLastSegmentFrames
    }

    /// The power below which a cell reads as the floor before level normalisation: librosa's `amin`
    /// 1e-10 (−100 dB) without it; 1e-30 (−300 dB) with it, so that the level offset is added before the
    /// −100 dB floor is applied (`LevelNormalization.apply`) and a quiet copy of a clip loses no cell to
    /// the floor that its loud original keeps.
    public var floorPower: Float { level == .none ? 1e-10 : 1e-30 }

    /// `fMax`, or `sampleRate / 2` (Hz) when it is `nil` (librosa `filters.mel`'s default).
    public var resolvedFMax: Float { fMax ?? Float(sampleRate) / 2 }

    /// The largest values `validate()` accepts (hopLength has nFFT's limit): generous for any real
    /// use, and small enough that no parameter set can ask for gigabytes per frame.
    public static let limits = (sampleRate: 768_000, nFFT: 65_536, nMels: 1024, segmentFrames: 4096)

    /// Checks that these parameters give a usable filterbank and framing.
    ///
    /// - Throws: `FeatureError.nonPositive` for a size ≤ 0; `.tooLarge` above `limits`; `.oddNFFT`
    ///   (centred framing with nFFT/2 padding needs an even nFFT for `frames = 1 + samples / hop`);
    ///   `.invalidFrequencyRange`
    ///   when fMin < 0 or fMin ≥ fMax; `.fMaxAboveNyquist` when fMax > sampleRate / 2;
    ///   `.invalidMinLastSegmentFrames` outside 1 ... segmentFrames; `.emptyMelBands` listing every
    ///   band whose Slaney filter has no non-zero weight on the FFT grid (librosa only warns
    ///   "Empty filters detected"; such bands would always read −100 dB).
    public func validate() throws {
        for (name, value) in [("sampleRate", sampleRate), ("nFFT", nFFT), ("hopLength", hopLength),
                              ("nMels", nMels), ("segmentFrames", segmentFrames)] where value <= 0 {
            throw FeatureError.nonPositive(parameter: name, value: value)
        }
        for (name, value, limit) in [("sampleRate", sampleRate, Self.limits.sampleRate),
                                     ("nFFT", nFFT, Self.limits.nFFT), ("hopLength", hopLength, Self.limits.nFFT),
                                     ("nMels", nMels, Self.limits.nMels),
                                     ("segmentFrames", segmentFrames, Self.limits.segmentFrames)] where value > limit {
            throw FeatureError.tooLarge(parameter: name, value: value, limit: limit)
        }
        guard nFFT % 2 == 0 else { throw FeatureError.oddNFFT(nFFT) }
        let top = resolvedFMax
        guard fMin >= 0, fMin < top, top.isFinite else {
            throw FeatureError.invalidFrequencyRange(fMin: fMin, fMax: top)
        }
        guard top <= Float(sampleRate) / 2 else {
            throw FeatureError.fMaxAboveNyquist(fMax: top, sampleRate: sampleRate)
        }
        switch level {
        case .none: break
        case .loudness(let target, let cap):
            guard target.isFinite, (-70...0).contains(target) else { throw FeatureError.invalidLevel("target \(target) LUFS is outside −70…0") }
            guard cap.isFinite, (0...60).contains(cap) else { throw FeatureError.invalidLevel("gain cap \(cap) dB is outside 0…60") }
        case .peak(let cap):
            guard cap.isFinite, (0...60).contains(cap) else { throw FeatureError.invalidLevel("gain cap \(cap) dB is outside 0…60") }
        }
        guard (1...segmentFrames).contains(minLastSegmentFrames) else {
            throw FeatureError.invalidMinLastSegmentFrames(minLastSegmentFrames, segmentFrames: segmentFrames)
        }
        let weights = MelFilterbank.slaney(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels, fMin: fMin, fMax: top)
        let empty = MelFilterbank.emptyBands(weights, nMels: nMels)
        guard empty.isEmpty else {
            throw FeatureError.emptyMelBands(empty, nMels: nMels, nFFT: nFFT, sampleRate: sampleRate)
        }
    }
}

extension FeatureParameters {
    /// Decodes what `encode` wrote; the preprocessing fields, added later, default to the behaviour before
    /// them when absent (a checkpoint written before they existed resumes as it was started).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sampleRate: try c.decode(Int.self, forKey: .sampleRate), nFFT: try c.decode(Int.self, forKey: .nFFT),
                  hopLength: try c.decode(Int.self, forKey: .hopLength), nMels: try c.decode(Int.self, forKey: .nMels),
                  fMin: try c.decode(Float.self, forKey: .fMin), fMax: try c.decodeIfPresent(Float.self, forKey: .fMax),
                  segmentFrames: try c.decode(Int.self, forKey: .segmentFrames),
                  minLastSegmentFrames: try c.decode(Int.self, forKey: .minLastSegmentFrames),
                  downmix: try c.decodeIfPresent(Downmix.self, forKey: .downmix) ?? .mean,
                  level: try c.decodeIfPresent(LevelNormalization.self, forKey: .level) ?? .none,
                  dcRemoval: try c.decodeIfPresent(Bool.self, forKey: .dcRemoval) ?? false)
    }
}
