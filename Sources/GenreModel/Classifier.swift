import Foundation
import GenreData
import GenreMetrics
import GenreNetwork

/// Per-clip probabilities from a network: each segment's softmax(z/T), averaged over the clip's segments, with T the
/// model's temperature (`ModelCalibration`; 1 for an uncalibrated model, which leaves the logits as they are).
///
/// One classifier per thread: it owns the inference workspace its forward passes write into.
public final class Classifier {
    /// Threads each forward pass uses, ≥ 1.
    public let threads: Int
    /// T > 0, what the logits are divided by before the softmax.
    public let temperature: Float
    private var workspace: ConvNetWorkspace
    /// Segments per forward pass. Each sample is its own GEMM, so a small batch costs no speed, and its
    /// inference-only workspace (~20 MB for the default network) keeps a fresh `predict` process quick:
    /// at 32 the page faults of first touching ~120 MB took longer than the whole prediction.
    public static let batchSize = 8

    /// An inference workspace for `network`'s shapes (any network of the same configuration can then be
    /// scored with it).
    /// - Parameters:
    ///   - threads: threads per forward pass; values below 1 count as 1.
    ///   - temperature: T > 0 (`TrainedModel.temperature`); 1: the network's own softmax, bit for bit.
    public init(network: ConvNet, threads: Int, temperature: Double = 1) {
        precondition(temperature > 0, "T > 0")
        self.threads = max(1, threads)
        self.temperature = Float(temperature)
        workspace = ConvNetWorkspace(network: network, batchCapacity: Self.batchSize, threads: self.threads,
                                     training: false)
    }

    /// The logits z of every segment of a clip, `batchSize` segments per forward pass.
    /// - Parameters:
    ///   - segments: `[count, nMels, segmentFrames]`, standardised; a precondition checks the size
    ///     against the network's input.
    ///   - network: in inference mode (BatchNorm's running averages, no dropout).
    /// - Returns: `[count, K]` row-major.
    public func segmentLogits(_ segments: [Float], count: Int, network: ConvNet) -> [Float] {
        let cfg = network.configuration, k = cfg.classCount
        let cells = cfg.inputChannels * cfg.inputHeight * cfg.inputWidth
        precondition(segments.count == count * cells, "segments do not match the network input")
        var out = [Float](repeating: 0, count: count * k)
        segments.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var lo = 0
                while lo < count {
                    let n = min(Self.batchSize, count - lo)
                    network.forward(src.baseAddress! + lo * cells, batch: n, workspace: workspace)
                    (dst.baseAddress! + lo * k).update(from: workspace.logitsPointer, count: n * k)
                    lo += n
                }
            }
        }
        return out
    }

    /// Softmax probabilities softmax(z/T) of every segment of a clip (`segmentLogits`, then `probabilities(logits:)`).
    /// - Returns: `[count, K]` row-major.
    public func segmentProbabilities(_ segments: [Float], count: Int, network: ConvNet) -> [Float] {
        probabilities(logits: segmentLogits(segments, count: count, network: network), classes: network.configuration.classCount)
    }

    /// softmax(z/T) of each row of `logits` `[rows, K]`; at T = 1 the logits go to the softmax as they are.
    public func probabilities(logits: [Float], classes k: Int) -> [Float] {
        guard !logits.isEmpty else { return [] }
        var z = logits
        if temperature != 1 { for i in z.indices { z[i] /= temperature } }
        var out = [Float](repeating: 0, count: z.count)
        z.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                SoftmaxCrossEntropy.softmax(logits: src.baseAddress!, probabilities: dst.baseAddress!, batch: z.count / k, classes: k)
            }
        }
        return out
    }

    /// The clip's distribution: the mean of its segments' softmax rows (sums to 1).
    /// - Parameter segmentProbabilities: `[segments, K]` row-major, segments ≥ 1.
    /// - Returns: `[K]`.
    public static func clipProbabilities(_ segmentProbabilities: [Float], classes k: Int) -> [Float] {
        let count = segmentProbabilities.count / k
        var mean = [Float](repeating: 0, count: k)
        for s in 0..<count { for j in 0..<k { mean[j] += segmentProbabilities[s * k + j] } }
        return mean.map { $0 / Float(count) }
    }

    /// One clip's scores: what every path that classifies a clip (predict, evaluate, crossval, robustness,
    /// validation) reads its prediction from.
    public struct ClipScores: Sendable, Equatable {
        /// `[segments, K]` row-major: each segment's softmax(z/T).
        public var segmentProbabilities: [Float]
        /// `[segments, K]` row-major: each segment's logits z (empty when scored from probabilities alone).
        public var segmentLogits: [Float] = []
        /// `[K]`: the mean of the segment rows (sums to 1).
        public var probabilities: [Float]
        /// `argmax(probabilities)`: the clip's class (ties: lowest index, `Ranking.swift`).
        public var predicted: Int
        /// `[segments]`: each segment's `argmax`.
        public var segmentPredicted: [Int]
        /// True when every probability is finite; damaged weights can overflow to ±inf and NaN.
        public var isFinite: Bool { segmentProbabilities.allSatisfy(\.isFinite) }
    }

    /// Scores one clip.
    /// - Parameters:
    ///   - segments: `[count, nMels, segmentFrames]`, standardised.
    ///   - count: segments, ≥ 1.
    public func scores(_ segments: [Float], count: Int, network: ConvNet) -> ClipScores {
        let k = network.configuration.classCount
        let logits = segmentLogits(segments, count: count, network: network)
        var scores = Self.scores(rows: probabilities(logits: logits, classes: k), classes: k)
        scores.segmentLogits = logits
        return scores
    }

    /// One clip's scores from its segments' softmax rows `[count, k]` (`segmentProbabilities`).
    public static func scores(rows: [Float], classes k: Int) -> ClipScores {
        let count = rows.count / k
        let mean = clipProbabilities(rows, classes: k)
        let segmentPredicted = rows.withUnsafeBufferPointer { p in (0..<count).map { argmax(p.baseAddress! + $0 * k, k) } }
        return ClipScores(segmentProbabilities: rows, probabilities: mean, predicted: argmax(mean),
                          segmentPredicted: segmentPredicted)
    }

    /// Clip-level (mean of segment softmaxes) and segment-level confusion matrices of labelled clips
    /// (rows true, columns predicted; ties go to the lower class index), and each clip's probabilities.
    /// - Parameters:
    ///   - clips: standardised, labels in `classNames` order.
    ///   - classNames: `[K]`.
    /// - Returns: also each clip's segment logits `[segments · K]` (for calibration figures without a second pass).
    public func confusionMatrices(_ clips: [ClipFeatures], network: ConvNet, classNames: [String])
        -> (clips: ConfusionMatrix, segments: ConfusionMatrix, predictions: [ClipPrediction], logits: [[Float]]) {
        var clipMatrix = ConfusionMatrix(classNames: classNames), segmentMatrix = ConfusionMatrix(classNames: classNames)
        var predictions: [ClipPrediction] = []
        var logits: [[Float]] = []
        for clip in clips {
            let s = scores(clip.segments, count: clip.segmentCount, network: network)
            logits.append(s.segmentLogits)
            for predicted in s.segmentPredicted { segmentMatrix.add(trueLabel: clip.label, predicted: predicted) }
            clipMatrix.add(trueLabel: clip.label, predicted: s.predicted)
            predictions.append(ClipPrediction(file: clip.relativePath, genre: classNames[clip.label],
                                              predicted: classNames[s.predicted], probabilities: s.probabilities))
        }
        return (clipMatrix, segmentMatrix, predictions, logits)
    }

    /// Validation figures over labelled clips.
    /// - Parameter clips: standardised, labels in the network's class order.
    /// - Returns: `loss`, the mean cross-entropy −ln p(true class) over every segment (nats; each
    ///   probability floored at 1e-30); `clipAccuracy`, the fraction of clips whose mean distribution's
    ///   argmax is the label; `segmentAccuracy`, the same per segment. Each is 0 for no clips.
    public func score(_ clips: [ClipFeatures], network: ConvNet) -> (loss: Float, clipAccuracy: Double, segmentAccuracy: Double) {
        let k = network.configuration.classCount
        var lossSum = 0.0, segments = 0, clipCorrect = 0, segmentCorrect = 0
        for clip in clips {
            let s = scores(clip.segments, count: clip.segmentCount, network: network)
            for i in 0..<clip.segmentCount {
                lossSum -= Foundation.log(max(Double(s.segmentProbabilities[i * k + clip.label]), 1e-30))
            }
            segmentCorrect += s.segmentPredicted.filter { $0 == clip.label }.count
            segments += clip.segmentCount
            if s.predicted == clip.label { clipCorrect += 1 }
        }
        return (Float(lossSum / Double(max(segments, 1))), Double(clipCorrect) / Double(max(clips.count, 1)),
                Double(segmentCorrect) / Double(max(segments, 1)))
    }
}
