import XCTest
@testable import GenreNetwork

/// BatchNorm2D, Dropout and TimeMeanPool each on its own: forward against an independent float64 formula
/// and backward against central differences of that formula, with the scalar test loss L = Σ r ⊙ y (so
/// dL/dy = r), on small odd shapes. The whole-network checks (NetworkGradientTests) would also catch a
/// wrong layer, but not say which one.
final class NormalisationLayerGradientTests: XCTestCase {
    // Float analytic gradients against Double differences of a Double forward: the differences are good
    // to ~1e-9 (h = 1e-6), so what is left is Float rounding, ~1e-6 of the largest gradient; a wrong term
    // in a backward formula is O(1) relative.
    let tolerance = 1e-5

    // MARK: - BatchNorm2D

    /// N = 3, C = 5 (two threads get 2 and 3 channels), plane 5 × 7. Channel c of x has its own mean
    /// (−1 … 1, so μ matters) and spread (σ ≈ 0.3 … 1.2), |μ|/σ up to 3.4 like the trained network's
    /// convolution outputs; γ around 1, β around 0.
    let (bnN, bnC, bnPlane) = (3, 5, 5 * 7)

    func batchNormInput() -> [Float] {
        let raw = randomValues(bnN * bnC * bnPlane, seed: 61)
        return raw.indices.map { i in
            let ch = (i / bnPlane) % bnC
            return raw[i] * (0.5 + 0.4 * Float(ch)) + 0.5 * (Float(ch) - 2)
        }
    }

    func batchNormLayer() -> BatchNorm2D {
        var layer = BatchNorm2D(name: "bn", channels: bnC)
        layer.weight.value = randomValues(bnC, seed: 62).map { 1 + 0.5 * $0 }
        layer.bias.value = randomValues(bnC, seed: 63).map { 0.3 * $0 }
        // Not PyTorch's initial (0, 1), so that a momentum applied the wrong way round shows.
        layer.runningMean = randomValues(bnC, seed: 64)
        layer.runningVar = randomValues(bnC, seed: 65).map { 1.2 + $0 }
        return layer
    }

    /// Per channel of x `[N, C, plane]`: mean and biased variance over N·plane, in Double.
    func channelStatistics(_ x: [Double]) -> [(mean: Double, variance: Double)] {
        (0..<bnC).map { ch in
            var cells: [Double] = []
            for s in 0..<bnN { cells += x[((s * bnC + ch) * bnPlane)..<((s * bnC + ch + 1) * bnPlane)] }
            let mean = cells.reduce(0, +) / Double(cells.count)
            return (mean, cells.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cells.count))
        }
    }

    func testBatchNormTrainingForwardStatisticsAndGradientsMatchFiniteDifferences() {
        let base = batchNormLayer(), x = batchNormInput(), r = randomValues(x.count, seed: 66)
        let x0 = x.map(Double.init), gamma0 = base.weight.value.map(Double.init), beta0 = base.bias.value.map(Double.init)
        let shape = [bnN, bnC, 5, 7]
        func loss(_ xs: [Double], _ gs: [Double], _ bs: [Double]) -> Double {
            let y = Naive.batchNorm(NaiveTensor(shape: shape, values: xs), gamma: gs, beta: bs)
            return zip(y.values, r).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        let expectedY = Naive.batchNorm(NaiveTensor(shape: shape, values: x0), gamma: gamma0, beta: beta0).values
        let numX = centralDifferences(x0) { loss($0, gamma0, beta0) }
        let numGamma = centralDifferences(gamma0) { loss(x0, $0, beta0) }
        let numBeta = centralDifferences(beta0) { loss(x0, gamma0, $0) }
        let stats = channelStatistics(x0)

        for threads in [1, 2] {
            var layer = base
            var y = [Float](repeating: .nan, count: x.count), statistics = [Float](repeating: .nan, count: layer.statisticsCount)
            layer.forwardTraining(x, &y, batch: bnN, plane: bnPlane, statistics: &statistics, threads: threads)
            // |y| is O(3); Float rounding of the normalisation is ~1e-6.
            XCTAssertLessThan(maxAbsoluteError(y, expectedY), 1e-5, "forward, \(threads) threads")
            // What backward will read: μ then 1/√(σ² + ε), biased σ². One Float rounding is 6e-8; measured
            // 5e-8 and 7.8e-7, the latter from the one-pass variance E[x²] − μ² at |μ|/σ = 3.4.
            XCTAssertLessThan(maxRelativeError(Array(statistics[0..<bnC]), stats.map(\.mean)), 1e-6, "μ, \(threads) threads")
            XCTAssertLessThan(maxRelativeError(Array(statistics[bnC...]), stats.map { 1 / ($0.variance + 1e-5).squareRoot() }),
                              1e-6, "1/σ, \(threads) threads")

            var dx = [Float](repeating: .nan, count: x.count)
            layer.backward(outputGradient: r, input: x, inputGradient: &dx, batch: bnN, plane: bnPlane,
                           statistics: statistics, threads: threads)
            XCTAssertLessThan(maxRelativeError(dx, numX), tolerance, "dX, \(threads) threads")
            XCTAssertLessThan(maxRelativeError(layer.weight.gradient, numGamma), tolerance, "dγ, \(threads) threads")
            XCTAssertLessThan(maxRelativeError(layer.bias.gradient, numBeta), tolerance, "dβ, \(threads) threads")

            // Backward accumulates dγ and dβ (a second call doubles them) and overwrites dX; ConvNet runs it
            // in place (inputGradient = outputGradient), which must give the same dX.
            var inPlace = r
            inPlace.withUnsafeMutableBufferPointer { g in
                layer.backward(outputGradient: g.baseAddress!, input: x, inputGradient: g.baseAddress!, batch: bnN,
                               plane: bnPlane, statistics: statistics, threads: threads)
            }
            XCTAssertEqual(inPlace, dx, "in-place dX, \(threads) threads")
            XCTAssertLessThan(maxRelativeError(layer.weight.gradient, numGamma.map { 2 * $0 }), tolerance, "2 dγ")
            XCTAssertLessThan(maxRelativeError(layer.bias.gradient, numBeta.map { 2 * $0 }), tolerance, "2 dβ")
        }
    }

    /// One training forward moves the running averages 10 % of the way to the batch mean and the *unbiased*
    /// variance (PyTorch's convention; the forward itself uses the biased one).
    func testBatchNormTrainingForwardMovesTheRunningStatisticsAsPyTorch() {
        let base = batchNormLayer(), x = batchNormInput()
        let count = Double(bnN * bnPlane)
        let stats = channelStatistics(x.map(Double.init))
        for threads in [1, 2] {
            var layer = base
            var y = [Float](repeating: 0, count: x.count), statistics = [Float](repeating: 0, count: layer.statisticsCount)
            layer.forwardTraining(x, &y, batch: bnN, plane: bnPlane, statistics: &statistics, threads: threads)
            for ch in 0..<bnC {
                let mean = 0.9 * Double(base.runningMean[ch]) + 0.1 * stats[ch].mean
                let variance = 0.9 * Double(base.runningVar[ch]) + 0.1 * stats[ch].variance * count / (count - 1)
                // Values O(1): a few Float roundings, ≤ 5e-7 (measured 6e-8); the biased/unbiased difference
                // is 0.1·σ²/104 ≈ 1e-3·σ², so either mistake shows.
                XCTAssertEqual(Double(layer.runningMean[ch]), mean, accuracy: 5e-7, "running mean \(ch), \(threads) threads")
                XCTAssertEqual(Double(layer.runningVar[ch]), variance, accuracy: 5e-7, "running var \(ch), \(threads) threads")
            }
            // The trained parameters are left alone by a forward.
            XCTAssertEqual(layer.weight, base.weight)
            XCTAssertEqual(layer.bias, base.bias)
        }
    }

    /// Inference: y = γ (x − running mean)/√(running var + ε) + β, independent of the batch, and its input
    /// gradient is γ/√(running var + ε) · dL/dy cell by cell. BatchNorm2D has no inference backward (the
    /// network only trains in training mode), so the gradient is checked on the layer's own forward: central
    /// differences of the Float inference forward, one cell at a time, against that closed form.
    func testBatchNormInferenceMatchesTheRunningStatisticsFormulaAndItsGradient() {
        let layer = batchNormLayer(), x = batchNormInput(), r = randomValues(x.count, seed: 67)
        let scale = (0..<bnC).map { Double(layer.weight.value[$0]) / (Double(layer.runningVar[$0]) + 1e-5).squareRoot() }
        let expected = x.indices.map { i -> Double in
            let ch = (i / bnPlane) % bnC
            return scale[ch] * (Double(x[i]) - Double(layer.runningMean[ch])) + Double(layer.bias.value[ch])
        }
        for threads in [1, 2] {
            var y = [Float](repeating: .nan, count: x.count)
            layer.forwardInference(x, &y, batch: bnN, plane: bnPlane, threads: threads)
            XCTAssertLessThan(maxAbsoluteError(y, expected), 1e-6, "forward, \(threads) threads")
            // The second sample alone gives its rows of the batch exactly: no batch statistics are used.
            var one = [Float](repeating: .nan, count: bnC * bnPlane)
            layer.forwardInference(Array(x[(bnC * bnPlane)..<(2 * bnC * bnPlane)]), &one, batch: 1, plane: bnPlane,
                                   threads: threads)
            XCTAssertEqual(one, Array(y[(bnC * bnPlane)..<(2 * bnC * bnPlane)]), "batch of one, \(threads) threads")
        }
        // The layer is affine in x, so a large step has no truncation error; h = 0.25 keeps Float rounding of
        // (y₊ − y₋)/2h near 1e-7.
        func loss(_ xs: [Double]) -> Double {
            var y = [Float](repeating: 0, count: xs.count)
            layer.forwardInference(xs.map(Float.init), &y, batch: bnN, plane: bnPlane)
            return zip(y, r).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let numX = centralDifferences(x.map(Double.init), h: 0.25, loss)
        let closedForm = r.indices.map { scale[($0 / bnPlane) % bnC] * Double(r[$0]) }
        XCTAssertLessThan(maxRelativeError(numX, closedForm), tolerance, "inference dX")
    }

    // MARK: - Dropout

    /// A fixed mask (seed 71, p = 0.3): each cell is 0 where the generator's uniform draw is below p and
    /// 1/(1 − p) elsewhere, the forward multiplies by it, and the backward against finite differences of
    /// the float64 forward with that mask.
    func testDropoutWithAFixedMaskMatchesTheFormulaAndFiniteDifferences() {
        let p: Float = 0.3, count = 3 * 5 * 7
        let x = randomValues(count, seed: 72), r = randomValues(count, seed: 73)
        var y = x, mask = [Float](repeating: .nan, count: count)
        var generator = SeededGenerator(seed: 71)
        Dropout.forward(&y, mask: &mask, count: count, p: p, generator: &generator)
        // The same draws, replayed: the mask is the documented function of the generator's stream.
        var replay = SeededGenerator(seed: 71)
        let keep = Float(1 / (1 - Double(p)))
        for i in 0..<count {
            let expected: Float = replay.nextUnitFloat() < p ? 0 : keep
            XCTAssertEqual(mask[i], expected, accuracy: 1e-6, "mask[\(i)]")
            XCTAssertEqual(Double(y[i]), Double(x[i]) * Double(expected), accuracy: 1e-6, "y[\(i)]")
        }
        XCTAssertTrue(mask.contains(0) && mask.contains { $0 != 0 }, "the mask should both drop and keep")

        var dx = r
        Dropout.backward(&dx, mask: mask, count: count)
        let maskD = mask.map(Double.init)
        let numX = centralDifferences(x.map(Double.init)) { xs in
            zip(xs, maskD).enumerated().reduce(0) { $0 + $1.element.0 * $1.element.1 * Double(r[$1.offset]) }
        }
        XCTAssertLessThan(maxRelativeError(dx, numX), tolerance, "dX")
        // A dropped cell passes no gradient at all, not merely a small one.
        for i in 0..<count where mask[i] == 0 { XCTAssertEqual(dx[i], 0) }
    }

    /// Over n = 100 000 cells the dropped fraction is a binomial proportion with standard deviation
    /// σ = √(p(1 − p)/n); it must lie within 3σ of p (σ ≈ 0.0014 at p = 0.3). The kept cells' mean stays
    /// the input's (inverted dropout needs no rescaling at inference).
    func testDropoutDropsAFractionPOfALargeMask() {
        let n = 100_000
        for (p, seed) in [(Float(0.1), UInt64(81)), (0.3, 82), (0.5, 83)] {
            var y = [Float](repeating: 1, count: n), mask = [Float](repeating: .nan, count: n)
            var generator = SeededGenerator(seed: seed)
            Dropout.forward(&y, mask: &mask, count: n, p: p, generator: &generator)
            let dropped = Double(mask.filter { $0 == 0 }.count) / Double(n)
            let sigma = (Double(p) * (1 - Double(p)) / Double(n)).squareRoot()
            XCTAssertEqual(dropped, Double(p), accuracy: 3 * sigma, "drop rate at p = \(p)")
            XCTAssertTrue(mask.allSatisfy { $0 == 0 || abs(Double($0) - 1 / (1 - Double(p))) < 1e-6 }, "mask values at p = \(p)")
            // E[y] = 1 for an input of ones; its standard deviation is √(p/(1 − p)/n) ≤ 0.0032 here.
            let mean = y.reduce(0.0) { $0 + Double($1) } / Double(n)
            XCTAssertEqual(mean, 1, accuracy: 3 * (Double(p) / (1 - Double(p)) / Double(n)).squareRoot(), "mean at p = \(p)")
        }
        // p = 0 keeps everything unchanged.
        var y = randomValues(1000, seed: 84), mask = [Float](repeating: .nan, count: 1000)
        let x = y
        var generator = SeededGenerator(seed: 85)
        Dropout.forward(&y, mask: &mask, count: 1000, p: 0, generator: &generator)
        XCTAssertEqual(y, x)
        XCTAssertTrue(mask.allSatisfy { $0 == 1 })
    }

    // MARK: - TimeMeanPool

    /// rows = N·C·H = 2·3·5, W = 7 frames: y[r] = (1/W) Σ_w x[r, w]; dL/dx[r, w] = r[r]/W.
    func testTimeMeanPoolForwardAndBackwardMatchFiniteDifferences() {
        let (rows, width) = (2 * 3 * 5, 7)
        let x = randomValues(rows * width, seed: 91), r = randomValues(rows, seed: 92)
        func pool(_ xs: [Double]) -> [Double] {
            (0..<rows).map { row in xs[(row * width)..<((row + 1) * width)].reduce(0, +) / Double(width) }
        }
        var y = [Float](repeating: .nan, count: rows)
        TimeMeanPool.forward(x, &y, rows: rows, width: width)
        XCTAssertLessThan(maxAbsoluteError(y, pool(x.map(Double.init))), 1e-6, "forward")
        var dx = [Float](repeating: .nan, count: x.count)
        TimeMeanPool.backward(outputGradient: r, inputGradient: &dx, rows: rows, width: width)
        let numX = centralDifferences(x.map(Double.init)) { xs in zip(pool(xs), r).reduce(0) { $0 + $1.0 * Double($1.1) } }
        XCTAssertLessThan(maxRelativeError(dx, numX), tolerance, "dX")
    }
}
