import Foundation

/// How well a classifier's probabilities match how often it is right, and the one-parameter fix for it.
///
/// Temperature scaling and expected calibration error follow Guo, Pleiss, Sun and Weinberger, *On Calibration of
/// Modern Neural Networks* (ICML 2017): logits z become z/T, T > 0 fitted on validation data by minimising the
/// negative log-likelihood; ECE = Σ_b (|B_b|/n)·|accuracy(B_b) − confidence(B_b)| over equal-width bins of the top
/// probability. A clip's probability here is the mean over its segments of softmax(z/T), as genre scores clips.
public enum Calibration {
    /// The bins ECE uses by default, as Guo et al.
    public static let defaultBins = 15

    /// The bin of a top probability `p` ∈ [0, 1] among `bins` equal-width bins ((k−1)/bins, k/bins], from 0; an edge
    /// belongs to the bin below it, and p = 0 to the first.
    public static func bin(of p: Double, bins: Int) -> Int {
        min(bins - 1, max(0, Int((p * Double(bins)).rounded(.up)) - 1))
    }

    /// Expected calibration error, in [0, 1]: `confidences[i]` is clip i's top probability and `correct[i]` whether
    /// that class was the true one. 0 for no clips. Precondition: equal counts, bins ≥ 1.
    public static func expectedCalibrationError(confidences: [Double], correct: [Bool], bins: Int = defaultBins) -> Double {
        precondition(confidences.count == correct.count && bins >= 1, "one flag per confidence, at least one bin")
        guard !confidences.isEmpty else { return 0 }
        var count = [Int](repeating: 0, count: bins), right = count, confidence = [Double](repeating: 0, count: bins)
        for (p, ok) in zip(confidences, correct) {
            let b = bin(of: p, bins: bins)
            count[b] += 1
            right[b] += ok ? 1 : 0
            confidence[b] += p
        }
        let n = Double(confidences.count)
        return count.indices.reduce(0) { sum, b in
            guard count[b] > 0 else { return sum }
            let size = Double(count[b])
            return sum + size / n * abs(Double(right[b]) / size - confidence[b] / size)
        }
    }

    /// A clip's distribution over K classes: the mean over its segments of softmax(z/T) (log-sum-exp, in Double).
    /// - Parameters:
    ///   - segmentLogits: `[segments][K]` logits, at least one segment.
    ///   - temperature: T > 0; 1 gives the uncalibrated probabilities.
    public static func clipProbabilities(_ segmentLogits: [[Float]], temperature: Double) -> [Double] {
        precondition(!segmentLogits.isEmpty && temperature > 0, "a clip has segments; T > 0")
        // One scratch row for every segment: the fit calls this for every clip at hundreds of temperatures.
        var mean = [Double](repeating: 0, count: segmentLogits[0].count), exps = mean
        for z in segmentLogits {
            let top = Double(z.max() ?? 0) / temperature
            var total = 0.0
            for k in exps.indices {
                exps[k] = exp(Double(z[k]) / temperature - top)
                total += exps[k]
            }
            for k in mean.indices { mean[k] += exps[k] / total }
        }
        return mean.map { $0 / Double(segmentLogits.count) }
    }

    /// Mean negative log-likelihood (nats) of `labels` under the clips' probabilities at temperature T.
    public static func negativeLogLikelihood(segmentLogits: [[[Float]]], labels: [Int], temperature: Double) -> Double {
        precondition(segmentLogits.count == labels.count, "one label per clip")
        guard !labels.isEmpty else { return 0 }
        let total = zip(segmentLogits, labels).reduce(0.0) { sum, clip in
            sum - log(max(clipProbabilities(clip.0, temperature: temperature)[clip.1], .leastNormalMagnitude))
        }
        return total / Double(labels.count)
    }

    /// The temperature in [0.05, 20] that minimises `negativeLogLikelihood`: the best of 400 log-spaced values, then a
    /// golden-section search of log T between its neighbours to 1e-9. nil when there are no clips.
    public static func fitTemperature(segmentLogits: [[[Float]]], labels: [Int]) -> Double? {
        guard !labels.isEmpty else { return nil }
        let low = log(0.05), high = log(20.0), steps = 400
        func nll(_ logT: Double) -> Double {
            negativeLogLikelihood(segmentLogits: segmentLogits, labels: labels, temperature: exp(logT))
        }
        let grid = (0...steps).map { low + (high - low) * Double($0) / Double(steps) }
        let values = grid.map(nll)
        let best = values.indices.min { values[$0] < values[$1] }!
        var a = grid[max(0, best - 1)], b = grid[min(steps, best + 1)]
        let ratio = (sqrt(5.0) - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = nll(c), fd = nll(d)
        while b - a > 1e-9 {
            if fc <= fd {
                (b, d, fd) = (d, c, fc)
                c = b - ratio * (b - a)
                fc = nll(c)
            } else {
                (a, c, fc) = (c, d, fd)
                d = a + ratio * (b - a)
                fd = nll(d)
            }
        }
        let candidate = (a + b) / 2
        // The grid's best stands if the search ended no lower (a flat or edge minimum).
        return exp(nll(candidate) <= values[best] ? candidate : grid[best])
    }
}
