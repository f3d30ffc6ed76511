

/// What one epoch did. Losses are mean cross-entropy (nats) over segments; accuracies are fractions.
public struct EpochReport: Sendable, Equatable, Codable {
    /// 1-based.
    public var epoch: Int
    public var learningRate: Float
    public var trainLoss: Float
    /// Segment accuracy on the training segments, measured during the epoch (before each step).
    public var trainAccuracy: Double
    /// nil when there is no validation data.
    public var validationLoss: Float?
    /// Clip accuracy (mean of segment softmax per clip) on the validation files.
    public var validationAccuracy: Double?
    public var seconds: Double

    public init(epoch: Int, learningRate: Float, trainLoss: Float, trainAccuracy: Double, validationLoss: Float? = nil, validationAccuracy: Double? = nil, seconds: Double) {
        self.epoch = epoch
        self.learningRate = learningRate
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.seconds = seconds
    }
}
