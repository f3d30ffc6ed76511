import Foundation
import GenreMetrics

/// The result of `genre evaluate`; encodes to the documented JSON schema.
public struct EvaluationReport: Sendable, Codable {
    /// One genre's row of the clip-level per-class table (`perClass[]` in JSON; undefined figures are `null`).
    public struct ClassRow: Sendable, Codable, Equatable {
        /// The genre's name.
        public var genre: String
        /// nil (JSON null) when undefined: no clip was predicted as this class.
        public var precision: Double?
        /// nil when the class has no clips in the evaluated set.
        public var recall: Double?
        /// 2TP / (2TP + FP + FN), in [0, 1] (0 for a genre with clips that was never predicted); nil
        /// only when the genre neither has clips nor was predicted.
        public var f1: Double?
        /// Clips of this genre among those scored.
        public var support: Int

        // Undefined values are written as JSON null (not left out) so the schema is the same for every row.
        enum CodingKeys: String, CodingKey { case genre, precision, recall, f1, support }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(genre, forKey: .genre)
            try c.encode(precision, forKey: .precision)
            try c.encode(recall, forKey: .recall)
            try c.encode(f1, forKey: .f1)
            try c.encode(support, forKey: .support)
        }

        /// Member-wise; see the properties.
        public init(genre: String, precision: Double? = nil, recall: Double? = nil, f1: Double? = nil, support: Int) {
            self.genre = genre
            self.precision = precision
            self.recall = recall
            self.f1 = f1
            self.support = support
        }
    }
    /// One scored clip's prediction (`predictions[]` in JSON).
    public struct ClipRow: Sendable, Codable, Equatable {
        /// Path relative to the dataset folder, e.g. `blues/blues.00000.wav`.
        public var file: String
        /// The true genre (the clip's folder).
        public var genre: String
        /// The predicted genre: argmax of the mean of the segments' softmax outputs (ties: class order).
        public var predicted: String
        /// Probability of `predicted`, in [0, 1].
        public var probability: Double
        /// The clip's distribution over `classes`, in that order (sums to 1).
        public var probabilities: [Double]

        /// Member-wise; see the properties.
        public init(file: String, genre: String, predicted: String, probability: Double, probabilities: [Double]) {
            self.file = file
            self.genre = genre
            self.predicted = predicted
            self.probability = probability
            self.probabilities = probabilities
        }
    }
    /// The model file, as given.
    public var model: String
    /// The dataset folder, as given.
    public var dataset: String
    /// Which files were scored: `test`, `validation` or `all` (`EvaluationSplit.rawValue`).
    public var split: String
    /// The model's genres, in its class order: the order of every matrix, row and distribution.
    public var classes: [String]
    /// The same list under `crossval`'s name, so that both commands carry both (`classes` is the preferred one);
    /// nil only when decoding a report written before it existed.
    public var classNames: [String]?
    /// Clips scored (decodable files of the split whose genre the model knows).
    public var clips: Int
    /// Segments scored: the sum of the scored clips' segment counts.
    public var segments: Int
    /// Fraction of clips whose prediction is their genre, in [0, 1].
    public var clipAccuracy: Double
    /// Fraction of segments whose own argmax is their clip's genre, in [0, 1].
    public var segmentAccuracy: Double
    /// Mean clip recall over the genres with clips, in [0, 1].
    public var balancedAccuracy: Double
    /// Mean clip F1 over the genres with clips, in [0, 1].
    public var macroF1: Double
    /// One row per genre, in `classes` order.
    public var perClass: [ClassRow]
    /// Clip-level, rows true class, columns predicted, in `classes` order.
    public var confusionMatrix: [[Int]]
    /// `[classes][classes]` segment counts, rows true genre (the clip's), columns predicted, in `classes` order.
    public var segmentConfusionMatrix: [[Int]]
    /// One row per scored clip, in the split's file order.
    public var predictions: [ClipRow]
    /// Files of the split that could not be decoded, each `path: reason` (settings spelt as the reporter names them).
    public var skipped: [String]
    /// The model on the scored clips under each `--perturb` perturbation; absent without `--perturb`.
    public var robustness: [PerturbationResult]? = nil
    /// The scored clips without temperature scaling (`before`, T = 1) and at the model's temperature (`after`, the
    /// figures above): accuracy, NLL, ECE and the reliability diagram's bins.
    public var calibration: CalibrationComparison? = nil
    /// With `--min-confidence`: the threshold, the clips flagged "uncertain" and the accuracy on the rest.
    public var selective: SelectiveFigures? = nil

    /// Member-wise; see the properties.
    public init(model: String, dataset: String, split: String, classes: [String], clips: Int, segments: Int, clipAccuracy: Double, segmentAccuracy: Double, balancedAccuracy: Double, macroF1: Double, perClass: [ClassRow], confusionMatrix: [[Int]], segmentConfusionMatrix: [[Int]], predictions: [ClipRow], skipped: [String], robustness: [PerturbationResult]? = nil) {
        self.model = model
        self.dataset = dataset
        self.split = split
        self.classes = classes
        self.classNames = classes
        self.clips = clips
        self.segments = segments
        self.clipAccuracy = clipAccuracy
        self.segmentAccuracy = segmentAccuracy
        self.balancedAccuracy = balancedAccuracy
        self.macroF1 = macroF1
        self.perClass = perClass
        self.confusionMatrix = confusionMatrix
        self.segmentConfusionMatrix = segmentConfusionMatrix
        self.predictions = predictions
        self.skipped = skipped
        self.robustness = robustness
    }
}

extension EvaluationReport {
    /// The clip-level confusion matrix as a `ConfusionMatrix`, for its text and CSV renderings.
    public var clipConfusion: ConfusionMatrix { ConfusionMatrix(classNames: classes, counts: confusionMatrix) }
}
