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
    case test, validation, all
}

/// The `genre evaluate` pipeline.
public enum Evaluation {
    /// Scores the model on `split` of the dataset.
    /// - Throws: `ModelFileError`, `DatasetError`, `SplitError`, and `RunError` when the split list beside
    ///   the model is missing or is not the one the model was trained with, or when the dataset has genres
    ///   the model does not know.
    /// - Parameter cache: where decoded features are looked up and stored; nil decodes every file.
    /// - Parameter loaded: the model already read from `modelPath`, if the caller has it; else it is read.
    public static func run(datasetPath: String, modelPath: String, loaded: TrainedModel? = nil, split: EvaluationSplit,
                           threads: Int, cache: FeatureCache? = nil, console: Console) throws -> EvaluationReport {
        let model = try loaded ?? ModelFile.read(modelPath)
        let dataset = try DatasetScanner.scan(datasetPath)
        for w in dataset.warnings { console.warn("warning: \(w)") }
        // A genre the model does not know cannot be scored (train ignores a genre without decodable files
        // the same way); the others still can.
        let unknown = dataset.classNames.filter { !model.classNames.contains($0) }
        if unknown.count == dataset.classNames.count {
            throw RunError("\(datasetPath): genre(s) \(unknown.joined(separator: ", ")) unknown to model \(modelPath) "
                           + "(it knows \(model.classNames.joined(separator: ", ")))")
        }
        let known = dataset.files.filter { model.classNames.contains(dataset.classNames[$0.label]) }
        if !unknown.isEmpty {
            console.warn("warning: genre(s) \(unknown.joined(separator: ", ")) unknown to model \(modelPath); "
                         + "their \(dataset.files.count - known.count) file(s) are not scored")
        }
        let selected: [String]
        if split == .all {
            selected = known.map(\.relativePath)
        } else {
            let splitPath = ModelFile.splitPath(forModel: modelPath)
            guard FileManager.default.fileExists(atPath: splitPath) else {
                throw RunError("\(splitPath): split list of \(modelPath) not found; use --split all to score every file")
            }
            let lists: DataSplit
            do {
                lists = try Splitter.read(splitPath, dataset: dataset)
            } catch SplitError.unknownFile(_, _, let file) {
                throw RunError("\(splitPath): lists \(file), which is not in \(datasetPath): \(modelPath) was trained on "
                               + "another dataset, so it has no \(split.rawValue) split here; use --split all to score every file")
            }
            if let recorded = model.notes["split_digest"], recorded != SplitDigest.of(lists) {
                throw RunError("\(splitPath): this split list is not the one \(modelPath) was trained with")
            }
            selected = split == .test ? lists.test : lists.validation
        }
        guard !selected.isEmpty else {
            throw RunError("\(datasetPath): the \(split.rawValue) split of \(modelPath) has no files"
                           + (split == .test ? " (a model trained with --no-test); use --split validation or all" : ""))
        }

        // Dataset labels are re-indexed into the model's class order.
        let modelIndex = Dictionary(uniqueKeysWithValues: model.classNames.enumerated().map { ($1, $0) })
        let labelOf = Dictionary(uniqueKeysWithValues: known.map {
            ($0.relativePath, modelIndex[dataset.classNames[$0.label]]!)
        })
        let predictor = try Predictor(model: model, threads: threads)
        let extractor = try LogMelExtractor(parameters: model.features)
        let jobs = selected.compactMap { file in labelOf[file].map { (path: dataset.root + "/" + file, relativePath: file, label: $0) } }
        var (clips, skipped) = ClipFeatureExtractor.extract(jobs, extractor: extractor, threads: threads,
                                                            cache: cache,
                                                            progress: { console.progress("decoding", $0, $1, unit: "files") },
                                                            detail: console.verbose ? console.detail : nil)
        for s in skipped { console.warn("skipped \(s.description)") }
        if let problem = cache?.problem { console.warn("warning: feature cache not written: \(problem)") }
        guard !clips.isEmpty else { throw RunError("\(datasetPath): no file of the \(split.rawValue) split could be decoded") }

        var clipMatrix = ConfusionMatrix(classNames: model.classNames)
        var segmentMatrix = ConfusionMatrix(classNames: model.classNames)
        var rows: [EvaluationReport.ClipRow] = []
        var segmentTotal = 0
        for i in clips.indices {
            model.normalization.apply(&clips[i].segments)
            let clip = clips[i]
            let p = try predictor.predict(segments: clip.segments, count: clip.segmentCount, file: clip.relativePath,
                                      duration: clip.duration)
            let predicted = modelIndex[p.ranking[0].genre]!
            clipMatrix.add(trueLabel: clip.label, predicted: predicted)
            for row in p.segmentProbabilities {
                let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
                segmentMatrix.add(trueLabel: clip.label, predicted: best)
            }
            segmentTotal += clip.segmentCount
            rows.append(.init(file: clip.relativePath, genre: model.classNames[clip.label],
                              predicted: p.ranking[0].genre, probability: p.ranking[0].probability,
                              probabilities: model.classNames.map { name in p.ranking.first { $0.genre == name }!.probability }))
        }
        let perClass = model.classNames.indices.map {
            EvaluationReport.ClassRow(genre: model.classNames[$0], precision: clipMatrix.precision($0),
                                      recall: clipMatrix.recall($0), f1: clipMatrix.f1($0),
                                      support: clipMatrix.support($0))
        }
        return EvaluationReport(model: modelPath, dataset: datasetPath, split: split.rawValue,
                                classes: model.classNames, clips: clips.count, segments: segmentTotal,
                                clipAccuracy: clipMatrix.accuracy, segmentAccuracy: segmentMatrix.accuracy,
                                balancedAccuracy: clipMatrix.balancedAccuracy, macroF1: clipMatrix.macroF1,
                                perClass: perClass, confusionMatrix: clipMatrix.counts,
                                segmentConfusionMatrix: segmentMatrix.counts, predictions: rows,
                                skipped: skipped.map(\.description))
    }
}

extension Evaluation {
    /// The model on the clips `report` scored, under each perturbation (`Robustness.measure`): how often
    /// the top-1 genre stays, the accuracy, and how far the probabilities move.
    /// - Throws: as `Robustness.measure`.
    public static func robustness(of report: EvaluationReport, model: TrainedModel, datasetPath: String,
                                  perturbations: [Perturbation], threads: Int, console: Console) throws -> [PerturbationResult] {
        let labelOf = Dictionary(uniqueKeysWithValues: model.classNames.enumerated().map { ($1, $0) })
        let files = report.predictions.map { (path: datasetPath + "/" + $0.file, label: labelOf[$0.genre]!) }
        return try Robustness.measure(model: model, files: files, perturbations: perturbations, threads: threads) {
            console.progress("perturbing", $0, $1, unit: "files")
        }
    }
}

