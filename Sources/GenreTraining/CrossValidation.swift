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
    public var datasetPath: String
    /// A fold file (`file<TAB>genre<TAB>fold`); nil draws a seeded stratified assignment of `folds`.
    public var foldFile: String?
    public var folds: Int
    public var settings: TrainingSettings
    public var features: FeatureParameters
    public var threads: Int
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
    public static func run(_ options: CrossValidationOptions, console: Console,
                           onFold: ((_ result: FoldResult, _ foldCount: Int) -> Void)? = nil) throws -> CrossValidationReport {
        if let problem = options.settings.problem { throw RunError(problem) }
        try options.features.validate()
        let scanned = try DatasetScanner.scan(options.datasetPath)
        for w in scanned.warnings { console.warn("warning: \(w)") }
        let (dataset, clips, skipped) = try TrainingRun.decodeUsable(scanned, features: options.features,
                                                                     threads: options.threads, cache: options.cache,
                                                                     screening: options.screening, console: console)

        let byPath = Dictionary(uniqueKeysWithValues: clips.map { ($0.relativePath, $0) })
        let assignment = try assignFolds(options, scanned: scanned, dataset: dataset, decodable: byPath, console: console)
        let config = options.settings.configuration(features: options.features, classCount: dataset.classNames.count)
        if let problem = config.problem { throw RunError("--n-mels \(options.features.nMels): \(problem)") }

        var results: [FoldResult] = []
        var confusion = ConfusionMatrix(classNames: dataset.classNames)
        for k in 0..<assignment.foldCount where options.onlyFolds?.contains(k) ?? true {
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
                           console.progress("fold \(k)", (e - 1) * n + b, options.settings.epochs * n, unit: "batches",
                                            status: "epoch \(e)/\(options.settings.epochs)")
                       })
            let (clipMatrix, segmentMatrix, predictions) = Classifier(network: trained.network, threads: options.threads)
                .confusionMatrices(testClips, network: trained.network, classNames: dataset.classNames)
            confusion.add(clipMatrix)
            var result = FoldResult(fold: k, trainFiles: train.count, validationFiles: validation.count,
                                    testFiles: testClips.count, bestEpoch: trained.bestEpoch,
                                    clipAccuracy: clipMatrix.accuracy, segmentAccuracy: segmentMatrix.accuracy,
                                    macroF1: clipMatrix.macroF1, balancedAccuracy: clipMatrix.balancedAccuracy,
                                    seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
                                    predictions: predictions, history: trained.history)
            if !options.perturbations.isEmpty {
                let model = TrainedModel(network: trained.network, classNames: dataset.classNames, features: options.features,
                                         normalization: normalization, training: options.settings)
                result.robustness = try robustness(of: model, fold: k, files: test, dataset: dataset, decodable: byPath,
                                                   options: options, console: console)
            }
            result.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            results.append(result)
            onFold?(result, assignment.foldCount)
        }
        return CrossValidationReport(
            dataset: options.datasetPath, classNames: dataset.classNames, folds: results,
            clipAccuracy: MeanStd(results.map(\.clipAccuracy)), segmentAccuracy: MeanStd(results.map(\.segmentAccuracy)),
            macroF1: MeanStd(results.map(\.macroF1)), balancedAccuracy: MeanStd(results.map(\.balancedAccuracy)),
            confusion: confusion, skipped: skipped.map(\.description),
            robustness: options.perturbations.isEmpty ? nil : Robustness.pooled(results.compactMap(\.robustness)))
    }
}

extension CrossValidation {
    /// The folds: read from the fold file (its undecodable files dropped) or drawn stratified and seeded;
    /// refuses a fold without decodable files and `onlyFolds` that do not exist.
    static func assignFolds(_ options: CrossValidationOptions, scanned: Dataset, dataset: Dataset,
                            decodable byPath: [String: ClipFeatures], console: Console) throws -> FoldAssignment {
        var assignment: FoldAssignment
        if let foldFile = options.foldFile {
            // Read against every scanned file, then drop the undecodable ones (already reported).
            let listed = try Folds.read(foldFile, dataset: scanned)
            assignment = FoldAssignment(foldOf: listed.foldOf.filter { byPath[$0.key] != nil },
                                        foldCount: listed.foldCount, warnings: listed.warnings)
            for k in 0..<assignment.foldCount where assignment.files(inFold: k).isEmpty {
                throw RunError("\(foldFile): fold \(k) has no decodable file")
            }
        } else {
            guard options.folds >= 2, options.folds <= dataset.files.count else {
                throw RunError("\(options.datasetPath): --folds \(options.folds) is more folds than its \(dataset.files.count) decodable files")
            }
            assignment = Folds.stratified(dataset, folds: options.folds, seed: options.settings.seed)
        }
        for w in assignment.warnings { console.warn("warning: \(w)") }
        if let bad = options.onlyFolds?.first(where: { $0 >= assignment.foldCount }) {
            throw RunError("--only-folds \(bad): there are \(assignment.foldCount) folds, numbered 0 to \(assignment.foldCount - 1)")
        }
        return assignment
    }

    /// Fold `fold`'s model on its test files under every perturbation of `options`.
    static func robustness(of model: TrainedModel, fold: Int, files: [String], dataset: Dataset,
                           decodable byPath: [String: ClipFeatures], options: CrossValidationOptions,
                           console: Console) throws -> [PerturbationResult] {
        try Robustness.measure(model: model, files: files.map { (dataset.root + "/" + $0, byPath[$0]!.label) },
                               perturbations: options.perturbations, threads: options.threads) { done, total in
            console.progress("fold \(fold) perturbed", done, total, unit: "files")
        }
    }
}

