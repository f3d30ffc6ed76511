@testable import GenreModel
import XCTest

/// `TimelineRun`: merging consecutive segments of the same top genre, and keeping them one each.
final class TimelineTests: XCTestCase {
    func segment(_ i: Int, _ genre: String, _ p: Double) -> Prediction.SegmentTop {
        Prediction.SegmentTop(start: 3.0 * Double(i), end: 3.0 * Double(i + 1), genre: genre, probability: p,
                              probabilities: [genre: p])
    }

    func testConsecutiveSegmentsMergeWithTheMeanProbability() {
        let timeline = [segment(0, "metal", 0.9), segment(1, "metal", 0.7), segment(2, "metal", 0.8),
                        segment(3, "rock", 0.6), segment(4, "metal", 0.5), segment(5, "metal", 0.25)]
        let runs = TimelineRun.merging(timeline)
        XCTAssertEqual(runs.map(\.genre), ["metal", "rock", "metal"], "a genre that comes back starts a new run")
        XCTAssertEqual(runs.map(\.segments), [3, 1, 2])
        XCTAssertEqual(runs.map(\.start), [0, 9, 12])
        XCTAssertEqual(runs.map(\.end), [9, 12, 18])
        XCTAssertEqual(runs[0].probability, 0.8, accuracy: 1e-15)
        XCTAssertEqual(runs[1].probability, 0.6)
        XCTAssertEqual(runs[2].probability, 0.375, accuracy: 1e-15)
    }

    func testUnmergedKeepsOneRunPerSegmentAndEmptyStaysEmpty() {
        let timeline = [segment(0, "jazz", 0.5), segment(1, "jazz", 0.75)]
        XCTAssertEqual(TimelineRun.unmerged(timeline).map(\.probability), [0.5, 0.75])
        XCTAssertEqual(TimelineRun.unmerged(timeline).map(\.end), [3, 6])
        XCTAssertEqual(TimelineRun.merging(timeline).count, 1)
        XCTAssertEqual(TimelineRun.merging([]), [])
    }
}
