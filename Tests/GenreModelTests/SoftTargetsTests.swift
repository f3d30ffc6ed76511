import GenreNetwork
import XCTest
@testable import GenreModel

final class SoftTargetsTests: XCTestCase {
    func testLabelSmoothingTargetsAreOneMinusEpsilonPlusEpsilonOverK() {
        let (n, k, cells) = (2, 4, 3)
        var input: [Float] = [1, 2, 3, 4, 5, 6], scratch = [Float](repeating: 0, count: n * cells)
        var targets = [Float](repeating: .nan, count: n * k)
        var g = SeededGenerator(seed: 1)
        SoftTargets(labelSmoothing: 0.2).apply(input: &input, scratch: &scratch, cells: cells, labels: [3, 0],
                                               targets: &targets, batch: n, classes: k, generator: &g)
        XCTAssertEqual(input, [1, 2, 3, 4, 5, 6], "label smoothing alone leaves the inputs")
        for (i, t) in targets.enumerated() {
            XCTAssertEqual(t, i == 3 || i == 4 ? 0.85 : 0.05, accuracy: 1e-7, "target \(i)")
        }
    }

    func testMixupMixesPairsOfTheBatchWithTheWeightsOfItsTargets() {
        // Example j is the unit vector e_j, so its mix λ·e_j + (1 − λ)·e_p shows λ and the partner p.
        let (n, k) = (5, 3)
        let cells = n, labels: [Int32] = [0, 1, 2, 1, 0], (epsilon, off) = (Float(0.1), Float(0.1) / 3)
        var lambdas = Set<Float>()
        for seed in 0..<50 {
            var input = [Float](repeating: 0, count: n * cells)
            for j in 0..<n { input[j * cells + j] = 1 }
            var scratch = [Float](repeating: 0, count: n * cells), targets = [Float](repeating: .nan, count: n * k)
            var g = SeededGenerator(seed: UInt64(seed))
            SoftTargets(mixup: 0.4, labelSmoothing: epsilon).apply(input: &input, scratch: &scratch, cells: cells,
                                                                   labels: labels, targets: &targets, batch: n,
                                                                   classes: k, generator: &g)
            // λ from any example mixed with another (a fixed point of the pairing reads 1).
            let lambda = (0..<n).map { input[$0 * cells + $0] }.first { $0 < 1 } ?? 1
            var partners = Set<Int>()
            for j in 0..<n {
                let row = Array(input[(j * cells)..<(j * cells + cells)])
                let p = row.indices.first { $0 != j && row[$0] != 0 } ?? j
                partners.insert(p)
                if p != j {
                    XCTAssertEqual(row[j], lambda, accuracy: 1e-6, "one λ for the batch, seed \(seed)")
                    XCTAssertEqual(row[p], 1 - lambda, accuracy: 1e-6)
                } else {
                    XCTAssertEqual(row[j], 1, accuracy: 1e-6)
                }
                var expected = [Float](repeating: off, count: k)
                let w = p == j ? 1 : lambda
                expected[Int(labels[j])] += w * (1 - epsilon)
                expected[Int(labels[p])] += (1 - w) * (1 - epsilon)
                for c in 0..<k { XCTAssertEqual(targets[j * k + c], expected[c], accuracy: 1e-6, "seed \(seed), example \(j)") }
            }
            XCTAssertEqual(partners.count, n, "the partners are a permutation of the batch")
            lambdas.insert(lambda)
        }
        XCTAssertGreaterThan(lambdas.count, 40, "λ is drawn afresh for each batch")
    }

    func testBetaDrawsHaveTheMeanAndVarianceOfBetaAA() {
        for a in [0.2, 0.4, 1.0] {
            var g = SeededGenerator(seed: 9)
            let draws = (0..<40_000).map { _ in SoftTargets.beta(a, using: &g) }
            XCTAssertTrue(draws.allSatisfy { $0 >= 0 && $0 <= 1 })
            let mean = draws.reduce(0, +) / Double(draws.count)
            let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)
            let expected = 1 / (4 * (2 * a + 1))   // Var Beta(a, a) = 1 / (4 (2a + 1))
            // Standard errors at 40 000 draws: mean ≈ 0.0025, variance well under 1 %.
            XCTAssertEqual(mean, 0.5, accuracy: 0.01, "a = \(a)")
            XCTAssertEqual(variance, expected, accuracy: 0.03 * expected, "a = \(a)")
        }
    }
}
