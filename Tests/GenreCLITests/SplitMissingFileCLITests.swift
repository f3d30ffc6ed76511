import Foundation
import GenreReports
import XCTest

/// `evaluate` on the model's dataset after a file of its split was deleted (issue 15): it names the missing files and
/// scores the rest, instead of calling the dataset "another dataset".
final class SplitMissingFileCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func testAFileDeletedFromTheSplitIsNamedAndTheRestScored() throws {
        let model = try trainSmallModel()
        let list = try String(contentsOfFile: folder + "/models/data.split.tsv", encoding: .utf8)
        let test = list.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }.filter { $0.count == 2 && $0[1] == "test" }
            .map { $0[0] }
        XCTAssertGreaterThan(test.count, 1)
        try FileManager.default.removeItem(atPath: folder + "/data/" + test[0])
        let run = try genre(["evaluate", "data", "--model", model, "--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("warning: 1 file of the test split of \(model) is missing from data: \(test[0]); "
                                          + "scoring the other \(test.count - 1)"), run.stderr)
        XCTAssertFalse(run.stderr.contains("another dataset"), run.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(report.clips, test.count - 1)
        // Every file of the split gone: that is another dataset, as before.
        for file in test.dropFirst() { try FileManager.default.removeItem(atPath: folder + "/data/" + file) }
        let none = try genre(["evaluate", "data", "--model", model], in: folder)
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("every file of the test split of \(model) is missing from data"), none.stderr)
    }
}
