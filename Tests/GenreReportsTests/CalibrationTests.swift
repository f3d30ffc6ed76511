import Foundation
import XCTest
@testable import GenreMetrics
import GenreReports

/// Issue 17's calibration measures: expected calibration error on a hand-computed case, and the temperature fit
/// (Guo et al. 2017, with a clip's probability the mean of its segments' softmax(z/T)) against a brute-force search.
final class CalibrationTests: XCTestCase {
    /// 15 equal-width bins of the top probability, ((k−1)/15, k/15]. Five clips by hand:
    ///   0.95 right, 0.97 wrong → bin 15: accuracy 1/2, confidence 0.96, |gap| 0.46, weight 2/5
    ///   0.50 right            → bin 8 (7/15 = 0.467 < 0.5 ≤ 0.533): gap 0.50, weight 1/5
    ///   0.30 wrong, 0.31 wrong → bin 5 (0.267 < p ≤ 0.333): accuracy 0, confidence 0.305, weight 2/5
    /// ECE = 2/5·0.46 + 1/5·0.5 + 2/5·0.305 = 0.184 + 0.1 + 0.122 = 0.406.
    func testExpectedCalibrationErrorOfAHandCase() {
        let ece = Calibration.expectedCalibrationError(confidences: [0.95, 0.97, 0.5, 0.3, 0.31],
                                                       correct: [true, false, true, false, false])
        XCTAssertEqual(ece, 0.406, accuracy: 1e-12)
        // A bin edge belongs to the bin below it: 1/15 is bin 1, just above it bin 2.
        XCTAssertEqual(Calibration.bin(of: 1.0 / 15, bins: 15), 0)
        XCTAssertEqual(Calibration.bin(of: 1.0 / 15 + 1e-9, bins: 15), 1)
        XCTAssertEqual(Calibration.bin(of: 1, bins: 15), 14)
        XCTAssertEqual(Calibration.bin(of: 0, bins: 15), 0)
        // Perfectly calibrated: every clip in a bin whose accuracy equals its confidence.
        XCTAssertEqual(Calibration.expectedCalibrationError(confidences: [1, 1, 0.5, 0.5], correct: [true, true, true, false]),
                       0, accuracy: 1e-12)
        XCTAssertEqual(Calibration.expectedCalibrationError(confidences: [], correct: []), 0)
    }

    /// A clip's probability under T is the mean of its segments' softmax(z/T); T = 1 is the plain mean.
    func testClipProbabilitiesUnderATemperature() {
        let clip: [[Float]] = [[2, 0, 0], [0, 1, 0]]
        let p1 = Calibration.clipProbabilities(clip, temperature: 1)
        let e: [Double] = [exp(2.0), 1, 1], f: [Double] = [1, exp(1.0), 1]
        let eSum = e.reduce(0, +), fSum = f.reduce(0, +)
        let expected: [Double] = (0..<3).map { k in (e[k] / eSum + f[k] / fSum) / 2 }
        for k in 0..<3 { XCTAssertEqual(p1[k], expected[k], accuracy: 1e-12) }
        // T → ∞ flattens every segment to uniform.
        for p in Calibration.clipProbabilities(clip, temperature: 1e6) { XCTAssertEqual(p, 1.0 / 3, accuracy: 1e-6) }
    }

    /// The fitted T minimises the mean NLL: a brute-force search over 20 001 log-spaced temperatures in [0.05, 20]
    /// finds no lower NLL, and the fit lands within that grid's spacing of the grid's best.
    func testTheTemperatureFitMatchesABruteForceSearch() throws {
        var state: UInt64 = 12345
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        // 40 clips of 1–4 segments over 5 classes, over-confident: logits scaled ×4, 60 % of clips labelled by their
        // largest mean logit.
        var clips: [[[Float]]] = [], labels: [Int] = []
        for c in 0..<40 {
            let segments = (0..<(1 + c % 4)).map { _ in (0..<5).map { _ in 4 * (uniform() * 2 - 1) } }
            clips.append(segments)
            let mean = (0..<5).map { k in segments.map { $0[k] }.reduce(0, +) }
            labels.append(c % 5 < 3 ? mean.indices.max { mean[$0] < mean[$1] }! : c % 5)
        }
        let fit = try XCTUnwrap(Calibration.fitTemperature(segmentLogits: clips, labels: labels))
        let grid = (0...20000).map { exp(log(0.05) + (log(20.0) - log(0.05)) * Double($0) / 20000) }
        let nll = grid.map { Calibration.negativeLogLikelihood(segmentLogits: clips, labels: labels, temperature: $0) }
        let best = nll.indices.min { nll[$0] < nll[$1] }!
        XCTAssertLessThanOrEqual(Calibration.negativeLogLikelihood(segmentLogits: clips, labels: labels, temperature: fit),
                                 nll[best] + 1e-9)
        XCTAssertEqual(log(fit), log(grid[best]), accuracy: (log(20.0) - log(0.05)) / 20000)
        XCTAssertGreaterThan(fit, 1, "over-confident logits are softened")
        // No clips: nothing to fit.
        XCTAssertNil(Calibration.fitTemperature(segmentLogits: [], labels: []))
    }

    /// `figures` on three clips by hand: accuracy, NLL and the reliability bins, and ECE from them.
    func testFiguresOfAHandCase() {
        let probabilities: [[Double]] = [[0.7, 0.2, 0.1], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6]]
        let f = Calibration.figures(probabilities: probabilities, labels: [0, 1, 2], temperature: 1.5)
        XCTAssertEqual(f.accuracy, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(f.negativeLogLikelihood, -(log(0.7) + log(0.4) + log(0.6)) / 3, accuracy: 1e-12)
        XCTAssertEqual(f.temperature, 1.5)
        XCTAssertEqual(f.bins.count, 15)
        // 0.5 is the edge of bin 8 (7/15 < 0.5 ≤ 8/15); 0.6 and 0.7 fall in bins 9 and 11.
        XCTAssertEqual(f.bins[7], ReliabilityBin(lower: 7.0 / 15, upper: 8.0 / 15, clips: 1, confidence: 0.5, accuracy: 0))
        XCTAssertEqual(f.bins[8].clips, 1)
        XCTAssertEqual(f.bins[10].accuracy, 1)
        XCTAssertEqual(f.bins.reduce(0) { $0 + $1.clips }, 3)
        XCTAssertEqual(f.expectedCalibrationError, (0.5 + 0.4 + 0.3) / 3, accuracy: 1e-12)
    }

    /// Pooling disjoint sets gives exactly the figures of all their clips together.
    func testPooledFiguresEqualTheWhole() {
        let a: [[Double]] = [[0.9, 0.1], [0.6, 0.4], [0.55, 0.45]], b: [[Double]] = [[0.2, 0.8], [0.95, 0.05]]
        let la = [0, 1, 0], lb = [1, 1]
        let whole = Calibration.figures(probabilities: a + b, labels: la + lb, temperature: 1)
        let pooled = CalibrationFigures.pooled([Calibration.figures(probabilities: a, labels: la, temperature: 1),
                                                Calibration.figures(probabilities: b, labels: lb, temperature: 1)])
        XCTAssertEqual(pooled.clips, 5)
        XCTAssertEqual(pooled.accuracy, whole.accuracy, accuracy: 1e-12)
        XCTAssertEqual(pooled.negativeLogLikelihood, whole.negativeLogLikelihood, accuracy: 1e-12)
        XCTAssertEqual(pooled.expectedCalibrationError, whole.expectedCalibrationError, accuracy: 1e-12)
        XCTAssertEqual(pooled.bins.map(\.clips), whole.bins.map(\.clips))
    }

    /// The recorded threshold keeps 90 % of the right answers: at most ⌊0.1·n⌋ of the n right clips fall below it.
    func testTheConfidenceThresholdOfAHandCase() {
        // 20 right clips at 0.05, 0.10, …, 1.00 and 5 wrong ones (ignored): ⌊0.1·20⌋ = 2 may fall below, so 0.15.
        let rightOnes = (1...20).map { Double($0) * 0.05 }
        let confidences = rightOnes + [0.01, 0.02, 0.99, 0.5, 0.3], correct = Array(repeating: true, count: 20) + Array(repeating: false, count: 5)
        XCTAssertEqual(Calibration.confidenceThreshold(confidences: confidences, correct: correct)!, 0.15, accuracy: 1e-12)
        let flagged = rightOnes.filter { $0 < 0.15 - 1e-12 }.count
        XCTAssertEqual(flagged, 2)
        // 30 right: ⌊3.0⌋ = 3 (not 2 from 0.1·30 rounding below 3).
        XCTAssertEqual(Calibration.confidenceThreshold(confidences: (1...30).map(Double.init), correct: Array(repeating: true, count: 30)), 4)
        // Two right: ⌊0.2⌋ = 0 may fall below, so the lowest right answer is the threshold.
        XCTAssertEqual(Calibration.confidenceThreshold(confidences: [0.9, 0.4, 0.8], correct: [true, true, false]), 0.4)
        XCTAssertNil(Calibration.confidenceThreshold(confidences: [0.9, 0.8], correct: [false, false]))
        XCTAssertNil(Calibration.confidenceThreshold(confidences: [], correct: []))
    }

    func testSelectiveFigures() {
        let s = SelectiveFigures(threshold: 0.5, confidences: [0.9, 0.4, 0.5, 0.3], correct: [true, true, false, false])
        XCTAssertEqual([s.clips, s.flagged], [4, 2])
        XCTAssertEqual(s.flaggedShare, 0.5)
        XCTAssertEqual(s.answeredAccuracy, 0.5)
        XCTAssertNil(SelectiveFigures(threshold: 1, confidences: [0.9], correct: [true]).answeredAccuracy)
    }

    /// The text table keeps its heading whole and its columns aligned, however long the heading is.
    func testTheTextTableKeepsALongHeadingWhole() {
        let f = CalibrationFigures(temperature: 1, clips: 153, accuracy: 0.5, negativeLogLikelihood: 1, expectedCalibrationError: 0.1, bins: [])
        let lines = ReliabilityDiagram.lines(CalibrationComparison(before: f, after: f))
        XCTAssertTrue(lines[0].hasPrefix("calibration (153 clips)  accuracy"), lines[0])
        let column = lines[0].range(of: "accuracy")!.upperBound.utf16Offset(in: lines[0])
        // Each row's accuracy ends one column past the word, as in the usual short-heading table.
        for row in lines.dropFirst() { XCTAssertEqual(row.range(of: "%")!.upperBound.utf16Offset(in: row), column + 1, row) }
        XCTAssertTrue(lines[2].hasPrefix("  T = 1 (the model's)"), lines[2])
        // crossval pools folds of different temperatures: no single T is "the model's".
        let pooled = ReliabilityDiagram.lines(CalibrationComparison(before: f, after: f), calibrated: "each fold's T")
        XCTAssertTrue(pooled[2].hasPrefix("  each fold's T "), pooled[2])
    }
}
