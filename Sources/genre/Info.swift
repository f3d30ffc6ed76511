import ArgumentParser
import Foundation
import GenreFeatures
import GenreMetrics
import GenreModel

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model file: classes, layers and parameter counts, features, training.")

    @Argument(help: "Model file (default: $GENRE_MODEL, else the first of ./models/genre.safetensors, $XDG_DATA_HOME/genre/, PREFIX/share/genre/).")
    var model: String?
    @Flag(help: "Print one JSON document on stdout instead of text.") var json = false

    func run() throws {
        try reportingErrors {
            let model = try ShippedModel.locate(given: model)
            let info = try ModelInfo(path: model)
            if json {
                try printJSON(info)
                return
            }
            let f = info.features, t = info.training
            print("model \(info.path): \(info.bytes) bytes, checksum verified")
            print("classes (\(info.classes.count)): \(info.classes.joined(separator: ", "))")
            print("architecture: \(info.architecture)" + (info.dropout > 0 ? ", dropout \(info.dropout)" : ""))
            let width = max(16, (info.layers.map(\.name.count).max() ?? 0) + 2)
            for layer in info.layers {
                let shape = layer.shape.map(String.init).joined(separator: "×")
                print("  " + layer.name.padding(toLength: width, withPad: " ", startingAt: 0)
                      + shape.padding(toLength: 14, withPad: " ", startingAt: 0)
                      + String(format: "%8d", layer.count) + (layer.trained ? "" : "  (running average)"))
            }
            print("  trained parameters: \(info.parameterCount)")
            print(String(format: "features: %d Hz mono, nFFT %d, hop %d, %d mel bands %g–%g Hz, segments of %d frames "
                         + "(last kept from %d); standardised with mean %.2f dB, std %.2f dB",
                         f.sampleRate, f.nFFT, f.hopLength, f.nMels, f.fMin, f.resolvedFMax, f.segmentFrames,
                         f.minLastSegmentFrames, info.normalizationMean, info.normalizationStd))
            print("preprocessing: " + Self.preprocessing(f))
            var recipe = "training: \(t.optimizer.metadataName), learning rate \(t.learningRate)"
            recipe += t.schedule == .cosine ? " (cosine)" : " (×\(t.learningRateGamma) every \(t.learningRateStep) epochs)"
            recipe += ", weight decay \(t.weightDecay), batch \(t.batchSize), \(t.epochs) epochs, seed \(t.seed)"
            if t.augmentation.randomCrops || t.augmentation.timeMask > 0 || t.augmentation.frequencyMask > 0 {
                recipe += ", crops and SpecAugment"
            }
            if t.augmentation.gainDB > 0 { recipe += ", random gain ±\(t.augmentation.gainDB) dB" }
            if t.augmentation.tiltDB > 0 { recipe += ", random tilt ±\(t.augmentation.tiltDB) dB" }
            if t.targets.mixup > 0 { recipe += ", mixup \(t.targets.mixup)" }
            if t.targets.labelSmoothing > 0 { recipe += ", label smoothing \(t.targets.labelSmoothing)" }
            print(recipe)
            if let c = info.calibration {
                print(String(format: "calibration: temperature %.3g (validation clips %d: NLL %.3f → %.3f, ECE %.1f %% → %.1f %%)",
                             info.temperature, c.after.clips, c.before.negativeLogLikelihood, c.after.negativeLogLikelihood,
                             100 * c.before.expectedCalibrationError, 100 * c.after.expectedCalibrationError)
                      + (info.minConfidenceThreshold.map { String(format: "; --min-confidence model %.3f", $0) } ?? ""))
            } else {
                print("calibration: none (probabilities at temperature 1)")
            }
            let notes = info.notes.filter { $0.key != "history" }
            if !notes.isEmpty {
                print("recorded: " + notes.keys.sorted().map { "\($0) \(notes[$0]!)" }.joined(separator: ", "))
            }
            if let history = info.notes["history"],
               let epochs = try? JSONDecoder().decode([EpochReport].self, from: Data(history.utf8)) {
                print("history: \(epochs.count) epochs (train.history in the file; the curves are drawn beside the model by train)")
            }
        }
    }

    /// "ITU-R BS.775 downmix, peak normalised: loudest mel cell to 0 dB (gain ≤ +30.0 dB), DC removed per frame".
    static func preprocessing(_ f: FeatureParameters) -> String {
        var parts = [f.downmix == .itu775 ? "ITU-R BS.775 downmix" : "channels averaged"]
        switch f.level {
        case .none: parts.append("the file's own level")
        case .loudness(let target, let cap): parts.append("loudness normalised to \(target) LUFS (gain ≤ +\(cap) dB)")
        case .peak(let cap): parts.append("peak normalised: loudest mel cell to 0 dB (gain ≤ +\(cap) dB)")
        }
        if f.dcRemoval { parts.append("DC removed per frame") }
        return parts.joined(separator: ", ")
    }
}
