import GenreData
import GenreModel
import GenreNetwork
import GenreSupport

/// The parts of `genre train` that fine-tuning (`--init`) adds: loading the source model and taking its features,
/// architecture and standardisation into the run's options.
extension TrainingRun {
    /// The model a new run starts from, with the options it fixes: the source's feature parameters, BatchNorm and time
    /// pooling replace the options'. A resumed run takes all of that from its checkpoint and loads no source.
    /// - Returns: nil without `options.initModel`, or when resuming.
    /// - Throws: `RunError` for fine-tuning settings without `initModel`; as `InitialModel.load`.
    static func startingPoint(_ options: inout TrainOptions, saved: Checkpoint.Run?) throws
        -> (model: TrainedModel, record: InitialModel)? {
        if let saved {
            options.fineTuning = saved.initial?.fineTuning ?? .none
            return nil
        }
        guard let path = options.initModel else {
            if options.fineTuning != .none {
                throw RunError("\(Setting.freeze), \(Setting.freezeBatchNorm) and \(Setting.backboneLearningRateScale) "
                               + "fine-tune a trained model: give it with \(Setting.initModel) MODEL")
            }
            return nil
        }
        guard !path.isEmpty else { throw RunError("\(Setting.initModel): the path is empty; give the trained model to start from") }
        // The fine-tuned model replacing the one it starts from would lose the source (and its split list): refused.
        if let source = OutputPath.resolved(path), source == OutputPath.resolved(options.resolvedModelPath) {
            throw RunError("\(path): is both the model to start from (\(Setting.initModel)) and the one to write "
                           + "(\(Setting.modelPath)); write the fine-tuned model elsewhere")
        }
        let start = try InitialModel.load(path, fineTuning: options.fineTuning)
        options.features = start.model.features
        options.settings = InitialModel.settings(options.settings, from: start.model)
        return start
    }

    /// The standardisation a fine-tuning run keeps instead of fitting its own: the source model's, or for a resumed
    /// fine-tuning run the one its checkpoint recorded (which was the source's). nil from scratch.
    static func sourceNormalization(start: TrainedModel?, saved: Checkpoint.Run?) -> Normalization? {
        if let start { return start.normalization }
        guard let saved, saved.initial != nil else { return nil }
        return saved.fittedNormalization
    }

    /// One line on what a fine-tuning run starts from, e.g. `fine-tuning genre.safetensors (10 genres; new head for
    /// 5 genres; first 2 blocks frozen, BatchNorm frozen, backbone learning rate ×0.1)`.
    static func describe(_ initial: InitialModel, classNames: [String]) -> String {
        let t = initial.fineTuning
        var parts = [initial.headReused ? "its head reused" : "new head for \(classNames.count) genres"]
        if t.frozenBlocks > 0 { parts.append("first \(t.frozenBlocks) block(s) frozen") }
        if t.frozenBatchNorm { parts.append("BatchNorm frozen") }
        if t.backboneLearningRateScale != 1 { parts.append("backbone learning rate ×\(t.backboneLearningRateScale)") }
        return "fine-tuning \(initial.file) (\(initial.classes.count) genres; \(parts.joined(separator: "; ")))"
    }
}

extension Checkpoint.Run {
    /// The standardisation the run used (`normalization`'s bit patterns).
    var fittedNormalization: Normalization {
        Normalization(mean: Float(bitPattern: normalization[0]), std: Float(bitPattern: normalization[1]))
    }
}
