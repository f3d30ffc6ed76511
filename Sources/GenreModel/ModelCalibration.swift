import Foundation
import GenreMetrics
import GenreSupport

/// What a model records of its calibration: the temperature T its logits are divided by before the softmax
/// (temperature scaling; Guo et al., *On Calibration of Modern Neural Networks*, 2017), fitted after training on the
/// validation clips by minimising their NLL, and the `--min-confidence model` threshold chosen on them.
///
/// Stored under `calibration.*` keys, only in calibrated models: a file without them predicts at T = 1 and records
/// no threshold. T is in [0.05, 20] (the range `Calibration.fitTemperature` searches).
public struct ModelCalibration: Sendable, Equatable {
    /// T > 0: a clip's probabilities are the mean over its segments of softmax(z/T).
    public var temperature: Double
    /// The calibrated top probability below which `--min-confidence model` answers "uncertain": the one that keeps
    /// `Calibration.retainedRightAnswers` (90 %) of the validation clips the model got right
    /// (`Calibration.confidenceThreshold`); nil when none was right.
    public var threshold: Double?
    /// The validation clips before (T = 1) and after (T): the figures the model card quotes.
    public var validation: CalibrationComparison

    /// Member-wise.
    public init(temperature: Double, threshold: Double?, validation: CalibrationComparison) {
        self.temperature = temperature
        self.threshold = threshold
        self.validation = validation
    }

    /// The temperatures a model file may hold.
    public static let temperatureRange = 0.05...20.0

    /// The `calibration.*` metadata entries.
    var metadata: [String: String] {
        let before = validation.before, after = validation.after
        var m = [
            "calibration.method": "temperature scaling (Guo et al. 2017), fitted on the validation clips by NLL",
            "calibration.temperature": String(temperature),
            "calibration.validation_clips": String(after.clips),
            "calibration.validation_accuracy": "\(before.accuracy) \(after.accuracy)",
            "calibration.validation_nll": "\(before.negativeLogLikelihood) \(after.negativeLogLikelihood)",
            "calibration.validation_ece": "\(before.expectedCalibrationError) \(after.expectedCalibrationError)",
        ]
        if let threshold { m["calibration.threshold"] = String(threshold) }
        return m
    }

    /// Reads the `calibration.*` entries back; nil when the file has none (no `calibration.temperature`).
    /// - Throws: a one-line reason naming the key when one is present but unusable.
    static func read(_ metadata: [String: String]) throws(ModelFileError.Reason) -> ModelCalibration? {
        guard let text = metadata["calibration.temperature"] else { return nil }
        guard let t = Double(text), temperatureRange.contains(t) else {
            throw .init("metadata 'calibration.temperature' is not a number in [0.05, 20]")
        }
        var threshold: Double?
        if let text = metadata["calibration.threshold"] {
            guard let v = Double(text), (0...1).contains(v) else { throw .init("metadata 'calibration.threshold' is not in [0, 1]") }
            threshold = v
        }
        func pair(_ key: String) throws(ModelFileError.Reason) -> (Double, Double) {
            let parts = (metadata[key] ?? "").split(separator: " ").compactMap { Double($0) }
            guard parts.count == 2, parts.allSatisfy(\.isFinite) else { throw .init("metadata '\(key)' is not two numbers") }
            return (parts[0], parts[1])
        }
        guard let clips = metadata["calibration.validation_clips"].flatMap(Int.init), clips >= 0 else {
            throw .init("metadata 'calibration.validation_clips' missing or not an integer ≥ 0")
        }
        let (accuracy, nll, ece) = (try pair("calibration.validation_accuracy"), try pair("calibration.validation_nll"),
                                    try pair("calibration.validation_ece"))
        func figures(_ i: Int, _ temperature: Double) -> CalibrationFigures {
            CalibrationFigures(temperature: temperature, clips: clips, accuracy: i == 0 ? accuracy.0 : accuracy.1,
                               negativeLogLikelihood: i == 0 ? nll.0 : nll.1,
                               expectedCalibrationError: i == 0 ? ece.0 : ece.1, bins: [])
        }
        return ModelCalibration(temperature: t, threshold: threshold,
                                validation: CalibrationComparison(before: figures(0, 1), after: figures(1, t)))
    }
}

extension ModelFileError {
    /// Why a metadata entry is unusable, before the path is known.
    struct Reason: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }
}

/// `--min-confidence`: the calibrated top probability below which a file is answered "uncertain".
public enum ConfidenceThreshold: Sendable, Equatable {
    /// A probability in [0, 1].
    case probability(Double)
    /// The threshold the model recorded at training time (`ModelCalibration.threshold`).
    case model

    /// Parses `model` or a number in [0, 1]; nil for anything else.
    public init?(_ text: String) {
        if text == "model" { self = .model; return }
        guard let p = Double(text), (0...1).contains(p) else { return nil }
        self = .probability(p)
    }

    /// The probability this threshold stands for with `model` (loaded from `path`).
    /// - Throws: `RunError` for `.model` when the model records no threshold, saying why and what to give instead.
    public func resolve(for model: TrainedModel, path: String) throws -> Double {
        switch self {
        case .probability(let p): return p
        case .model:
            if let t = model.calibration?.threshold { return t }
            let why: String
            if model.calibration != nil {
                why = "none of its validation clips was right"
            } else if let clips = model.notes["validation_files"].flatMap(Int.init), clips < 20 {
                // calibrate would refuse too: only more validation files (training again) give a threshold.
                why = "it was not calibrated: it was trained with \(clips) validation file(s), fewer than the 20 a temperature needs"
            } else {
                why = "it was not calibrated (trained by an earlier genre; genre calibrate DIR fits one)"
            }
            throw RunError("\(path): records no \(Setting.minConfidence) threshold: \(why); give a probability, e.g. \(Setting.minConfidence) 0.5")
        }
    }
}
