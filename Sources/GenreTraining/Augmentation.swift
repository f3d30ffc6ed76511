import GenreNetwork

/// Training-time augmentation of standardised log-mel segments: random crops of long clips instead of
/// their fixed segments, and SpecAugment's time and frequency masks (Park et al., 2019, "SpecAugment",
/// §2: one mask of each kind, width drawn uniformly from 0…max, position uniformly where it fits; masked
/// cells set to 0, the standardised mean). Validation and test data are never augmented.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Take each training example as a 128-frame window starting at a uniformly random frame of the
    /// clip's padded spectrogram, instead of one of its fixed segments.
    public var randomCrops: Bool
    /// Widest time mask, frames (0: none).
    public var timeMask: Int
    /// Widest frequency mask, mel bands (0: none).
    public var frequencyMask: Int

    public init(randomCrops: Bool = false, timeMask: Int = 0, frequencyMask: Int = 0) {
        self.randomCrops = randomCrops
        self.timeMask = timeMask
        self.frequencyMask = frequencyMask
    }

    /// No augmentation: the seed recipe.
    public static let none = Augmentation()
    /// Crops, a time mask of up to 20 frames and a frequency mask of up to 16 bands (the improved
    /// recipe of `shared/docs/peers.md`).
    public static let standard = Augmentation(randomCrops: true, timeMask: 20, frequencyMask: 16)

    public var isEnabled: Bool { randomCrops || timeMask > 0 || frequencyMask > 0 }

    /// Writes one training example of a clip into `out` `[nMels, width]`.
    /// - Parameters:
    ///   - segments: the clip's `[count, nMels, width]` segments, which together hold its padded
    ///     spectrogram of `count · width` frames.
    ///   - segment: the fixed segment to use when crops are off.
    ///   - generator: draws the crop start and the masks.
    func example(_ segments: UnsafePointer<Float>, count: Int, segment: Int, nMels: Int, width: Int,
                 into out: UnsafeMutablePointer<Float>, generator: inout SeededGenerator) {
        let frames = count * width
        let start = randomCrops && count > 1 ? Int(Splitter.uniform(below: UInt64(frames - width + 1), using: &generator))
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
        if timeMask > 0 {
            let w = Int(Splitter.uniform(below: UInt64(min(timeMask, width) + 1), using: &generator))
            let t0 = Int(Splitter.uniform(below: UInt64(width - w + 1), using: &generator))
            for m in 0..<nMels { (out + m * width + t0).update(repeating: 0, count: w) }
        }
        if frequencyMask > 0 {
            let w = Int(Splitter.uniform(below: UInt64(min(frequencyMask, nMels) + 1), using: &generator))
            let f0 = Int(Splitter.uniform(below: UInt64(nMels - w + 1), using: &generator))
            (out + f0 * width).update(repeating: 0, count: w * width)
        }
    }
}
