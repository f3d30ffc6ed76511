import Foundation
import GenreData
import GenreMetrics
import GenreNetwork

/// Per-clip probabilities from a network: each segment's softmax, averaged over the clip's segments.
public final class Classifier {
    public let threads: Int
    private var workspace: ConvNetWorkspace
    /// Segments per forward pass. Each sample is its own GEMM, so a small batch costs no speed, and its
    /// inference-only workspace (~20 MB for the default network) keeps a fresh `predict` process quick:
    /// at 32 the page faults of first touching ~120 MB took longer than the whole prediction.
    public static let batchSize = 8

    public init(network: ConvNet, threads: Int) {
        self.threads = max(1, threads)
        workspace = ConvNetWorkspace(network: network, batchCapacity: Self.batchSize, threads: self.threads,
                                     training: false)
    }

    /// Softmax probabilities of every segment of a clip.
    /// - Parameter segments: `[count, nMels, segmentFrames]`, standardised.
    /// - Returns: `[count, K]` row-major.
    public func segmentProbabilities(_ segments: [Float], count: Int, network: ConvNet) -> [Float] {
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
                    SoftmaxCrossEntropy.softmax(logits: workspace.logitsPointer,
                                                probabilities: dst.baseAddress! + lo * k, batch: n, classes: k)
                    lo += n
                }
            }
        }
        return out
    }

    /// The clip's distribution: the mean of its segments' softmax rows (sums to 1).
    public static func clipProbabilities(_ segmentProbabilities: [Float], classes k: Int) -> [Float] {
        let count = segmentProbabilities.count / k
        var mean = [Float](repeating: 0, count: k)
        for s in 0..<count { for j in 0..<k { mean[j] += segmentProbabilities[s * k + j] } }
        return mean.map { $0 / Float(count) }
    }

    /// Clip-level (mean of segment softmaxes) and segment-level confusion matrices of labelled clips
    /// (rows true, columns predicted; ties go to the lower class index), and each clip's probabilities.
    public func confusionMatrices(_ clips: [ClipFeatures], network: ConvNet, classNames: [String])
        -> (clips: ConfusionMatrix, segments: ConfusionMatrix, predictions: [ClipPrediction]) {
        let k = network.configuration.classCount
        var clipMatrix = ConfusionMatrix(classNames: classNames), segmentMatrix = ConfusionMatrix(classNames: classNames)
        var predictions: [ClipPrediction] = []
        for clip in clips {
            let probs = segmentProbabilities(clip.segments, count: clip.segmentCount, network: network)
            for s in 0..<clip.segmentCount {
                segmentMatrix.add(trueLabel: clip.label, predicted: probs.withUnsafeBufferPointer { argmax($0.baseAddress! + s * k, k) })
            }
            let mean = Self.clipProbabilities(probs, classes: k)
            let predicted = mean.withUnsafeBufferPointer { argmax($0.baseAddress!, k) }
            clipMatrix.add(trueLabel: clip.label, predicted: predicted)
            predictions.append(ClipPrediction(file: clip.relativePath, genre: classNames[clip.label],
                                              predicted: classNames[predicted], probabilities: mean))
        }
        return (clipMatrix, segmentMatrix, predictions)
    }

    /// Mean segment cross-entropy and clip accuracy over labelled clips (used for validation).
    public func score(_ clips: [ClipFeatures], network: ConvNet) -> (loss: Float, clipAccuracy: Double, segmentAccuracy: Double) {
        let k = network.configuration.classCount
        var lossSum = 0.0, segments = 0, clipCorrect = 0, segmentCorrect = 0
        for clip in clips {
            let probs = segmentProbabilities(clip.segments, count: clip.segmentCount, network: network)
            for s in 0..<clip.segmentCount {
                lossSum -= Foundation.log(max(Double(probs[s * k + clip.label]), 1e-30))
                if probs.withUnsafeBufferPointer({ argmax($0.baseAddress! + s * k, k) }) == clip.label { segmentCorrect += 1 }
            }
            segments += clip.segmentCount
            let mean = Self.clipProbabilities(probs, classes: k)
            if mean.withUnsafeBufferPointer({ argmax($0.baseAddress!, k) }) == clip.label { clipCorrect += 1 }
        }
        return (Float(lossSum / Double(max(segments, 1))), Double(clipCorrect) / Double(max(clips.count, 1)),
                Double(segmentCorrect) / Double(max(segments, 1)))
    }
}
