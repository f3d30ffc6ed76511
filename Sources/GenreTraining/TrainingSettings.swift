/// The hyper-parameters of one training run, recorded in the model file.
public struct TrainingSettings: Sendable, Equatable, Codable {
    public var epochs: Int = 30
    public var batchSize: Int = 32
    /// η₀ of the step schedule.
    public var learningRate: Float = 0.01
    public var momentum: Float = 0.9
    /// The learning rate is multiplied by `learningRateGamma` every `learningRateStep` epochs (StepLR).
    public var learningRateStep: Int = 10
    public var learningRateGamma: Float = 0.5
    /// Seeds He initialisation, the split and the batch shuffles.
    public var seed: UInt64 = 0

    public init(epochs: Int = 30, batchSize: Int = 32, learningRate: Float = 0.01, momentum: Float = 0.9,
                learningRateStep: Int = 10, learningRateGamma: Float = 0.5, seed: UInt64 = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.learningRateStep = learningRateStep
        self.learningRateGamma = learningRateGamma
        self.seed = seed
    }

    /// A one-line reason these settings cannot train, or nil.
    public var problem: String? {
        if epochs < 1 { return "--epochs must be at least 1" }
        if batchSize < 1 { return "--batch-size must be at least 1" }
        if !(learningRate > 0) || !learningRate.isFinite { return "--learning-rate must be a positive number" }
        if !(momentum >= 0 && momentum < 1) { return "momentum must be in [0, 1)" }
        return nil
    }
}
