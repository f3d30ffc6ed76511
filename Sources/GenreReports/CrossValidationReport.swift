import Foundation
import GenreMetrics

/// One fold's test figures (clip-level unless named otherwise).
public struct FoldResult: Sendable, Codable, Equatable {
    /// Fold number, from 0.
    public var fold: Int
    /// Files the fold trained on (the other folds minus the validation part).
    public var trainFiles: Int
    /// Files of the other folds held out (15 %, stratified) to choose the best epoch.
    public var validationFiles: Int
    /// Usable files of this fold (decoded, not screened out), all scored.
    public var testFiles: Int
    /// The epoch (1-based) whose weights were scored: highest validation clip accuracy, ties to lower loss.
    public var bestEpoch: Int
    /// Clip accuracy on the test fold, in [0, 1].
    public var clipAccuracy: Double
    /// Segment accuracy on the test fold, in [0, 1].
    public var segmentAccuracy: Double
    /// Clip macro-F1 on the test fold (mean over genres with clips), in [0, 1].
    public var macroF1: Double
    /// Clip balanced accuracy on the test fold (mean recall over genres with clips), in [0, 1].
    public var balancedAccuracy: Double
    /// Wall time of the fold, seconds: training, scoring and any perturbations.
    public var seconds: Double
    /// Every test clip's probabilities.
    public var predictions: [ClipPrediction]
    /// The fold's training history, one entry per epoch.
    public var history: [EpochReport]
    /// The fold's model on its test files under each `--perturb` perturbation; absent without `--perturb`.
    public var robustness: [PerturbationResult]?
    /// The test clips without temperature scaling (`before`: the figures above) and at the temperature fitted on the
    /// fold's validation files (`after`: what a calibrated model answers; T = 1 when they were too few to fit one);
    /// absent in reports of earlier genres.
    public var calibration: CalibrationComparison?

    /// Member-wise; see the properties.
    public init(fold: Int, trainFiles: Int, validationFiles: Int, testFiles: Int, bestEpoch: Int, clipAccuracy: Double, segmentAccuracy: Double, macroF1: Double, balancedAccuracy: Double, seconds: Double, predictions: [ClipPrediction], history: [EpochReport], robustness: [PerturbationResult]? = nil) {
        self.fold = fold
        self.trainFiles = trainFiles
        self.validationFiles = validationFiles
        self.testFiles = testFiles
        self.bestEpoch = bestEpoch
        self.clipAccuracy = clipAccuracy
        self.segmentAccuracy = segmentAccuracy
        self.macroF1 = macroF1
        self.balancedAccuracy = balancedAccuracy
        self.seconds = seconds
        self.predictions = predictions
        self.history = history
        self.robustness = robustness
    }
}

/// Mean and sample standard deviation (n − 1) over folds.
public struct MeanStd: Sendable, Codable, Equatable {
    /// Mean of the values (0 for none).
    public var mean: Double
    /// Sample standard deviation (n − 1) of the values; 0 for fewer than two.
    public var std: Double

    /// Mean and sample standard deviation of `values` (e.g. one figure per fold).
    public init(_ values: [Double]) {
        let m = values.reduce(0, +) / Double(max(values.count, 1))
        mean = m
        let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        std = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
    }

    /// "71.9 ± 2.8 %" (`percent`: ×100, one decimal) or "0.712 ± 0.030"; the mean alone without `spread` (one fold,
    /// whose std says nothing).
    public func text(percent: Bool, spread: Bool = true) -> String {
        let mean = percent ? String(format: "%.1f", 100 * self.mean) : String(format: "%.3f", self.mean)
        let std = percent ? String(format: " ± %.1f", 100 * self.std) : String(format: " ± %.3f", self.std)
        return mean + (spread ? std : "") + (percent ? " %" : "")
    }
}

/// The result of `genre crossval`; encodes to the documented JSON schema.
public struct CrossValidationReport: Sendable, Codable {
    /// The dataset folder, as given.
    public var dataset: String
    /// The genres with usable files, sorted: the order of every matrix and distribution.
    public var classNames: [String]
    /// The same list under `evaluate`'s name (the preferred one), so that both commands carry both; nil only when
    /// decoding a report written before it existed.
    public var classes: [String]?
    /// One per fold run, in fold order (only the `onlyFolds` ones when given).
    public var folds: [FoldResult]
    /// Each fold's clip accuracy, mean and sample std over the folds run, fractions in [0, 1].
    public var clipAccuracy: MeanStd
    /// Each fold's segment accuracy, mean and sample std over the folds run, fractions in [0, 1].
    public var segmentAccuracy: MeanStd
    /// Each fold's clip macro-F1, mean and sample std over the folds run, in [0, 1].
    public var macroF1: MeanStd
    /// Each fold's clip balanced accuracy, mean and sample std over the folds run, in [0, 1].
    public var balancedAccuracy: MeanStd
    /// Clip confusion matrix summed over the test folds, rows true, columns predicted.
    public var confusion: ConfusionMatrix
    /// Files left out (undecodable or too short), each `path: reason` (settings spelt as the reporter names them).
    public var skipped: [String]
    /// Every fold's robustness pooled over its test clips (`Robustness.pooled`); absent without `--perturb`.
    public var robustness: [PerturbationResult]?
    /// Every fold's calibration figures pooled over the test clips (`CalibrationFigures.pooled`); absent in reports of
    /// earlier genres.
    public var calibration: CalibrationComparison?

    /// Member-wise; see the properties.
    public init(dataset: String, classNames: [String], folds: [FoldResult], clipAccuracy: MeanStd, segmentAccuracy: MeanStd, macroF1: MeanStd, balancedAccuracy: MeanStd, confusion: ConfusionMatrix, skipped: [String], robustness: [PerturbationResult]? = nil,
                calibration: CalibrationComparison? = nil) {
        self.calibration = calibration
        self.dataset = dataset
        self.classNames = classNames
        self.classes = classNames
        self.folds = folds
        self.clipAccuracy = clipAccuracy
        self.segmentAccuracy = segmentAccuracy
        self.macroF1 = macroF1
        self.balancedAccuracy = balancedAccuracy
        self.confusion = confusion
        self.skipped = skipped
        self.robustness = robustness
    }
}

extension CrossValidationReport {
    /// CSV, one row per fold: `fold,train,validation,test,best_epoch,clip_accuracy,macro_f1,balanced_accuracy,
    /// segment_accuracy,seconds` (fractions in [0, 1], shortest round-trip form; seconds of wall time).
    public static let foldsCSVHeader =
        "fold,train,validation,test,best_epoch,clip_accuracy,macro_f1,balanced_accuracy,segment_accuracy,seconds\n"

    /// `foldsCSVHeader` then one line per entry of `folds` (`folds.csv` of `--csv`).
    public func foldsCSV() -> String {
        var text = Self.foldsCSVHeader
        for f in folds {
            text += "\(f.fold),\(f.trainFiles),\(f.validationFiles),\(f.testFiles),\(f.bestEpoch),\(f.clipAccuracy),"
                + "\(f.macroF1),\(f.balancedAccuracy),\(f.segmentAccuracy),\(String(format: "%.1f", f.seconds))\n"
        }
        return text
    }
}
