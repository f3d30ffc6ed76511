import Foundation

/// Softmax cross-entropy averaged over the batch, for integer class labels.
///
/// L = (1/N) Σ_n [log Σ_k exp(f_nk) − f_n,y_n], with each row's log-sum-exp taken around the row maximum
/// so that logits like 1000 or −1000 neither overflow nor underflow. Gradient of the batch mean:
/// dL/df = (softmax(f) − onehot(y)) / N (Prince, *Understanding Deep Learning*, eq. 5.10 and §7.3).
public enum SoftmaxCrossEntropy {
    /// - Parameters:
    ///   - logits: f `[N, K]`.
    ///   - labels: `[N]`, each in `0..<K`.
    ///   - probabilities: softmax(f) `[N, K]`, overwritten; `nil` skips it.
    ///   - logitsGradient: dL/df `[N, K]`, overwritten; `nil` skips it.
    /// - Returns: the mean cross-entropy, in nats.
    @discardableResult
    public static func loss(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch n: Int,
                            classes k: Int, probabilities: UnsafeMutablePointer<Float>? = nil,
                            logitsGradient: UnsafeMutablePointer<Float>? = nil) -> Float {
        var total: Double = 0
        for s in 0..<n {
            let f = logits + s * k
            let y = Int(labels[s])
            precondition(y >= 0 && y < k, "label \(y) outside 0..<\(k)")
            var m = f[0]
            for j in 1..<k { m = max(m, f[j]) }
            var sum: Float = 0
            for j in 0..<k { sum += exp(f[j] - m) }
            // Work relative to the row maximum throughout: adding m back (|m| ~ 1000) would cost
            // Float precision (ulp(1000) ≈ 6e-5) in both the loss and the probabilities.
            total += Double(log(sum) - (f[y] - m))
            if probabilities != nil || logitsGradient != nil {
                let inverse = 1 / sum
                for j in 0..<k {
                    let p = exp(f[j] - m) * inverse
                    probabilities?[s * k + j] = p
                    logitsGradient?[s * k + j] = (p - (j == y ? 1 : 0)) / Float(n)
                }
            }
        }
        return Float(total / Double(n))
    }

    /// Cross-entropy against soft targets (mixup, label smoothing), averaged over the batch.
    ///
    /// L = (1/N) Σ_n Σ_k t_nk [log Σ_j exp(f_nj) − f_nk]; with each row of t summing to 1 the gradient is
    /// dL/df = (softmax(f) − t) / N, the one-hot formula above with t in place of onehot(y)
    /// (PyTorch's `CrossEntropyLoss` with probability targets).
    /// - Parameters:
    ///   - logits: f `[N, K]`.
    ///   - targets: t `[N, K]`, each row non-negative and summing to 1.
    ///   - probabilities: softmax(f) `[N, K]`, overwritten; `nil` skips it.
    ///   - logitsGradient: dL/df `[N, K]`, overwritten; `nil` skips it.
    /// - Returns: the mean cross-entropy, in nats.
    @discardableResult
    public static func loss(logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch n: Int,
                            classes k: Int, probabilities: UnsafeMutablePointer<Float>? = nil,
                            logitsGradient: UnsafeMutablePointer<Float>? = nil) -> Float {
        var total: Double = 0
        for s in 0..<n {
            let f = logits + s * k, t = targets + s * k
            var m = f[0]
            for j in 1..<k { m = max(m, f[j]) }
            var sum: Float = 0
            for j in 0..<k { sum += exp(f[j] - m) }
            let logSum = log(sum)
            for j in 0..<k where t[j] != 0 { total += Double(t[j] * (logSum - (f[j] - m))) }
            if probabilities != nil || logitsGradient != nil {
                let inverse = 1 / sum
                for j in 0..<k {
                    let p = exp(f[j] - m) * inverse
                    probabilities?[s * k + j] = p
                    logitsGradient?[s * k + j] = (p - t[j]) / Float(n)
                }
            }
        }
        return Float(total / Double(n))
    }

    /// Row-wise softmax, stable for any finite logits.
    /// - Parameters: logits `[N, K]`; probabilities `[N, K]`, overwritten (each row sums to 1).
    public static func softmax(logits: UnsafePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
                               batch n: Int, classes k: Int) {
        for s in 0..<n {
            let f = logits + s * k, p = probabilities + s * k
            var m = f[0]
            for j in 1..<k { m = max(m, f[j]) }
            var sum: Float = 0
            for j in 0..<k { p[j] = exp(f[j] - m); sum += p[j] }
            for j in 0..<k { p[j] /= sum }
        }
    }
}
