

/// How one perturbation changed a model's answers on labelled clips.
public struct PerturbationResult: Sendable, Codable, Equatable {
    /// The perturbation's spelling, e.g. `gain=-12dB` (`Perturbation.description`).
    public var perturbation: String
    /// `level-layout` (gain, channel layout, DC offset) or `codec-rate` (MP3, Vorbis, resampling).
    public var group: String
    /// Clips for which both the original and the perturbed file were classified.
    public var clips: Int
    /// Fraction of those clips whose top-1 genre is the same for both, in [0, 1].
    public var topOneUnchanged: Double
    /// Clip accuracy on the original files and on the perturbed ones, in [0, 1].
    public var baselineAccuracy: Double
    /// Clip accuracy on the perturbed files, in [0, 1].
    public var accuracy: Double
    /// Mean over clips of max over classes |p_perturbed − p_original| (clip probabilities), and its largest value.
    public var meanMaxAbsDeltaP: Double
    /// The largest over clips of max over classes |p_perturbed − p_original|, in [0, 1].
    public var maxAbsDeltaP: Double
    /// Files the perturbation could not be applied to or classified, `path: reason`.
    public var failed: [String]

    /// Member-wise; see the properties.
    public init(perturbation: String, group: String, clips: Int, topOneUnchanged: Double, baselineAccuracy: Double, accuracy: Double, meanMaxAbsDeltaP: Double, maxAbsDeltaP: Double, failed: [String]) {
        self.perturbation = perturbation
        self.group = group
        self.clips = clips
        self.topOneUnchanged = topOneUnchanged
        self.baselineAccuracy = baselineAccuracy
        self.accuracy = accuracy
        self.meanMaxAbsDeltaP = meanMaxAbsDeltaP
        self.maxAbsDeltaP = maxAbsDeltaP
        self.failed = failed
    }
}
