import Foundation
import GenreData
import GenreModel
import GenreSupport

/// `genre calibrate`: fits a trained model's temperature and `--min-confidence model` threshold on the validation files
/// its split list names (`TemperatureFit.calibrate`, as `train` does after training) and writes the model back with
/// them, every other byte's meaning unchanged. For models trained before calibration existed, or to refit on a dataset
/// folder that has grown.
public enum Recalibration {
    /// - Parameters:
    ///   - datasetPath: the dataset folder the model was trained on (`DIR/<genre>/<audio files>`).
    ///   - modelPath: the model; its split list (`<model>.split.tsv`) names the validation files.
    /// - Returns: the calibration written, and the calibration the file held before (nil: none).
    /// - Throws: `ModelFileError`, `DatasetError`, `SplitError`; `RunError` when another run writes the model (its
    ///   lock), the split list is missing or not the model's, no validation file decodes, or the validation files allow
    ///   no calibration (too few, or all right) — then the model is left as it was; write errors (the previous file
    ///   stays).
    public static func run(datasetPath: String, modelPath: String, threads: Int, cache: FeatureCache?,
                           reporter: any Reporter) throws -> (calibration: ModelCalibration, previous: ModelCalibration?) {
        // A model that is missing, damaged or cannot be replaced is named as such before a lock file is made beside it.
        _ = try ModelFile.read(modelPath)
        try OutputPath.checkWritable(modelPath)
        let lock = try RunLock.take(ModelFile.lockPath(forModel: modelPath), guarding: modelPath, command: "genre train or calibrate",
                                    writing: "this model", other: "\(Setting.modelPath)")
        defer { lock.release() }
        var model = try ModelFile.read(modelPath)
        let dataset = try DatasetScanner.scan(datasetPath)
        for w in dataset.warnings { reporter.warn("warning: \(w)") }
        try checkValidationFiles(of: modelPath, in: dataset, datasetPath: datasetPath)
        let known = try Evaluation.knownFiles(of: dataset, model: model, datasetPath: datasetPath, modelPath: modelPath,
                                              reporter: reporter)
        let selected = try Evaluation.files(of: .validation, known: known, dataset: dataset, model: model,
                                            datasetPath: datasetPath, modelPath: modelPath, reporter: reporter)
        var (clips, _) = try Evaluation.decode(selected, known: known, dataset: dataset, model: model, split: .validation,
                                               datasetPath: datasetPath, threads: threads, cache: cache, reporter: reporter)
        for i in clips.indices { model.normalization.apply(&clips[i].segments) }
        let outcome = TemperatureFit.calibrate(model.network, validation: clips, threads: threads)
        guard let calibration = outcome.calibration else {
            throw RunError("\(modelPath): \(TemperatureFit.describe(outcome)); the model is unchanged")
        }
        let previous = model.calibration
        model.calibration = calibration
        try reporter.deferringInterrupts { try ModelFile.write(model, to: modelPath) }
        return (calibration, previous)
    }

    /// The split list beside the model exists and names validation files the dataset still has (what `evaluate`'s
    /// checks would refuse with advice that fits `evaluate`, `--split all`, which calibrating has no use for).
    /// - Throws: `RunError` naming the split list; `SplitError` for a malformed one.
    static func checkValidationFiles(of modelPath: String, in dataset: Dataset, datasetPath: String) throws {
        let splitPath = ModelFile.splitPath(forModel: modelPath)
        guard FileManager.default.fileExists(atPath: splitPath) else {
            throw RunError("\(splitPath): split list of \(modelPath) not found; calibrate fits on the validation files it lists "
                           + "(train writes it beside the model)")
        }
        let lists = try Splitter.read(splitPath, dataset: dataset, allowingMissing: true)
        let present = Set(dataset.files.map(\.relativePath))
        guard lists.validation.contains(where: present.contains) else {
            throw RunError("\(datasetPath): none of the \(lists.validation.count) validation files of \(splitPath) is in it; "
                           + "give the dataset folder \(modelPath) was trained on")
        }
    }
}
