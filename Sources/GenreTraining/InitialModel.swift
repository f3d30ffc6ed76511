import Foundation
import GenreData
import GenreFeatures
import GenreModel
import GenreNetwork
import GenreSupport

/// The trained model a fine-tuning run starts from (`genre train DIR --init MODEL`), and what the new model
/// records of it under `train.init`.
///
/// The new network takes the source's convolution and BatchNorm weights and running statistics; its Linear layer
/// (the classifier head) is the source's when DIR has the same genres in the same order (training continues on more
/// data), else new, He-initialised from the run's seed. The run also takes the source's feature parameters and
/// standardisation: the backbone's filters only mean something on the inputs they were trained on.
public struct InitialModel: Sendable, Equatable, Codable {
    /// The source file's name (no folder, so that the same run writes the same bytes from anywhere).
    public var file: String
    /// The source's content checksum (its `checksum.sha256`, what `genre info` verifies), 64 hex digits.
    public var checksum: String
    /// SHA-256 of the source file's bytes, as `sha256sum` prints it (and `predict` records as `modelFileSHA256`).
    public var fileSHA256: String
    /// The source's genres, in its output order.
    public var classes: [String]
    /// True when the source's Linear layer was kept (same genres, same order); false: a new one.
    public var headReused: Bool
    /// What the run held fixed and the backbone's learning-rate factor.
    public var fineTuning: FineTuning

    /// The JSON object stored as `train.init` (keys sorted, so the same run writes the same bytes).
    public var recorded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Reads `train.init` back; nil when absent or not this object.
    public static func recorded(in notes: [String: String]) -> InitialModel? {
        notes["init"].flatMap { try? JSONDecoder().decode(InitialModel.self, from: Data($0.utf8)) }
    }

    /// Loads the source model at `path` and checks that it can start this run.
    /// - Parameters:
    ///   - fineTuning: checked against the source's network (`--freeze` ≤ its blocks; `--freeze-batchnorm` needs
    ///     BatchNorm; the backbone factor in (0, 10]).
    /// - Returns: the source and what the new model will record (`headReused` false until the run knows its genres).
    /// - Throws: `ModelFileError` for a file that is not a usable model; `RunError` for a network this genre cannot
    ///   fine-tune or fine-tuning settings it does not allow.
    public static func load(_ path: String, fineTuning: FineTuning) throws -> (model: TrainedModel, record: InitialModel) {
        let (model, checksum) = try ModelFile.readWithChecksum(path)
        let cfg = model.network.configuration
        let blocks = cfg.channels.count
        let standard = TrainingSettings().configuration(features: model.features, classCount: cfg.classCount)
        guard cfg.channels == standard.channels, cfg.inputChannels == standard.inputChannels else {
            throw RunError("\(path): a network of \(cfg.description), which genre train cannot continue "
                           + "(it trains \(standard.description))")
        }
        guard (0...blocks).contains(fineTuning.frozenBlocks) else {
            throw RunError("\(Setting.freeze) \(fineTuning.frozenBlocks): \(path) has \(blocks) convolution blocks "
                           + "(give 0 to \(blocks))")
        }
        guard !fineTuning.frozenBatchNorm || cfg.batchNorm else {
            throw RunError("\(Setting.freezeBatchNorm): \(path) has no BatchNorm layers (a seed-recipe model)")
        }
        let scale = fineTuning.backboneLearningRateScale
        guard scale > 0, scale <= 10, scale.isFinite else {
            throw RunError("\(Setting.backboneLearningRateScale) must be in (0, 10]")
        }
        let record = InitialModel(file: OutputPath.fileName(of: path), checksum: checksum,
                                  fileSHA256: try ModelChecksum.fileSHA256(path), classes: model.classNames,
                                  headReused: false, fineTuning: fineTuning)
        return (model, record)
    }

    /// The settings a run from `source` trains with: `settings`, with the source's BatchNorm and time pooling (its
    /// architecture; dropout, which only acts on the head in training, stays the run's).
    public static func settings(_ settings: TrainingSettings, from source: TrainedModel) -> TrainingSettings {
        var s = settings
        s.batchNorm = source.network.configuration.batchNorm
        s.timePooling = source.network.configuration.timePooling
        return s
    }

    /// The network a fine-tuning run starts from: He-initialised from `settings.seed` for `classNames`, then the
    /// source's backbone (convolutions, BatchNorm weights and running statistics) and, when `classNames` are the
    /// source's, its Linear layer.
    /// - Parameter settings: as `settings(_:from:)` made them.
    public static func network(from source: TrainedModel, classNames: [String], settings: TrainingSettings) -> ConvNet {
        let cfg = settings.configuration(features: source.features, classCount: classNames.count)
        var network = ConvNet(configuration: cfg, seed: settings.seed)
        for i in network.convolutions.indices {
            network.convolutions[i].weight.value = source.network.convolutions[i].weight.value
            network.convolutions[i].bias.value = source.network.convolutions[i].bias.value
        }
        for i in network.batchNorms.indices {
            let from = source.network.batchNorms[i]
            network.batchNorms[i].weight.value = from.weight.value
            network.batchNorms[i].bias.value = from.bias.value
            network.batchNorms[i].runningMean = from.runningMean
            network.batchNorms[i].runningVar = from.runningVar
        }
        if classNames == source.classNames {
            network.fc.weight.value = source.network.fc.weight.value
            network.fc.bias.value = source.network.fc.bias.value
        }
        return network
    }
}
