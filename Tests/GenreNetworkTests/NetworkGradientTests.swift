import XCTest
@testable import GenreNetwork

/// The whole network's backward pass (every dW, db and dX) against finite differences of an independent
/// float64 forward, on a small odd shape: input [2, 3, 7, 9], two blocks of 4 and 5 channels, 5 classes.
final class NetworkGradientTests: XCTestCase {
    func testWholeNetworkGradientsMatchFiniteDifferences() {
        let config = ConvNetConfiguration(inputChannels: 3, inputHeight: 7, inputWidth: 9, channels: [4, 5],
                                          classCount: 5)
        XCTAssertEqual(config.flattenedFeatures, 5 * 1 * 2)
        var net = ConvNet(configuration: config, seed: 7)
        // Non-zero biases so their gradients are exercised away from symmetric points.
        net.updateParameters { i, p in
            if p.name.hasSuffix("bias") { p.value = randomValues(p.count, seed: 100 + UInt64(i)).map { $0 * 0.1 } }
        }
        let n = 2
        let input = randomValues(n * 3 * 7 * 9, seed: 8)
        let labels: [Int32] = [3, 1]

        for threads in [1, 2] {
            var model = net
            let ws = ConvNetWorkspace(network: model, batchCapacity: n, threads: threads)
            var dInput = [Float](repeating: .nan, count: input.count)
            model.zeroGradients()
            let loss = model.lossAndGradients(input, labels: labels, batch: n, workspace: ws, inputGradient: &dInput)

            let params = net.parameters.map { $0.value.map(Double.init) }
            let x0 = NaiveTensor(shape: [n, 3, 7, 9], values: input.map(Double.init))
            let intLabels = labels.map(Int.init)
            func f(_ ps: [[Double]], _ x: NaiveTensor) -> Double {
                Naive.networkLoss(input: x, params: ps, channels: config.channels, classes: 5, labels: intLabels).loss
            }
            let reference = Naive.networkLoss(input: x0, params: params, channels: config.channels, classes: 5,
                                              labels: intLabels)
            XCTAssertEqual(Double(loss), reference.loss, accuracy: 1e-5)
            let logits = Array(UnsafeBufferPointer(start: ws.logitsPointer, count: n * 5))
            XCTAssertLessThan(maxAbsoluteError(logits, reference.logits), 1e-5)

            for (i, p) in model.parameters.enumerated() {
                let num = centralDifferences(params[i]) { v in
                    var ps = params; ps[i] = v; return f(ps, x0)
                }
                XCTAssertLessThan(maxRelativeError(p.gradient, num), 1e-4, "\(p.name), \(threads) threads")
            }
            let numX = centralDifferences(x0.values) { v in f(params, NaiveTensor(shape: x0.shape, values: v)) }
            XCTAssertLessThan(maxRelativeError(dInput, numX), 1e-4, "input gradient, \(threads) threads")
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
