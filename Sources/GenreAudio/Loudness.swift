import CEbur128
import Foundation

/// Integrated loudness (ITU-R BS.1770-4 / EBU R128: K-weighting, 400 ms blocks with 75 % overlap, the
/// −70 LUFS absolute and −10 LU relative gates) measured with libebur128.
public enum Loudness {
    /// The integrated loudness of a mono signal, LUFS; `-infinity` when every block lies below the
    /// −70 LUFS absolute gate (digital silence, near-silence). The one channel is weighted 1 (as a
    /// front channel in BS.1770), so a full-scale 997 Hz sine reads −3.01 LUFS.
    /// - Parameters:
    ///   - samples: `[frames]`, float scale.
    ///   - sampleRate: Hz, > 0 (libebur128 designs its K-weighting filter for any rate).
    /// - Returns: nil only if libebur128 cannot allocate its state.
    public static func integratedLUFS(_ samples: [Float], sampleRate: Int) -> Double? {
        guard let meter = LoudnessMeter(sampleRate: sampleRate) else { return nil }
        return samples.withUnsafeBufferPointer { meter.add($0) } ? meter.integratedLUFS : nil
    }

    /// libebur128's version, e.g. `"libebur128 1.2.6"`.
    public static var libebur128Version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        ebur128_get_version(&major, &minor, &patch)
        return "libebur128 \(major).\(minor).\(patch)"
    }
}

/// Integrated loudness measured as audio arrives (libebur128 keeps only its gating blocks' energies): the same
/// value as `Loudness.integratedLUFS` of the whole signal.
public final class LoudnessMeter {
    private var state: UnsafeMutablePointer<ebur128_state>?

    /// A meter for one mono channel at `sampleRate` Hz; nil if libebur128 cannot allocate its state.
    public init?(sampleRate: Int) {
        guard let state = ebur128_init(1, UInt(sampleRate), Int32(EBUR128_MODE_I.rawValue)) else { return nil }
        self.state = state
    }

    deinit { ebur128_destroy(&state) }

    /// Adds the next samples (float scale); false if libebur128 refused them.
    @discardableResult
    public func add(_ samples: UnsafeBufferPointer<Float>) -> Bool {
        samples.isEmpty || ebur128_add_frames_float(state, samples.baseAddress, samples.count) == Int32(EBUR128_SUCCESS.rawValue)
    }

    /// LUFS so far; `-infinity` below the absolute gate; nil if libebur128 fails.
    public var integratedLUFS: Double? {
        var lufs = 0.0
        return ebur128_loudness_global(state, &lufs) == Int32(EBUR128_SUCCESS.rawValue) ? lufs : nil
    }
}

/// How a clip's level is taken out of its features before the network sees them. Applied as one dB
/// offset `g` added to every log-mel cell, computed with a floor far below −100 dB, then clamped at
/// −100 dB: the log-mel of the clip scaled by `10^(g/20)`.
/// Being one offset per clip, computed from the whole clip, it can be applied after a streaming
/// first pass. Recorded in model files as `feature.level_normalization` (+ `feature.level_target_lufs`,
/// `feature.level_max_gain_db`).
public enum LevelNormalization: Sendable, Equatable, Codable {
    /// Features keep the file's absolute level (the seed recipe, and every model written before).
    case none
    /// Loudness normalisation (EBU R128 / ITU-R BS.1770-4, `Loudness.integratedLUFS` of the mono
    /// signal at the model's rate) to `targetLUFS`, with the gain capped at `maxGainDB` so near-silence is
    /// not blown up (a clip below the absolute gate gets the cap).
    case loudness(targetLUFS: Float, maxGainDB: Float)
    /// Peak normalisation in the log-mel: the clip's loudest cell is moved to 0 dB (librosa
    /// `power_to_db(ref=np.max)` over the clip), the gain capped at `maxGainDB`. The alternative measured
    /// against `.loudness`, and the default recipe's (`logMelPeak`).
    case peak(maxGainDB: Float)

    /// EBU R128's programme target and a +30 dB cap.
    public static let ebuR128 = LevelNormalization.loudness(targetLUFS: -23, maxGainDB: 30)

    /// The loudest log-mel cell to 0 dB with a +30 dB cap: the default recipe's rule (it cross-validates
    /// 1.7 points above `.ebuR128` on gtzan-510, mean of two seeds; README, "Accuracy").
    public static let logMelPeak = LevelNormalization.peak(maxGainDB: 30)

    /// The gain `g`, dB, for a clip of integrated loudness `lufs` (`.loudness`) or loudest log-mel cell
    /// `peakDB` (`.peak`); 0 for `.none`.
    public func gainDB(lufs: Double, peakDB: Float) -> Float {
        switch self {
        case .none: return 0
        case .loudness(let target, let cap):
            return lufs.isFinite ? min(target - Float(lufs), cap) : cap
        case .peak(let cap):
            return min(-peakDB, cap)
        }
    }

    private enum CodingKeys: String, CodingKey { case method, targetLUFS, maxGainDB }

    /// JSON: `{"method": "none" | "loudness" | "peak", "targetLUFS": …, "maxGainDB": …}`, the numbers only
    /// where the method has them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metadataName, forKey: .method)
        switch self {
        case .none: break
        case .loudness(let target, let cap):
            try c.encode(target, forKey: .targetLUFS)
            try c.encode(cap, forKey: .maxGainDB)
        case .peak(let cap):
            try c.encode(cap, forKey: .maxGainDB)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .method) {
        case "none": self = .none
        case "loudness": self = .loudness(targetLUFS: try c.decode(Float.self, forKey: .targetLUFS),
                                          maxGainDB: try c.decode(Float.self, forKey: .maxGainDB))
        case "peak": self = .peak(maxGainDB: try c.decode(Float.self, forKey: .maxGainDB))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .method, in: c, debugDescription: "unknown level normalisation \(other)")
        }
    }

    /// The name stored in `feature.level_normalization`.
    public var metadataName: String {
        switch self {
        case .none: return "none"
        case .loudness: return "loudness"
        case .peak: return "peak"
        }
    }

    /// Adds `gainDB` to every log-mel cell and clamps the result at `floorDB` (−100 dB, librosa's floor).
    /// The cells were computed with the lower floor of `FeatureParameters.floorPower`, so this equals the
    /// log-mel of the clip scaled by 10^(gainDB/20) with librosa's floor, for any gain.
    public static func apply(gainDB: Float, to values: inout [Float], floorDB: Float = -100) {
        for i in values.indices { values[i] = max(values[i] + gainDB, floorDB) }
    }
}
