import XCTest
@testable import GenreNetwork

final class OptimiserTests: XCTestCase {
    /// Hand-computed heavy-ball updates: v1 = g, θ1 = θ0 − η g; v2 = μ g + g, θ2 = θ1 − η v2.
    func testSGDMomentumMatchesHandComputedSteps() {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 2, inputWidth: 2, channels: [1],
                                          classCount: 2)
        var net = ConvNet(configuration: config, seed: 0)
        net.updateParameters { i, p in
            p.value = (0..<p.count).map { Float($0 + 1) }
            p.gradient = (0..<p.count).map { Float(i + 1) * 0.5 + Float($0) }
        }
        let before = net.parameters
        var sgd = SGD(learningRate: 0.1, momentum: 0.9)
        sgd.step(&net)
        for (p, q) in zip(before, net.parameters) {
            for j in 0..<p.count { XCTAssertEqual(q.value[j], p.value[j] - 0.1 * p.gradient[j], accuracy: 1e-6) }
        }
        sgd.step(&net)
        for (p, q) in zip(before, net.parameters) {
            for j in 0..<p.count {
                let g = p.gradient[j]
                XCTAssertEqual(q.value[j], p.value[j] - 0.1 * g - 0.1 * (0.9 * g + g), accuracy: 1e-6)
            }
        }
    }

    /// Two steps from θ = (0.5, −1) with gradients (0.2, 0.3) then (0.2, −0.1), η = 0.1. By hand for the
    /// first element with a constant gradient, Adam moves by η per step (m̂ = g, v̂ = g²): 0.5 → 0.4 → 0.3;
    /// with L2 λ = 0.1 the first step sees g = 0.25 (still −η), the second g = 0.24 and
    /// m̂ = 0.0465 / 0.19, v̂ = 1.200375e-4 / 0.001999, giving 0.300127; AdamW shrinks θ by 1 − ηλ first:
    /// 0.495 − 0.1 = 0.395, then 0.39105 − 0.1 = 0.29105. The expected values are PyTorch's
    /// (torch.optim.Adam / AdamW / SGD, float64), which agree with those hand figures.
    func testAdamAdamWAndSGDWeightDecayMatchHandComputedSteps() {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 2, inputWidth: 2, channels: [1], classCount: 2)
        let cases: [(String, [[Double]])] = [
            ("adam", [[0.40000000499999977, -1.0999999966666667], [0.3000000100000002, -1.1400218520719192]]),
            ("adam-l2", [[0.4000000039999998, -1.0999999950000001], [0.30012719604694144, -1.0923001970306054]]),
            ("adamw", [[0.39500000499999977, -1.0899999966666667], [0.2910500099500002, -1.1191218521052526]]),
            ("sgd-l2", [[0.475, -1.02], [0.42774999999999996, -1.0178]]),
        ]
        for (name, expected) in cases {
            var net = ConvNet(configuration: config, seed: 0)
            net.updateParameters { _, p in p.value = (0..<p.count).map { $0 % 2 == 0 ? 0.5 : -1 } }
            var adam = Adam(learningRate: 0.1, weightDecay: name == "adam" ? 0 : 0.1, decoupledWeightDecay: name == "adamw")
            var sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.1)
            for (step, gradient) in [[Float(0.2), 0.3], [0.2, -0.1]].enumerated() {
                net.updateParameters { _, p in p.gradient = (0..<p.count).map { gradient[$0 % 2] } }
                if name == "sgd-l2" { sgd.step(&net) } else { adam.step(&net) }
                for p in net.parameters {
                    for (i, v) in p.value.enumerated() {
                        XCTAssertEqual(Double(v), expected[step][i % 2], accuracy: 2e-7, "\(name) step \(step + 1) \(p.name)[\(i)]")
                    }
                }
            }
        }
    }

    /// η(e) = η₀(1 + cos(πe/T))/2: by hand for T = 10, η₀ = 0.1: 0.1 at e = 0, 0.0904508 at e = 2
    /// ((1 + cos 36°)/2 = 0.9045085), 0.05 halfway, 0.0095492 at e = 8.
    func testCosineScheduleAnnealsToZero() {
        let cosine = CosineLR(initial: 0.1, epochs: 10)
        XCTAssertEqual(cosine.learningRate(epoch: 0), 0.1, accuracy: 1e-9)
        XCTAssertEqual(cosine.learningRate(epoch: 2), 0.0904508, accuracy: 1e-7)
        XCTAssertEqual(cosine.learningRate(epoch: 5), 0.05, accuracy: 1e-8)
        XCTAssertEqual(cosine.learningRate(epoch: 8), 0.0095492, accuracy: 1e-7)
        let rates = (0..<10).map(cosine.learningRate)
        XCTAssertEqual(rates, rates.sorted(by: >), "monotonically decreasing")
    }

    func testStepLRHalvesEveryTenEpochs() {
        let schedule = StepLR(initial: 0.01)
        XCTAssertEqual(schedule.learningRate(epoch: 0), 0.01)
        XCTAssertEqual(schedule.learningRate(epoch: 9), 0.01)
        XCTAssertEqual(schedule.learningRate(epoch: 10), 0.005)
        XCTAssertEqual(schedule.learningRate(epoch: 29), 0.0025)
        XCTAssertEqual(StepLR(initial: 1, stepSize: 3, gamma: 0.1).learningRate(epoch: 6), 0.01, accuracy: 1e-9)
    }

    func testSeededGeneratorIsReproducibleAndUniform() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<1000).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<1000).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<1000).map { _ in c.next() })
        var u = SeededGenerator(seed: 1)
        let floats = (0..<100_000).map { _ in u.nextUnitFloat() }
        XCTAssertTrue(floats.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(floats.reduce(0, +) / Float(floats.count), 0.5, accuracy: 0.01)
    }
}
