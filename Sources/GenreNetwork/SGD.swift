/// Mini-batch stochastic gradient descent with (heavy-ball) momentum.
///
/// g ← ∇θ + λθ; v ← μ·v + g; θ ← θ − η·v, with v starting at 0 (so the first step is θ − η·g): PyTorch's
/// `SGD(momentum=μ, dampening=0, nesterov=False, weight_decay=λ)`; Prince, *Understanding Deep Learning*,
/// eq. 6.11.
public struct SGD: Sendable {
    /// η, the current learning rate (set it each epoch from a schedule).
    public var learningRate: Float
    /// μ, e.g. 0.9.
    public let momentum: Float
    /// λ, L2 weight decay added to the gradient (0: none).
    public let weightDecay: Float
    /// The momentum buffer of each parameter, in `ConvNet.parameters` order (empty before the first
    /// step); public so that a checkpoint can save and restore it.
    public var velocity: [[Float]] = []

    public init(learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// Applies one update to every parameter of `network` from its accumulated gradients.
    /// - Parameter learningRateScales: per parameter (`ConvNet.parameters` order), the factor on η, nil for a fixed
    ///   parameter, which is neither updated nor given a momentum buffer (its buffer stays empty); nil: every
    ///   parameter at η (`FineTuning.learningRateScales`).
    public mutating func step(_ network: inout ConvNet, learningRateScales: [Float?]? = nil) {
        if velocity.isEmpty {
            velocity = network.parameters.enumerated().map { i, p in
                [Float](repeating: 0, count: learningRateScales.map { $0[i] == nil } ?? false ? 0 : p.count)
            }
        }
        let mu = momentum, wd = weightDecay
        network.updateParameters { index, p in
            var lr = learningRate
            if let learningRateScales {
                guard let scale = learningRateScales[index] else { return }
                lr *= scale
            }
            velocity[index].withUnsafeMutableBufferPointer { v in
                p.gradient.withUnsafeBufferPointer { g in
                    p.value.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<theta.count {
                            v[i] = mu * v[i] + (g[i] + wd * theta[i])
                            theta[i] -= lr * v[i]
                        }
                    }
                }
            }
        }
    }
}

/// Step learning-rate schedule: η(epoch) = η₀ · γ^⌊epoch / stepSize⌋ (PyTorch's `StepLR`), epochs from 0.
public struct StepLR: Sendable, Equatable {
    public let initial: Float
    public let stepSize: Int
    public let gamma: Float

    public init(initial: Float, stepSize: Int = 10, gamma: Float = 0.5) {
        self.initial = initial
        self.stepSize = max(1, stepSize)
        self.gamma = gamma
    }

    public func learningRate(epoch: Int) -> Float {
        var rate = initial
        for _ in 0..<(epoch / stepSize) { rate *= gamma }
        return rate
    }
}
