import Foundation

/// Adam (Kingma & Ba, 2015, Algorithm 1) with bias correction and ε added outside the square root, as
/// PyTorch's `torch.optim.Adam`; with `decoupledWeightDecay` it is AdamW (Loshchilov & Hutter, 2019), as
/// `torch.optim.AdamW`.
///
/// Per parameter, at step t = 1, 2, …: g ← ∇θ (+ λθ for Adam's L2 weight decay);
/// m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; m̂ = m / (1 − β₁ᵗ); v̂ = v / (1 − β₂ᵗ);
/// θ ← θ − η·m̂ / (√v̂ + ε). AdamW instead first shrinks θ ← θ(1 − ηλ) and leaves g alone.
public struct Adam: Sendable {
    /// η, the current learning rate (set it each epoch from a schedule).
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    /// λ (0: none).
    public let weightDecay: Float
    /// true: AdamW's decoupled decay; false: Adam's L2 term added to the gradient.
    public let decoupledWeightDecay: Bool
    /// First and second moment estimates of each parameter, in `ConvNet.parameters` order (empty before
    /// the first step); public so that a checkpoint can save and restore them.
    public var m: [[Float]] = [], v: [[Float]] = []
    /// Steps taken so far (the t of the bias corrections).
    public var step = 0

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// Applies one update to every parameter of `network` from its accumulated gradients.
    /// - Parameter learningRateScales: per parameter (`ConvNet.parameters` order), the factor on η, nil for a fixed
    ///   parameter, which is neither updated nor given moment estimates (its m and v stay empty);
    ///   nil: every parameter at η (`FineTuning.learningRateScales`).
    public mutating func step(_ network: inout ConvNet, learningRateScales: [Float?]? = nil) {
        if m.isEmpty {
            m = network.parameters.enumerated().map { i, p in
                [Float](repeating: 0, count: learningRateScales.map { $0[i] == nil } ?? false ? 0 : p.count)
            }
            v = m
        }
        step += 1
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay, decoupled = decoupledWeightDecay
        // Bias corrections in Double: 1 − β₂ᵗ is tiny for small t and Float powers lose digits.
        let c1 = Float(1 - pow(Double(b1), Double(step))), c2 = Float(1 - pow(Double(b2), Double(step)))
        network.updateParameters { index, p in
            var lr = learningRate
            if let learningRateScales {
                guard let scale = learningRateScales[index] else { return }
                lr *= scale
            }
            m[index].withUnsafeMutableBufferPointer { mBuf in
                v[index].withUnsafeMutableBufferPointer { vBuf in
                    p.gradient.withUnsafeBufferPointer { g in
                        p.value.withUnsafeMutableBufferPointer { theta in
                            for i in 0..<theta.count {
                                var grad = g[i]
                                if decoupled { theta[i] *= 1 - lr * wd } else { grad += wd * theta[i] }
                                mBuf[i] = b1 * mBuf[i] + (1 - b1) * grad
                                vBuf[i] = b2 * vBuf[i] + (1 - b2) * grad * grad
                                theta[i] -= lr * (mBuf[i] / c1) / ((vBuf[i] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
