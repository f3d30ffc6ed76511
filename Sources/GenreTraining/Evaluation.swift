import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreMetrics
import GenreModel
import GenreReports
import GenreSupport

/// Which files `genre evaluate` scores.
public enum EvaluationSplit: String, Sendable, CaseIterable {
    /// The test list of the split list beside the model (`<model>.split.tsv`).
    case test
    /// The validation list of that split list.
    case validation
    /// Every file of the dataset whose genre the model knows; no split list needed.
    case all
}

/// The `genre evaluate` pipeline: scan the dataset, choose the files of a split, decode them with the
/// model's preprocessing, score each clip (`Predictor.scores`), and tabulate.
public enum Evaluation {
    /// Scores the model on `split` of the dataset.
    /// - Parameters:
    ///   - datasetPath: the dataset folder `DIR/<genre>/<audio files>`; genres the model does not know
    ///     are left out with a warning.
    ///   - modelPath: the model file; `.test` and `.validation` read the split list beside it.
    ///   - loaded: the model already read from `modelPath`, if the caller has it; else it is read.
    ///   - threads: decoding and inference threads.
    ///   - cache: where decoded features are looked up and stored; nil decodes every file.
    ///   - minConfidence: with it, the share of clips flagged "uncertain" and the accuracy on the rest (`selective`).
    /// - Returns: clip- and segment-level figures at the model's temperature (what `predict` answers), the confusion
    ///   matrices and each clip's probabilities, classes in the model's order; the calibration figures without and
    ///   with the temperature; undecodable files are listed in `skipped` (each warned about).
    /// - Throws: `ModelFileError`, `DatasetError`, `SplitError`, and `RunError` when the split list beside
    ///   the model is missing or is not the one the model was trained with, when the dataset has only
    ///   genres the model does not know, when the split has no files or none of them decodes, or when the
    ///   model's outputs are not finite, or when `minConfidence` is `.model` and the model records no threshold.
    public static func run(datasetPath: String, modelPath: String, loaded: TrainedModel? = nil, split: EvaluationSplit,
                           threads: Int, cache: FeatureCache? = nil, minConfidence: ConfidenceThreshold? = nil,
                           reporter: any Reporter) throws -> EvaluationReport {
        let model = try loaded ?? ModelFile.read(modelPath)
        let threshold = try minConfidence?.resolve(for: model, path: modelPath)
        let dataset = try DatasetScanner.scan(datasetPath)
        for w in dataset.warnings { reporter.warn("warning: \(w)") }
        let known = try knownFiles(of: dataset, model: model, datasetPath: datasetPath, modelPath: modelPath,
                                   reporter: reporter)
        let selected = try files(of: split, known: known, dataset: dataset, model: model, datasetPath: datasetPath,
                                 modelPath: modelPath, reporter: reporter)
        var (clips, skipped) = try decode(selected, known: known, dataset: dataset, model: model, split: split,
                                          datasetPath: datasetPath, threads: threads, cache: cache, reporter: reporter)
        for i in clips.indices { model.normalization.apply(&clips[i].segments) }
        let (clipMatrix, segmentMatrix, rows, logits) = try score(clips, model: model, threads: threads)
        let perClass = model.classNames.indices.map {
            EvaluationReport.ClassRow(genre: model.classNames[$0], precision: clipMatrix.precision($0),
                                      recall: clipMatrix.recall($0), f1: clipMatrix.f1($0),
                                      support: clipMatrix.support($0))
        }
        var report = EvaluationReport(model: modelPath, dataset: datasetPath, split: split.rawValue,
                                classes: model.classNames, clips: clips.count,
                                segments: clips.reduce(0) { $0 + $1.segmentCount },
                                clipAccuracy: clipMatrix.accuracy, segmentAccuracy: segmentMatrix.accuracy,
                                balancedAccuracy: clipMatrix.balancedAccuracy, macroF1: clipMatrix.macroF1,
                                perClass: perClass, confusionMatrix: clipMatrix.counts,
                                segmentConfusionMatrix: segmentMatrix.counts, predictions: rows,
                                skipped: (skipped + unscored(dataset, model: model, split: split)).map { reporter.render($0.message) })
        report.calibration = TemperatureFit.compare(logits: logits, labels: clips.map(\.label), temperature: model.temperature)
        report.selective = threshold.map { t in
            SelectiveFigures(threshold: t, confidences: rows.map(\.probability), correct: rows.map { $0.predicted == $0.genre })
        }
        return report
    }

    /// The dataset's files whose genre the model knows (a genre it does not know cannot be scored; train
    /// ignores a genre without decodable files the same way), warning about the others.
    /// - Throws: `RunError` when the model knows none of the dataset's genres.
    static func knownFiles(of dataset: Dataset, model: TrainedModel, datasetPath: String, modelPath: String,
                           reporter: any Reporter) throws -> [DatasetFile] {
        let unknown = dataset.classNames.filter { !model.classNames.contains($0) }
        if unknown.count == dataset.classNames.count {
            throw RunError("\(datasetPath): genre(s) \(unknown.joined(separator: ", ")) unknown to model \(modelPath) "
                           + "(it knows \(model.classNames.joined(separator: ", ")))")
        }
        let known = dataset.files.filter { model.classNames.contains(dataset.classNames[$0.label]) }
        if !unknown.isEmpty {
            reporter.warn("warning: genre(s) \(unknown.joined(separator: ", ")) unknown to model \(modelPath); "
                         + "their \(dataset.files.count - known.count) file(s) are not scored")
        }
        return known
    }

    /// With `.all`, the files of genres the model does not know, as skipped files of the report (warned about once,
    /// by `knownFiles`); other splits name only files the model was trained with.
    static func unscored(_ dataset: Dataset, model: TrainedModel, split: EvaluationSplit) -> [SkippedFile] {
        guard split == .all else { return [] }
        return dataset.files.filter { !model.classNames.contains(dataset.classNames[$0.label]) }.map {
            SkippedFile(path: dataset.path(of: $0), reason: "genre '\(dataset.classNames[$0.label])' is unknown to the model")
        }
    }

    /// The relative paths `split` names: every known file, or the test or validation list of the split
    /// list beside the model (which must be the one the model recorded the digest of).
    /// - Throws: `SplitError` for a malformed list; `RunError` when the list is missing, belongs to another
    ///   dataset or model, or the split is empty.
    static func files(of split: EvaluationSplit, known: [DatasetFile], dataset: Dataset, model: TrainedModel,
                      datasetPath: String, modelPath: String, reporter: any Reporter) throws -> [String] {
        let selected: [String]
        if split == .all {
            selected = known.map(\.relativePath)
        } else {
            let splitPath = ModelFile.splitPath(forModel: modelPath)
            guard FileManager.default.fileExists(atPath: splitPath) else {
                throw RunError("\(splitPath): split list of \(modelPath) not found; use \(Setting.split) all to score every file")
            }
            let lists = try Splitter.read(splitPath, dataset: dataset, allowingMissing: true)
            if let recorded = model.notes["split_digest"], recorded != SplitDigest.of(lists) {
                throw RunError("\(splitPath): this split list is not the one \(modelPath) was trained with")
            }
            selected = try present(split == .test ? lists.test : lists.validation, split: split, dataset: dataset,
                                   datasetPath: datasetPath, modelPath: modelPath, reporter: reporter)
        }
        guard !selected.isEmpty else {
            throw RunError("\(datasetPath): the \(split.rawValue) split of \(modelPath) has no files"
                           + (split == .test ? " (a model trained with \(Setting.noTest)); use \(Setting.split) validation or all" : ""))
        }
        return selected
    }

    /// The files of `listed` (one split of the model's list) that `dataset` still has; the others are named in a
    /// warning (a file deleted since training), unless none is left: then the model was trained on another dataset.
    /// - Throws: `RunError` when every listed file is missing.
    static func present(_ listed: [String], split: EvaluationSplit, dataset: Dataset, datasetPath: String, modelPath: String,
                        reporter: any Reporter) throws -> [String] {
        let known = Set(dataset.files.map(\.relativePath))
        let missing = listed.filter { !known.contains($0) }
        guard !missing.isEmpty else { return listed }
        guard missing.count < listed.count else {
            throw RunError("\(datasetPath): every file of the \(split.rawValue) split of \(modelPath) is missing from \(datasetPath) "
                           + "(\(missing.count) listed): it was trained on another dataset, so it has no \(split.rawValue) split "
                           + "here; use \(Setting.split) all to score every file")
        }
        let names = missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
        let files = missing.count == 1 ? "1 file" : "\(missing.count) files", verb = missing.count == 1 ? "is" : "are"
        reporter.warn("warning: \(files) of the \(split.rawValue) split of \(modelPath) \(verb) missing from \(datasetPath): \(names); "
                      + "scoring the other \(listed.count - missing.count)")
        return listed.filter(known.contains)
    }

    /// Decodes the `selected` files of a known genre with the model's feature parameters, labels in the
    /// model's class order (not yet standardised); the undecodable ones (and, for `.all`, the scan's skipped
    /// entries) are warned about and returned.
    /// - Throws: `FeatureError` for unusable stored parameters; `RunError` when no file decodes.
    static func decode(_ selected: [String], known: [DatasetFile], dataset: Dataset, model: TrainedModel,
                       split: EvaluationSplit, datasetPath: String, threads: Int, cache: FeatureCache?,
                       reporter: any Reporter) throws -> (clips: [ClipFeatures], skipped: [SkippedFile]) {
        // Dataset labels are re-indexed into the model's class order.
        let modelIndex = Dictionary(uniqueKeysWithValues: model.classNames.enumerated().map { ($1, $0) })
        // Names are matched as Swift compares them (a split list written in NFC finds a folder renamed to NFD;
        // the scan refused twins), and each file is read by the name it has on disk.
        let byName = Dictionary(uniqueKeysWithValues: known.map { ($0.relativePath, $0) })
        let extractor = try LogMelExtractor(parameters: model.features)
        let jobs = selected.compactMap { name in
            byName[name].map { (path: dataset.path(of: $0), relativePath: $0.relativePath, label: modelIndex[dataset.classNames[$0.label]]!) }
        }
        let (clips, skipped) = ClipFeatureExtractor.extract(jobs, extractor: extractor, threads: threads,
                                                            cache: cache,
                                                            progress: { reporter.progress("decoding", $0, $1, unit: "files") },
                                                            detail: reporter.verbose ? { reporter.detail($0) } : nil)
        // Scoring every file: the entries the scan left out (names, links to nothing) are files not scored too.
        let left = (split == .all ? dataset.skipped : []) + skipped
        for s in left { reporter.warn("skipped \(s.message)") }
        if let problem = cache?.problem { reporter.warn("warning: feature cache not written: \(problem)") }
        guard !clips.isEmpty else {
            throw RunError("\(datasetPath): no file of the \(split.rawValue) split could be decoded")
        }
        return (clips, left)
    }

    /// The clip- and segment-level confusion matrices of the standardised, labelled `clips` and each
    /// clip's row: clip prediction = argmax of the mean segment softmax(z/T), segment prediction = argmax of
    /// its own (ties: class order), through `Predictor.scores`; and each clip's segment logits `[segments][K]`.
    /// - Throws: `FeatureError` for unusable stored parameters; `RunError` when the model's outputs are
    ///   not finite.
    static func score(_ clips: [ClipFeatures], model: TrainedModel, threads: Int) throws
        -> (clips: ConfusionMatrix, segments: ConfusionMatrix, rows: [EvaluationReport.ClipRow], logits: [[[Float]]]) {
        let predictor = try Predictor(model: model, threads: threads)
        var clipMatrix = ConfusionMatrix(classNames: model.classNames)
        var segmentMatrix = ConfusionMatrix(classNames: model.classNames)
        var rows: [EvaluationReport.ClipRow] = []
        var logits: [[[Float]]] = []
        let k = model.classNames.count
        for clip in clips {
            let s = try predictor.scores(segments: clip.segments, count: clip.segmentCount, file: clip.relativePath)
            logits.append(TemperatureFit.segmentRows(s.segmentLogits, classes: k))
            clipMatrix.add(trueLabel: clip.label, predicted: s.predicted)
            for predicted in s.segmentPredicted { segmentMatrix.add(trueLabel: clip.label, predicted: predicted) }
            rows.append(.init(file: clip.relativePath, genre: model.classNames[clip.label],
                              predicted: model.classNames[s.predicted], probability: Double(s.probabilities[s.predicted]),
                              probabilities: s.probabilities.map(Double.init)))
        }
        return (clipMatrix, segmentMatrix, rows, logits)
    }
}

extension Evaluation {
    /// The model on the clips `report` scored, under each perturbation (`Robustness.measure`): how often
    /// the top-1 genre stays, the accuracy, and how far the probabilities move.
    /// - Throws: as `Robustness.measure`.
    public static func robustness(of report: EvaluationReport, model: TrainedModel, datasetPath: String,
                                  perturbations: [Perturbation], threads: Int, reporter: any Reporter) throws -> [PerturbationResult] {
        let labelOf = Dictionary(uniqueKeysWithValues: model.classNames.enumerated().map { ($1, $0) })
        let files = report.predictions.map { (path: datasetPath + "/" + $0.file, label: labelOf[$0.genre]!) }
        return try Robustness.measure(model: model, files: files, perturbations: perturbations, threads: threads) {
            reporter.progress("perturbing", $0, $1, unit: "files")
        }
    }
}

