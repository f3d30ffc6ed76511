// The one rule by which genre picks a class from scores (probabilities or logits), everywhere it picks
// one: clip and segment predictions, training and validation accuracy, `predict`'s ranking and `--top`,
// the robustness figures, the HTML report's top three.
//
// Tie rule: of equal scores, the **lowest class index** wins (classes are in the model's class-name
// order, the dataset's folder names in UTF-8 byte order). It is the rule of NumPy's and PyTorch's
// `argmax`, so a prediction compares one to one with theirs. A NaN score is never preferred to the
// scores before it (no comparison with NaN is true); the predictor refuses non-finite outputs before
// ranking them.

/// The index of the largest of `scores`; on equal scores the lowest index (see `Ranking.swift`).
/// - Parameter scores: `[K]`, K ≥ 1, indexed from 0.
@inlinable
public func argmax<Scores: RandomAccessCollection>(_ scores: Scores) -> Int
    where Scores.Element: Comparable, Scores.Index == Int {
    precondition(!scores.isEmpty, "argmax of no scores")
    var best = scores.startIndex
    for j in scores.indices.dropFirst() where scores[j] > scores[best] { best = j }
    return best - scores.startIndex
}

/// `argmax` of the `k` scores at `p` (a row of a row-major `[N, K]` block), for the inner loops.
/// - Parameter k: K ≥ 1.
@inlinable @inline(__always)
public func argmax(_ p: UnsafePointer<Float>, _ k: Int) -> Int {
    argmax(UnsafeBufferPointer(start: p, count: k))
}

/// The indices of the `n` largest of `scores`, largest first, equal scores in index order: the first is
/// always `argmax(scores)` (see `Ranking.swift`).
/// - Parameters:
///   - scores: `[K]`, indexed from 0.
///   - n: how many, ≥ 0; all K when nil or larger than K.
/// - Returns: `[min(n, K)]` class indices.
public func topIndices<Scores: RandomAccessCollection>(_ scores: Scores, _ n: Int? = nil) -> [Int]
    where Scores.Element: Comparable, Scores.Index == Int {
    let first = scores.startIndex
    // A stable order by index breaks ties, so the sort's own (unstable) handling never decides.
    let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    return order.prefix(n ?? order.count).map { $0 - first }
}
