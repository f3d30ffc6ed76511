import XCTest
@testable import GenreNetwork

/// Fine-tuning's backward pass stays exact: with frozen blocks and frozen BatchNorm, every free parameter's gradient
/// and the input gradient against central differences of an independent float64 forward in which the frozen
/// BatchNorm layers normalise with their running statistics; every fixed parameter's gradient untouched (0), the
/// fixed layers' running statistics unmoved, and the optimisers' steps leave fixed parameters alone.
final class FineTuningGradientTests: XCTestCase {
    let config = ConvNetConfiguration(inputChannels: 3, inputHeight: 7, inputWidth: 9, channels: [4, 5],
                                      classCount: 5, batchNorm: true)
    let labels: [Int32] = [3, 1]
    lazy var input = randomValues(2 * 3 * 7 * 9, seed: 8)

    /// A trained-looking network: non-zero biases, γ away from 1, running statistics away from (0, 1).
    func network() -> ConvNet {
        var net = ConvNet(configuration: config, seed: 7)
        net.updateParameters { i, p in
            if p.name.hasSuffix("bias") { p.value = randomValues(p.count, seed: 100 + UInt64(i)).map { $0 * 0.1 } }
            if p.name.hasPrefix("bn") && p.name.hasSuffix("weight") { p.value = randomValues(p.count, seed: 200 + UInt64(i)).map { 1 + $0 * 0.5 } }
        }
        for i in net.batchNorms.indices {
            let c = net.batchNorms[i].channels
            net.batchNorms[i].runningMean = randomValues(c, seed: 300 + UInt64(i)).map { $0 * 0.3 }
            net.batchNorms[i].runningVar = randomValues(c, seed: 400 + UInt64(i)).map { 1.2 + $0 * 0.5 }
        }
        return net
    }

    /// Checks one step under `fineTuning` and returns the network after it.
    @discardableResult
    func check(_ fineTuning: FineTuning, threads: Int) -> ConvNet {
        let start = network()
        var model = start
        let ws = ConvNetWorkspace(network: model, batchCapacity: 2, threads: threads)
        var dInput = [Float](repeating: .nan, count: input.count)
        model.zeroGradients()
        let loss = model.lossAndGradients(input, labels: labels, batch: 2, workspace: ws, inputGradient: &dInput,
                                          fineTuning: fineTuning)
        let running: [(mean: [Double], variance: [Double])?] = start.batchNorms.indices.map { i in
            fineTuning.usesRunningStatistics(block: i)
                ? (start.batchNorms[i].runningMean.map(Double.init), start.batchNorms[i].runningVar.map(Double.init)) : nil
        }
        func f(_ ps: [[Double]], _ x: NaiveTensor) -> Double {
            Naive.networkLoss(input: x, params: ps, channels: config.channels, classes: 5, labels: [3, 1], batchNorm: true,
                              running: running).loss
        }
        let params = start.parameters.map { $0.value.map(Double.init) }
        let x0 = NaiveTensor(shape: [2, 3, 7, 9], values: input.map(Double.init))
        XCTAssertEqual(Double(loss), f(params, x0), accuracy: 1e-5, "loss, \(threads) threads")
        let scales = fineTuning.learningRateScales(start)
        for (i, p) in model.parameters.enumerated() {
            if scales[i] == nil {
                XCTAssertEqual(p.gradient, [Float](repeating: 0, count: p.count), "\(p.name) is fixed: no gradient")
                continue
            }
            let numeric = centralDifferences(params[i]) { v in var ps = params; ps[i] = v; return f(ps, x0) }
            // A convolution bias before a BatchNorm on batch statistics has an exactly zero gradient (noise only).
            if p.name.hasPrefix("conv"), p.name.hasSuffix("bias"), running[Int(String(p.name.dropFirst(4).prefix(1)))! - 1] == nil {
                XCTAssertLessThan(maxAbsoluteError(p.gradient, numeric), 1e-6, "\(p.name), \(threads) threads")
            } else {
                XCTAssertLessThan(maxRelativeError(p.gradient, numeric), 1e-4, "\(p.name), \(threads) threads")
            }
        }
        let numericX = centralDifferences(x0.values) { v in f(params, NaiveTensor(shape: x0.shape, values: v)) }
        XCTAssertLessThan(maxRelativeError(dInput, numericX), 1e-4, "input gradient, \(threads) threads")
        for i in start.batchNorms.indices where fineTuning.usesRunningStatistics(block: i) {
            XCTAssertEqual(model.batchNorms[i].runningMean, start.batchNorms[i].runningMean, "bn\(i + 1) running mean moved")
            XCTAssertEqual(model.batchNorms[i].runningVar, start.batchNorms[i].runningVar, "bn\(i + 1) running variance moved")
        }
        return model
    }

    func testFrozenFirstBlockGradientsMatchFiniteDifferences() {
        for threads in [1, 2] {
            let model = check(FineTuning(frozenBlocks: 1), threads: threads)
            // The free block's BatchNorm still trains on batch statistics: its running averages move.
            XCTAssertNotEqual(model.batchNorms[1].runningMean, network().batchNorms[1].runningMean)
        }
    }

    func testFrozenBatchNormGradientsMatchFiniteDifferences() {
        for threads in [1, 2] { check(FineTuning(frozenBatchNorm: true), threads: threads) }
    }

    func testEverythingButTheHeadFrozen() {
        check(FineTuning(frozenBlocks: 2, frozenBatchNorm: true), threads: 2)
        // Without an input gradient backward stops above the frozen blocks: the head's gradient is the same.
        var a = network(), b = network()
        let ws = ConvNetWorkspace(network: a, batchCapacity: 2, threads: 1)
        var dInput = [Float](repeating: 0, count: input.count)
        let frozen = FineTuning(frozenBlocks: 2)
        a.zeroGradients(); b.zeroGradients()
        a.lossAndGradients(input, labels: labels, batch: 2, workspace: ws, inputGradient: &dInput, fineTuning: frozen)
        b.lossAndGradients(input, labels: labels, batch: 2, workspace: ws, fineTuning: frozen)
        XCTAssertEqual(a.fc.weight.gradient, b.fc.weight.gradient)
        XCTAssertTrue(b.fc.weight.gradient.contains { $0 != 0 })
        XCTAssertEqual(b.convolutions[1].weight.gradient, [Float](repeating: 0, count: b.convolutions[1].weight.count))
    }

    /// Adam and SGD step free parameters at their factor of η and keep no state for fixed ones.
    func testOptimisersLeaveFixedParametersAloneAndScaleTheBackbone() {
        let fineTuning = FineTuning(frozenBlocks: 1, frozenBatchNorm: true, backboneLearningRateScale: 0.1)
        let start = network()
        let scales = fineTuning.learningRateScales(start)
        XCTAssertEqual(scales, [nil, nil, nil, nil, 0.1, 0.1, nil, nil, 1, 1])
        var stepped: [ConvNet] = []
        for useAdam in [true, false] {
            var net = start
            net.updateParameters { i, p in p.gradient = randomValues(p.count, seed: 500 + UInt64(i)) }
            if useAdam {
                var adam = Adam(learningRate: 0.01)
                adam.step(&net, learningRateScales: scales)
                XCTAssertEqual(adam.m.map(\.isEmpty), scales.map { $0 == nil })
            } else {
                var sgd = SGD(learningRate: 0.01, momentum: 0.9)
                sgd.step(&net, learningRateScales: scales)
                XCTAssertEqual(sgd.velocity.map(\.isEmpty), scales.map { $0 == nil })
            }
            stepped.append(net)
        }
        for net in stepped {
            for (i, (p, q)) in zip(net.parameters, start.parameters).enumerated() {
                guard let scale = scales[i] else { XCTAssertEqual(p.value, q.value, p.name); continue }
                // SGD's first step is θ − η·g; Adam's first moves each weight by η·sign(g) (± ε).
                let moved = zip(p.value, q.value).map { abs(Double($0) - Double($1)) }.max()!
                XCTAssertLessThanOrEqual(moved, 0.01 * Double(scale) * 1.0001, p.name)
                XCTAssertGreaterThan(moved, 0.01 * Double(scale) * 0.5, p.name)
            }
        }
    }
}
