import COpenBLAS

/// Fully connected layer: y = x Wᵀ + b (PyTorch's `nn.Linear` convention, W is `[K, D]`).
///
/// Backward (Prince, *Understanding Deep Learning*, eq. 7.22–7.23): dW += dYᵀ X, db += Σ_n dY, dX = dY W.
public struct Linear: Sendable, Equatable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// `[K, D]`.
    public var weight: Parameter
    /// `[K]`.
    public var bias: Parameter

    /// He-uniform weights (fanIn = D), zero biases. `name` is the tensor prefix, e.g. `fc`.
    public init(name: String, inFeatures: Int, outFeatures: Int, generator: inout SeededGenerator) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: "\(name).weight", shape: [outFeatures, inFeatures],
                           value: heUniform(count: outFeatures * inFeatures, fanIn: inFeatures, using: &generator))
        bias = Parameter(name: "\(name).bias", shape: [outFeatures],
                         value: [Float](repeating: 0, count: outFeatures))
    }

    /// - Parameters:
    ///   - input: x `[N, D]`.
    ///   - output: y `[N, K]`, overwritten.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch n: Int) {
        BLAS.singleThreaded
        let d = inFeatures, k = outFeatures
        bias.value.withUnsafeBufferPointer { b in
            for s in 0..<n { (output + s * k).update(from: b.baseAddress!, count: k) }
        }
        weight.value.withUnsafeBufferPointer { wp in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(k), Int32(d),
                        1, input, Int32(d), wp.baseAddress!, Int32(d), 1, output, Int32(k))
        }
    }

    /// Accumulates dL/dW and dL/db; writes dL/dx when `inputGradient` is given.
    /// - Parameters:
    ///   - outputGradient: dL/dy `[N, K]`.
    ///   - input: the x given to `forward`, `[N, D]`.
    ///   - inputGradient: dL/dx `[N, D]`, overwritten.
    public mutating func backward(outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                  inputGradient: UnsafeMutablePointer<Float>?, batch n: Int) {
        BLAS.singleThreaded
        let d = inFeatures, k = outFeatures
        weight.gradient.withUnsafeMutableBufferPointer { g in
            // dW [K, D] += dYᵀ [K, N] · X [N, D]
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(d), Int32(n),
                        1, outputGradient, Int32(k), input, Int32(d), 1, g.baseAddress!, Int32(d))
        }
        bias.gradient.withUnsafeMutableBufferPointer { g in
            for s in 0..<n { for o in 0..<k { g[o] += outputGradient[s * k + o] } }
        }
        if let dx = inputGradient {
            weight.value.withUnsafeBufferPointer { wp in
                // dX [N, D] = dY [N, K] · W [K, D]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(d), Int32(k),
                            1, outputGradient, Int32(k), wp.baseAddress!, Int32(d), 0, dx, Int32(d))
            }
        }
    }
}
