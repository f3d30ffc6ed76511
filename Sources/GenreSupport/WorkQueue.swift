import Foundation

/// Items handed out one at a time to a few worker threads: the pattern of decoding many files at once.
package enum WorkQueue {
    /// `body(worker, i)` for every i in 0..<count, on at most `workers` threads, each taking the next
    /// index when it is free; `done(finished, count)` after each item, serialised.
    /// - Parameter makeWorker: per-thread state (a classifier with its workspace, say), made on that thread.
    /// - Returns: the results in index order (not completion order).
    package static func map<Worker, Result>(count: Int, workers: Int, makeWorker: (Int) -> Worker,
                                    done: ((Int, Int) -> Void)? = nil,
                                    _ body: (inout Worker, Int) -> Result) -> [Result] {
        var results = [Result?](repeating: nil, count: count)
        let lock = NSLock()
        var next = 0, finished = 0
        results.withUnsafeMutableBufferPointer { out in
            let out = out
            DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { w in
                var worker = makeWorker(w)
                while true {
                    let i: Int? = lock.withLock { if next < count { next += 1; return next - 1 }; return nil }
                    guard let i else { return }
                    out[i] = body(&worker, i)
                    lock.withLock {
                        finished += 1
                        done?(finished, count)
                    }
                }
            }
        }
        return results.map { $0! }
    }
}
