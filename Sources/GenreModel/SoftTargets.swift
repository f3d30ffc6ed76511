import Foundation
import GenreNetwork
import GenreSupport

/// Soft training targets: mixup (Zhang et al., 2018, "mixup: Beyond Empirical Risk Minimization", eq. 1)
/// and label smoothing (Szegedy et al., 2016, §7; PyTorch's `CrossEntropyLoss(label_smoothing:)`).
///
/// Mixup draws one λ ~ Beta(α, α) per batch and pairs each example with another of the same batch (a
/// random permutation): x̃ = λ·x_i + (1 − λ)·x_j, t̃ = λ·t_i + (1 − λ)·t_j. Label smoothing makes each
/// t = (1 − ε)·onehot(y) + ε/K.
public struct SoftTargets: Sendable, Equatable, Codable {
    /// α of the Beta(α, α) mixing weight, in (0, 1]; 0: no mixup.
    public var mixup: Float
    /// ε, in [0, 1); 0: one-hot targets.
    public var labelSmoothing: Float

    /// Member-wise; see the properties. The defaults give one-hot targets without mixup.
    public init(mixup: Float = 0, labelSmoothing: Float = 0) {
        self.mixup = mixup
        self.labelSmoothing = labelSmoothing
    }

    /// True when mixup or label smoothing is on (else training uses the hard labels).
    public var isEnabled: Bool { mixup > 0 || labelSmoothing > 0 }

    /// Mixes a batch in place and writes its targets.
    /// - Parameters:
    ///   - input: `[N, cells]` examples, overwritten by their mixes; `scratch` holds a copy, `[N, cells]`.
    ///   - labels: `[N]` class indices.
    ///   - targets: `[N, K]`, overwritten.
    ///   - generator: draws λ and the pairing.
    package func apply(input: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, cells: Int,
               labels: UnsafePointer<Int32>, targets: UnsafeMutablePointer<Float>, batch n: Int, classes k: Int,
               generator: inout SeededGenerator) {
        let off = labelSmoothing / Float(k), on = 1 - labelSmoothing + off
        targets.update(repeating: 0, count: n * k)
        guard mixup > 0, n > 1 else {
            for j in 0..<n {
                for c in 0..<k { targets[j * k + c] = off }
                targets[j * k + Int(labels[j])] = on
            }
            return
        }
        let lambda = Float(SoftTargets.beta(Double(mixup), using: &generator))
        var partner = Array(0..<n)
        RandomDraw.shuffle(&partner, using: &generator)
        scratch.update(from: input, count: n * cells)
        for j in 0..<n {
            let a = scratch + j * cells, b = scratch + partner[j] * cells, x = input + j * cells
            for i in 0..<cells { x[i] = lambda * a[i] + (1 - lambda) * b[i] }
            for c in 0..<k { targets[j * k + c] = off }
            targets[j * k + Int(labels[j])] += lambda * (on - off)
            targets[j * k + Int(labels[partner[j]])] += (1 - lambda) * (on - off)
        }
    }

    /// A draw from Beta(a, a) for 0 < a ≤ 1 by Jöhnk's rejection method (Devroye, *Non-Uniform Random
    /// Variate Generation*, 1986, §IX.3.5), in logarithms so that small a does not underflow.
    static func beta(_ a: Double, using generator: inout SeededGenerator) -> Double {
        precondition(a > 0 && a <= 1)
        while true {
            // Uniforms in (0, 1): 53 random bits, shifted off 0.
            let u = (Double(generator.next() >> 11) + 0.5) / 9_007_199_254_740_992.0
            let v = (Double(generator.next() >> 11) + 0.5) / 9_007_199_254_740_992.0
            let x = log(u) / a, y = log(v) / a
            let m = max(x, y)
            let logSum = m + log(exp(x - m) + exp(y - m))
            if logSum <= 0 { return exp(x - logSum) }
        }
    }
}
