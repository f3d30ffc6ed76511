import Foundation

/// Cosine annealing without restarts (Loshchilov & Hutter, 2017; PyTorch's `CosineAnnealingLR` with
/// `T_max` = the number of epochs and `eta_min` = 0): η(e) = η₀ · (1 + cos(π·e / T)) / 2 for epochs
/// e = 0, 1, …, T − 1, so training starts at η₀ and ends near 0.
public struct CosineLR: Sendable, Equatable {
    public let initial: Float
    /// T, the epochs of the whole run (≥ 1).
    public let epochs: Int

    public init(initial: Float, epochs: Int) {
        self.initial = initial
        self.epochs = max(1, epochs)
    }

    public func learningRate(epoch: Int) -> Float {
        Float(Double(initial) * (1 + cos(Double.pi * Double(epoch) / Double(epochs))) / 2)
    }
}
