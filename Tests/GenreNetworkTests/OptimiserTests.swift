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
