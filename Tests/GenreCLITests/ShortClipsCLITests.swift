import Foundation
import XCTest

/// A dataset of clips all shorter than --min-duration (issue 15): the run says how many were too short and what to
/// do, instead of "fewer than two genres … (found: )"; make-dataset warns when it writes such clips.
final class ShortClipsCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func testADatasetOfTooShortClipsSaysSoAndSuggestsMinDuration() throws {
        let make = try genre(["make-dataset", "data", "--clips", "3", "--seconds", "0.5"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        XCTAssertFalse(make.stderr.contains("warning: warning:"), make.stderr)
        XCTAssertTrue(make.stderr.contains("warning: clips of 0.5 s are shorter than train's default --min-duration 1 s; "
                                           + "train on them with --min-duration 0.5"), make.stderr)
        let train = try genre(["train", "data", "--epochs", "1"], in: folder)
        XCTAssertEqual(train.status, 1, train.stderr)
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder + "/data").filter { $0.hasSuffix(".wav") }.count
        XCTAssertTrue(train.stderr.contains("genre: error: data: fewer than two genres have usable audio files (found: none); "
                                            + "\(files) files are shorter than --min-duration 1 s (the longest 0.50 s): "
                                            + "try --min-duration 0.5"), train.stderr)
        XCTAssertTrue(train.stderr.contains("has no file of at least --min-duration 1 s (3 shorter); ignored"), train.stderr)
        XCTAssertFalse(train.stderr.contains("(found: )"), train.stderr)
        let retry = try genre(["train", "data", "--epochs", "1", "--min-duration", "0.5", "--batch-size", "4"], in: folder)
        XCTAssertEqual(retry.status, 0, retry.stderr)
    }
}
