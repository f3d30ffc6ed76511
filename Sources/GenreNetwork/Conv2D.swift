import COpenBLAS

/// 2-D convolution, 3×3 kernel, stride 1, zero padding 1 (output keeps the input's H and W).
///
/// y[n, o, i, j] = b[o] + Σ_{c,ky,kx} w[o, c, ky, kx] · x[n, c, i + ky − 1, j + kx − 1]
/// (cross-correlation, as PyTorch's `Conv2d`). Computed per sample as im2col + one GEMM:
/// `y_n [Cout, H·W] = W [Cout, Cin·9] · columns [Cin·9, H·W]`; backward is
/// `dW += dY_n · columnsᵀ`, `db += Σ dY_n`, `dX_n = col2im(Wᵀ · dY_n)` (darknet's convolutional layer;
/// Prince, *Understanding Deep Learning*, §10.2 and §7.4). GEMMs are BLAS `cblas_sgemm` (OpenBLAS).
public struct Conv2D: Sendable, Equatable {
    public let inChannels: Int
    public let outChannels: Int
    /// `[Cout, Cin, 3, 3]`.
    public var weight: Parameter
    /// `[Cout]`.
    public var bias: Parameter

    /// He-uniform weights (fanIn = Cin·9), zero biases. `name` is the tensor prefix, e.g. `conv1`.
    public init(name: String, inChannels: Int, outChannels: Int, generator: inout SeededGenerator) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        let k = inChannels * 9
        weight = Parameter(name: "\(name).weight", shape: [outChannels, inChannels, 3, 3],
                           value: heUniform(count: outChannels * k, fanIn: k, using: &generator))
        bias = Parameter(name: "\(name).bias", shape: [outChannels],
                         value: [Float](repeating: 0, count: outChannels))
    }

    /// Scratch Floats one worker thread needs for an `height × width` input: forward, the weights with
    /// the bias as an extra column and the columns with a row of ones; backward, the columns and their
    /// gradient.
    public func scratchCount(height: Int, width: Int) -> Int {
        let k = inChannels * 9, hw = height * width
        return max(outChannels * (k + 1) + (k + 1) * hw, 2 * k * hw)
    }

    /// Forward pass.
    /// - Parameters:
    ///   - input: x `[N, Cin, H, W]`.
    ///   - output: y `[N, Cout, H, W]`, overwritten.
    ///   - scratch: `threads` blocks of `scratchCount(height:width:)` Floats.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                        batch n: Int, height h: Int, width w: Int,
                        scratch: UnsafeMutablePointer<Float>, threads: Int) {
        BLAS.singleThreaded
        let hw = h * w, k = inChannels * 9, cin = inChannels, cout = outChannels
        let perThread = scratchCount(height: h, width: w)
        weight.value.withUnsafeBufferPointer { wp in
            bias.value.withUnsafeBufferPointer { bp in
                let wPtr = wp.baseAddress!, bPtr = bp.baseAddress!
                parallelChunks(n, threads: threads) { samples, t in
                    // The bias rides in the GEMM as an extra column of W against a row of ones, so y is
                    // written once (beta = 0) instead of being filled with the bias and read back.
                    let weights = scratch + t * perThread, columns = weights + cout * (k + 1)
                    for o in 0..<cout {
                        (weights + o * (k + 1)).update(from: wPtr + o * k, count: k)
                        weights[o * (k + 1) + k] = bPtr[o]
                    }
                    (columns + k * hw).update(repeating: 1, count: hw)
                    for s in samples {
                        let x = input + s * cin * hw, y = output + s * cout * hw
                        im2col3x3(x, channels: cin, height: h, width: w, columns)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                    Int32(cout), Int32(hw), Int32(k + 1),
                                    1, weights, Int32(k + 1), columns, Int32(hw), 0, y, Int32(hw))
                    }
                }
            }
        }
    }

    /// Backward pass: accumulates dL/dW and dL/db, and writes dL/dx when `inputGradient` is given.
    /// - Parameters:
    ///   - outputGradient: dL/dy `[N, Cout, H, W]`.
    ///   - input: the x given to `forward`, `[N, Cin, H, W]`.
    ///   - inputGradient: dL/dx `[N, Cin, H, W]`, overwritten; `nil` skips it (the first layer in training).
    ///   - weightGradients: false leaves dW and db alone (a frozen layer that gradients only pass through).
    ///   - scratch: as for `forward`.
    ///   - gradientScratch: `n` blocks of `weight.count + bias.count` Floats: each sample's own dWᵀ and
    ///     db, summed in sample order afterwards, so that the gradient is bit-identical whatever the
    ///     thread count (and training with 1 or 2 threads follows the same path).
    public mutating func backward(outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                  inputGradient: UnsafeMutablePointer<Float>?,
                                  batch n: Int, height h: Int, width w: Int,
                                  scratch: UnsafeMutablePointer<Float>,
                                  gradientScratch: UnsafeMutablePointer<Float>, threads: Int,
                                  weightGradients: Bool = true) {
        BLAS.singleThreaded
        let hw = h * w, k = inChannels * 9, cin = inChannels, cout = outChannels
        let perThread = scratchCount(height: h, width: w)
        let wCount = weight.count, gCount = wCount + cout
        weight.value.withUnsafeBufferPointer { wp in
            let wPtr = wp.baseAddress!
            parallelChunks(n, threads: threads) { samples, ti in
                let columns = scratch + ti * perThread, dColumns = columns + k * hw
                for s in samples {
                    let dWT = gradientScratch + s * gCount, db = dWT + wCount
                    let x = input + s * cin * hw, dy = outputGradient + s * cout * hw
                    if weightGradients {
                        im2col3x3(x, channels: cin, height: h, width: w, columns)
                        // dW_nᵀ [K, Cout] = columns [K, HW] · dY_nᵀ [HW, Cout]: the transposed product runs
                        // ~15 % faster than dY_n · columnsᵀ for these shapes (small Cout, long HW), measured with BLIS.
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                    Int32(k), Int32(cout), Int32(hw),
                                    1, columns, Int32(hw), dy, Int32(hw), 0, dWT, Int32(cout))
                        for o in 0..<cout { db[o] = sum(dy + o * hw, count: hw) }
                    }
                    if let dx = inputGradient {
                        // dColumns [K, HW] = Wᵀ [K, Cout] · dY_n [Cout, HW], then scatter back to pixels.
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                    Int32(k), Int32(hw), Int32(cout),
                                    1, wPtr, Int32(k), dy, Int32(hw), 0, dColumns, Int32(hw))
                        col2im3x3(dColumns, channels: cin, height: h, width: w, dx + s * cin * hw)
                    }
                }
            }
        }
        guard weightGradients else { return }
        // Σ over samples in sample order into sample 0's block, then dW += (Σ dW_nᵀ)ᵀ.
        let total = gradientScratch
        for s in 1..<max(n, 1) {
            let part = gradientScratch + s * gCount
            for i in 0..<gCount { total[i] += part[i] }
        }
        weight.gradient.withUnsafeMutableBufferPointer { g in
            for o in 0..<cout {
                for i in 0..<k { g[o * k + i] += total[i * cout + o] }
            }
        }
        bias.gradient.withUnsafeMutableBufferPointer { g in
            for o in 0..<cout { g[o] += total[wCount + o] }
        }
    }
}

/// Σ values[0..<count], with sixteen partial sums so that the loop vectorises (a single running sum is a
/// serial chain of dependent additions).
@inline(__always)
func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var partial = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
        partial += UnsafeRawPointer(values + i).loadUnaligned(as: SIMD16<Float>.self)
        i += 16
    }
    var total = partial.sum()
    while i < count { total += values[i]; i += 1 }
    return total
}
