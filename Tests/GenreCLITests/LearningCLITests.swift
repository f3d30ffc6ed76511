import Foundation
import GenreMetrics
import GenreModel
import GenreReports
import XCTest

/// End to end, `genre train` learns from audio: on the synthetic demo set of `make-dataset` (4 genres,
/// so chance is 25 %) a short run classifies held-out clips it never trained on far above chance. The
/// other CLI tests train for 1–3 epochs on tiny sets and check files and messages, which a network that
/// learned nothing would pass as well.
final class LearningCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    /// 20 clips per genre of the demo's 6 s gives 3 test clips per genre (12 in all); 6 epochs keep the test
    /// near 10 s on 2 cores. The thresholds leave room: over dataset seeds 0–2 and training seeds 0–1 such a
    /// run scored 11 or 12 of 12 test clips (10 epochs on the README's 12 clips per genre: 7 or 8 of 8), while
    /// 9 of 12 by chance has probability 0.0004. Training is seeded and thread-count independent, so the
    /// test's own result does not vary between runs.
    func testTrainingOnTheDemoSetClassifiesHeldOutClipsFarAboveChance() throws {
        let make = try genre(["make-dataset", "data", "--clips", "20"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let train = try genre(["train", "data", "--epochs", "6", "--threads", "2", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("train 56 files"), train.stdout)
        XCTAssertTrue(train.stdout.contains("test 12 (held out)"), train.stdout)

        // Learning, not a lucky epoch: the training loss ends far below ln 4 ≈ 1.386 (a uniform guess over 4
        // genres), and validation accuracy holds at 75 % or more over the last 3 epochs, not only at the best.
        let model = try ModelFile.read(folder + "/m.safetensors")
        let history = try JSONDecoder().decode([EpochReport].self, from: Data(try XCTUnwrap(model.notes["history"]).utf8))
        XCTAssertEqual(history.map(\.epoch), Array(1...6))
        XCTAssertLessThan(history[5].trainLoss, 0.5, "\(history.map(\.trainLoss))")
        XCTAssertLessThan(history[5].trainLoss, history[0].trainLoss / 4, "\(history.map(\.trainLoss))")
        for epoch in history.suffix(3) {
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(epoch.validationAccuracy), 0.75, "epoch \(epoch.epoch)")
        }

        let run = try genre(["evaluate", "data", "--model", "m.safetensors", "--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(run.stdout.utf8))
        // The clips scored are exactly the held-out test clips of the split list, none seen in training.
        let split = try String(contentsOfFile: folder + "/m.split.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(report.split, "test")
        XCTAssertEqual(Set(report.predictions.map(\.file)), Set(split.filter { $0[1] == "test" }.map { $0[0] }))
        XCTAssertEqual(report.clips, 12)
        XCTAssertEqual(report.classes, ["arpeggio", "beat", "drone", "noise"])
        XCTAssertGreaterThanOrEqual(report.clipAccuracy, 0.75, "\(report.confusionMatrix)")
        // Every genre is learned, not three of them: at least 2 of each genre's 3 test clips are right.
        for (i, name) in report.classes.enumerated() {
            XCTAssertEqual(report.confusionMatrix[i].reduce(0, +), 3, name)
            XCTAssertGreaterThanOrEqual(report.confusionMatrix[i][i], 2, "\(name): \(report.confusionMatrix)")
        }
    }
}
