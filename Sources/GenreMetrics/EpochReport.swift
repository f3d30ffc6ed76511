

/// What one epoch did. Losses are mean cross-entropy (nats) over segments; accuracies are fractions.
public struct EpochReport: Sendable, Equatable, Codable {
    /// 1-based.
    public var epoch: Int
    /// The learning rate used throughout the epoch (from the step or cosine schedule).
    public var learningRate: Float
    /// Mean training loss per segment over the epoch's batches (nats), measured before each step;
    /// against the soft targets when mixup or label smoothing is on.
    public var trainLoss: Float
    /// Segment accuracy on the training segments, measured during the epoch (before each step).
    public var trainAccuracy: Double
    /// nil when there is no validation data.
    public var validationLoss: Float?
    /// Clip accuracy (mean of segment softmax per clip) on the validation files.
    public var validationAccuracy: Double?
    /// Wall time of the epoch, seconds: training and validation.
    public var seconds: Double

    /// Member-wise; see the properties.
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
