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

    /// The temperature in `range` (default [0.05, 20]) that minimises `negativeLogLikelihood`: the best of 400
    /// log-spaced values, then a golden-section search of log T between its neighbours to 1e-9. nil when there are no
    /// clips.
    public static func fitTemperature(segmentLogits: [[[Float]]], labels: [Int],
                                      range: ClosedRange<Double> = 0.05...20) -> Double? {
        guard !labels.isEmpty else { return nil }
        let low = log(range.lowerBound), high = log(range.upperBound), steps = 400
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

/// One bin of a reliability diagram: the clips whose top probability falls in (`lower`, `upper`].
public struct ReliabilityBin: Sendable, Codable, Equatable {
    /// Bin edges, in [0, 1].
    public var lower: Double, upper: Double
    /// Clips in the bin.
    public var clips: Int
    /// Their mean top probability and the fraction of them that were right, in [0, 1]; nil for an empty bin.
    public var confidence: Double?, accuracy: Double?

    /// Member-wise.
    public init(lower: Double, upper: Double, clips: Int, confidence: Double?, accuracy: Double?) {
        self.lower = lower
        self.upper = upper
        self.clips = clips
        self.confidence = confidence
        self.accuracy = accuracy
    }
}

/// How labelled clips score at one temperature: what `evaluate` and `crossval` report before and after calibration.
public struct CalibrationFigures: Sendable, Codable, Equatable {
    /// T; 1 for the uncalibrated probabilities.
    public var temperature: Double
    /// Clips scored.
    public var clips: Int
    /// Fraction of clips whose top class (at this T) is their genre, in [0, 1].
    public var accuracy: Double
    /// Mean −ln p(genre) over the clips, nats.
    public var negativeLogLikelihood: Double
    /// Expected calibration error over `bins`, in [0, 1].
    public var expectedCalibrationError: Double
    /// The reliability diagram (`Calibration.defaultBins` equal-width bins of the top probability).
    public var bins: [ReliabilityBin]

    /// Member-wise.
    public init(temperature: Double, clips: Int, accuracy: Double, negativeLogLikelihood: Double,
                expectedCalibrationError: Double, bins: [ReliabilityBin]) {
        self.temperature = temperature
        self.clips = clips
        self.accuracy = accuracy
        self.negativeLogLikelihood = negativeLogLikelihood
        self.expectedCalibrationError = expectedCalibrationError
        self.bins = bins
    }
}

/// The same clips without temperature scaling (T = 1) and with the model's T.
public struct CalibrationComparison: Sendable, Codable, Equatable {
    /// At T = 1.
    public var before: CalibrationFigures
    /// At the model's temperature (the same figures when the model records none).
    public var after: CalibrationFigures

    /// Member-wise.
    public init(before: CalibrationFigures, after: CalibrationFigures) {
        self.before = before
        self.after = after
    }
}

extension Calibration {
    /// Accuracy, NLL, ECE and reliability bins of labelled clips at temperature T.
    /// - Parameters:
    ///   - segmentLogits: `[clips][segments][K]`; labels: `[clips]`, in `0..<K`.
    public static func figures(segmentLogits: [[[Float]]], labels: [Int], temperature: Double,
                               bins: Int = defaultBins) -> CalibrationFigures {
        var probabilities: [[Double]] = []
        for clip in segmentLogits { probabilities.append(clipProbabilities(clip, temperature: temperature)) }
        return figures(probabilities: probabilities, labels: labels, temperature: temperature, bins: bins)
    }

    /// The same from each clip's distribution `[clips][K]` (made at `temperature`, which is only recorded).
    /// - Returns: zeros and empty bins for no clips.
    public static func figures(probabilities: [[Double]], labels: [Int], temperature: Double,
                               bins: Int = defaultBins) -> CalibrationFigures {
        precondition(probabilities.count == labels.count, "one label per clip")
        var confidences: [Double] = [], correct: [Bool] = [], nll = 0.0
        for (p, label) in zip(probabilities, labels) {
            let top = argmax(p)
            confidences.append(p[top])
            correct.append(top == label)
            nll -= log(max(p[label], .leastNormalMagnitude))
        }
        let n = Double(max(1, labels.count))
        let right = Double(correct.filter { $0 }.count)
        let ece = expectedCalibrationError(confidences: confidences, correct: correct, bins: bins)
        let diagram = reliability(confidences: confidences, correct: correct, bins: bins)
        return CalibrationFigures(temperature: temperature, clips: labels.count, accuracy: right / n,
                                  negativeLogLikelihood: nll / n, expectedCalibrationError: ece, bins: diagram)
    }

    /// The reliability diagram's bins, as `expectedCalibrationError` bins the clips.
    public static func reliability(confidences: [Double], correct: [Bool], bins: Int = defaultBins) -> [ReliabilityBin] {
        var count = [Int](repeating: 0, count: bins), right = count, sum = [Double](repeating: 0, count: bins)
        for (p, ok) in zip(confidences, correct) {
            let b = bin(of: p, bins: bins)
            count[b] += 1
            right[b] += ok ? 1 : 0
            sum[b] += p
        }
        return (0..<bins).map { b in
            ReliabilityBin(lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), clips: count[b],
                           confidence: count[b] > 0 ? sum[b] / Double(count[b]) : nil,
                           accuracy: count[b] > 0 ? Double(right[b]) / Double(count[b]) : nil)
        }
    }

    /// The share of right answers a `--min-confidence model` threshold keeps: 90 % of the validation clips the model got
    /// right are at or above it.
    public static let retainedRightAnswers = 0.9

    /// The top probability that keeps `retained` of the right answers: at most 1 − `retained` of the clips the model
    /// got right have a confidence below it. This is the operating point out-of-distribution detection quotes (a true
    /// positive rate on in-distribution data; Hendrycks & Gimpel, *A Baseline for Detecting Misclassified and
    /// Out-of-Distribution Examples in Neural Networks*, 2017): clips below it, of a genre the model does not know or
    /// one it confuses, are answered "uncertain" while nine in ten of its right answers stand. (A precision target, "90 %
    /// of the clips above it are right", says nothing once the model is right on 90 % of all clips: it then flags
    /// almost none.)
    /// - Returns: nil when no clip is right.
    public static func confidenceThreshold(confidences: [Double], correct: [Bool],
                                           retained: Double = retainedRightAnswers) -> Double? {
        precondition(confidences.count == correct.count, "one flag per confidence")
        let right = zip(confidences, correct).filter(\.1).map(\.0).sorted()
        guard !right.isEmpty else { return nil }
        // The m lowest may fall below it, m = ⌊(1 − retained)·n⌋ (the epsilon keeps 0.1·30 from rounding down to 2).
        let m = Int(((1 - retained) * Double(right.count) + 1e-9).rounded(.down))
        return right[min(m, right.count - 1)]
    }
}

/// Answering only above a confidence threshold (`--min-confidence`): how many clips are flagged "uncertain" and how
/// often the rest are right.
public struct SelectiveFigures: Sendable, Codable, Equatable {
    /// The top probability below which a clip is flagged, in [0, 1].
    public var threshold: Double
    /// Clips scored, and of them flagged (top probability below `threshold`).
    public var clips: Int, flagged: Int
    /// `flagged / clips`, in [0, 1] (0 for no clips).
    public var flaggedShare: Double
    /// Accuracy on the clips not flagged, in [0, 1]; nil when every clip was flagged.
    public var answeredAccuracy: Double?

    /// Counts `confidences` (each clip's top probability) below `threshold`, and how many of the others are `correct`.
    public init(threshold: Double, confidences: [Double], correct: [Bool]) {
        precondition(confidences.count == correct.count, "one flag per confidence")
        self.threshold = threshold
        clips = confidences.count
        let answered = zip(confidences, correct).filter { $0.0 >= threshold }
        flagged = clips - answered.count
        flaggedShare = clips == 0 ? 0 : Double(flagged) / Double(clips)
        answeredAccuracy = answered.isEmpty ? nil : Double(answered.filter(\.1).count) / Double(answered.count)
    }
}

extension CalibrationFigures {
    /// The figures of several disjoint sets of clips taken together (cross-validation's folds), exactly as if computed
    /// over all their clips: accuracy and NLL weighted by clips, bins merged (their clips added, accuracy and
    /// confidence weighted), ECE recomputed from the merged bins. `temperature` is the folds' mean T (each fold's clips
    /// were scored at its own). Precondition: at least one set, all with the same bins.
    public static func pooled(_ parts: [CalibrationFigures]) -> CalibrationFigures {
        precondition(!parts.isEmpty && Set(parts.map(\.bins.count)).count == 1, "figures over the same bins")
        let clips = parts.reduce(0) { $0 + $1.clips }, n = Double(max(1, clips))
        func weighted(_ value: (CalibrationFigures) -> Double) -> Double {
            parts.reduce(0) { $0 + value($1) * Double($1.clips) } / n
        }
        let bins = parts[0].bins.indices.map { b -> ReliabilityBin in
            let members = parts.map { $0.bins[b] }
            let count = members.reduce(0) { $0 + $1.clips }
            func mean(_ value: (ReliabilityBin) -> Double?) -> Double? {
                count == 0 ? nil : members.reduce(0) { $0 + (value($1) ?? 0) * Double($1.clips) } / Double(count)
            }
            return ReliabilityBin(lower: members[0].lower, upper: members[0].upper, clips: count,
                                  confidence: mean(\.confidence), accuracy: mean(\.accuracy))
        }
        let ece = bins.reduce(0.0) { sum, b in
            guard let a = b.accuracy, let c = b.confidence else { return sum }
            return sum + Double(b.clips) / n * abs(a - c)
        }
        return CalibrationFigures(temperature: parts.reduce(0) { $0 + $1.temperature } / Double(parts.count), clips: clips,
                                  accuracy: weighted(\.accuracy), negativeLogLikelihood: weighted(\.negativeLogLikelihood),
                                  expectedCalibrationError: ece, bins: bins)
    }
}
