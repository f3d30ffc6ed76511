import Foundation
import GenreData
import GenreFeatures
import GenreMetrics
import GenreModel
import GenreNetwork
import GenreReports
import GenreSupport
import SafeTensors

/// Everything `genre train` needs.
public struct TrainOptions: Sendable {
    /// The dataset folder `DIR/<genre>/<audio files>`.
    public var datasetPath: String
    /// Where the model goes; nil = `models/<DIR's folder name>.safetensors`.
    public var modelPath: String?
    /// A split list to reuse instead of drawing a new one.
    public var splitFile: String?
    /// Hold out no test split: 85 % train, 15 % validation (for a final model after cross-validation).
    public var noTest = false
    /// Continue from the checkpoint beside the model, with the checkpoint's settings, features and split.
    public var resume = false
    /// The training recipe (optimiser, schedule, epochs, batch size, seed, augmentation, network).
    public var settings: TrainingSettings
    /// The log-mel front end (sample rate, FFT, hop, mel bands, segment length) the model records.
    public var features: FeatureParameters
    /// Decoding and training threads, ≥ 1; the bytes written do not depend on it.
    public var threads: Int
    /// Where decoded features are looked up and stored; nil decodes every file.
    public var cache: FeatureCache?
    /// Too-short files and `--strict`.
    public var screening = FileScreening()
    /// A trained model to start from (fine-tuning, `InitialModel`): its features, standardisation and backbone
    /// are used; nil trains from He initialisation.
    public var initModel: String?
    /// What fine-tuning holds fixed and the backbone's learning-rate factor; anything but `.none` needs `initModel`.
    public var fineTuning = FineTuning.none

    /// The options of a run; `resume` and `screening` keep their defaults (off, `FileScreening()`).
    public init(datasetPath: String, modelPath: String? = nil, splitFile: String? = nil, noTest: Bool = false,
                settings: TrainingSettings = .init(), features: FeatureParameters = .init(), threads: Int,
                cache: FeatureCache? = nil) {
        self.noTest = noTest
        self.datasetPath = datasetPath
        self.modelPath = modelPath
        self.splitFile = splitFile
        self.settings = settings
        self.features = features
        self.threads = threads
        self.cache = cache
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
    /// The model file written.
    public var modelPath: String
    /// The split list written beside it (`ModelFile.splitPath(forModel:)`).
    public var splitPath: String
    /// 1-based; the last epoch when there was no validation data.
    public var bestEpoch: Int
    /// Every epoch's report, the resumed run's earlier epochs included.
    public var history: [EpochReport]
    /// The files left out (undecodable, too short), each with its reason.
    public var skipped: [SkippedFile]
    /// The model as written: the best epoch's network, with its classes, features, standardisation,
    /// settings and notes.
    public var model: TrainedModel
    /// The training curves picture, nil when it could not be written (a warning said why).
    public var curvesPath: String?
}

/// The `genre train` pipeline: check outputs, scan, decode, split, standardise, train, write.
public enum TrainingRun {
    /// The model path may hold an earlier genre model (it is replaced), but nothing else: a slip of
    /// `--model` must not overwrite an audio file or a document. The split list beside it may only replace
    /// an earlier split list. Neither may lie inside the dataset (symbolic links resolved), where they
    /// would be read as audio by the next run.
    /// A run that resumes reads the checkpoint instead (`Checkpoint.read` says what is wrong with a damaged one).
    static func checkReplaceable(_ modelPath: String, splitPath: String, dataset: String, resume: Bool = false) throws {
        for path in [modelPath, splitPath, Checkpoint.path(forModel: modelPath), TrainingCurves.path(forModel: modelPath)]
            where OutputPath.isInside(path, folder: dataset) {
            throw RunError("\(path): inside the dataset folder \(dataset); write the model elsewhere")
        }
        if FileManager.default.fileExists(atPath: modelPath) {
            do {
                _ = try ModelFile.read(modelPath)
            } catch {
                throw RunError("\(modelPath): exists and is not a readable genre model; not overwriting it "
                               + "(remove it or choose another \(Setting.modelPath))")
            }
        }
        let checkpoint = Checkpoint.path(forModel: modelPath)
        if !resume, FileManager.default.fileExists(atPath: checkpoint),
           (try? SafeTensorsFile(path: checkpoint))?.metadata["format"] != Checkpoint.format {
            throw RunError("\(checkpoint): exists and is not a genre checkpoint; not overwriting it "
                           + "(remove it or choose another \(Setting.modelPath))")
        }
        let curves = TrainingCurves.path(forModel: modelPath)
        try OutputPath.checkReplaceable(curves, marker: TrainingCurves.marker, what: "genre's training curves",
                                        hint: "remove it or choose another \(Setting.modelPath)")
        if let handle = FileHandle(forReadingAtPath: splitPath) {
            let head = (try? handle.read(upToCount: 11)) ?? Data()
            try? handle.close()
            guard head == Data("file\tsplit\n".utf8) || head == Data("file\tsplit".utf8) else {
                throw RunError("\(splitPath): exists and is not a split list; not overwriting it "
                               + "(remove it or choose another \(Setting.modelPath))")
            }
        }
    }

    /// Trains a model on a dataset folder and writes it, its split list and its training curves.
    ///
    /// Steps: check the outputs and lock the model path for the run (`lockModel`), resolve the options (a
    /// resumed run takes its checkpoint's), refuse what can be refused before any work (settings, features,
    /// an unfinished checkpoint), tell `reporter` what an interruption keeps, decode every file
    /// (`decodeUsable`), choose the split (the checkpoint's, a listed one, or drawn stratified with the
    /// seed), standardise with the training files' mean and std, train (checkpointing after every epoch,
    /// progress and one line per epoch on `reporter`), then write the model with its notes and split list
    /// together (`save`), delete the run's own checkpoint, draw the curves and release the lock. The same
    /// options and seed write the same bytes, for any thread count.
    /// - Returns: the paths written, the best epoch (1-based), every epoch's report, the skipped files and
    ///   the model.
    /// - Throws: `RunError` for an unusable option, an output that may not be overwritten, another run writing
    ///   the same model (`lockModel`), an unfinished checkpoint without `resume`, a checkpoint another run
    ///   wrote meanwhile (`Checkpoint.Owner`), a checkpoint that no longer matches the dataset, or fewer than two
    ///   genres with training files (also for a missing or damaged checkpoint, `Checkpoint.read`);
    ///   `FeatureError` for unusable feature parameters; `DatasetError` and `SplitError` from reading the
    ///   dataset and the split list; `TrainingError` when training diverges; write errors of the
    ///   checkpoint, the model or the split list.
    public static func run(_ given: TrainOptions, reporter: any Reporter) throws -> TrainResult {
        let lock = try lockModel(given)
        defer {
            reporter.onInterrupt(nil, removing: nil)
            lock.release()
        }
        var (options, saved) = try resolve(given, reporter: reporter)
        let start = try startingPoint(&options, saved: saved?.run)
        try refuseEarly(options)
        let checkpointPath = Checkpoint.path(forModel: options.resolvedModelPath)
        // A resumed run may overwrite the checkpoint it continues; a new one finds none (refuseEarly).
        let owner = Checkpoint.Owner(path: checkpointPath, resumedFrom: saved == nil ? nil : Checkpoint.owner(of: checkpointPath))
        reporter.onInterrupt(interrupted(after: saved?.state.completedEpochs, of: options.settings.epochs, checkpoint: owner.path),
                             removing: lock.path)
        let scanned = try DatasetScanner.scan(options.datasetPath)
        for w in scanned.warnings { reporter.warn("warning: \(w)") }
        let listed = try options.splitFile.map { try Splitter.read($0, dataset: scanned) }
        // Decode every file once, test files included, so an undecodable test file is reported now
        // rather than at evaluation time. Test features are not used for anything else.
        let started = DispatchTime.now()
        let (dataset, clips, skipped) = try decodeUsable(scanned, features: options.features, threads: options.threads,
                                                         cache: options.cache, screening: options.screening, reporter: reporter)
        let featureSeconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let split = try chooseSplit(options, dataset: dataset, decodable: Set(clips.map(\.relativePath)), listed: listed,
                                    saved: saved?.run, reporter: reporter)
        var initial = start?.record ?? saved?.run.initial
        let sameGenres = initial?.classes == dataset.classNames
        initial?.headReused = sameGenres
        if let initial { reporter.out(describe(initial, classNames: dataset.classNames)) }
        let data = try standardise(split, clips: clips, dataset: dataset, options: options,
                                   fixed: sourceNormalization(start: start?.model, saved: saved?.run),
                                   featureSeconds: featureSeconds, reporter: reporter)
        let run = Checkpoint.Run(settings: options.settings, features: options.features, classNames: dataset.classNames,
                                 split: split, normalization: data.normalization, initial: initial)
        let epochs = options.settings.epochs
        let result = try owner.sayingWhatIsKept(epochs: epochs) {
            try train(data, run: run, options: options, source: start?.model, saved: saved, owner: owner,
                      lockPath: lock.path, reporter: reporter)
        }
        let modelPath = options.resolvedModelPath
        // Temperature scaling on the validation clips the best epoch was chosen with (Guo et al. 2017).
        let calibration = TemperatureFit.calibrate(result.network, validation: data.validation, threads: options.threads)
        reporter.out(TemperatureFit.describe(calibration))
        let model = TrainedModel(network: result.network, classNames: dataset.classNames, features: options.features,
                                 normalization: data.normalization, training: options.settings,
                                 notes: notes(result, data: data, split: split, datasetPath: options.datasetPath,
                                              initial: initial),
                                 calibration: calibration.calibration)
        let splitPath = ModelFile.splitPath(forModel: modelPath)
        // The commit: an interruption waits for it to end, then says what was written.
        let curves = try reporter.deferringInterrupts {
            try owner.sayingWhatIsKept(epochs: epochs) { try save(model, to: modelPath, split: split, splitPath: splitPath) }
            // The run is complete: its checkpoint would only resume into the same model.
            owner.remove()
            reporter.onInterrupt("interrupted after the model was written: \(modelPath), with its split list \(splitPath); "
                                 + "nothing is left to resume", removing: lock.path)
            return writeCurves(result.history, modelPath: modelPath, datasetPath: options.datasetPath, reporter: reporter)
        }
        return TrainResult(modelPath: modelPath, splitPath: splitPath, bestEpoch: result.bestEpoch,
                           history: result.history, skipped: skipped, model: model, curvesPath: curves)
    }

    /// The lock on the model path (`RunLock` on `<name>.lock` beside it, holding this process's PID) that keeps a
    /// second run from writing the same model, checkpoint and split list; taken once the outputs are known to
    /// be writable (`checkOutputs`), before the checkpoint is read, and held until the run ends.
    /// - Throws: `RunError` when the model path would default to the shipped model, as `checkOutputs`, and
    ///   when another run holds the lock (naming its PID) or the lock file cannot be made.
    static func lockModel(_ given: TrainOptions) throws -> RunLock {
        // A dataset folder named "genre" would silently replace the shipped model: only on purpose.
        if given.modelPath == nil, given.resolvedModelPath == ShippedModel.path {
            throw RunError("\(ShippedModel.path) is the shipped default model, and a dataset folder named 'genre' would "
                           + "replace it; pass \(Setting.modelPath) PATH (\(Setting.modelPath) \(ShippedModel.path) to replace it on purpose)")
        }
        let modelPath = given.resolvedModelPath
        try checkOutputs(modelPath, dataset: given.datasetPath, resume: given.resume)
        let folder = OutputPath.parent(of: modelPath)
        if !folder.isEmpty { try OutputPath.createFolder(folder) }
        // Beside the file the model path names (`OutputPath.beside`): a run through a symbolic link to a model and
        // a run on the model itself write the same file, so they take the same lock.
        return try RunLock.take(ModelFile.lockPath(forModel: modelPath), guarding: modelPath, command: "genre train",
                                writing: "this model", other: "\(Setting.modelPath)")
    }

    /// What Ctrl-C or `kill` says: the checkpoint kept after `completed` epochs of `epochs` and how to go on, or
    /// that nothing was written yet.
    static func interrupted(after completed: Int?, of epochs: Int, checkpoint: String) -> Message {
        guard let completed else { return "interrupted before the first epoch ended; nothing written" }
        return "interrupted after epoch \(completed) of \(epochs): its checkpoint \(checkpoint) is kept; "
            + "run the same command with \(Setting.resume) to continue"
    }

    /// The options the run goes by: `given`, or with `resume` the checkpoint's settings, features and
    /// split (the settings and features given are ignored: a front end says which of them were typed), and
    /// the checkpoint read.
    /// - Throws: as `Checkpoint.read`.
    static func resolve(_ given: TrainOptions, reporter: any Reporter) throws
        -> (options: TrainOptions, saved: (state: TrainingState, run: Checkpoint.Run)?) {
        var options = given
        guard options.resume else { return (options, nil) }
        // The checkpoint's own split is used; --split-file and --no-test have nothing to add.
        if options.splitFile != nil || options.noTest {
            reporter.warn("warning: \(Setting.resume) continues the checkpoint's own split; \(Setting.splitFile) and \(Setting.noTest) are ignored")
        }
        options.splitFile = nil
        // The run's settings, features and network come from the checkpoint (read once).
        let checkpoint = try Checkpoint.read(Checkpoint.path(forModel: options.resolvedModelPath))
        options.settings = checkpoint.run.settings
        options.features = checkpoint.run.features
        return (options, checkpoint)
    }

    /// The outputs (model, split list, training curves) can be written and may be replaced (`checkReplaceable`).
    /// - Throws: `RunError` naming the output.
    static func checkOutputs(_ modelPath: String, dataset: String, resume: Bool) throws {
        let splitPath = ModelFile.splitPath(forModel: modelPath)
        try OutputPath.checkWritable(modelPath)
        try OutputPath.checkWritable(splitPath)
        try OutputPath.checkWritable(TrainingCurves.path(forModel: modelPath))
        try checkReplaceable(modelPath, splitPath: splitPath, dataset: dataset, resume: resume)
    }

    /// Everything else that can be refused is refused before any decoding or training (the outputs were
    /// checked before the lock, `checkOutputs`): unusable settings, feature parameters or network shape, and
    /// an unfinished run's checkpoint when not resuming (its progress is not thrown away by a run that forgot
    /// `resume`).
    /// - Throws: `RunError`, `FeatureError`.
    static func refuseEarly(_ options: TrainOptions) throws {
        if let problem = options.settings.problem { throw RunError(problem) }
        try options.features.validate()
        let architectureProblem = ConvNetConfiguration(inputHeight: options.features.nMels,
                                                       inputWidth: options.features.segmentFrames,
                                                       classCount: 2).problem
        if let problem = architectureProblem { throw RunError("\(Setting.nMels) \(options.features.nMels): \(problem)") }
        let checkpointPath = Checkpoint.path(forModel: options.resolvedModelPath)
        if !options.resume, let file = try? SafeTensorsFile(path: checkpointPath), file.metadata["format"] == Checkpoint.format {
            let done = file.metadata["completed_epochs"] ?? "?"
            // Advice that works: a checkpoint --resume would refuse is named as such.
            do { _ = try Checkpoint.read(checkpointPath) } catch {
                let why = "\(error)", prefix = "\(checkpointPath): not a usable checkpoint: "
                throw RunError("\(checkpointPath): holds an unfinished run (after epoch \(done)) that cannot be resumed "
                               + "(\(why.hasPrefix(prefix) ? String(why.dropFirst(prefix.count)) : why)); delete it to start afresh")
            }
            throw RunError("\(checkpointPath): holds an unfinished run (after epoch \(done)); continue it with \(Setting.resume), "
                           + "or delete it to start afresh")
        }
    }

    /// The split the run trains on: the checkpoint's (`saved`), the list read from `options.splitFile`
    /// restricted to the `decodable` files, or one drawn stratified with the run's seed (15 % test unless
    /// `noTest`, 15 % of the rest validation).
    /// - Throws: `RunError` when a checkpoint's genres or files no longer match the dataset.
    static func chooseSplit(_ options: TrainOptions, dataset: Dataset, decodable: Set<String>, listed: DataSplit?,
                            saved: Checkpoint.Run?, reporter: any Reporter) throws -> DataSplit {
        if let saved {
            return try resumedSplit(saved, options: options, dataset: dataset, decodable: decodable, reporter: reporter)
        }
        if let listed {
            let split = DataSplit(train: listed.train.filter(decodable.contains),
                                  validation: listed.validation.filter(decodable.contains),
                                  test: listed.test.filter(decodable.contains))
            let inList = Set(listed.train + listed.validation + listed.test)
            let unlisted = dataset.files.filter { !inList.contains($0.relativePath) }.count
            if unlisted > 0 {
                reporter.warn("warning: \(unlisted) decodable file(s) of \(options.datasetPath) are in no list of \(options.splitFile!); not used")
            }
            return split
        }
        let drawn = Splitter.stratified(dataset, testFraction: options.noTest ? 0 : 0.15, seed: options.settings.seed)
        for w in drawn.warnings { reporter.warn("warning: \(w)") }
        return drawn.split
    }

    /// The checkpoint's split, when the dataset still has its genres and every file it lists; files
    /// added since are left out with a warning.
    /// - Throws: `RunError` when the genres differ or a listed file is no longer usable.
    static func resumedSplit(_ saved: Checkpoint.Run, options: TrainOptions, dataset: Dataset, decodable: Set<String>,
                             reporter: any Reporter) throws -> DataSplit {
        let checkpointPath = Checkpoint.path(forModel: options.resolvedModelPath)
        guard saved.classNames == dataset.classNames else {
            throw RunError("\(checkpointPath): made for the genres \(saved.classNames.joined(separator: ", ")), "
                           + "the dataset now has \(dataset.classNames.joined(separator: ", ")); cannot resume")
        }
        let split = saved.split
        let listed = split.train + split.validation + split.test
        if let gone = listed.first(where: { !decodable.contains($0) }) {
            throw RunError("\(checkpointPath): its file \(gone) is no longer a usable file of \(options.datasetPath); cannot resume")
        }
        let added = decodable.subtracting(listed).count
        if added > 0 {
            reporter.warn("warning: \(added) usable file(s) of \(options.datasetPath) are not in the checkpoint's split "
                         + "(added since it was written); the resumed run does not use them")
        }
        return split
    }

    /// The training and validation clips of a split, standardised with one global mean and std over every
    /// training cell (dB), and the test file count.
    struct Standardised {
        var train: [ClipFeatures]
        var validation: [ClipFeatures]
        var testFiles: Int
        var normalization: Normalization
        /// Segments over the training clips.
        var trainSegments: Int { train.reduce(0) { $0 + $1.segmentCount } }
    }

    /// The split's training and validation clips, standardised; prints the dataset line (files, segments,
    /// feature time in seconds, cache hits) and warns when there is no validation data.
    /// - Throws: `RunError` when fewer than two genres have training files.
    /// - Parameter fixed: the standardisation to use instead of fitting one (a fine-tuning run's, its source's).
    static func standardise(_ split: DataSplit, clips: [ClipFeatures], dataset: Dataset, options: TrainOptions,
                            fixed: Normalization? = nil, featureSeconds: Double, reporter: any Reporter) throws -> Standardised {
        let byPath = Dictionary(uniqueKeysWithValues: clips.map { ($0.relativePath, $0) })
        var train = split.train.map { byPath[$0]! }
        var validation = split.validation.map { byPath[$0]! }
        guard Set(train.map(\.label)).count >= 2 else {
            throw RunError("\(options.datasetPath): fewer than two genres have training files")
        }
        let trainSegments = train.reduce(0) { $0 + $1.segmentCount }
        reporter.out("dataset \(options.datasetPath): \(dataset.classNames.count) genres, \(dataset.files.count) files; "
                    + "train \(train.count) files (\(trainSegments) segments), validation \(validation.count), "
                    + (split.test.isEmpty ? "no test files" : "test \(split.test.count) (held out)")
                    + "; features in \(String(format: "%.1f", featureSeconds)) s"
                    + (options.cache.map { " (\($0.hits) from cache \($0.folder))" } ?? ""))
        if validation.isEmpty { reporter.warn("warning: no validation files: the last epoch is kept") }
        let normalization = fixed ?? Normalization(fitting: train.map(\.segments))
        for i in train.indices { normalization.apply(&train[i].segments) }
        for i in validation.indices { normalization.apply(&validation[i].segments) }
        return Standardised(train: train, validation: validation, testFiles: split.test.count,
                            normalization: normalization)
    }

    /// Trains from He initialisation (seeded) or from the checkpoint `saved`, writing the checkpoint
    /// beside the model after every epoch (through `owner`, and telling `reporter` what an interruption now
    /// keeps); progress per batch and one line per epoch (`describe`, with the time left) on `reporter`.
    /// - Throws: `RunError` when the checkpoint was made from other audio (its `run` differs); as
    ///   `Trainer.train`; `Checkpoint.write`'s and the model folder's write errors.
    /// - Parameter source: the model a fine-tuning run starts from (`InitialModel.network`); nil: He initialisation.
    static func train(_ data: Standardised, run: Checkpoint.Run, options: TrainOptions, source: TrainedModel?,
                      saved: (state: TrainingState, run: Checkpoint.Run)?, owner: Checkpoint.Owner, lockPath: String,
                      reporter: any Reporter) throws
        -> (network: ConvNet, bestEpoch: Int, history: [EpochReport]) {
        let modelPath = options.resolvedModelPath
        let checkpointPath = owner.path
        let epochs = options.settings.epochs
        let initial = source.map { InitialModel.network(from: $0, classNames: run.classNames, settings: options.settings) }
            ?? ConvNet(configuration: options.settings.configuration(features: options.features,
                                                                     classCount: run.classNames.count),
                       seed: options.settings.seed)
        if let saved {
            guard saved.run == run else {
                throw RunError("\(checkpointPath): made from other audio than \(options.datasetPath) holds now "
                               + "(the standardisation of its training files differs); cannot resume")
            }
            reporter.out("resuming from \(checkpointPath) after epoch \(saved.state.completedEpochs) of \(epochs)")
            for r in saved.state.history { reporter.out(Self.describe(r, epochs: epochs)) }
        }
        let modelFolder = OutputPath.parent(of: modelPath)
        if !modelFolder.isEmpty { try OutputPath.createFolder(modelFolder) }  // the checkpoint goes there from epoch 1
        var secondsSoFar = 0.0, epochsSoFar = 0
        // A diverged run's checkpoint would resume into the same divergence (training is deterministic),
        // so it is removed rather than left to block the next run.
        do {
            return try Trainer(settings: options.settings, threads: options.threads,
                               fineTuning: run.initial?.fineTuning ?? .none)
                .train(network: initial, train: data.train, validation: data.validation,
                       normalization: data.normalization, resume: saved?.state,
                       onBatch: { e, b, n in
                           // The whole run is one task, so its ETA is the run's.
                           reporter.progress("training", (e - 1) * n + b, epochs * n, unit: "batches",
                                            status: "epoch \(e)/\(epochs)")
                       },
                       onEpoch: { r in
                           // Time left from the mean epoch of this process (a resumed run's earlier epochs
                           // may have run on another machine).
                           secondsSoFar += r.seconds
                           epochsSoFar += 1
                           let left = Double(epochs - r.epoch) * secondsSoFar / Double(epochsSoFar)
                           reporter.out(Self.describe(r, epochs: epochs)
                                       + (r.epoch < epochs ? "  ETA \(Console.duration(left))" : ""))
                       },
                       onCheckpoint: { state in
                           // Written whole, and said so, before an interruption takes effect.
                           try reporter.deferringInterrupts {
                               try owner.write(state, run: run)
                               reporter.onInterrupt(interrupted(after: state.completedEpochs, of: epochs, checkpoint: checkpointPath),
                                                    removing: lockPath)
                           }
                       })
        } catch let error as TrainingError where error.isDivergence {
            owner.remove()
            throw error
        }
    }

    /// What the model records of its run (`TrainedModel.notes`): the dataset's folder name, the best
    /// epoch and its losses and validation accuracy, file and segment counts, the split's digest (which
    /// `evaluate` checks the split list against) and the whole history (`TrainingCurves.recorded`).
    static func notes(_ result: (network: ConvNet, bestEpoch: Int, history: [EpochReport]), data: Standardised,
                      split: DataSplit, datasetPath: String, initial: InitialModel? = nil) -> [String: String] {
        let best = result.history[result.bestEpoch - 1]
        var notes: [String: String] = [
            "dataset": URL(fileURLWithPath: datasetPath).standardizedFileURL.lastPathComponent,
            "best_epoch": String(result.bestEpoch),
            "train_files": String(data.train.count),
            "train_segments": String(data.trainSegments),
            "validation_files": String(data.validation.count),
            "test_files": String(data.testFiles),
            "train_loss": String(best.trainLoss),
            "split_digest": SplitDigest.of(split),
        ]
        if let v = best.validationAccuracy { notes["validation_accuracy"] = String(format: "%.4f", v) }
        if let v = best.validationLoss { notes["validation_loss"] = String(v) }
        notes["history"] = TrainingCurves.recorded(result.history)
        if let initial { notes["init"] = initial.recorded }
        return notes
    }

    /// Writes the training curves picture beside the model. The picture is a convenience: failing to
    /// write it does not undo the model, it is warned about.
    /// - Returns: its path, or nil when it could not be written.
    static func writeCurves(_ history: [EpochReport], modelPath: String, datasetPath: String, reporter: any Reporter) -> String? {
        let curves = TrainingCurves.path(forModel: modelPath)
        do {
            try AtomicText.write(TrainingCurves.svg(history, title: "genre train \(datasetPath)"), to: curves)
            return curves
        } catch {
            reporter.warn("warning: training curves not written: \(error)")
            return nil
        }
    }

    /// Decodes every file of `scanned` (through `cache`), leaves out what `screening` refuses (each
    /// reported) with the scan's skipped entries and the later copies of duplicated audio, and keeps the
    /// genres that still have files: what `train` and `crossval` start from.
    /// - Throws: `RunError` under `--strict` (before decoding when the scan already skipped an entry), or when
    ///   fewer than two genres remain.
    static func decodeUsable(_ scanned: Dataset, features: FeatureParameters, threads: Int, cache: FeatureCache?,
                             screening: FileScreening, reporter: any Reporter) throws
        -> (dataset: Dataset, clips: [ClipFeatures], skipped: [SkippedFile]) {
        try screening.refuseEarly(scanned.skipped, reporter: reporter)
        let extractor = try LogMelExtractor(parameters: features)
        let jobs = scanned.files.map { (path: scanned.path(of: $0), relativePath: $0.relativePath, label: $0.label) }
        let (decoded, undecodable) = ClipFeatureExtractor.extract(jobs, extractor: extractor, threads: threads,
                                                                  cache: cache, maxSeconds: screening.maxDuration,
                                                                  progress: { reporter.progress("decoding", $0, $1, unit: "files") },
                                                                  detail: reporter.verbose ? { reporter.detail($0) } : nil)
        if let problem = cache?.problem { reporter.warn("warning: feature cache not written: \(problem)") }
        // A song stored twice would otherwise end up on both sides of a split.
        let (distinct, copies) = Duplicates.removing(from: decoded, root: scanned.root)
        let (kept, skipped) = try screening.apply(distinct, skipped: scanned.skipped + undecodable + copies, root: scanned.root,
                                                  reporter: reporter)
        // Genres left without a decodable file are ignored, as an empty genre folder is.
        let tooShort = distinct.filter { $0.duration < screening.minDuration }
        let (dataset, clips) = try usable(scanned, kept, tooShort: tooShort, minDuration: screening.minDuration, reporter: reporter)
        return (dataset, clips, skipped)
    }

    /// The dataset restricted to the `decoded` clips (decodable, long enough, one copy of duplicated audio) and to
    /// genres that still have one, labels renumbered; and the clips with those labels.
    /// - Parameters:
    ///   - tooShort: the decoded clips left out for being shorter than `minDuration` (seconds), named in the warnings
    ///     and the error so that a dataset of short clips says what to change.
    static func usable(_ scanned: Dataset, _ decoded: [ClipFeatures], tooShort: [ClipFeatures] = [], minDuration: Double = 1,
                       reporter: any Reporter) throws -> (Dataset, [ClipFeatures]) {
        let present = Set(decoded.map(\.label))
        let limit = String(format: "%g", minDuration)
        for (label, name) in scanned.classNames.enumerated() where !present.contains(label) {
            let short = tooShort.filter { $0.label == label }.count
            reporter.warn(short == 0 ? "warning: genre '\(name)' has no decodable audio file; ignored"
                          : "warning: genre '\(name)' has no file of at least \(Setting.minDuration) \(limit) s (\(short) shorter); ignored")
        }
        let kept = scanned.classNames.indices.filter(present.contains)
        guard kept.count >= 2 else {
            let found = kept.isEmpty ? "none" : kept.map { scanned.classNames[$0] }.joined(separator: ", ")
            guard let longest = tooShort.map(\.duration).max() else {
                throw RunError("\(scanned.root): fewer than two genres have decodable audio files (found: \(found))")
            }
            // The largest limit (in tenths of a second) that keeps the longest of them.
            let suggestion = String(format: "%g", (longest * 10).rounded(.down) / 10)
            throw RunError("\(scanned.root): fewer than two genres have usable audio files (found: \(found)); \(tooShort.count) files "
                           + "are shorter than \(Setting.minDuration) \(limit) s (the longest \(String(format: "%.2f", longest)) s): "
                           + "try \(Setting.minDuration) \(suggestion)")
        }
        let newLabel = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        let decodable = Set(decoded.map(\.relativePath))
        let files = scanned.files.filter { decodable.contains($0.relativePath) }
            .map { DatasetFile(relativePath: $0.relativePath, label: newLabel[$0.label]!) }
        let dataset = Dataset(root: scanned.root, classNames: kept.map { scanned.classNames[$0] }, files: files,
                              warnings: scanned.warnings, skipped: scanned.skipped)
        let clips = decoded.map {
            ClipFeatures(relativePath: $0.relativePath, label: newLabel[$0.label]!, segments: $0.segments,
                         segmentCount: $0.segmentCount, duration: $0.duration)
        }
        return (dataset, clips)
    }

    /// Writes the split list and the model so that a failure leaves the previous pair intact: the list
    /// is staged beside its target, the model replaced atomically, and only then the list renamed into
    /// place. (A crash between the two renames leaves the old list beside the new model, which
    /// `evaluate` detects through the digest the model records.)
    static func save(_ model: TrainedModel, to modelPath: String, split: DataSplit, splitPath: String) throws {
        let parent = OutputPath.parent(of: modelPath)
        if !parent.isEmpty {
            try OutputPath.createFolder(parent)
        }
        let splitFolder = OutputPath.parent(of: splitPath)
        let staged = (splitFolder.isEmpty ? "" : splitFolder + "/")
            + ".\(OutputPath.fileName(of: splitPath)).staged-\(getpid())"
        try Splitter.write(split, to: staged)
        do {
            try ModelFile.write(model, to: modelPath)
        } catch {
            unlink(staged)
            throw error
        }
        guard rename(staged, splitPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(staged)
            throw RunError("\(splitPath): model written to \(modelPath), but its split list could not be: \(reason)")
        }
    }

    /// One line per epoch: `epoch  3/30  lr 0.01  train loss 1.2340 acc  45.6%  val loss 1.4560 acc  40.0%  4.2 s`.
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
