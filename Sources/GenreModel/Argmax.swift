

/// The index of the largest of `k` scores (the first one on ties).
@inlinable @inline(__always)
package func argmax(_ p: UnsafePointer<Float>, _ k: Int) -> Int {
    var best = 0
    for j in 1..<k where p[j] > p[best] { best = j }
    return best
}
