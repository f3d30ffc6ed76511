import GenreData
import GenreNetwork
import GenreSupport

/// Training-time augmentation of standardised log-mel segments: random crops of long clips instead of
/// their fixed segments, and SpecAugment's time and frequency masks (Park et al., 2019, "SpecAugment",
/// §2: one mask of each kind, width drawn uniformly from 0…max, position uniformly where it fits; masked
/// cells set to 0, the standardised mean), a random gain, and a random spectral tilt (a one-segment
/// version of FilterAugment's linear type: Nam, Kim & Park, 2022, "FilterAugment: An Acoustic
/// Environmental Data Augmentation Method", ICASSP, which weights frequency bands by random dB
/// amounts within ±6 dB to model recordings through different equipment and rooms).
/// Validation and test data are never augmented.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Take each training example as a 128-frame window starting at a uniformly random frame of the
    /// clip's padded spectrogram, instead of one of its fixed segments.
    public var randomCrops: Bool
    /// Widest time mask, frames (0: none).
    public var timeMask: Int
    /// Widest frequency mask, mel bands (0: none).
    public var frequencyMask: Int
    /// Random gain: every example is shifted by g dB, g uniform in [−gainDB, +gainDB] (0: none). After
    /// level normalisation this models what the normalisation cannot take out (mastering, compression).
    public var gainDB: Float
    /// Random spectral tilt: mel band m of `nMels` is shifted by t·(2m/(nMels−1) − 1) dB, t uniform in
    /// [−tiltDB, +tiltDB], a first-order EQ from dull to bright recordings (0: none).
    public var tiltDB: Float

    /// Member-wise; see the properties. The defaults are `none`.
    public init(randomCrops: Bool = false, timeMask: Int = 0, frequencyMask: Int = 0, gainDB: Float = 0,
                tiltDB: Float = 0) {
        self.gainDB = gainDB
        self.tiltDB = tiltDB
        self.randomCrops = randomCrops
        self.timeMask = timeMask
        self.frequencyMask = frequencyMask
    }

    /// No augmentation: the seed recipe.
    public static let none = Augmentation()
    /// Crops, a time mask of up to 20 frames and a frequency mask of up to 16 bands (the improved
    /// recipe of `shared/docs/peers.md`).
    public static let standard = Augmentation(randomCrops: true, timeMask: 20, frequencyMask: 16)
    /// `standard` plus a random gain of ±6 dB: the default recipe's. (A random tilt of ±6 dB added no
    /// cross-validated accuracy, README "Robustness", so it is an option only.)
    public static let levelRobust = Augmentation(randomCrops: true, timeMask: 20, frequencyMask: 16, gainDB: 6)

    /// True when any augmentation is on.
    public var isEnabled: Bool { randomCrops || timeMask > 0 || frequencyMask > 0 || gainDB > 0 || tiltDB > 0 }

    /// Writes one training example of a clip into `out` `[nMels, width]`.
    /// - Parameters:
    ///   - segments: the clip's `[count, nMels, width]` segments, which together hold its padded
    ///     spectrogram of `count · width` frames.
    ///   - segment: the fixed segment to use when crops are off.
    ///   - normalization: the standardisation the segments went through, to turn dB into its units and
    ///     to keep cells at the −100 dB floor (silence, padding) there.
    ///   - generator: draws the crop start, the gain, the tilt and the masks (gain and tilt only when on,
    ///     so recipes without them draw exactly as before).
    package func example(_ segments: UnsafePointer<Float>, count: Int, segment: Int, nMels: Int, width: Int,
                 normalization: Normalization, into out: UnsafeMutablePointer<Float>, generator: inout SeededGenerator) {
        let frames = count * width
        let start = randomCrops && count > 1 ? Int(RandomDraw.uniform(below: UInt64(frames - width + 1), using: &generator))
                                             : segment * width
        // Frame f of the clip is frame f % width of segment f / width.
        let first = start / width, offset = start % width
        for m in 0..<nMels {
            let row = out + m * width
            row.update(from: segments + (first * nMels + m) * width + offset, count: width - offset)
            if offset > 0 {
                (row + width - offset).update(from: segments + ((first + 1) * nMels + m) * width, count: offset)
            }
        }
        if gainDB > 0 || tiltDB > 0 {
            shiftLevels(out, nMels: nMels, width: width, normalization: normalization, generator: &generator)
        }
        if timeMask > 0 {
            let w = Int(RandomDraw.uniform(below: UInt64(min(timeMask, width) + 1), using: &generator))
            let t0 = Int(RandomDraw.uniform(below: UInt64(width - w + 1), using: &generator))
            for m in 0..<nMels { (out + m * width + t0).update(repeating: 0, count: w) }
        }
        if frequencyMask > 0 {
            let w = Int(RandomDraw.uniform(below: UInt64(min(frequencyMask, nMels) + 1), using: &generator))
            let f0 = Int(RandomDraw.uniform(below: UInt64(nMels - w + 1), using: &generator))
            (out + f0 * width).update(repeating: 0, count: w * width)
        }
    }

    /// Adds the random gain and tilt (dB, in standardised units) to every cell above the floor, clamping at it.
    private func shiftLevels(_ out: UnsafeMutablePointer<Float>, nMels: Int, width: Int, normalization: Normalization,
                             generator: inout SeededGenerator) {
        let gain = gainDB > 0 ? Self.symmetric(gainDB, using: &generator) : 0
        let tilt = tiltDB > 0 ? Self.symmetric(tiltDB, using: &generator) : 0
        let inv = 1 / normalization.std
        // Computed as Normalization.apply computes a −100 dB cell, so floor cells compare equal.
        let floor = (-100 - normalization.mean) * inv
        for m in 0..<nMels {
            let position = nMels > 1 ? 2 * Float(m) / Float(nMels - 1) - 1 : 0
            let shift = (gain + tilt * position) * inv
            let row = out + m * width
            for t in 0..<width where row[t] > floor { row[t] = max(row[t] + shift, floor) }
        }
    }

    /// Uniform in [−limit, +limit].
    static func symmetric(_ limit: Float, using generator: inout SeededGenerator) -> Float {
        let unit = Float(RandomDraw.uniform(below: 1 << 24, using: &generator)) / Float(1 << 24)
        return (2 * unit - 1) * limit
    }
}

extension Augmentation {
    /// Decodes what `encode` wrote; gain and tilt, added later, are 0 when absent.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(randomCrops: try c.decode(Bool.self, forKey: .randomCrops), timeMask: try c.decode(Int.self, forKey: .timeMask),
                  frequencyMask: try c.decode(Int.self, forKey: .frequencyMask),
                  gainDB: try c.decodeIfPresent(Float.self, forKey: .gainDB) ?? 0,
                  tiltDB: try c.decodeIfPresent(Float.self, forKey: .tiltDB) ?? 0)
    }
}
