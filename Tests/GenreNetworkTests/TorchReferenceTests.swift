import XCTest
import GenreTestSupport
import SafeTensors
@testable import GenreNetwork

/// The default network against PyTorch 2.15 (shared/reference/torch/default_seed0_f32.safetensors):
/// same weights and input → same activations, logits, loss, every gradient and two SGD-momentum steps.
/// Tolerances are the reference README's: logits and loss within 1e-4 absolute, every gradient within 1e-4
/// relative to that tensor's largest magnitude.
final class TorchReferenceTests: XCTestCase {
    func loadReference(_ name: String = "default_seed0_f32") throws -> SafeTensorsFile {
        try SafeTensorsFile(path: Reference.shared("reference/torch/\(name).safetensors").path)
    }

    /// The default network with PyTorch's weights loaded by tensor name.
    func referenceNetwork(_ file: SafeTensorsFile) throws -> ConvNet {
        var net = ConvNet(configuration: ConvNetConfiguration(classCount: 10), seed: 0)
        var missing: [String] = []
        net.updateParameters { _, p in
            guard let values = try? file.floats(p.name), file.tensors[p.name]?.shape == p.shape else {
                missing.append(p.name); return
            }
            p.value = values
        }
        XCTAssertEqual(missing, [], "parameters missing from the reference or with other shapes")
        return net
    }

    func testForwardBackwardAndSGDStepsMatchPyTorch() throws {
        let ref = try loadReference()
        var net = try referenceNetwork(ref)
        let input = try ref.floats("input"), labels = try ref.int32s("labels")
        let n = labels.count
        XCTAssertEqual(n, 4)

        for threads in [1, 2] {
            var model = net
            let ws = ConvNetWorkspace(network: model, batchCapacity: n, threads: threads)
            var dInput = [Float](repeating: .nan, count: input.count)
            model.zeroGradients()
            let loss = model.lossAndGradients(input, labels: labels, batch: n, workspace: ws, inputGradient: &dInput)
            let context = "\(threads) thread(s)"

            // Activations block by block: a failure here says which layer went wrong first.
            for i in 0..<4 {
                let preact = try ref.floats("act.conv\(i + 1).preact")
                // Our buffer holds the convolution's output before pooling and ReLU.
                let ours = ws.activations[i].array.prefix(preact.count)
                XCTAssertLessThan(maxAbsoluteError(Array(ours), preact), 1e-4, "conv\(i + 1) pre-activation, \(context)")
                let pooled = try ref.floats("act.conv\(i + 1).pool")
                XCTAssertLessThan(maxAbsoluteError(Array(ws.pooled[i].array.prefix(pooled.count)), pooled), 1e-4,
                                  "conv\(i + 1) pool, \(context)")
            }
            let logits = Array(UnsafeBufferPointer(start: ws.logitsPointer, count: n * 10))
            XCTAssertLessThan(maxAbsoluteError(logits, try ref.floats("logits")), 1e-4, "logits, \(context)")
            let probs = Array(UnsafeBufferPointer(start: ws.probabilitiesPointer, count: n * 10))
            XCTAssertLessThan(maxAbsoluteError(probs, try ref.floats("probs")), 1e-5, "probs, \(context)")
            XCTAssertEqual(loss, try ref.floats("loss")[0], accuracy: 1e-4, "loss, \(context)")

            for p in model.parameters {
                let expected = try ref.floats("grad.\(p.name)")
                XCTAssertLessThan(maxRelativeError(p.gradient, expected), 1e-4, "grad.\(p.name), \(context)")
            }
            XCTAssertLessThan(maxRelativeError(dInput, try ref.floats("grad.input")), 1e-4, "grad.input, \(context)")

            // Two SGD steps (lr 0.01, momentum 0.9) with the same gradients, as the reference made them.
            var sgd = SGD(learningRate: 0.01, momentum: 0.9)
            for step in 1...2 {
                sgd.step(&model)
                for p in model.parameters {
                    let expected = try ref.floats("step\(step).\(p.name)")
                    // Parameters are O(0.1); one Float rounding of θ − ηv is ~1e-8 absolute.
                    XCTAssertLessThan(maxAbsoluteError(p.value, expected), 1e-6, "step\(step).\(p.name), \(context)")
                }
            }
        }
        net.zeroGradients()
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
            XCTAssertLessThan(maxAbsoluteError(logits, Array(expected[(s * 10)..<(s * 10 + 10)])), 1e-4, "sample \(s)")
        }
    }
}
