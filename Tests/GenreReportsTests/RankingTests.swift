import GenreMetrics
import XCTest

/// The one rule by which a class is picked from scores (`Ranking.swift`): the largest wins, and of equal
/// scores the lowest class index, for `argmax` and `topIndices` alike.
final class RankingTests: XCTestCase {
    func testArgmaxTiesGoToTheLowestIndex() {
        XCTAssertEqual(argmax([0.2, 0.4, 0.4] as [Float]), 1)
        XCTAssertEqual(argmax([0.25, 0.25, 0.25, 0.25] as [Double]), 0)
        XCTAssertEqual(argmax([1] as [Float]), 0)
        XCTAssertEqual(argmax([0.1, 0.2, 0.7] as [Float]), 2)
        // A slice counts from its own start.
        XCTAssertEqual(argmax(([9, 0.1, 0.5, 0.5] as [Float])[1...]), 1)
    }

    func testTopIndicesRankLargestFirstWithTiesInIndexOrder() {
        XCTAssertEqual(topIndices([0.1, 0.3, 0.3, 0.2, 0.1] as [Double], 3), [1, 2, 3])
        XCTAssertEqual(topIndices([0.1, 0.3, 0.3, 0.2, 0.1] as [Double]), [1, 2, 3, 0, 4])
        XCTAssertEqual(topIndices([0.5, 0.5] as [Float], 10), [0, 1])
        XCTAssertEqual(topIndices([0.5, 0.5] as [Float], 0), [])
    }

    /// On rows with many ties, the pointer and collection `argmax` and the first of `topIndices` agree.
    func testEveryArgmaxAgreesWithTheTopOfTheRanking() {
        var state: UInt64 = 12345
        for _ in 0..<500 {
            let row: [Float] = (0..<7).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 61) / 4  // 8 levels: ties are common
            }
            let viaPointer = row.withUnsafeBufferPointer { argmax($0.baseAddress!, row.count) }
            XCTAssertEqual(argmax(row), viaPointer, "\(row)")
            XCTAssertEqual(topIndices(row, 1), [argmax(row)], "\(row)")
            XCTAssertEqual(argmax(row), row.firstIndex(of: row.max()!), "\(row)")
        }
    }
}
