import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreMetrics
import GenreModel
import GenreReports
import GenreSupport

/// Measures how much a model's clip probabilities move when its input files are perturbed
/// (`Perturbation`): the invariance suite and `genre evaluate --perturb`.
public enum Robustness {
    /// Classifies each file as it is and under each perturbation (the perturbed file is written to a
    /// temporary folder, decoded and featurised exactly as `predict` does, then deleted).
    /// - Parameters:
    ///   - model: the network, its feature parameters, standardisation and class names.
    ///   - files: `(path on disk, label)`; a file whose original cannot be classified is left out of every result.
    ///   - threads: files processed at once (each single-threaded).
    ///   - progress: (files done, total), serialised.
    /// - Returns: one result per perturbation, in the given order.
    /// - Throws: `RunError` when no temporary folder can be made.
    public static func measure(model: TrainedModel, files: [(path: String, label: Int)], perturbations: [Perturbation],
                               threads: Int, progress: ((Int, Int) -> Void)? = nil) throws -> [PerturbationResult] {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Every name a worker writes (Perturbation.fileExtension, and AudioWriter's temporary name beside it).
        let scratch = (0..<max(1, min(threads, files.count))).flatMap { w in
            ["wav", "flac", "mp3", "ogg"].flatMap { ["\(folder)/\(w).\($0)", "\(folder)/\(w).\($0).tmp-\(getpid())"] }
        }
        return try InterruptCleanup.run(deleting: scratch, thenFolder: folder) {
            try measure(model: model, files: files, perturbations: perturbations, threads: threads, folder: folder,
                        progress: progress)
        }
    }

    /// `measure` with its scratch folder given.
    static func measure(model: TrainedModel, files: [(path: String, label: Int)], perturbations: [Perturbation],
                        threads: Int, folder: String, progress: ((Int, Int) -> Void)?) throws -> [PerturbationResult] {
        let extractor = try LogMelExtractor(parameters: model.features)
        // outcomes[file][0] is the original, [1 + j] perturbation j: clip probabilities or a failure reason.
        let outcomes = WorkQueue.map(count: files.count, workers: threads,
                                     makeWorker: { w in (Classifier(network: model.network, threads: 1, temperature: model.temperature), "\(folder)/\(w)") },
                                     done: progress) { worker, i in
            classify(files[i].path, perturbations: perturbations, model: model, extractor: extractor,
                     classifier: worker.0, scratch: worker.1)
        }
        return perturbations.indices.map { j in
            summarize(perturbations[j], outcomes: outcomes.map { ($0[0], $0[1 + j]) }, files: files)
        }
    }

    /// The original's and each perturbation's clip probabilities for one file.
    static func classify(_ path: String, perturbations: [Perturbation], model: TrainedModel, extractor: LogMelExtractor,
                         classifier: Classifier, scratch: String) -> [Result<[Float], SkippedFile>] {
        func probabilities(_ file: String) -> Result<[Float], SkippedFile> {
            do {
                var (values, count, _, _, _) = try ClipFeatureExtractor.segments(path: file, extractor: extractor)
                model.normalization.apply(&values)
                return .success(classifier.scores(values, count: count, network: model.network).probabilities)
            } catch {
                return .failure(SkippedFile(path: path, reason: ClipFeatureExtractor.reason(error, path: file)))
            }
        }
        var results = [probabilities(path)]
        for p in perturbations {
            let perturbed = "\(scratch).\(p.fileExtension)"
            defer { unlink(perturbed) }
            do {
                try p.write(from: path, to: perturbed)
                results.append(probabilities(perturbed))
            } catch {
                results.append(.failure(SkippedFile(path: path, reason: ClipFeatureExtractor.reason(error, path: path))))
            }
        }
        return results
    }

    /// One perturbation's figures over the files whose original and perturbed version both classified.
    static func summarize(_ p: Perturbation, outcomes: [(Result<[Float], SkippedFile>, Result<[Float], SkippedFile>)],
                          files: [(path: String, label: Int)]) -> PerturbationResult {
        var clips = 0, unchanged = 0, baselineCorrect = 0, correct = 0, sumDelta = 0.0, maxDelta = 0.0
        var failed: [String] = []
        for (i, (original, perturbed)) in outcomes.enumerated() {
            guard case .success(let a) = original else { continue }
            guard case .success(let b) = perturbed else {
                if case .failure(let f) = perturbed { failed.append(f.description) }
                continue
            }
            let topA = argmax(a), topB = argmax(b)
            clips += 1
            if topA == topB { unchanged += 1 }
            if topA == files[i].label { baselineCorrect += 1 }
            if topB == files[i].label { correct += 1 }
            let delta = Double(zip(a, b).map { abs($0 - $1) }.max() ?? 0)
            sumDelta += delta
            maxDelta = max(maxDelta, delta)
        }
        let n = Double(max(clips, 1))
        return PerturbationResult(perturbation: p.description, group: p.isLevelOrLayout ? "level-layout" : "codec-rate",
                                  clips: clips, topOneUnchanged: Double(unchanged) / n,
                                  baselineAccuracy: Double(baselineCorrect) / n, accuracy: Double(correct) / n,
                                  meanMaxAbsDeltaP: sumDelta / n, maxAbsDeltaP: maxDelta, failed: failed)
    }

    /// A fresh folder under the system's temporary directory.
    static func temporaryFolder() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/genre-perturb-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw RunError("cannot create a temporary folder for perturbed files: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// Pools per-fold results of the same perturbations (clip-weighted means, largest maximum).
    public static func pooled(_ folds: [[PerturbationResult]]) -> [PerturbationResult] {
        guard let first = folds.first else { return [] }
        return first.indices.map { j in
            let rows = folds.map { $0[j] }
            let clips = rows.reduce(0) { $0 + $1.clips }
            func mean(_ value: (PerturbationResult) -> Double) -> Double {
                rows.reduce(0.0) { $0 + value($1) * Double($1.clips) } / Double(max(clips, 1))
            }
            return PerturbationResult(perturbation: rows[0].perturbation, group: rows[0].group, clips: clips,
                                      topOneUnchanged: mean(\.topOneUnchanged), baselineAccuracy: mean(\.baselineAccuracy),
                                      accuracy: mean(\.accuracy), meanMaxAbsDeltaP: mean(\.meanMaxAbsDeltaP),
                                      maxAbsDeltaP: rows.map(\.maxAbsDeltaP).max() ?? 0, failed: rows.flatMap(\.failed))
        }
    }

    /// The text table of `results`: one line per perturbation.
    public static func table(_ results: [PerturbationResult]) -> [String] {
        var lines = ["perturbation        clips  top-1 unchanged  accuracy (original)  mean max|Δp|  max |Δp|"]
        for r in results {
            lines.append(r.perturbation.padding(toLength: max(18, r.perturbation.count), withPad: " ", startingAt: 0)
                         + String(format: "  %5d  %14.1f %%  %6.1f %% (%5.1f %%)  %12.3f  %8.3f", r.clips, 100 * r.topOneUnchanged, 100 * r.accuracy,
                                100 * r.baselineAccuracy, r.meanMaxAbsDeltaP, r.maxAbsDeltaP)
                         + (r.failed.isEmpty ? "" : "  (\(r.failed.count) failed)"))
        }
        return lines
    }
}
