import Foundation
import GenreFeatures
import GenreNetwork

/// Everything `genre train` needs.
public struct TrainOptions: Sendable {
    /// The dataset folder `DIR/<genre>/<audio files>`.
    public var datasetPath: String
    /// Where the model goes; nil = `models/<DIR's folder name>.safetensors`.
    public var modelPath: String?
    /// A split list to reuse instead of drawing a new one.
    public var splitFile: String?
    public var settings: TrainingSettings
    public var features: FeatureParameters
    public var threads: Int

    public init(datasetPath: String, modelPath: String? = nil, splitFile: String? = nil,
                settings: TrainingSettings = .init(), features: FeatureParameters = .init(), threads: Int) {
        self.datasetPath = datasetPath
        self.modelPath = modelPath
        self.splitFile = splitFile
        self.settings = settings
        self.features = features
        self.threads = threads
    }

    /// The model path this run writes.
    public var resolvedModelPath: String {
        if let modelPath { return modelPath }
        var name = URL(fileURLWithPath: datasetPath).standardizedFileURL.lastPathComponent
        if name.isEmpty || name == "/" { name = "model" }
        return "models/\(name).safetensors"
    }
}

/// What `genre train` produced.
public struct TrainResult: Sendable {
    public var modelPath: String
    public var splitPath: String
    public var bestEpoch: Int
    public var history: [EpochReport]
    public var skipped: [SkippedFile]
    public var model: TrainedModel
}

/// Error for a whole run that cannot start or finish; one line.
public struct RunError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The `genre train` pipeline: scan, split, featurise, standardise, train, write model and split list.
public enum TrainingRun {
    public static func run(_ options: TrainOptions, console: Console) throws -> TrainResult {
        if let problem = options.settings.problem { throw RunError(problem) }
        try options.features.validate()
        // Refuse an impossible network shape before any decoding (e.g. too few mel bands for 4 poolings).
        let architectureProblem = ConvNetConfiguration(inputHeight: options.features.nMels,
                                                       inputWidth: options.features.segmentFrames,
                                                       classCount: 2).problem
        if let problem = architectureProblem { throw RunError("--n-mels \(options.features.nMels): \(problem)") }
        let dataset = try DatasetScanner.scan(options.datasetPath)
        for w in dataset.warnings { console.warn("warning: \(w)") }

        // Split by file (never by segment), drawn now or reused.
        let split: DataSplit
        if let splitFile = options.splitFile {
            split = try Splitter.read(splitFile, dataset: dataset)
        } else {
            let drawn = Splitter.stratified(dataset, seed: options.settings.seed)
            for w in drawn.warnings { console.warn("warning: \(w)") }
            split = drawn.split
        }

        let extractor = try LogMelExtractor(parameters: options.features)
        let labelOf = Dictionary(uniqueKeysWithValues: dataset.files.map { ($0.relativePath, $0.label) })
        let used = split.train + split.validation
        let jobs = used.map { (path: dataset.root + "/" + $0, relativePath: $0, label: labelOf[$0]!) }
        let started = DispatchTime.now()
        let (clips, skipped) = ClipFeatureExtractor.extract(jobs, extractor: extractor, threads: options.threads) {
            console.progress("features", $0, $1)
        }
        for s in skipped { console.warn("skipped \(s.description)") }
        let featureSeconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let trainSet = Set(split.train)
        var train = clips.filter { trainSet.contains($0.relativePath) }
        var validation = clips.filter { !trainSet.contains($0.relativePath) }
        let presentClasses = Set(train.map(\.label))
        guard presentClasses.count >= 2 else {
            throw RunError("\(options.datasetPath): fewer than two genres have decodable training files")
        }
        let trainSegments = train.reduce(0) { $0 + $1.segmentCount }
        console.out("dataset \(options.datasetPath): \(dataset.classNames.count) genres, \(dataset.files.count) files; "
                    + "train \(train.count) files (\(trainSegments) segments), validation \(validation.count), "
                    + "test \(split.test.count) (held out); features in \(String(format: "%.1f", featureSeconds)) s")

        // One global mean and std over every training cell.
        let normalization = Normalization(fitting: train.map(\.segments))
        for i in train.indices { normalization.apply(&train[i].segments) }
        for i in validation.indices { normalization.apply(&validation[i].segments) }

        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: options.features.nMels,
                                          inputWidth: options.features.segmentFrames,
                                          channels: [16, 32, 64, 64], classCount: dataset.classNames.count)
        if let problem = config.problem { throw RunError(problem) }
        let initial = ConvNet(configuration: config, seed: options.settings.seed)
        let trainer = Trainer(settings: options.settings, threads: options.threads)
        let epochs = options.settings.epochs
        let result = try trainer.train(network: initial, train: train, validation: validation,
                                       onBatch: { console.progress("epoch", $0, $1) },
                                       onEpoch: { r in console.out(Self.describe(r, epochs: epochs)) })

        let modelPath = options.resolvedModelPath
        let best = result.history[result.bestEpoch - 1]
        var notes: [String: String] = [
            "dataset": URL(fileURLWithPath: options.datasetPath).standardizedFileURL.lastPathComponent,
            "best_epoch": String(result.bestEpoch),
            "train_files": String(train.count),
            "train_segments": String(trainSegments),
            "validation_files": String(validation.count),
            "test_files": String(split.test.count),
            "train_loss": String(best.trainLoss),
            "split_digest": SplitDigest.of(split),
        ]
        if let v = best.validationAccuracy { notes["validation_accuracy"] = String(format: "%.4f", v) }
        if let v = best.validationLoss { notes["validation_loss"] = String(v) }
        let model = TrainedModel(network: result.network, classNames: dataset.classNames, features: options.features,
                                 normalization: normalization, training: options.settings, notes: notes)
        // Split list first, then the model, each replaced atomically. Should the model write fail, the old
        // model stays and `evaluate` notices that the new list's digest is not the one it records.
        let splitPath = ModelFile.splitPath(forModel: modelPath)
        let parent = (modelPath as NSString).deletingLastPathComponent
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        try Splitter.write(split, to: splitPath)
        try ModelFile.write(model, to: modelPath)
        return TrainResult(modelPath: modelPath, splitPath: splitPath, bestEpoch: result.bestEpoch,
                           history: result.history, skipped: skipped, model: model)
    }

    /// One line per epoch: `epoch  3/30  lr 0.0100  train loss 1.234 acc 45.6%  val loss 1.456 acc 40.0%  4.2 s`.
    public static func describe(_ r: EpochReport, epochs: Int) -> String {
        let width = String(epochs).count
        var line = "epoch \(String(repeating: " ", count: max(0, width - String(r.epoch).count)))\(r.epoch)/\(epochs)"
        line += String(format: "  lr %.4g  train loss %.4f acc %5.1f%%", r.learningRate, r.trainLoss, 100 * r.trainAccuracy)
        if let l = r.validationLoss, let a = r.validationAccuracy {
            line += String(format: "  val loss %.4f acc %5.1f%%", l, 100 * a)
        }
        line += String(format: "  %.1f s", r.seconds)
        return line
    }
}
