import Foundation
import GenreFeatures
import GenreMetrics
import GenreNetwork

/// What `genre info` shows of a model file: its classes, its layers with their parameter counts, its
/// preprocessing, and how it was trained.
public struct ModelInfo: Sendable, Codable, Equatable {
    /// One tensor of the network.
    public struct Layer: Sendable, Codable, Equatable {
        /// Tensor name as in the file, e.g. `conv1.weight`.
        public var name: String
        /// E.g. `[Cout, Cin, 3, 3]` for a convolution's weight; `[count]` for a running average.
        public var shape: [Int]
        /// Elements, the product of `shape`.
        public var count: Int
        /// false for BatchNorm's running averages, which are stored but not trained.
        public var trained: Bool
    }
    /// The file as named.
    public var path: String
    /// File size, bytes.
    public var bytes: Int
    /// `[K]` genre names in the network's output order.
    public var classes: [String]
    /// E.g. `conv16-bn-conv32-bn-conv64-bn-conv64-bn-timemean-fc10 on 1×128×128`.
    public var architecture: String
    /// Dropout probability before the classifier, in [0, 1) (0: none).
    public var dropout: Float
    /// Trained tensors in the network's order, then the BatchNorm running averages.
    public var layers: [Layer]
    /// Trained parameters (weights and biases), excluding running averages.
    public var parameterCount: Int
    /// The preprocessing the model was trained with and `predict` applies.
    public var features: FeatureParameters
    /// Standardisation: the training cells' mean, dB.
    public var normalizationMean: Float
    /// Standardisation: the training cells' standard deviation, dB, > 0.
    public var normalizationStd: Float
    /// The recipe it was trained with.
    public var training: TrainingSettings
    /// What the run recorded: best epoch, validation accuracy, dataset name, file counts, … (a fine-tuned model's
    /// `init`: the model it started from).
    public var notes: [String: String]
    /// The temperature its logits are divided by (1 when uncalibrated).
    public var temperature: Double
    /// The `--min-confidence model` threshold, if recorded.
    public var minConfidenceThreshold: Double?
    /// Its validation clips without and with the temperature (accuracy, NLL, ECE; no bins); nil when uncalibrated.
    public var calibration: CalibrationComparison?

    /// Reads and validates `path` (checksum included).
    /// - Throws: `ModelFileError`, as `ModelFile.read`.
    public init(path: String) throws {
        let model = try ModelFile.read(path)
        let network = model.network
        self.path = path
        bytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
        classes = model.classNames
        architecture = network.configuration.description
        dropout = network.configuration.dropout
        layers = network.parameters.map { Layer(name: $0.name, shape: $0.shape, count: $0.count, trained: true) }
            + network.buffers.map { Layer(name: $0.name, shape: [$0.values.count], count: $0.values.count, trained: false) }
        parameterCount = network.parameterCount
        features = model.features
        normalizationMean = model.normalization.mean
        normalizationStd = model.normalization.std
        training = model.training
        notes = model.notes
        temperature = model.temperature
        minConfidenceThreshold = model.calibration?.threshold
        calibration = model.calibration?.validation
    }
}
