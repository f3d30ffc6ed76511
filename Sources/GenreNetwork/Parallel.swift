import Dispatch

/// Splits `0..<count` into `threads` contiguous chunks and runs `body(range, threadIndex)` on each,
/// concurrently when `threads > 1`. Chunks are fixed by (count, threads), so results that are reduced
/// per thread in index order are deterministic for a given thread count.
@inline(__always)
func parallelChunks(_ count: Int, threads: Int, _ body: (Range<Int>, Int) -> Void) {
    let t = max(1, min(threads, count))
    if t == 1 { body(0..<count, 0); return }
    DispatchQueue.concurrentPerform(iterations: t) { i in
        let lo = count * i / t, hi = count * (i + 1) / t
        body(lo..<hi, i)
    }
}
