import ArgumentParser
import GenreTraining

extension OptimizerKind: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}

/// The training recipe options shared by `train` and `crossval`. The defaults are the seed recipe.
struct RecipeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Training epochs.") var epochs = 30
    @Option(parsing: .unconditional, help: "Segments per mini-batch.") var batchSize = 32
    @Option(parsing: .unconditional, help: "Initial learning rate.") var learningRate: Float = 0.01
    @Option(help: "Learning-rate schedule: step (×--lr-gamma every --lr-step epochs) or cosine (to 0 over the run).")
    var schedule: ScheduleKind = .step
    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation accuracy (0: never).")
    var earlyStopping = 0
    @Option(parsing: .unconditional, help: "Multiply the learning rate by --lr-gamma every this many epochs.")
    var lrStep = 10
    @Option(parsing: .unconditional, help: "Learning-rate factor every --lr-step epochs (1: constant).")
    var lrGamma: Float = 0.5
    @Option(help: "sgd (with momentum 0.9), adam or adamw.") var optimizer: OptimizerKind = .sgd
    @Option(parsing: .unconditional, help: "Weight decay λ (L2 for sgd and adam, decoupled for adamw).")
    var weightDecay: Float = 0
    @Flag(help: "Augment training examples: random 128-frame crops, one SpecAugment time mask (≤ 20 frames) and one frequency mask (≤ 16 bands).")
    var augment = false
    @Flag(help: "BatchNorm after each convolution.") var batchNorm = false
    @Option(parsing: .unconditional, help: "Dropout probability before the Linear layer.") var dropout: Float = 0
    @Flag(help: "Average the last feature map over time before the Linear layer.") var timePooling = false
    @Option(parsing: .unconditional, help: "Mixup: α of the Beta(α, α) mixing weight, in (0, 1] (0: off).")
    var mixup: Float = 0
    @Option(parsing: .unconditional, help: "Label smoothing ε, in [0, 1).") var labelSmoothing: Float = 0
    @Option(parsing: .unconditional, help: "Seed for initialisation, splits, shuffling and augmentation.") var seed: UInt64 = 0

    func validate() throws {
        guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 10000") }
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number") }
        guard (1...10_000).contains(lrStep) else { throw ValidationError("--lr-step must be between 1 and 10000") }
        guard lrGamma > 0, lrGamma <= 1 else { throw ValidationError("--lr-gamma must be in (0, 1]") }
        guard (0...10_000).contains(earlyStopping) else { throw ValidationError("--early-stopping must be between 0 and 10000") }
        guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
        guard mixup >= 0, mixup <= 1 else { throw ValidationError("--mixup must be in [0, 1]") }
        guard labelSmoothing >= 0, labelSmoothing < 1 else { throw ValidationError("--label-smoothing must be in [0, 1)") }
        guard weightDecay >= 0, weightDecay < 1 else { throw ValidationError("--weight-decay must be in [0, 1)") }
    }

    var settings: TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: batchSize, learningRate: learningRate, learningRateStep: lrStep,
                         learningRateGamma: lrGamma, seed: seed, optimizer: optimizer, weightDecay: weightDecay,
                         augmentation: augment ? .standard : .none, batchNorm: batchNorm,
                         dropout: dropout, timePooling: timePooling, schedule: schedule, earlyStopping: earlyStopping,
                         targets: SoftTargets(mixup: mixup, labelSmoothing: labelSmoothing))
    }
}
