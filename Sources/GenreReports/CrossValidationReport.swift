import Foundation
import GenreMetrics

/// One fold's test figures (clip-level unless named otherwise).
public struct FoldResult: Sendable, Codable, Equatable {
    public var fold: Int
    public var trainFiles: Int
    public var validationFiles: Int
    public var testFiles: Int
    public var bestEpoch: Int
    public var clipAccuracy: Double
    public var segmentAccuracy: Double
    public var macroF1: Double
    public var balancedAccuracy: Double
    public var seconds: Double
    /// Every test clip's probabilities.
    public var predictions: [ClipPrediction]
    /// The fold's training history, one entry per epoch.
    public var history: [EpochReport]
    /// The fold's model on its test files under each `--perturb` perturbation; absent without `--perturb`.
    public var robustness: [PerturbationResult]?

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
    public var mean: Double
    public var std: Double

    public init(_ values: [Double]) {
        let m = values.reduce(0, +) / Double(max(values.count, 1))
        mean = m
        let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        std = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
    }
}

public struct CrossValidationReport: Sendable, Codable {
    public var dataset: String
    public var classNames: [String]
    public var folds: [FoldResult]
    public var clipAccuracy: MeanStd
    public var segmentAccuracy: MeanStd
    public var macroF1: MeanStd
    public var balancedAccuracy: MeanStd
    /// Clip confusion matrix summed over the test folds, rows true, columns predicted.
    public var confusion: ConfusionMatrix
    public var skipped: [String]
    /// Every fold's robustness pooled over its test clips (`Robustness.pooled`); absent without `--perturb`.
    public var robustness: [PerturbationResult]?

    public init(dataset: String, classNames: [String], folds: [FoldResult], clipAccuracy: MeanStd, segmentAccuracy: MeanStd, macroF1: MeanStd, balancedAccuracy: MeanStd, confusion: ConfusionMatrix, skipped: [String], robustness: [PerturbationResult]? = nil) {
        self.dataset = dataset
        self.classNames = classNames
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

    public func foldsCSV() -> String {
        var text = Self.foldsCSVHeader
        for f in folds {
            text += "\(f.fold),\(f.trainFiles),\(f.validationFiles),\(f.testFiles),\(f.bestEpoch),\(f.clipAccuracy),"
                + "\(f.macroF1),\(f.balancedAccuracy),\(f.segmentAccuracy),\(String(format: "%.1f", f.seconds))\n"
        }
        return text
    }
}
