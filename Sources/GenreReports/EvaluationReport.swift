import Foundation
import GenreMetrics

/// The result of `genre evaluate`; encodes to the documented JSON schema.
public struct EvaluationReport: Sendable, Codable {
    public struct ClassRow: Sendable, Codable, Equatable {
        public var genre: String
        /// nil (JSON null) when undefined: no clip was predicted as this class.
        public var precision: Double?
        /// nil when the class has no clips in the evaluated set.
        public var recall: Double?
        public var f1: Double?
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

        public init(genre: String, precision: Double? = nil, recall: Double? = nil, f1: Double? = nil, support: Int) {
            self.genre = genre
            self.precision = precision
            self.recall = recall
            self.f1 = f1
            self.support = support
        }
    }
    public struct ClipRow: Sendable, Codable, Equatable {
        public var file: String
        public var genre: String
        public var predicted: String
        /// Probability of `predicted`, in [0, 1].
        public var probability: Double
        /// The clip's distribution over `classes`, in that order (sums to 1).
        public var probabilities: [Double]

        public init(file: String, genre: String, predicted: String, probability: Double, probabilities: [Double]) {
            self.file = file
            self.genre = genre
            self.predicted = predicted
            self.probability = probability
            self.probabilities = probabilities
        }
    }
    public var model: String
    public var dataset: String
    public var split: String
    public var classes: [String]
    public var clips: Int
    public var segments: Int
    public var clipAccuracy: Double
    public var segmentAccuracy: Double
    public var balancedAccuracy: Double
    public var macroF1: Double
    public var perClass: [ClassRow]
    /// Clip-level, rows true class, columns predicted, in `classes` order.
    public var confusionMatrix: [[Int]]
    public var segmentConfusionMatrix: [[Int]]
    public var predictions: [ClipRow]
    public var skipped: [String]
    /// The model on the scored clips under each `--perturb` perturbation; absent without `--perturb`.
    public var robustness: [PerturbationResult]? = nil

    public init(model: String, dataset: String, split: String, classes: [String], clips: Int, segments: Int, clipAccuracy: Double, segmentAccuracy: Double, balancedAccuracy: Double, macroF1: Double, perClass: [ClassRow], confusionMatrix: [[Int]], segmentConfusionMatrix: [[Int]], predictions: [ClipRow], skipped: [String], robustness: [PerturbationResult]? = nil) {
        self.model = model
        self.dataset = dataset
        self.split = split
        self.classes = classes
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
