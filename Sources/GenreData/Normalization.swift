

/// Global feature standardisation: x̂ = (x − mean) / std with one scalar mean and std over every cell
/// (mel band × frame) of every training segment, stored in the model.
public struct Normalization: Sendable, Equatable {
    /// dB.
    public var mean: Float
    /// dB; never below `minimumStd`, so all-silent training data (every cell −100 dB) cannot divide by 0.
    public var std: Float

    /// Floor of `std`, dB; a model file with a smaller std is refused.
    public static let minimumStd: Float = 1e-3

    /// `mean` and `std` in dB; `std` is raised to `minimumStd` if below it.
    public init(mean: Float, std: Float) {
        self.mean = mean
        self.std = max(std, Self.minimumStd)
    }

    /// Mean and (population) standard deviation over all given cells, accumulated in Double.
    /// - Parameter segments: each `[count, nMels, segmentFrames]`, dB.
    public init(fitting segments: [[Float]]) {
        var sum = 0.0, sumSquares = 0.0, count = 0
        for values in segments {
            for v in values { let d = Double(v); sum += d; sumSquares += d * d }
            count += values.count
        }
        let mean = count > 0 ? sum / Double(count) : 0
        let variance = count > 0 ? max(0, sumSquares / Double(count) - mean * mean) : 0
        self.init(mean: Float(mean), std: Float(variance.squareRoot()))
    }

    /// Standardises `values` in place.
    public func apply(_ values: inout [Float]) {
        let m = mean, inv = 1 / std
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = (v[i] - m) * inv }
        }
    }
}
