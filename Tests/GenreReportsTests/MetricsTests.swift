import Foundation
import XCTest
@testable import GenreMetrics

/// Scores of a hand-computed confusion matrix, undefined cases, and the exact text renderings.
final class MetricsTests: XCTestCase {
    /// rows = true, columns = predicted, classes a b c d:
    ///   a: 3 1 0 0   (support 4)
    ///   b: 1 2 1 0   (support 4)
    ///   c: 0 0 0 0   (support 0: recall undefined; predicted once: precision 0)
    ///   d: 2 0 0 0   (support 2, never predicted: precision undefined)
    /// Column sums 6 3 1 0. By hand: precision a 3/6, b 2/3, c 0/1, d n/a; recall a 3/4, b 2/4,
    /// c n/a, d 0/2; F1 = 2TP/(2TP+FP+FN): a 6/10, b 4/7, c 0/1, d 0/2; accuracy 5/10; macro F1 over
    /// a, b, d = (0.6 + 4/7 + 0)/3; balanced accuracy = (3/4 + 1/2 + 0)/3 = 5/12.
    func handMatrix() -> ConfusionMatrix {
        var m = ConfusionMatrix(classNames: ["a", "b", "c", "d"])
        let pairs = [(0, 0), (0, 0), (0, 0), (0, 1), (1, 0), (1, 1), (1, 1), (1, 2), (3, 0), (3, 0)]
        for (t, p) in pairs { m.add(trueLabel: t, predicted: p) }
        return m
    }

    func testHandComputedScores() throws {
        let m = handMatrix()
        XCTAssertEqual(m.counts, [[3, 1, 0, 0], [1, 2, 1, 0], [0, 0, 0, 0], [2, 0, 0, 0]])
        XCTAssertEqual(m.total, 10)
        XCTAssertEqual(m.accuracy, 0.5)
        XCTAssertEqual(m.precision(0), 0.5)
        XCTAssertEqual(try XCTUnwrap(m.precision(1)), 2.0 / 3.0, accuracy: 1e-15)
        XCTAssertEqual(m.precision(2), 0)
        XCTAssertNil(m.precision(3))
        XCTAssertEqual(m.recall(0), 0.75)
        XCTAssertEqual(m.recall(1), 0.5)
        XCTAssertNil(m.recall(2))
        XCTAssertEqual(m.recall(3), 0)
        XCTAssertEqual(try XCTUnwrap(m.f1(0)), 0.6, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(m.f1(1)), 4.0 / 7.0, accuracy: 1e-15)
        XCTAssertEqual(m.f1(2), 0)
        XCTAssertEqual(m.f1(3), 0)
        XCTAssertEqual([0, 1, 2, 3].map(m.support), [4, 4, 0, 2])
        XCTAssertEqual(m.macroF1, (0.6 + 4.0 / 7.0 + 0) / 3, accuracy: 1e-15)
        XCTAssertEqual(m.balancedAccuracy, 5.0 / 12.0, accuracy: 1e-15)
    }

    func testF1IsZeroWhenPrecisionAndRecallAreZero() {
        var m = ConfusionMatrix(classNames: ["x", "y"])
        m.add(trueLabel: 0, predicted: 1)
        m.add(trueLabel: 1, predicted: 0)
        XCTAssertEqual(m.f1(0), 0)
        XCTAssertEqual(m.f1(1), 0)
        XCTAssertEqual(m.macroF1, 0)
        XCTAssertEqual(m.accuracy, 0)
    }

    func testEmptyMatrixIsZeroNotNaN() {
        let m = ConfusionMatrix(classNames: ["x", "y"])
        XCTAssertEqual(m.total, 0)
        XCTAssertEqual(m.accuracy, 0)
        XCTAssertEqual(m.macroF1, 0)
        XCTAssertEqual(m.balancedAccuracy, 0)
        XCTAssertNil(m.precision(0))
        XCTAssertNil(m.recall(0))
        XCTAssertNil(m.f1(0), "a class that is neither true nor predicted has no F1")
        XCTAssertFalse(m.perClassTable().lowercased().contains("nan"))
    }

    func testPerfectPredictions() {
        var m = ConfusionMatrix(classNames: ["x", "y", "z"])
        for k in 0..<3 { for _ in 0...k { m.add(trueLabel: k, predicted: k) } }
        XCTAssertEqual(m.accuracy, 1)
        XCTAssertEqual(m.macroF1, 1)
        XCTAssertEqual(m.balancedAccuracy, 1)
    }

    func testPerClassCSVExactText() {
        XCTAssertEqual(handMatrix().perClassCSV(), """
            class,precision,recall,f1,support
            a,0.5,0.75,0.6,4
            b,0.6666666666666666,0.5,0.5714285714285714,4
            c,0.0,n/a,0.0,0
            d,n/a,0.0,0.0,2

            """)
    }

    func testConfusionCSVExactTextAndQuoting() {
        XCTAssertEqual(handMatrix().confusionCSV(), """
            true\\predicted,a,b,c,d
            a,3,1,0,0
            b,1,2,1,0
            c,0,0,0,0
            d,2,0,0,0

            """)
        var m = ConfusionMatrix(classNames: ["r&b, soul", "say \"hi\""])
        m.add(trueLabel: 0, predicted: 1)
        XCTAssertEqual(m.confusionCSV(), "true\\predicted,\"r&b, soul\",\"say \"\"hi\"\"\"\n\"r&b, soul\",0,1\n\"say \"\"hi\"\"\",0,0\n")
    }

    func testPerClassTableIsAlignedWithNA() {
        let text = handMatrix().perClassTable()
        XCTAssertEqual(text, """
            class              precision  recall     F1  support
            a                      0.500   0.750  0.600        4
            b                      0.667   0.500  0.571        4
            c                      0.000     n/a  0.000        0
            d                        n/a   0.000  0.000        2

            accuracy           0.500  (10 samples)
            macro F1           0.390
            balanced accuracy  0.417

            """)
    }

    func testTextTableForGTZANFitsIn100ColumnsWithFullNames() {
        let genres = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
        var m = ConfusionMatrix(classNames: genres)
        for t in 0..<10 { for p in 0..<10 { for _ in 0..<(t == p ? 100 : (t + p) % 3) { m.add(trueLabel: t, predicted: p) } } }
        let lines = m.textTable().split(separator: "\n")
        XCTAssertEqual(lines.count, 11)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 100 }, m.textTable())
        XCTAssertEqual(lines[0].split(separator: " ").map(String.init), ["true\\pred"] + genres)
        XCTAssertEqual(lines[2].split(separator: " ").map(String.init), ["classical", "1", "100", "0", "1", "2", "0", "1", "2", "0", "1"])
        // All rows end in the same column (right-aligned counts).
        XCTAssertEqual(Set(lines.map(\.count)).count, 1)
    }

    func testTextTableSmallExactAndLongNamesFallBack() {
        XCTAssertEqual(handMatrix().textTable(), """
            true\\pred  a  b  c  d
            a          3  1  0  0
            b          1  2  1  0
            c          0  0  0  0
            d          2  0  0  0

            """)
        let long = (0..<10).map { "a-very-long-genre-name-\($0)" }
        var m = ConfusionMatrix(classNames: long)
        m.add(trueLabel: 0, predicted: 9)
        let lines = m.textTable().split(separator: "\n")
        XCTAssertEqual(lines[0].split(separator: " ").map(String.init), ["true\\pred"] + (0..<10).map(String.init))
        XCTAssertTrue(lines[1].hasPrefix("0 a-very-long-genre-name-0"))
        XCTAssertTrue(lines.allSatisfy { $0.count <= 100 })
    }

    func testCodableRoundTripAndValidation() throws {
        let m = handMatrix()
        let data = try JSONEncoder().encode(m)
        XCTAssertEqual(try JSONDecoder().decode(ConfusionMatrix.self, from: data), m)
        for bad in [#"{"classNames":["a","b"],"counts":[[1,2]]}"#, #"{"classNames":["a"],"counts":[[-1]]}"#, #"{"classNames":["a"],"counts":[[1,2]]}"#] {
            XCTAssertThrowsError(try JSONDecoder().decode(ConfusionMatrix.self, from: Data(bad.utf8)))
        }
    }
}
