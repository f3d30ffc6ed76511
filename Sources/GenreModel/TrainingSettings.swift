import GenreAudio
import GenreFeatures
import GenreNetwork
import GenreSupport

/// The update rule of a training run.
public enum OptimizerKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// SGD with heavy-ball momentum (`momentum`), the seed recipe; `weightDecay` adds λθ to the gradient.
    case sgd
    /// Adam with L2 weight decay added to the gradient (PyTorch's `Adam(weight_decay=λ)`).
    case adam
    /// AdamW: decoupled weight decay (PyTorch's `AdamW`).
    case adamw

    /// The name stored in model files (`training.optimizer`): `sgd-momentum`, `adam` or `adamw`.
    public var metadataName: String { self == .sgd ? "sgd-momentum" : rawValue }
}

/// How the learning rate changes over epochs.
public enum ScheduleKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// ×`learningRateGamma` every `learningRateStep` epochs (PyTorch's StepLR).
    case step
    /// Cosine annealing from the initial rate to 0 over the run (PyTorch's CosineAnnealingLR).
    case cosine
}

/// The hyper-parameters of one training run. Model files record them as text under `training.*` and
/// `architecture.*` keys (`TrainingSettingsText.swift`, one table for writing and reading, every key of
/// a file's format version required); checkpoints and the `--json` outputs as the JSON object of its
/// properties (`Codable`, every property required), the schema the README documents.
public struct TrainingSettings: Sendable, Equatable, Codable {
    /// Passes over the training segments (≥ 1).
    public var epochs: Int = 30
    /// Segments per optimisation step (≥ 1; the last batch of an epoch may be smaller).
    public var batchSize: Int = 32
    /// η₀, the initial learning rate of either schedule (> 0).
    public var learningRate: Float = 0.01
    /// SGD's heavy-ball momentum μ in [0, 1) (unused by Adam).
    public var momentum: Float = 0.9
    /// The learning rate is multiplied by `learningRateGamma` every `learningRateStep` epochs (StepLR).
    public var learningRateStep: Int = 10
    /// See `learningRateStep`; in (0, 1].
    public var learningRateGamma: Float = 0.5
    /// Seeds He initialisation, the split and the batch shuffles.
    public var seed: UInt64 = 0
    /// The update rule: SGD with momentum, Adam or AdamW.
    public var optimizer: OptimizerKind = .sgd
    /// λ, weight decay (0: none).
    public var weightDecay: Float = 0
    /// Training-time augmentation (none in the seed recipe).
    public var augmentation: Augmentation = .none
    /// Mixup and label smoothing (none in the seed recipe).
    public var targets: SoftTargets = SoftTargets()
    /// BatchNorm after each convolution (recorded in the model as `architecture.batch_norm`).
    public var batchNorm: Bool = false
    /// Dropout probability before the Linear layer (recorded as `architecture.dropout`).
    public var dropout: Float = 0
    /// Average over time before the Linear layer (recorded as `architecture.time_pooling`).
    public var timePooling: Bool = false
    /// How the learning rate changes over epochs (step or cosine).
    public var schedule: ScheduleKind = .step
    /// Stop after this many epochs without a better validation accuracy (0: never; needs validation data).
    public var earlyStopping: Int = 0

    /// Member-wise; the defaults are the seed recipe's (`seedRecipe`). Nothing is checked here: see `problem`.
    public init(epochs: Int = 30, batchSize: Int = 32, learningRate: Float = 0.01, momentum: Float = 0.9,
                learningRateStep: Int = 10, learningRateGamma: Float = 0.5, seed: UInt64 = 0,
                optimizer: OptimizerKind = .sgd, weightDecay: Float = 0, augmentation: Augmentation = .none,
                batchNorm: Bool = false, dropout: Float = 0, timePooling: Bool = false,
                schedule: ScheduleKind = .step, earlyStopping: Int = 0,
                targets: SoftTargets = SoftTargets()) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.learningRateStep = learningRateStep
        self.learningRateGamma = learningRateGamma
        self.seed = seed
        self.optimizer = optimizer
        self.weightDecay = weightDecay
        self.augmentation = augmentation
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.timePooling = timePooling
        self.schedule = schedule
        self.earlyStopping = earlyStopping
        self.targets = targets
    }

    /// The reference network's recipe (`shared/docs/peers.md`, recipe A): SGD with momentum 0.9, learning
    /// rate 0.01 ×0.5 every 10 epochs, 30 epochs, batch 32; no BatchNorm, dropout, augmentation or time pooling.
    public static let seedRecipe = TrainingSettings()

    /// genre's default: BatchNorm after every convolution, time pooling, dropout 0.3, Adam (learning rate
    /// 0.001, L2 weight decay 0.0001) with a cosine schedule over 60 epochs, random crops, SpecAugment and
    /// a random gain of ±6 dB, on peak-normalised features (`FeatureParameters.defaultRecipe`).
    /// Cross-validated accuracy: README, "Accuracy".
    public static let defaultRecipe = TrainingSettings(
        epochs: 60, learningRate: 0.001, optimizer: .adam, weightDecay: 0.0001, augmentation: .levelRobust,
        batchNorm: true, dropout: 0.3, timePooling: true, schedule: .cosine)

    /// The default recipe as it was before level normalisation (issue 12), kept to measure against.
    public static let absoluteLevelRecipe = TrainingSettings(
        epochs: 60, learningRate: 0.001, optimizer: .adam, weightDecay: 0.0001, augmentation: .standard,
        batchNorm: true, dropout: 0.3, timePooling: true, schedule: .cosine)

    /// The network these settings train on `features`: blocks of 16, 32, 64 and 64 channels on one
    /// `[nMels, segmentFrames]` segment, with the settings' BatchNorm, dropout and time pooling.
    public func configuration(features: FeatureParameters, classCount: Int) -> ConvNetConfiguration {
        ConvNetConfiguration(inputChannels: 1, inputHeight: features.nMels, inputWidth: features.segmentFrames,
                             channels: [16, 32, 64, 64], classCount: classCount, batchNorm: batchNorm,
                             dropout: dropout, timePooling: timePooling)
    }

    /// A one-line reason these settings cannot train, naming the setting, or nil.
    public var problem: Message? {
        if epochs < 1 { return "\(Setting.epochs) must be at least 1" }
        if batchSize < 1 { return "\(Setting.batchSize) must be at least 1" }
        if !(learningRate > 0) || !learningRate.isFinite { return "\(Setting.learningRate) must be a positive number" }
        if !(momentum >= 0 && momentum < 1) { return "momentum must be in [0, 1)" }
        if !(weightDecay >= 0) || !weightDecay.isFinite { return "\(Setting.weightDecay) must be ≥ 0" }
        if learningRateStep < 1 { return "\(Setting.learningRateStep) must be at least 1" }
        if !(learningRateGamma > 0 && learningRateGamma <= 1) { return "\(Setting.learningRateGamma) must be in (0, 1]" }
        if !(dropout >= 0 && dropout < 1) { return "\(Setting.dropout) must be in [0, 1)" }
        if earlyStopping < 0 { return "\(Setting.earlyStopping) must be ≥ 0" }
        if !(targets.mixup >= 0 && targets.mixup <= 1) { return "\(Setting.mixup) must be in [0, 1]" }
        if !(targets.labelSmoothing >= 0 && targets.labelSmoothing < 1) { return "\(Setting.labelSmoothing) must be in [0, 1)" }
        if augmentation.timeMask < 0 || augmentation.frequencyMask < 0 { return "mask widths must be ≥ 0" }
        if !(augmentation.gainDB >= 0 && augmentation.gainDB <= 40) { return "\(Setting.gainAugment) must be in [0, 40] dB" }
        if !(augmentation.tiltDB >= 0 && augmentation.tiltDB <= 20) { return "\(Setting.tiltAugment) must be in [0, 20] dB" }
        return nil
    }
}

extension FeatureParameters {
    /// The default recipe's preprocessing on `self`'s analysis settings: the ITU-R BS.775 downmix, peak
    /// normalisation of the log-mel (loudest cell to 0 dB, gain ≤ +30 dB; `LevelNormalization.logMelPeak`,
    /// chosen over EBU R128 loudness by cross-validation), per-frame DC removal, and mel bands up to
    /// 9500 Hz at 22050 Hz (43 % of the rate, scaled with it). The top of the band is left out because it
    /// is what the world changes: libsoxr's anti-alias filter, which every 44.1 or 48 kHz file passes on
    /// its way to 22050 Hz, starts at ≈ 10.3 kHz, and MP3 and Vorbis encoders at 22050 Hz cut at ≈ 10 kHz
    /// (measured: the top three bands of a 0–11025 Hz filterbank drop 2–20 dB), while GTZAN's own
    /// 22050 Hz files keep it.
    public func withDefaultRecipePreprocessing() -> FeatureParameters {
        var f = self
        f.downmix = .itu775
        f.level = .logMelPeak
        f.dcRemoval = true
        f.fMax = Float(sampleRate) * 9500 / 22050
        return f
    }

    /// The default recipe's feature parameters at 22050 Hz with 128 bands (`withDefaultRecipePreprocessing`).
    public static let defaultRecipe = FeatureParameters().withDefaultRecipePreprocessing()
}
