import ArgumentParser
import GenreAudio
import GenreFeatures
import GenreModel
import GenreSupport

extension OptimizerKind: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}
extension Downmix: ExpressibleByArgument {}

/// `--level`: how a clip's level is taken out of its features.
enum LevelName: String, ExpressibleByArgument, CaseIterable {
    case none, loudness, peak

    var normalization: LevelNormalization {
        switch self {
        case .none: return .none
        case .loudness: return .ebuR128
        case .peak: return .logMelPeak
        }
    }
}

/// A named starting point for the training options.
enum RecipeName: String, ExpressibleByArgument, CaseIterable {
    case `default`, seed

    var settings: TrainingSettings { self == .seed ? .seedRecipe : .defaultRecipe }
    /// The recipe's preprocessing (downmix and level normalisation); the seed recipe keeps librosa's.
    func features(_ base: FeatureParameters) -> FeatureParameters {
        self == .seed ? base : base.withDefaultRecipePreprocessing()
    }
}

/// The training recipe options shared by `train` and `crossval`: `--recipe` picks every setting, and each
/// option given on the command line overrides that one setting.
struct RecipeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("default: peak normalisation (loudest mel cell to 0 dB) and the ITU downmix; BatchNorm, time pooling, dropout 0.3, Adam 0.001 with weight decay 0.0001, crops, SpecAugment, random gain, cosine schedule, 60 epochs. seed: the reference network's recipe (librosa's features; SGD momentum 0.9, 0.01 ×0.5 every 10 epochs, 30 epochs, nothing else).",
                               valueName: "default|seed"))
    var recipe: RecipeName?
    @Option(parsing: .unconditional, help: "Training epochs, 1–10000 (default 60; seed 30).") var epochs: Int?
    @Option(parsing: .unconditional, help: "Segments per mini-batch, 1–4096 (32).") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Initial learning rate, > 0 (default 0.001; seed 0.01).") var learningRate: Float?
    @Option(help: "Learning-rate schedule: step (×--lr-gamma every --lr-step epochs) or cosine (to 0 over the run) (default cosine; seed step).")
    var schedule: ScheduleKind?
    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation accuracy, 0–10000 (0: never).")
    var earlyStopping: Int?
    @Option(parsing: .unconditional, help: "Multiply the learning rate by --lr-gamma every this many epochs, 1–10000 (10).")
    var lrStep: Int?
    @Option(parsing: .unconditional, help: "Learning-rate factor every --lr-step epochs, in (0, 1] (0.5; 1: constant).")
    var lrGamma: Float?
    @Option(help: "sgd (with momentum 0.9), adam or adamw (default adam; seed sgd).") var optimizer: OptimizerKind?
    @Option(parsing: .unconditional, help: "Weight decay λ, in [0, 1): L2 for sgd and adam, decoupled for adamw (default 0.0001; seed 0).")
    var weightDecay: Float?
    @Flag(inversion: .prefixedNo, help: "Augment training examples: random 128-frame crops, one SpecAugment time mask (≤ 20 frames) and one frequency mask (≤ 16 bands) (default on; seed off).")
    var augment: Bool?
    @Option(help: ArgumentHelp("How a clip's level is taken out of its features: loudness (EBU R128 integrated loudness to −23 LUFS, gain ≤ +30 dB), peak (loudest mel cell to 0 dB, gain ≤ +30 dB) or none (default peak; seed none).",
                               valueName: "loudness|peak|none"))
    var level: LevelName?
    @Option(help: ArgumentHelp("How more than two channels become one: itu775 (ITU-R BS.775 weights, LFE dropped) or mean (default itu775; seed mean).",
                               valueName: "itu775|mean"))
    var downmix: Downmix?
    @Flag(inversion: .prefixedNo, help: "Subtract each frame's mean before the FFT, so a DC offset changes nothing (default on; seed off).")
    var dcRemoval: Bool?
    @Option(parsing: .unconditional, help: "Highest mel band edge, Hz, in (0, --sample-rate / 2] (default 9500 at 22050 Hz, scaled with --sample-rate; seed: half the sample rate).")
    var fMax: Float?
    @Option(parsing: .unconditional, help: "Random gain of training examples, ± this many dB, in [0, 40] (default 6; seed 0).")
    var gainAugment: Float?
    @Option(parsing: .unconditional, help: "Random spectral tilt of training examples, ± this many dB at the band edges, in [0, 20] (0: off, the default).")
    var tiltAugment: Float?
    @Flag(inversion: .prefixedNo, help: "BatchNorm after each convolution (default on; seed off).") var batchNorm: Bool?
    @Flag(inversion: .prefixedNo, help: "Average the last feature map over time before the Linear layer (default on; seed off).")
    var timePooling: Bool?
    @Option(parsing: .unconditional, help: "Dropout probability before the Linear layer, in [0, 1) (default 0.3; seed 0).") var dropout: Float?
    @Option(parsing: .unconditional, help: "Mixup: α of the Beta(α, α) mixing weight, in [0, 1] (0: off, the default).")
    var mixup: Float?
    @Option(parsing: .unconditional, help: "Label smoothing ε, in [0, 1) (0).") var labelSmoothing: Float?
    @Option(parsing: .unconditional, help: "Seed for initialisation, splits, shuffling and augmentation, 0–18446744073709551615 (0).") var seed: UInt64?

    func validate() throws {
        let s = settings
        guard (1...10_000).contains(s.epochs) else { throw ValidationError("--epochs must be between 1 and 10000") }
        guard (1...4096).contains(s.batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096") }
        guard s.learningRate > 0, s.learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number") }
        guard (1...10_000).contains(s.learningRateStep) else { throw ValidationError("--lr-step must be between 1 and 10000") }
        guard s.learningRateGamma > 0, s.learningRateGamma <= 1 else { throw ValidationError("--lr-gamma must be in (0, 1]") }
        guard (0...10_000).contains(s.earlyStopping) else { throw ValidationError("--early-stopping must be between 0 and 10000") }
        guard s.dropout >= 0, s.dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
        guard s.targets.mixup >= 0, s.targets.mixup <= 1 else { throw ValidationError("--mixup must be in [0, 1]") }
        guard s.targets.labelSmoothing >= 0, s.targets.labelSmoothing < 1 else { throw ValidationError("--label-smoothing must be in [0, 1)") }
        guard s.weightDecay >= 0, s.weightDecay < 1 else { throw ValidationError("--weight-decay must be in [0, 1)") }
        if let problem = s.problem, !Set(problem.settings).isDisjoint(with: [.gainAugment, .tiltAugment]) {
            throw ValidationError(problem.rendered(flag))
        }
        if let fMax, !(fMax.isFinite && fMax > 0) { throw ValidationError("--f-max must be a positive number of Hz") }
    }

    /// The options typed on the command line, as typed (`--epochs 9`, `--no-augment`), in the order of `--help`:
    /// what `train --resume` names as ignored.
    var given: [String] {
        func option(_ flag: String, _ value: (any CustomStringConvertible)?) -> String? { value.map { "\(flag) \($0)" } }
        func flag(_ name: String, _ value: Bool?) -> String? { value.map { $0 ? "--\(name)" : "--no-\(name)" } }
        let typed: [String?] = [
            option("--recipe", recipe?.rawValue), option("--epochs", epochs), option("--batch-size", batchSize),
            option("--learning-rate", learningRate), option("--schedule", schedule?.rawValue),
            option("--early-stopping", earlyStopping), option("--lr-step", lrStep), option("--lr-gamma", lrGamma),
            option("--optimizer", optimizer?.rawValue), option("--weight-decay", weightDecay), flag("augment", augment),
            option("--level", level?.rawValue), option("--downmix", downmix?.rawValue), flag("dc-removal", dcRemoval),
            option("--f-max", fMax), option("--gain-augment", gainAugment), option("--tilt-augment", tiltAugment),
            flag("batch-norm", batchNorm), flag("time-pooling", timePooling), option("--dropout", dropout),
            option("--mixup", mixup), option("--label-smoothing", labelSmoothing), option("--seed", seed),
        ]
        return typed.compactMap { $0 }
    }

    /// The flags typed that set features or the architecture (what `train --init` takes from its model instead).
    var featureAndArchitectureFlags: [String] {
        let typed: [(String, Bool)] = [("--level", level != nil), ("--downmix", downmix != nil),
                                       ("--[no-]dc-removal", dcRemoval != nil), ("--f-max", fMax != nil),
                                       ("--[no-]batch-norm", batchNorm != nil), ("--[no-]time-pooling", timePooling != nil)]
        return typed.filter(\.1).map(\.0)
    }

    /// --f-max against the sample rate the features use (Hz).
    func validateFMax(sampleRate: Int) throws {
        if let fMax, fMax > Float(sampleRate) / 2 {
            throw ValidationError("--f-max \(fMax) Hz is above half the sample rate (\(sampleRate / 2) Hz at \(sampleRate) Hz)")
        }
    }

    /// The recipe's downmix and level normalisation, with the given options applied, on `base`.
    func features(_ base: FeatureParameters) -> FeatureParameters {
        var f = (recipe ?? .default).features(base)
        if let downmix { f.downmix = downmix }
        if let level { f.level = level.normalization }
        if let dcRemoval { f.dcRemoval = dcRemoval }
        if let fMax { f.fMax = fMax }
        return f
    }

    /// The recipe's settings with every given option applied.
    var settings: TrainingSettings {
        var s = (recipe ?? .default).settings
        if let epochs { s.epochs = epochs }
        if let batchSize { s.batchSize = batchSize }
        if let learningRate { s.learningRate = learningRate }
        if let schedule { s.schedule = schedule }
        if let earlyStopping { s.earlyStopping = earlyStopping }
        if let lrStep { s.learningRateStep = lrStep }
        if let lrGamma { s.learningRateGamma = lrGamma }
        if let optimizer { s.optimizer = optimizer }
        if let weightDecay { s.weightDecay = weightDecay }
        if let augment {
            let kept = s.augmentation
            s.augmentation = augment ? .standard : .none
            // --augment switches crops and masks; the level augmentations keep the recipe's unless given.
            if augment { s.augmentation.gainDB = kept.gainDB; s.augmentation.tiltDB = kept.tiltDB }
        }
        if let gainAugment { s.augmentation.gainDB = gainAugment }
        if let tiltAugment { s.augmentation.tiltDB = tiltAugment }
        if let batchNorm { s.batchNorm = batchNorm }
        if let timePooling { s.timePooling = timePooling }
        if let dropout { s.dropout = dropout }
        if let mixup { s.targets.mixup = mixup }
        if let labelSmoothing { s.targets.labelSmoothing = labelSmoothing }
        if let seed { s.seed = seed }
        return s
    }
}
