import Foundation

/// Batch normalisation over `[N, C, H, W]`, per channel (Ioffe & Szegedy, 2015), as PyTorch's
/// `BatchNorm2d(C, eps=1e-5, momentum=0.1)`.
///
/// Training: μ_c and σ²_c are the mean and biased variance over N·H·W, x̂ = (x − μ_c)/√(σ²_c + ε),
/// y = γ_c x̂ + β_c; the running averages move by `momentum` toward μ_c and the *unbiased* variance
/// (PyTorch's convention). Inference uses the running averages. Backward (M = N·H·W per channel):
/// dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/√(σ² + ε) · (dy − dβ/M − x̂·dγ/M).
/// Tensor names follow PyTorch: `bnK.weight` (γ), `bnK.bias` (β), `bnK.running_mean`, `bnK.running_var`.
public struct BatchNorm2D: Sendable, Equatable {
    public let channels: Int
    /// γ `[C]`, initialised to 1.
    public var weight: Parameter
    /// β `[C]`, initialised to 0.
    public var bias: Parameter
    /// Running mean and (unbiased) variance `[C]`, initialised to 0 and 1; not trained by the optimiser.
    public var runningMean: [Float]
    public var runningVar: [Float]
    public let name: String
    public static let epsilon: Float = 1e-5
    public static let momentum: Float = 0.1

    public init(name: String, channels: Int) {
        self.name = name
        self.channels = channels
        weight = Parameter(name: "\(name).weight", shape: [channels], value: [Float](repeating: 1, count: channels))
        bias = Parameter(name: "\(name).bias", shape: [channels], value: [Float](repeating: 0, count: channels))
        runningMean = [Float](repeating: 0, count: channels)
        runningVar = [Float](repeating: 1, count: channels)
    }

    /// Floats of per-channel statistics a training forward leaves for backward: μ and 1/√(σ² + ε).
    public var statisticsCount: Int { 2 * channels }

    /// Training forward with batch statistics; updates the running averages. Channels are shared out to
    /// `threads` workers; each channel is computed the same way whoever computes it.
    /// - Parameters:
    ///   - input: x `[N, C, plane]`; `output`: y, same shape (may not alias `input`).
    ///   - statistics: `statisticsCount` Floats, overwritten with μ then 1/√(σ² + ε) per channel.
    public mutating func forwardTraining(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                         batch n: Int, plane: Int, statistics: UnsafeMutablePointer<Float>,
                                         threads: Int = 1) {
        let c = channels, count = Double(n * plane)
        let gamma = weight.value, beta = bias.value
        runningMean.withUnsafeMutableBufferPointer { runningMean in
        runningVar.withUnsafeMutableBufferPointer { runningVar in
            let (runningMean, runningVar) = (runningMean, runningVar)
            parallelChunks(c, threads: threads) { chunk, _ in
                for ch in chunk {
                    // Sums in Double: up to half a million cells per channel.
                    var sum = 0.0, squares = 0.0
                    for s in 0..<n {
                        let x = input + (s * c + ch) * plane
                        var partial: Float = 0, partialSquares: Float = 0
                        for i in 0..<plane { partial += x[i]; partialSquares += x[i] * x[i] }
                        sum += Double(partial); squares += Double(partialSquares)
                    }
                    let mean = sum / count
                    let variance = max(0, squares / count - mean * mean)
                    let invStd = 1 / (variance + Double(Self.epsilon)).squareRoot()
                    statistics[ch] = Float(mean)
                    statistics[c + ch] = Float(invStd)
                    let unbiased = count > 1 ? variance * count / (count - 1) : variance
                    runningMean[ch] = (1 - Self.momentum) * runningMean[ch] + Self.momentum * Float(mean)
                    runningVar[ch] = (1 - Self.momentum) * runningVar[ch] + Self.momentum * Float(unbiased)
                    let scale = gamma[ch] * Float(invStd)
                    Self.normalise(input, output, batch: n, channels: c, plane: plane, channel: ch,
                                   scale: scale, shift: beta[ch] - Float(mean) * scale)
                }
            }
        }
        }
    }

    /// Inference forward with the running averages.
    public func forwardInference(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                 batch n: Int, plane: Int, threads: Int = 1) {
        parallelChunks(channels, threads: threads) { chunk, _ in
            for ch in chunk {
                let invStd = 1 / (runningVar[ch] + Self.epsilon).squareRoot()
                let scale = weight.value[ch] * invStd
                Self.normalise(input, output, batch: n, channels: channels, plane: plane, channel: ch,
                               scale: scale, shift: bias.value[ch] - runningMean[ch] * scale)
            }
        }
    }

    /// y = x · scale + shift for one channel of every sample.
    private static func normalise(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                  batch n: Int, channels: Int, plane: Int, channel ch: Int, scale: Float, shift: Float) {
        for s in 0..<n {
            let offset = (s * channels + ch) * plane
            let x = input + offset, y = output + offset
            for i in 0..<plane { y[i] = x[i] * scale + shift }
        }
    }

    /// Backward of `forwardTraining`: accumulates dγ and dβ and writes dx; channels shared across threads.
    /// - Parameters:
    ///   - outputGradient: dL/dy `[N, C, plane]`; `inputGradient` may be the same buffer (each cell is
    ///     read before it is written).
    ///   - input: the x given to `forwardTraining`; `statistics`: as it left them.
    public mutating func backward(outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                  inputGradient: UnsafeMutablePointer<Float>, batch n: Int, plane: Int,
                                  statistics: UnsafePointer<Float>, threads: Int = 1) {
        let c = channels, count = Float(n * plane)
        let gamma = weight.value
        weight.gradient.withUnsafeMutableBufferPointer { dGamma in
        bias.gradient.withUnsafeMutableBufferPointer { dBeta in
            let (dGamma, dBeta) = (dGamma, dBeta)
            parallelChunks(c, threads: threads) { chunk, _ in
                for ch in chunk {
                    let mean = statistics[ch], invStd = statistics[c + ch]
                    var sumDy = 0.0, sumDyXhat = 0.0
                    for s in 0..<n {
                        let offset = (s * c + ch) * plane
                        let dy = outputGradient + offset, x = input + offset
                        var a: Float = 0, b: Float = 0
                        for i in 0..<plane { a += dy[i]; b += dy[i] * (x[i] - mean) * invStd }
                        sumDy += Double(a); sumDyXhat += Double(b)
                    }
                    dBeta[ch] += Float(sumDy)
                    dGamma[ch] += Float(sumDyXhat)
                    let k = gamma[ch] * invStd, meanDy = Float(sumDy) / count, meanDyXhat = Float(sumDyXhat) / count
                    for s in 0..<n {
                        let offset = (s * c + ch) * plane
                        let dy = outputGradient + offset, x = input + offset, dx = inputGradient + offset
                        for i in 0..<plane { dx[i] = k * (dy[i] - meanDy - (x[i] - mean) * invStd * meanDyXhat) }
                    }
                }
            }
        }
        }
    }

    /// Backward of `forwardInference` with γ, β and the running statistics fixed (a frozen BatchNorm,
    /// `FineTuning`): the layer is the affine map y = x·s + t per channel, so dx = dy · γ/√(σ²_running + ε); no
    /// parameter gradient. `inputGradient` may be `outputGradient` (element-wise).
    /// - Parameters: outputGradient: dL/dy `[N, C, plane]`; inputGradient: dL/dx, same shape.
    public func backwardInference(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
                                  batch n: Int, plane: Int, threads: Int = 1) {
        parallelChunks(channels, threads: threads) { chunk, _ in
            for ch in chunk {
                let scale = weight.value[ch] / (runningVar[ch] + Self.epsilon).squareRoot()
                for s in 0..<n {
                    let offset = (s * channels + ch) * plane
                    for i in 0..<plane { inputGradient[offset + i] = outputGradient[offset + i] * scale }
                }
            }
        }
    }
}
