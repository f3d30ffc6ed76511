

/// Unbiased draws from a seeded generator, the same on every platform and Swift version (no stdlib
/// shuffling or random ranges, whose algorithms may change).
public enum RandomDraw {
    /// Fisher–Yates (Knuth, TAOCP vol. 2, Algorithm P), from the last element down.
    @inlinable
    public static func shuffle<T, G: RandomNumberGenerator>(_ items: inout [T], using generator: inout G) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(uniform(below: UInt64(i + 1), using: &generator))
            items.swapAt(i, j)
        }
    }

    /// Uniform integer in 0..<bound without modulo bias: draws below 2⁶⁴ mod bound are rejected,
    /// so the accepted range is a whole multiple of bound (the arc4random_uniform method).
    @inlinable
    public static func uniform<G: RandomNumberGenerator>(below bound: UInt64, using generator: inout G) -> UInt64 {
        precondition(bound > 0)
        let threshold = (0 &- bound) % bound
        while true {
            let r = generator.next()
            if r >= threshold { return r % bound }
        }
    }
}
