import Foundation
import XCTest
import GenreTestSupport
import SafeTensors
@testable import GenreNetwork

/// The network against PyTorch 2.15 (shared/reference/torch, README there): same weights and input → same
/// activations, logits, loss, every gradient, BatchNorm running statistics and optimiser steps.
///
/// Two references, each with a float32 file and a float64 twin holding the same input and weights (each
/// value exactly a Float), so float32 rounding can be told from real errors:
/// - `default_seed0`: the untrained default network (no BatchNorm), batch 4, two SGD-momentum steps;
/// - `default_bn_trained`: the default recipe's network (BatchNorm, time pooling) with the shipped model's
///   trained weights on 8 real segments, logits up to ±13, Adam and AdamW steps.
///
/// Tolerances are the README's where it gives them (tighter where the brief of this test asks), else the
/// tightest that the measured errors pass with a margin of 2-5×; comments give the measured figures and
/// GENRE_PRINT_ERRORS=1 prints every one.
final class TorchReferenceTests: XCTestCase {
    func loadReference(_ name: String = "default_seed0_f32") throws -> SafeTensorsFile {
        try SafeTensorsFile(path: Reference.shared("reference/torch/\(name).safetensors").path)
    }

    /// The network of `configuration` with the reference's weights, and its BatchNorm running statistics,
    /// loaded by tensor name.
    func referenceNetwork(_ file: SafeTensorsFile,
                          configuration: ConvNetConfiguration = ConvNetConfiguration(classCount: 10)) throws -> ConvNet {
        var net = ConvNet(configuration: configuration, seed: 0)
        var missing: [String] = []
        net.updateParameters { _, p in
            guard let values = try? file.floats(p.name), file.tensors[p.name]?.shape == p.shape else {
                missing.append(p.name); return
            }
            p.value = values
        }
        for (name, _) in net.buffers {
            guard let values = try? file.floats(name), net.setBuffer(name, values) else { missing.append(name); continue }
        }
        XCTAssertEqual(missing, [], "parameters or buffers missing from the reference or with other shapes")
        return net
    }

    /// The float64 file is a reference for *this* computation only if it starts from the same numbers: its
    /// input, weights and running statistics must be exactly the float32 file's (widened).
    func assertSameStart(_ f32: SafeTensorsFile, _ f64: SafeTensorsFile, _ net: ConvNet) throws {
        XCTAssertEqual(try f32.int32s("labels"), try f64.int32s("labels"))
        let names = ["input"] + net.parameters.map(\.name) + net.buffers.map(\.name)
        for name in names {
            XCTAssertTrue(try f32.floats(name).map(Double.init) == f64.doubles(name), "\(name) differs between the files")
        }
    }

    /// Asserts `error < limit`; with GENRE_PRINT_ERRORS=1 also prints the measured error.
    func expectError(_ error: Double, below limit: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        if ProcessInfo.processInfo.environment["GENRE_PRINT_ERRORS"] == "1" {
            print("measured \(what): \(error) (limit \(limit))")
        }
        XCTAssertLessThan(error, limit, what, file: file, line: line)
    }

    func logits(_ ws: ConvNetWorkspace, _ n: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: ws.logitsPointer, count: n * ws.configuration.classCount))
    }

    /// dL/dθ of every parameter and dL/dinput against `reference` (either file: `doubles` widens F32),
    /// relative to each tensor's largest magnitude; the parameters named in `absolute` are checked
    /// absolutely against their limit instead (their true gradient is 0).
    func compareGradients(_ model: ConvNet, inputGradient: [Float], with reference: SafeTensorsFile, relative: Double,
                          absolute: [String: Double] = [:], _ context: String) throws {
        for p in model.parameters {
            let expected = try reference.doubles("grad.\(p.name)")
            if let limit = absolute[p.name] {
                expectError(maxAbsoluteError(p.gradient, expected), below: limit, "grad.\(p.name) (absolute), \(context)")
            } else {
                expectError(maxRelativeError(p.gradient, expected), below: relative, "grad.\(p.name), \(context)")
            }
        }
        expectError(maxRelativeError(inputGradient, try reference.doubles("grad.input")), below: relative, "grad.input, \(context)")
    }

    // MARK: - The untrained default network (default_seed0)

    func testForwardBackwardAndSGDStepsMatchPyTorch() throws {
        let ref = try loadReference(), ref64 = try loadReference("default_seed0_f64")
        let net = try referenceNetwork(ref)
        let input = try ref.floats("input"), labels = try ref.int32s("labels")
        let n = labels.count
        XCTAssertEqual(n, 4)
        try assertSameStart(ref, ref64, net)

        for threads in [1, 2] {
            var model = net
            let ws = ConvNetWorkspace(network: model, batchCapacity: n, threads: threads)
            var dInput = [Float](repeating: .nan, count: input.count)
            model.zeroGradients()
            let loss = model.lossAndGradients(input, labels: labels, batch: n, workspace: ws, inputGradient: &dInput)
            let context = "seed0, \(threads) thread(s)"

            try checkSeedActivations(ws, ref, context)
            // Against PyTorch's float32 run, where both sides round (logits O(0.1)). Measured: logits 9e-8,
            // probabilities 3e-8, loss 0, gradients ≤ 3.3e-6 relative (conv1.bias; the README allows 1e-4).
            expectError(maxAbsoluteError(logits(ws, n), try ref.floats("logits")), below: 1e-6, "logits, \(context)")
            let probs = Array(UnsafeBufferPointer(start: ws.probabilitiesPointer, count: n * 10))
            expectError(maxAbsoluteError(probs, try ref.floats("probs")), below: 1e-7, "probs, \(context)")
            expectError(abs(Double(loss) - Double(try ref.floats("loss")[0])), below: 1e-6, "loss, \(context)")
            try compareGradients(model, inputGradient: dInput, with: ref, relative: 1e-5, "f32 \(context)")

            // Against the float64 file: what is left is our float32 rounding alone (README: PyTorch's own
            // float32 run is within ~3e-6 relative of it). Measured: logits 6e-7, loss 2e-8, gradients ≤ 1.1e-6.
            let logits64 = try ref64.doubles("logits")
            expectError(maxRelativeError(logits(ws, n), logits64), below: 1e-5, "logits vs f64, \(context)")
            let loss64 = try ref64.doubles("loss")[0]
            expectError(abs(Double(loss) - loss64) / abs(loss64), below: 1e-5, "loss vs f64, \(context)")
            try compareGradients(model, inputGradient: dInput, with: ref64, relative: 1e-5, "f64 \(context)")

            // Two SGD steps (lr 0.01, momentum 0.9) with the same gradients, as the reference made them.
            var sgd = SGD(learningRate: 0.01, momentum: 0.9)
            for step in 1...2 {
                sgd.step(&model)
                for p in model.parameters {
                    let expected = try ref.floats("step\(step).\(p.name)")
                    // Parameters are O(0.1); one Float rounding of θ − ηv is ~1e-8 absolute (measured ≤ 3e-8).
                    expectError(maxAbsoluteError(p.value, expected), below: 1e-7, "step\(step).\(p.name), \(context)")
                }
            }
        }
    }

    /// Block by block against the float32 file's activations: a failure here says which layer went wrong
    /// first. Relative to each tensor's largest magnitude (O(1)); measured ≤ 1.2e-6, growing block by block
    /// as rounding differences accumulate.
    func checkSeedActivations(_ ws: ConvNetWorkspace, _ ref: SafeTensorsFile, _ context: String) throws {
        for i in 0..<4 {
            let preact = try ref.floats("act.conv\(i + 1).preact")
            // Our buffer holds the convolution's output before pooling and ReLU.
            let ours = Array(ws.activations[i].array.prefix(preact.count))
            expectError(maxRelativeError(ours, preact), below: 5e-6, "act.conv\(i + 1).preact, \(context)")
            let pooled = try ref.floats("act.conv\(i + 1).pool")
            expectError(maxRelativeError(Array(ws.pooled[i].array.prefix(pooled.count)), pooled), below: 5e-6,
                        "act.conv\(i + 1).pool, \(context)")
        }
    }

    func testInferenceLogitsMatchPyTorchAtBatchOne() throws {
        let ref = try loadReference()
        let net = try referenceNetwork(ref)
        let input = try ref.floats("input"), expected = try ref.floats("logits")
        let ws = ConvNetWorkspace(network: net, batchCapacity: 1, threads: 1)
        let sample = 128 * 128
        for s in 0..<4 {
            input.withUnsafeBufferPointer { net.forward($0.baseAddress! + s * sample, batch: 1, workspace: ws) }
            let logits = Array(UnsafeBufferPointer(start: ws.logitsPointer, count: 10))
            // The same tolerance as the batch of four (measured ≤ 1.2e-7): a batch of one blocks the Linear
            // layer's GEMM differently, which changes the rounding only.
            expectError(maxAbsoluteError(logits, Array(expected[(s * 10)..<(s * 10 + 10)])), below: 1e-6, "sample \(s)")
        }
    }

    // MARK: - The default recipe's network at trained scales (default_bn_trained)

    /// 4 × [Conv → BatchNorm → ReLU → MaxPool] → mean over frames → Linear(512, 10); dropout off.
    static let batchNormConfiguration = ConvNetConfiguration(classCount: 10, batchNorm: true, timePooling: true)

    /// The README's limits: within 1e-5 of the float64 file on logits (inference and training mode) and
    /// loss, within 5e-5 relative on every gradient, running statistic and optimiser step. Convolution
    /// biases, whose true gradient is exactly 0 under BatchNorm, are checked absolutely (below).
    func testTrainedBatchNormNetworkMatchesPyTorch() throws {
        let ref32 = try loadReference("default_bn_trained_f32"), ref64 = try loadReference("default_bn_trained_f64")
        let net = try referenceNetwork(ref32, configuration: Self.batchNormConfiguration)
        XCTAssertEqual(net.fc.weight.shape, [10, 512])
        let input = try ref32.floats("input"), labels = try ref32.int32s("labels")
        let n = labels.count
        XCTAssertEqual(n, 8)
        try assertSameStart(ref32, ref64, net)
        // What float32 computes for dL/d convK.bias is rounding noise around 0. The README asks for ≤ 1e-6,
        // but PyTorch's own float32 run has 7.3e-6 at conv1 and 1.8e-6 at conv2: conv1's is a sum over
        // 131 072 cells of dL/dz whose magnitudes add up to ~27 per channel, so float32 noise of u·27 ≈ 1.6e-6
        // is expected. The limit is 1e-6 or PyTorch's float32 noise, whichever is larger: ours must be no
        // noisier than PyTorch's (measured: 2.1e-6, 6.5e-7, 7e-8, 5e-8 for conv1 … conv4).
        var biasLimits: [String: Double] = [:]
        for p in net.parameters where Self.isConvolutionBias(p.name) {
            biasLimits[p.name] = max(1e-6, try ref32.doubles("grad.\(p.name)").map(abs).max() ?? 0)
        }

        for threads in [1, 2] {
            let context = "bn_trained, \(threads) thread(s)"
            // Inference mode: BatchNorm with the stored running statistics.
            let inference = ConvNetWorkspace(network: net, batchCapacity: n, threads: threads, training: false)
            net.forward(input, batch: n, workspace: inference)
            expectError(maxAbsoluteError(logits(inference, n), try ref64.doubles("eval.logits")), below: 1e-5,
                        "eval.logits, \(context)")

            // Training mode: batch statistics, then backward.
            var model = net
            let ws = ConvNetWorkspace(network: model, batchCapacity: n, threads: threads)
            var dInput = [Float](repeating: .nan, count: input.count)
            model.zeroGradients()
            let loss = model.lossAndGradients(input, labels: labels, batch: n, workspace: ws, inputGradient: &dInput)
            try checkTrainedActivations(ws, ref32, n, context)
            expectError(maxAbsoluteError(logits(ws, n), try ref64.doubles("logits")), below: 1e-5, "logits, \(context)")
            expectError(abs(Double(loss) - (try ref64.doubles("loss")[0])), below: 1e-5, "loss, \(context)")
            // Measured: eval.logits 2.9e-6, logits 6.6e-6 (PyTorch float32: 2.3e-6, 1.7e-6), loss 1e-7,
            // gradients ≤ 5.5e-6 relative (bn2.bias), running statistics ≤ 9.1e-7.
            try compareGradients(model, inputGradient: dInput, with: ref64, relative: 5e-5, absolute: biasLimits, context)
            for (k, bn) in model.batchNorms.enumerated() {
                let prefix = "after_train_forward.bn\(k + 1)"
                expectError(maxRelativeError(bn.runningMean, try ref64.doubles("\(prefix).running_mean")), below: 5e-5,
                            "\(prefix).running_mean, \(context)")
                expectError(maxRelativeError(bn.runningVar, try ref64.doubles("\(prefix).running_var")), below: 5e-5,
                            "\(prefix).running_var, \(context)")
            }
            try checkAdamStepsFromReferenceGradients(model, ref64, context)
            try checkAdamStepsFromOurGradients(model, ref64, context)
        }
    }

    static func isConvolutionBias(_ name: String) -> Bool { name.hasPrefix("conv") && name.hasSuffix(".bias") }

    /// The last block's convolution and BatchNorm outputs and the time means, against PyTorch's float32
    /// run of the same training forward, relative to each tensor's largest magnitude (O(5)); measured
    /// ≤ 1.4e-6.
    func checkTrainedActivations(_ ws: ConvNetWorkspace, _ ref32: SafeTensorsFile, _ n: Int, _ context: String) throws {
        let preact = try ref32.floats("act.conv4.preact")
        XCTAssertEqual(preact.count, n * 64 * 16 * 16)
        expectError(maxRelativeError(Array(ws.activations[3].array.prefix(preact.count)), preact), below: 5e-6,
                    "act.conv4.preact, \(context)")
        // One BatchNorm output buffer serves every block; after the forward it holds block 4's.
        let normalised = try ref32.floats("act.bn4.out")
        expectError(maxRelativeError(Array(ws.batchNormOutput.array.prefix(normalised.count)), normalised), below: 5e-6,
                    "act.bn4.out, \(context)")
        let pooled = try ref32.floats("act.timepool")
        XCTAssertEqual(pooled.count, n * 512)
        expectError(maxRelativeError(Array(ws.timeMean.array.prefix(pooled.count)), pooled), below: 5e-6,
                    "act.timepool, \(context)")
    }

    /// The reference's optimisers: Adam with L2 weight decay 1e-4 added to the gradient, and AdamW with
    /// decoupled weight decay 1e-2; lr 1e-3, betas 0.9/0.999, eps 1e-8, from zero state.
    static let optimisers = [("adam", Adam(learningRate: 1e-3, weightDecay: 1e-4)),
                             ("adamw", Adam(learningRate: 1e-3, weightDecay: 1e-2, decoupledWeightDecay: true))]

    /// The optimisers alone at trained scales: fed the float64 file's own gradients (rounded to Float),
    /// two steps each must land on the file's steps for every tensor, convolution biases included (with
    /// the reference's gradients there is no float32 noise for Adam to amplify).
    func checkAdamStepsFromReferenceGradients(_ model: ConvNet, _ ref64: SafeTensorsFile, _ context: String) throws {
        var gradients: [String: [Float]] = [:]
        for p in model.parameters { gradients[p.name] = try ref64.doubles("grad.\(p.name)").map { Float($0) } }
        var fed = model
        fed.updateParameters { _, p in p.gradient = gradients[p.name] ?? [] }
        for (name, initial) in Self.optimisers {
            var optimiser = initial, stepped = fed
            for step in 1...2 {
                optimiser.step(&stepped)
                for p in stepped.parameters {
                    let key = "\(name).step\(step).\(p.name)"
                    expectError(maxRelativeError(p.value, try ref64.doubles(key)), below: 5e-5,
                                "\(key) from the reference's gradients, \(context)")
                }
            }
        }
    }

    /// End to end: two steps from the gradients we computed. Convolution biases are left out (README), and
    /// so are the few weights whose effective gradient g (+ λθ for Adam's L2 term) is below 100 ε = 1e-6 in
    /// the float64 file. A step is about −η g/(|g| + ε), whose derivative in g is η ε/(|g| + ε)²: below
    /// 100 ε, a float32 rounding difference of 1e-8 in g moves θ by a sizeable fraction of η (measured:
    /// 1e-3 relative on adamw.step2.conv3.weight, all from one weight whose g is 3.1e-8 in float64 and
    /// 1.6e-8 here, a difference of 5e-8 of the tensor's largest gradient), the README's reason for leaving
    /// out the biases. At |g| ≥ 100 ε a gradient error δ moves the step by at most 10 δ.
    func checkAdamStepsFromOurGradients(_ model: ConvNet, _ ref64: SafeTensorsFile, _ context: String) throws {
        for (name, initial) in Self.optimisers {
            var optimiser = initial, stepped = model
            var wellConditioned: [String: [Bool]] = [:], excluded = 0, total = 0
            for p in model.parameters where !Self.isConvolutionBias(p.name) {
                let g = try ref64.doubles("grad.\(p.name)"), theta = try ref64.doubles(p.name)
                let decay = initial.decoupledWeightDecay ? 0 : Double(initial.weightDecay)
                wellConditioned[p.name] = g.indices.map { abs(g[$0] + decay * theta[$0]) >= 1e-6 }
                excluded += wellConditioned[p.name]!.filter { !$0 }.count
                total += g.count
            }
            // The exclusion must stay an exception (in this file: 13 of 65 530 for Adam, 32 for AdamW).
            XCTAssertLessThan(Double(excluded) / Double(total), 1e-3, "\(name): ill-conditioned weights, \(context)")
            for step in 1...2 {
                optimiser.step(&stepped)
                for p in stepped.parameters {
                    guard let keep = wellConditioned[p.name] else { continue }
                    let key = "\(name).step\(step).\(p.name)"
                    let expected = try ref64.doubles(key)
                    let scale = expected.map(abs).max() ?? 0
                    let error = p.value.indices.filter { keep[$0] }.map { abs(Double(p.value[$0]) - expected[$0]) }.max() ?? 0
                    expectError(error / scale, below: 5e-5, "\(key), \(context)")
                }
            }
        }
    }
}
