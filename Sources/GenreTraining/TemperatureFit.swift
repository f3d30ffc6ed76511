import Foundation
import GenreData
import GenreMetrics
import GenreModel
import GenreNetwork

/// Calibrating a trained network on labelled clips: their segment logits, the temperature that minimises their NLL
/// (`Calibration.fitTemperature`), the figures before and after, and the `--min-confidence model` threshold.
public enum TemperatureFit {
    /// Every clip's segment logits `[clips][segments][K]` and its label.
    /// - Parameter clips: standardised, labels in the network's class order.
    public static func logits(_ clips: [ClipFeatures], network: ConvNet, threads: Int) -> (logits: [[[Float]]], labels: [Int]) {
        let classifier = Classifier(network: network, threads: threads)
        let k = network.configuration.classCount
        let logits = clips.map { segmentRows(classifier.segmentLogits($0.segments, count: $0.segmentCount, network: network), classes: k) }
        return (logits, clips.map(\.label))
    }

    /// Row-major segment logits `[segments · K]` (as `Classifier` gives them) as one row per segment.
    public static func segmentRows(_ flat: [Float], classes k: Int) -> [[Float]] {
        (0..<(flat.count / k)).map { Array(flat[($0 * k)..<(($0 + 1) * k)]) }
    }

    /// The fewest validation clips a temperature is fitted on: on fewer, one clip more or less right moves T a lot.
    public static let minimumClips = 20

    /// What a run's calibration came to: the calibration, or why there is none (the model then predicts at T = 1).
    public enum Outcome: Sendable, Equatable {
        case calibrated(ModelCalibration)
        /// Fewer than `minimumClips` validation clips (`clips` of them).
        case tooFewClips(Int)
        /// The NLL is lowest at T = 20, the end of the range: the validation clips are (nearly) all wrong, and only ever
        /// flatter probabilities lower it; no temperature is supported by them.
        case undetermined(accuracy: Double)

        /// The calibration, if any.
        public var calibration: ModelCalibration? {
            if case .calibrated(let c) = self { return c }
            return nil
        }
    }

    /// The temperatures a run fits: never below 1. The validation clips are the ones that chose the best epoch, so they
    /// flatter the network, and a sharpening T < 1 fitted on them is that flattery: on gtzan-mini (20 validation clips,
    /// 95 % right) the unbounded fit gave T = 0.35, which cost the 20 test clips 5 points of accuracy and raised their
    /// NLL from 0.686 to 0.937, while every larger validation set measured (30–80 clips: the five-genre model, the
    /// shipped model, the cross-validation folds) asked for 1.0–1.55.
    public static let temperatureRange = 1.0...20.0

    /// The calibration a model records: T fitted on `validation` (within `temperatureRange`; T = 1 when the NLL is
    /// lowest there), their figures at T = 1 and at T, and the threshold that keeps 90 % of their right answers
    /// (`Calibration.confidenceThreshold`, on their probabilities at T).
    public static func calibrate(_ network: ConvNet, validation: [ClipFeatures], threads: Int) -> Outcome {
        guard validation.count >= minimumClips else { return .tooFewClips(validation.count) }
        let (logits, labels) = Self.logits(validation, network: network, threads: threads)
        var t = Calibration.fitTemperature(segmentLogits: logits, labels: labels, range: temperatureRange)!
        // Within 1 % of 20: the minimum is the range's, not the data's. Within 0.1 % of 1: exactly 1 (no scaling).
        guard t < temperatureRange.upperBound / 1.01 else {
            return .undetermined(accuracy: Calibration.figures(segmentLogits: logits, labels: labels, temperature: 1).accuracy)
        }
        if t < temperatureRange.lowerBound * 1.001 { t = temperatureRange.lowerBound }
        let comparison = compare(logits: logits, labels: labels, temperature: t)
        // The threshold is compared with what predict prints, so it is taken from the same Float arithmetic
        // (`Classifier` at T): from the Double fit's values, a clip exactly at it came out 1e-8 below and was flagged.
        // The logits are already at hand: no second forward pass.
        let classifier = Classifier(network: network, threads: threads, temperature: t)
        let k = network.configuration.classCount
        var confidences: [Double] = [], correct: [Bool] = []
        for (clip, label) in zip(logits, labels) {
            let scores = Classifier.scores(rows: classifier.probabilities(logits: clip.flatMap { $0 }, classes: k), classes: k)
            confidences.append(Double(scores.probabilities[scores.predicted]))
            correct.append(scores.predicted == label)
        }
        return .calibrated(ModelCalibration(temperature: t,
                                            threshold: Calibration.confidenceThreshold(confidences: confidences, correct: correct),
                                            validation: comparison))
    }

    /// The figures of labelled clips without (T = 1) and with temperature `t`: what `evaluate` and `crossval` report.
    public static func compare(logits: [[[Float]]], labels: [Int], temperature t: Double) -> CalibrationComparison {
        CalibrationComparison(before: Calibration.figures(segmentLogits: logits, labels: labels, temperature: 1),
                              after: Calibration.figures(segmentLogits: logits, labels: labels, temperature: t))
    }

    /// One line on a run's calibration, e.g. `calibrated on 38 validation clips: temperature 1.42, NLL 0.61 → 0.55,
    /// ECE 9.8 % → 3.1 %; --min-confidence model threshold 0.62`.
    public static func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .tooFewClips(let n):
            return "not calibrated: \(n) validation clip(s), fewer than \(minimumClips); probabilities at temperature 1"
        case .undetermined(let accuracy):
            return String(format: "not calibrated: the validation clips (%.0f %% right) leave the temperature undetermined; ", 100 * accuracy)
                + "probabilities at temperature 1"
        case .calibrated(let c) where c.temperature == 1:
            return String(format: "calibrated on %d validation clips: temperature 1 (none above 1 lowers their NLL), ECE %.1f %%; ",
                          c.validation.after.clips, 100 * c.validation.after.expectedCalibrationError)
                + (c.threshold.map { String(format: "--min-confidence model threshold %.3f", $0) }
                   ?? "no --min-confidence model threshold (no validation clip was right)")
        case .calibrated(let c):
            let before = c.validation.before, after = c.validation.after
            return String(format: "calibrated on %d validation clips: temperature %.3g, NLL %.3f → %.3f, ECE %.1f %% → %.1f %%; ",
                          after.clips, c.temperature, before.negativeLogLikelihood, after.negativeLogLikelihood,
                          100 * before.expectedCalibrationError, 100 * after.expectedCalibrationError)
                + (c.threshold.map { String(format: "--min-confidence model threshold %.3f", $0) }
                   ?? "no --min-confidence model threshold (no validation clip was right)")
        }
    }
}
