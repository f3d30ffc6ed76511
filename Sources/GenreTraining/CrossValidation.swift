import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreMetrics
import GenreModel
import GenreNetwork
import GenreReports
import GenreSupport

/// Everything `genre crossval` needs.
public struct CrossValidationOptions: Sendable {
    /// The dataset folder `DIR/<genre>/<audio files>`.
    public var datasetPath: String
    /// A fold file (`file<TAB>genre<TAB>fold`); nil draws a seeded stratified assignment of `folds`.
    public var foldFile: String?
    /// How many folds to draw when there is no fold file, 2 … the number of decodable files.
    public var folds: Int
    /// The training recipe every fold trains with.
    public var settings: TrainingSettings
    /// The log-mel front end every fold's files are decoded with.
    public var features: FeatureParameters
    /// Decoding, training and scoring threads, ≥ 1; the results do not depend on it.
    public var threads: Int
    /// Where decoded features are looked up and stored; nil decodes every file.
    public var cache: FeatureCache?
    /// Too-short files and `--strict`.
    public var screening = FileScreening()
    /// Only these folds (from 0) are trained and scored; nil runs every fold. Rerunning one fold of a
    /// published cross-validation reproduces that fold's predictions (training is seeded and the same for
    /// every thread count).
    public var onlyFolds: Set<Int>? = nil
    /// After each fold, its model is also scored on its test files under each of these (`Robustness`):
    /// the invariance suite run on clips the model did not train on.
    public var perturbations: [Perturbation] = []

    /// The options of a cross-validation; `screening`, `onlyFolds` and `perturbations` keep their
    /// defaults (every fold, no perturbation).
    public init(datasetPath: String, foldFile: String? = nil, folds: Int = 5, settings: TrainingSettings = .init(),
                features: FeatureParameters = .init(), threads: Int, cache: FeatureCache? = nil) {
        self.datasetPath = datasetPath
        self.foldFile = foldFile
        self.folds = folds
        self.settings = settings
        self.features = features
        self.threads = threads
        self.cache = cache
    }
}

/// k-fold cross-validation by file: per fold, the other folds are split (stratified, 15 % by file,
/// seeded) into training and validation parts, standardised with the training folds' mean and std, a
/// network is trained from He initialisation and its best validation epoch scored on the test fold.
/// The test fold is never seen by training, standardisation or epoch selection (checked per fold).
/// This is the recipe behind the reference figures in `shared/docs/peers.md`.
public enum CrossValidation {
    /// Runs the cross-validation of `options`: decodes the dataset once (`TrainingRun.decodeUsable`),
    /// assigns the folds (`assignFolds`), then trains and scores each fold (`runFold`), in fold order.
    /// - Parameter onFold: called after each fold with its result and the number of folds, e.g. to print
    ///   it while the next trains.
    /// - Returns: every fold's figures and predictions, their means and standard deviations, the summed
    ///   clip confusion matrix (classes in the dataset's order), the skipped files and, with
    ///   perturbations, the pooled robustness figures.
    /// - Throws: `RunError` for unusable settings or network shape, a fold file or `onlyFolds` that does
    ///   not fit, too many folds, or a genre with no training file outside its fold, and under
    ///   `--strict` (`TrainingRun.decodeUsable`); `FeatureError` for unusable feature parameters;
    ///   `DatasetError` from the scan; `FoldFileError` for a malformed fold file; `TrainingError` when a
    ///   fold's training diverges; as `Robustness.measure` with perturbations.
    public static func run(_ options: CrossValidationOptions, reporter: any Reporter,
                           onFold: ((_ result: FoldResult, _ foldCount: Int) -> Void)? = nil) throws -> CrossValidationReport {
        if let problem = options.settings.problem { throw RunError(problem) }
        try options.features.validate()
        let scanned = try DatasetScanner.scan(options.datasetPath, inUse: options.foldFile.map { [$0] } ?? [])
        for w in scanned.warnings { reporter.warn("warning: \(w)") }
        // The fold file and --only-folds are checked against the scanned files before any decoding.
        let listed = try options.foldFile.map { try Folds.read($0, dataset: scanned) }
        if let listed { try checkOnlyFolds(options, foldCount: listed.foldCount) }
        let (dataset, clips, skipped) = try TrainingRun.decodeUsable(scanned, features: options.features,
                                                                     threads: options.threads, cache: options.cache,
                                                                     screening: options.screening, reporter: reporter)

        let byPath = Dictionary(uniqueKeysWithValues: clips.map { ($0.relativePath, $0) })
        let assignment = try assignFolds(options, listed: listed, dataset: dataset, decodable: byPath, reporter: reporter)
        let config = options.settings.configuration(features: options.features, classCount: dataset.classNames.count)
        if let problem = config.problem { throw RunError("\(Setting.nMels) \(options.features.nMels): \(problem)") }

        var results: [FoldResult] = []
        var confusion = ConfusionMatrix(classNames: dataset.classNames)
        for k in 0..<assignment.foldCount where options.onlyFolds?.contains(k) ?? true {
            let (result, clipMatrix) = try runFold(k, assignment: assignment, dataset: dataset, decodable: byPath,
                                                   configuration: config, options: options, reporter: reporter)
            confusion.add(clipMatrix)
            results.append(result)
            onFold?(result, assignment.foldCount)
        }
        return CrossValidationReport(
            dataset: options.datasetPath, classNames: dataset.classNames, folds: results,
            clipAccuracy: MeanStd(results.map(\.clipAccuracy)), segmentAccuracy: MeanStd(results.map(\.segmentAccuracy)),
            macroF1: MeanStd(results.map(\.macroF1)), balancedAccuracy: MeanStd(results.map(\.balancedAccuracy)),
            confusion: confusion, skipped: skipped.map { reporter.render($0.message) },
            robustness: options.perturbations.isEmpty ? nil : Robustness.pooled(results.compactMap(\.robustness)),
            calibration: pooledCalibration(results))
    }

    /// Fold `k`: the other folds split into training and validation parts (stratified, 15 %, seeded),
    /// standardised with their mean and std, a network trained from He initialisation, and its best
    /// epoch scored on fold `k` (`Classifier.confusionMatrices`), then under the perturbations.
    /// - Returns: the fold's result (wall time in seconds included) and its clip confusion matrix.
    /// - Throws: `RunError` when the fold leaks into training or a genre of the fold has no training
    ///   file; as `Trainer.train` and `Robustness.measure`.
    static func runFold(_ k: Int, assignment: FoldAssignment, dataset: Dataset, decodable byPath: [String: ClipFeatures],
                        configuration config: ConvNetConfiguration, options: CrossValidationOptions,
                        reporter: any Reporter) throws -> (result: FoldResult, clips: ConfusionMatrix) {
        let started = DispatchTime.now().uptimeNanoseconds
        let test = assignment.files(inFold: k)
        let pool = dataset.files.filter { assignment.foldOf[$0.relativePath].map { $0 != k } ?? false }
        let inner = Splitter.stratified(Dataset(root: dataset.root, classNames: dataset.classNames, files: pool),
                                        validationFraction: 0.15, testFraction: 0, seed: options.settings.seed)
        try Folds.checkNoLeak(training: inner.split.train + inner.split.validation, test: test, fold: k)
        // A genre absent from training can only be mispredicted: the folds are not stratified.
        let trainedLabels = Set(inner.split.train.map { byPath[$0]!.label })
        if let missing = Set(test.map { byPath[$0]!.label }).subtracting(trainedLabels).min() {
            throw RunError("fold \(k): genre '\(dataset.classNames[missing])' has no training file outside this fold; "
                           + "every genre needs files in at least two folds")
        }
        var train = inner.split.train.map { byPath[$0]! }
        var validation = inner.split.validation.map { byPath[$0]! }
        var testClips = test.map { byPath[$0]! }
        // Standardised with the training folds (validation part included), as the references do.
        let normalization = Normalization(fitting: (train + validation).map(\.segments))
        for i in train.indices { normalization.apply(&train[i].segments) }
        for i in validation.indices { normalization.apply(&validation[i].segments) }
        for i in testClips.indices { normalization.apply(&testClips[i].segments) }

        let trained = try Trainer(settings: options.settings, threads: options.threads)
            .train(network: ConvNet(configuration: config, seed: options.settings.seed), train: train,
                   validation: validation, normalization: normalization, onBatch: { e, b, n in
                       // The whole fold is one task, so its ETA is the fold's.
                       reporter.progress("fold \(k)", (e - 1) * n + b, options.settings.epochs * n, unit: "batches",
                                        status: "epoch \(e)/\(options.settings.epochs)")
                   })
        // The figures stay the network's own (T = 1), as published before calibration; calibrated ones beside them.
        let (clipMatrix, segmentMatrix, predictions, flatLogits) = Classifier(network: trained.network, threads: options.threads)
            .confusionMatrices(testClips, network: trained.network, classNames: dataset.classNames)
        let fitted = TemperatureFit.calibrate(trained.network, validation: validation, threads: options.threads)
        let classes = dataset.classNames.count
        let testLogits = flatLogits.map { TemperatureFit.segmentRows($0, classes: classes) }, testLabels = testClips.map(\.label)
        var result = FoldResult(fold: k, trainFiles: train.count, validationFiles: validation.count,
                                testFiles: testClips.count, bestEpoch: trained.bestEpoch,
                                clipAccuracy: clipMatrix.accuracy, segmentAccuracy: segmentMatrix.accuracy,
                                macroF1: clipMatrix.macroF1, balancedAccuracy: clipMatrix.balancedAccuracy,
                                seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
                                predictions: predictions, history: trained.history)
        result.calibration = TemperatureFit.compare(logits: testLogits, labels: testLabels,
                                                    temperature: fitted.calibration?.temperature ?? 1)
        if !options.perturbations.isEmpty {
            let model = TrainedModel(network: trained.network, classNames: dataset.classNames, features: options.features,
                                     normalization: normalization, training: options.settings)
            result.robustness = try robustness(of: model, fold: k, files: test, dataset: dataset, decodable: byPath,
                                               options: options, reporter: reporter)
        }
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return (result, clipMatrix)
    }
}

extension CrossValidation {
    /// The folds: the fold file's (`listed`, read against every scanned file) with its undecodable files dropped, or
    /// drawn stratified and seeded; refuses a fold without decodable files and `onlyFolds` that do not exist.
    static func assignFolds(_ options: CrossValidationOptions, listed: FoldAssignment?, dataset: Dataset,
                            decodable byPath: [String: ClipFeatures], reporter: any Reporter) throws -> FoldAssignment {
        var assignment: FoldAssignment
        if let foldFile = options.foldFile, let listed {
            // The undecodable files are dropped (already reported).
            assignment = FoldAssignment(foldOf: listed.foldOf.filter { byPath[$0.key] != nil },
                                        foldCount: listed.foldCount, warnings: listed.warnings)
            for k in 0..<assignment.foldCount where assignment.files(inFold: k).isEmpty {
                throw RunError("\(foldFile): fold \(k) has no decodable file")
            }
        } else {
            guard options.folds >= 2, options.folds <= dataset.files.count else {
                throw RunError("\(options.datasetPath): \(Setting.folds) \(options.folds) is more folds than its \(dataset.files.count) decodable files")
            }
            assignment = Folds.stratified(dataset, folds: options.folds, seed: options.settings.seed)
        }
        for w in assignment.warnings { reporter.warn("warning: \(w)") }
        try checkOnlyFolds(options, foldCount: assignment.foldCount)
        return assignment
    }

    /// Refuses `onlyFolds` naming a fold past `foldCount`.
    static func checkOnlyFolds(_ options: CrossValidationOptions, foldCount: Int) throws {
        if let bad = options.onlyFolds?.sorted().first(where: { $0 >= foldCount }) {
            throw RunError("\(Setting.onlyFolds) \(bad): there are \(foldCount) folds, numbered 0 to \(foldCount - 1)")
        }
    }

    /// Fold `fold`'s model on its test files under every perturbation of `options`.
    static func robustness(of model: TrainedModel, fold: Int, files: [String], dataset: Dataset,
                           decodable byPath: [String: ClipFeatures], options: CrossValidationOptions,
                           reporter: any Reporter) throws -> [PerturbationResult] {
        try Robustness.measure(model: model, files: files.map { (dataset.root + "/" + $0, byPath[$0]!.label) },
                               perturbations: options.perturbations, threads: options.threads) { done, total in
            reporter.progress("fold \(fold) perturbed", done, total, unit: "files")
        }
    }
}

extension CrossValidation {
    /// The folds' calibration figures over all their test clips, or nil when a fold has none.
    static func pooledCalibration(_ results: [FoldResult]) -> CalibrationComparison? {
        let parts = results.compactMap(\.calibration)
        guard !parts.isEmpty, parts.count == results.count else { return nil }
        return CalibrationComparison(before: .pooled(parts.map(\.before)), after: .pooled(parts.map(\.after)))
    }
}
