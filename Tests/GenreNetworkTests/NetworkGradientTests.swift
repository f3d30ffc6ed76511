import XCTest
@testable import GenreNetwork

/// The whole network's backward pass (every dW, db and dX) against finite differences of an independent
/// float64 forward, on a small odd shape: input [2, 3, 7, 9], two blocks of 4 and 5 channels, 5 classes.
final class NetworkGradientTests: XCTestCase {
    /// Runs `lossAndGradients` on `net` and compares the loss with `f` at the network's own parameters, and
    /// every parameter's gradient and the input gradient with central differences of `f` (relative 1e-4;
    /// absolute 1e-6 for the parameters `exactlyZero` names, whose true gradient is 0).
    /// - Returns: the network after the step (for checks of its state).
    @discardableResult
    func checkGradients(_ net: ConvNet, input: [Float], shape: [Int], labels: [Int32], threads: Int, dropoutSeed: UInt64 = 0,
                        exactlyZero: (String) -> Bool = { _ in false },
                        _ f: ([[Double]], NaiveTensor) -> Double) -> ConvNet {
        var model = net
        let n = labels.count
        let ws = ConvNetWorkspace(network: model, batchCapacity: n, threads: threads)
        var dInput = [Float](repeating: .nan, count: input.count)
        model.zeroGradients()
        let loss = model.lossAndGradients(input, labels: labels, batch: n, workspace: ws, inputGradient: &dInput,
                                          dropoutSeed: dropoutSeed)
        let params = net.parameters.map { $0.value.map(Double.init) }
        let x0 = NaiveTensor(shape: shape, values: input.map(Double.init))
        XCTAssertEqual(Double(loss), f(params, x0), accuracy: 1e-5, "loss, \(threads) threads")
        for (i, p) in model.parameters.enumerated() {
            let num = centralDifferences(params[i]) { v in var ps = params; ps[i] = v; return f(ps, x0) }
            if exactlyZero(p.name) {
                XCTAssertLessThan(maxAbsoluteError(p.gradient, num), 1e-6, "\(p.name), \(threads) threads")
            } else {
                XCTAssertLessThan(maxRelativeError(p.gradient, num), 1e-4, "\(p.name), \(threads) threads")
            }
        }
        let numX = centralDifferences(x0.values) { v in f(params, NaiveTensor(shape: x0.shape, values: v)) }
        XCTAssertLessThan(maxRelativeError(dInput, numX), 1e-4, "input gradient, \(threads) threads")
        return model
    }

    func testWholeNetworkGradientsMatchFiniteDifferences() {
        let config = ConvNetConfiguration(inputChannels: 3, inputHeight: 7, inputWidth: 9, channels: [4, 5],
                                          classCount: 5)
        XCTAssertEqual(config.flattenedFeatures, 5 * 1 * 2)
        var net = ConvNet(configuration: config, seed: 7)
        // Non-zero biases so their gradients are exercised away from symmetric points.
        net.updateParameters { i, p in
            if p.name.hasSuffix("bias") { p.value = randomValues(p.count, seed: 100 + UInt64(i)).map { $0 * 0.1 } }
        }
        let n = 2, input = randomValues(n * 3 * 7 * 9, seed: 8), labels: [Int32] = [3, 1]
        let x0 = NaiveTensor(shape: [n, 3, 7, 9], values: input.map(Double.init))
        let reference = Naive.networkLoss(input: x0, params: net.parameters.map { $0.value.map(Double.init) },
                                          channels: config.channels, classes: 5, labels: [3, 1])
        let ws = ConvNetWorkspace(network: net, batchCapacity: n, threads: 1)
        net.forward(input, batch: n, workspace: ws)
        XCTAssertLessThan(maxAbsoluteError(Array(UnsafeBufferPointer(start: ws.logitsPointer, count: n * 5)), reference.logits), 1e-5)
        for threads in [1, 2] {
            checkGradients(net, input: input, shape: [n, 3, 7, 9], labels: labels, threads: threads) { ps, x in
                Naive.networkLoss(input: x, params: ps, channels: config.channels, classes: 5, labels: [3, 1]).loss
            }
        }
    }

    /// The same check with BatchNorm after each convolution (batch statistics in training), non-trivial γ
    /// and β, and the running averages moved by one step as PyTorch moves them.
    func testWholeNetworkWithBatchNormGradientsMatchFiniteDifferences() {
        let config = ConvNetConfiguration(inputChannels: 3, inputHeight: 7, inputWidth: 9, channels: [4, 5],
                                          classCount: 5, batchNorm: true)
        var net = ConvNet(configuration: config, seed: 7)
        net.updateParameters { i, p in
            if p.name.hasSuffix("bias") { p.value = randomValues(p.count, seed: 100 + UInt64(i)).map { $0 * 0.1 } }
            if p.name.hasPrefix("bn") && p.name.hasSuffix("weight") { p.value = randomValues(p.count, seed: 200 + UInt64(i)).map { 1 + $0 * 0.5 } }
        }
        XCTAssertEqual(net.parameters.map(\.name), ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias",
                                                     "conv2.weight", "conv2.bias", "bn2.weight", "bn2.bias", "fc.weight", "fc.bias"])
        let n = 2, input = randomValues(n * 3 * 7 * 9, seed: 8), labels: [Int32] = [3, 1]
        for threads in [1, 2] {
            // BatchNorm subtracts each channel's mean, so a convolution bias before it has an exactly zero
            // gradient: both sides are rounding noise, and only an absolute bound makes sense.
            let model = checkGradients(net, input: input, shape: [n, 3, 7, 9], labels: labels, threads: threads,
                                       exactlyZero: { $0.hasPrefix("conv") && $0.hasSuffix("bias") }) { ps, x in
                Naive.networkLoss(input: x, params: ps, channels: config.channels, classes: 5, labels: [3, 1], batchNorm: true).loss
            }
            // Running averages after one training step: 0.9·(0, 1) + 0.1·(batch mean, unbiased variance).
            let params = net.parameters.map { $0.value.map(Double.init) }
            let z = Naive.conv(NaiveTensor(shape: [n, 3, 7, 9], values: input.map(Double.init)), params[0], params[1], cout: 4)
            for ch in 0..<4 {
                var cells: [Double] = []
                for s in 0..<n { for j in 0..<(7 * 9) { cells.append(z.values[(s * 4 + ch) * 63 + j]) } }
                let mean = cells.reduce(0, +) / Double(cells.count)
                let unbiased = cells.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cells.count - 1)
                XCTAssertEqual(Double(model.batchNorms[0].runningMean[ch]), 0.1 * mean, accuracy: 1e-6)
                XCTAssertEqual(Double(model.batchNorms[0].runningVar[ch]), 0.9 + 0.1 * unbiased, accuracy: 1e-5)
            }
        }
    }

    /// Inference normalises with the running averages, not the batch: one sample alone gives the same
    /// features and logits as inside a batch, and a batch of one gives no NaN.
    func testBatchNormInferenceUsesRunningAveragesAndABatchOfOneIsFinite() {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [3], classCount: 2, batchNorm: true)
        var net = ConvNet(configuration: config, seed: 3)
        net.batchNorms[0].runningMean = [0.2, -0.1, 0.05]
        net.batchNorms[0].runningVar = [1.5, 0.5, 2]
        let input = randomValues(3 * 64, seed: 4)
        let ws = ConvNetWorkspace(network: net, batchCapacity: 3, threads: 1, training: false)
        net.forward(input, batch: 3, workspace: ws)
        let batch = Array(UnsafeBufferPointer(start: ws.logitsPointer, count: 6))
        let features = 3 * 4 * 4  // the pooled map [3, 4, 4] of one sample: the Linear layer's input
        let batchFeatures = Array(ws.pooled[0].array[features..<(2 * features)])
        net.forward(Array(input[64..<128]), batch: 1, workspace: ws)
        // Bit-identical up to the Linear layer: BatchNorm, ReLU and pooling are element-wise per sample.
        // Batch statistics instead would move them by O(0.1).
        XCTAssertEqual(Array(ws.pooled[0].array[0..<features]), batchFeatures)
        // The logits only to within rounding: the BLAS may block the Linear layer's GEMM differently for 1 and 3
        // rows (measured with BLIS: 2e-7 on logits of O(1) for bit-identical inputs).
        XCTAssertLessThan(maxAbsoluteError(Array(UnsafeBufferPointer(start: ws.logitsPointer, count: 2)), Array(batch[2..<4])), 1e-6)
        // Training on a batch of one sample stays finite (variance over H·W cells, not over samples).
        var training = net
        let tws = ConvNetWorkspace(network: training, batchCapacity: 1, threads: 1)
        let loss = training.lossAndGradients(Array(input[0..<64]), labels: [1], batch: 1, workspace: tws)
        XCTAssertTrue(loss.isFinite)
        XCTAssertTrue(training.parameters.allSatisfy { $0.gradient.allSatisfy(\.isFinite) })
    }

    /// Dropout before the Linear layer: the mask is 0 or 1/(1 − p) and the same for the same seed (the
    /// checked steps reuse a probe step's mask), the loss and every gradient equal those of the float64
    /// network with that mask applied to its features, and inference ignores dropout.
    func testDropoutMasksTheFeaturesAndItsGradientsMatchFiniteDifferences() {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [3, 4],
                                          classCount: 3, dropout: 0.5)
        let net = ConvNet(configuration: config, seed: 5)
        let n = 3, input = randomValues(n * 64, seed: 6), labels: [Int32] = [0, 2, 1]
        // The mask of dropout seed 11, read from a step on the same shapes.
        var probe = net
        let ws = ConvNetWorkspace(network: probe, batchCapacity: n, threads: 2)
        _ = probe.lossAndGradients(input, labels: labels, batch: n, workspace: ws, dropoutSeed: 11)
        let mask = Array(UnsafeBufferPointer(start: ws.dropoutMask.pointer, count: n * config.flattenedFeatures)).map(Double.init)
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertTrue(mask.contains(0) && mask.contains(2))
        for threads in [1, 2] {
            checkGradients(net, input: input, shape: [n, 1, 8, 8], labels: labels, threads: threads, dropoutSeed: 11) { ps, x in
                Naive.networkLoss(input: x, params: ps, channels: config.channels, classes: 3, labels: [0, 2, 1],
                                  featureMask: mask).loss
            }
        }
        // Inference is dropout-free: the float64 network without a mask.
        let infer = ConvNetWorkspace(network: net, batchCapacity: n, threads: 1, training: false)
        net.forward(input, batch: n, workspace: infer)
        let reference = Naive.networkLoss(input: NaiveTensor(shape: [n, 1, 8, 8], values: input.map(Double.init)),
                                          params: net.parameters.map { $0.value.map(Double.init) },
                                          channels: config.channels, classes: 3, labels: [0, 2, 1])
        XCTAssertLessThan(maxAbsoluteError(Array(UnsafeBufferPointer(start: infer.logitsPointer, count: n * 3)), reference.logits), 1e-5)
    }

    /// Time pooling: the last pooled map averaged over frames before the Linear layer (here 5 channels × 1
    /// band × 4 frames → 5 features), with BatchNorm and a dropout mask on the averaged features; the loss
    /// and every gradient against the float64 network.
    func testTimePoolingGradientsMatchFiniteDifferences() {
        let config = ConvNetConfiguration(inputChannels: 2, inputHeight: 6, inputWidth: 17, channels: [3, 5],
                                          classCount: 4, batchNorm: true, dropout: 0.4, timePooling: true)
        XCTAssertEqual(config.flattenedFeatures, 5 * 1)
        var net = ConvNet(configuration: config, seed: 12)
        XCTAssertEqual(net.fc.weight.count, 4 * 5)
        net.updateParameters { i, p in
            if p.name.hasSuffix("bias") { p.value = randomValues(p.count, seed: 300 + UInt64(i)).map { $0 * 0.1 } }
        }
        let n = 3, input = randomValues(n * 2 * 6 * 17, seed: 13), labels: [Int32] = [3, 0, 2]
        var probe = net
        let ws = ConvNetWorkspace(network: probe, batchCapacity: n, threads: 1)
        _ = probe.lossAndGradients(input, labels: labels, batch: n, workspace: ws, dropoutSeed: 5)
        let mask = Array(UnsafeBufferPointer(start: ws.dropoutMask.pointer, count: n * 5)).map(Double.init)
        XCTAssertTrue(mask.contains(0) && mask.contains { abs($0 - 1 / 0.6) < 1e-6 })
        for threads in [1, 2] {
            checkGradients(net, input: input, shape: [n, 2, 6, 17], labels: labels, threads: threads, dropoutSeed: 5,
                           exactlyZero: { $0.hasPrefix("conv") && $0.hasSuffix("bias") }) { ps, x in
                Naive.networkLoss(input: x, params: ps, channels: config.channels, classes: 4, labels: [3, 0, 2],
                                  batchNorm: true, timePooling: true, featureMask: mask).loss
            }
        }
    }

    func testForwardIsIndependentOfThreadCountAndBatchComposition() {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 16, inputWidth: 12, channels: [3, 4],
                                          classCount: 3)
        let net = ConvNet(configuration: config, seed: 1)
        let input = randomValues(3 * 16 * 12, seed: 2)
        let one = ConvNetWorkspace(network: net, batchCapacity: 3, threads: 1)
        let two = ConvNetWorkspace(network: net, batchCapacity: 3, threads: 2)
        net.forward(input, batch: 3, workspace: one)
        net.forward(input, batch: 3, workspace: two)
        let a = Array(UnsafeBufferPointer(start: one.logitsPointer, count: 9))
        let b = Array(UnsafeBufferPointer(start: two.logitsPointer, count: 9))
        XCTAssertEqual(a, b, "forward splits samples across threads; each sample's arithmetic is unchanged")
        // The second sample alone gives the logits it has inside the batch.
        input.withUnsafeBufferPointer { p in
            net.forward(p.baseAddress! + 16 * 12, batch: 1, workspace: one)
        }
        // Not bit-identical: BLAS blocks the Linear layer's GEMM differently for 1 and 3 rows.
        XCTAssertLessThan(maxAbsoluteError(Array(UnsafeBufferPointer(start: one.logitsPointer, count: 3)),
                                           Array(a[3..<6])), 1e-5)
    }

    func testHeInitialisationHasTheRightScale() {
        let net = ConvNet(configuration: ConvNetConfiguration(classCount: 10), seed: 0)
        XCTAssertEqual(net.parameterCount, 101_194, "the parameter count of shared/docs/peers.md")
        for p in net.parameters where p.name.hasSuffix("weight") {
            let fanIn = p.shape.dropFirst().reduce(1, *)
            let bound = Float((6.0 / Double(fanIn)).squareRoot())
            XCTAssertLessThanOrEqual(p.value.map(abs).max()!, bound)
            let variance = p.value.reduce(0) { $0 + Double($1 * $1) } / Double(p.count)
            // U(−b, b) has variance b²/3 = 2/fanIn; conv1 has only 144 weights, so allow sampling noise.
            XCTAssertEqual(variance, 2.0 / Double(fanIn), accuracy: 0.35 * 2.0 / Double(fanIn), p.name)
        }
        for p in net.parameters where p.name.hasSuffix("bias") { XCTAssertTrue(p.value.allSatisfy { $0 == 0 }) }
        XCTAssertEqual(ConvNet(configuration: ConvNetConfiguration(classCount: 10), seed: 0), net, "seeded")
        XCTAssertNotEqual(ConvNet(configuration: ConvNetConfiguration(classCount: 10), seed: 1), net)
    }
}
