import Foundation

/// Counts of (true class, predicted class) pairs over K classes, and the scores derived from them.
///
/// Definitions follow scikit-learn (`precision_recall_fscore_support`, `f1_score(average="macro")`,
/// `balanced_accuracy_score`), with undefined values reported as nil rather than NaN.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// K class names; index k is label k.
    public let classNames: [String]
    /// [K][K] counts: row = true class, column = predicted class.
    public private(set) var counts: [[Int]]

    /// An empty K×K matrix, K = classNames.count.
    public init(classNames: [String]) {
        self.classNames = classNames
        self.counts = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
    }

    /// Counts one prediction. Precondition: both labels in 0..<K.
    public mutating func add(trueLabel: Int, predicted: Int) {
        precondition(counts.indices.contains(trueLabel) && counts.indices.contains(predicted), "label outside 0..<\(counts.count)")
        counts[trueLabel][predicted] += 1
    }

    /// Adds another matrix over the same classes (e.g. summing test folds).
    public mutating func add(_ other: ConfusionMatrix) {
        precondition(other.classNames == classNames, "different classes")
        for t in counts.indices { for p in counts.indices { counts[t][p] += other.counts[t][p] } }
    }

    /// Number of predictions counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Correct / total, in [0, 1]; 0 for an empty matrix (chosen so that reports never show NaN).
    public var accuracy: Double {
        let n = total
        guard n > 0 else { return 0 }
        return Double(counts.indices.reduce(0) { $0 + counts[$1][$1] }) / Double(n)
    }

    /// Number of true samples of class k (row sum).
    public func support(_ k: Int) -> Int { counts[k].reduce(0, +) }

    /// Number of predictions of class k (column sum).
    public func predictedCount(_ k: Int) -> Int { counts.reduce(0) { $0 + $1[k] } }

    /// TP / (TP + FP) for class k; nil when class k was never predicted.
    public func precision(_ k: Int) -> Double? {
        let predicted = predictedCount(k)
        return predicted == 0 ? nil : Double(counts[k][k]) / Double(predicted)
    }

    /// TP / (TP + FN) for class k; nil when class k has no true samples.
    public func recall(_ k: Int) -> Double? {
        let n = support(k)
        return n == 0 ? nil : Double(counts[k][k]) / Double(n)
    }

    /// F1 = 2·TP / (2·TP + FP + FN) for class k (the harmonic mean of precision and recall where both
    /// exist); defined — possibly 0 — whenever class k is either true or predicted at least once, so a
    /// class that is never predicted scores 0, not "undefined". nil only when k appears nowhere.
    /// Source: scikit-learn's `f1_score`, which computes it the same way.
    public func f1(_ k: Int) -> Double? {
        let tp = counts[k][k], fp = predictedCount(k) - tp, fn = support(k) - tp
        let denominator = 2 * tp + fp + fn
        return denominator == 0 ? nil : Double(2 * tp) / Double(denominator)
    }

    /// Classes with at least one true sample.
    private var presentClasses: [Int] { counts.indices.filter { support($0) > 0 } }

    /// Unweighted mean of F1 over classes with support > 0 (F1 is always defined for them) —
    /// scikit-learn's `f1_score(average="macro")` restricted to labels present in the true classes.
    /// 0 for an empty matrix.
    public var macroF1: Double {
        let classes = presentClasses
        guard !classes.isEmpty else { return 0 }
        return classes.reduce(0) { $0 + (f1($1) ?? 0) } / Double(classes.count)
    }

    /// Mean recall over classes with support > 0 — scikit-learn's `balanced_accuracy_score`
    /// (Brodersen et al., "The balanced accuracy and its posterior distribution", ICPR 2010).
    /// 0 for an empty matrix.
    public var balancedAccuracy: Double {
        let classes = presentClasses
        guard !classes.isEmpty else { return 0 }
        return classes.reduce(0) { $0 + (recall($1) ?? 0) } / Double(classes.count)
    }

    // Codable by hand so that a decoded matrix is always square, K×K and non-negative.
    private enum CodingKeys: String, CodingKey { case classNames, counts }

    /// - Throws: `DecodingError.dataCorrupted` unless counts is K×K of non-negative integers.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let names = try container.decode([String].self, forKey: .classNames)
        let counts = try container.decode([[Int]].self, forKey: .counts)
        guard counts.count == names.count, counts.allSatisfy({ $0.count == names.count && $0.allSatisfy { $0 >= 0 } }) else {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: container,
                                                   debugDescription: "counts must be \(names.count)×\(names.count) non-negative integers")
        }
        self.classNames = names
        self.counts = counts
    }

    /// Encodes `classNames` and `counts`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classNames, forKey: .classNames)
        try container.encode(counts, forKey: .counts)
    }
}

extension ConfusionMatrix {
    /// A matrix with the given counts (rows true class, columns predicted; K×K, non-negative).
    public init(classNames: [String], counts: [[Int]]) {
        self.init(classNames: classNames)
        for (t, row) in counts.enumerated() {
            for (p, c) in row.enumerated() { for _ in 0..<c { add(trueLabel: t, predicted: p) } }
        }
    }
}
