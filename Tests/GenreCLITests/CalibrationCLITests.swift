import Foundation
import FoundationXML
import GenreMetrics
import GenreModel
import GenreTestSupport
import XCTest

/// Calibrated answers end to end: a model's temperature changes what `predict` prints, `--min-confidence` answers
/// "uncertain" in every output format (the top genres still listed), `--min-confidence model` uses the recorded
/// threshold or says why there is none, and `evaluate` reports the figures before and after and the flagged share.
final class CalibrationCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    /// The small model, and a copy of it calibrated at `temperature` with `threshold` recorded.
    func models(temperature: Double = 2, threshold: Double? = 0.6) throws -> (plain: String, calibrated: String) {
        let plain = try trainSmallModel()
        var model = try ModelFile.read(folder + "/" + plain)
        XCTAssertNil(model.calibration, "the demo set's 20 clips leave under 20 for validation: no calibration")
        let figures = CalibrationFigures(temperature: 1, clips: 20, accuracy: 0.9, negativeLogLikelihood: 0.4,
                                         expectedCalibrationError: 0.1, bins: [])
        var after = figures
        after.temperature = temperature
        model.calibration = ModelCalibration(temperature: temperature, threshold: threshold,
                                             validation: CalibrationComparison(before: figures, after: after))
        try ModelFile.write(model, to: folder + "/calibrated.safetensors")
        try FileManager.default.copyItem(atPath: folder + "/models/data.split.tsv", toPath: folder + "/calibrated.split.tsv")
        return (plain, "calibrated.safetensors")
    }

    /// The top probability `predict --format json` gives `file` with `model`.
    func topProbability(_ model: String, _ file: String) throws -> Double {
        let run = try genre(["predict", file, "--model", model, "--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let top = ((document["results"] as! [[String: Any]])[0]["top"] as! [[String: Any]])[0]
        return top["probability"] as! Double
    }

    func testTheTemperatureIsAppliedAndStoredAndShown() throws {
        let (plain, calibrated) = try models()
        let file = "data/drone/drone.00000.wav"
        // T = 2 flattens every segment's softmax: the top probability drops.
        XCTAssertLessThan(try topProbability(calibrated, file), try topProbability(plain, file) - 0.01)
        XCTAssertEqual(try ModelFile.read(folder + "/" + calibrated).temperature, 2)
        let info = try genre(["info", calibrated], in: folder)
        XCTAssertTrue(info.stdout.contains("calibration: temperature 2 (validation clips 20: NLL 0.400 → 0.400, ECE 10.0 % → 10.0 %); --min-confidence model 0.600"),
                      info.stdout)
    }

    func testMinConfidenceAnswersUncertainInEveryFormat() throws {
        let (plain, _) = try models()
        let file = "data/drone/drone.00000.wav"
        let p = try topProbability(plain, file)
        // Above the top probability: uncertain; at or below it: an answer.
        for (threshold, uncertain) in [(min(1, p + 1e-6), true), (p, false)] {
            let t = String(threshold)
            let text = try genre(["predict", file, "--model", plain, "--min-confidence", t], in: folder)
            XCTAssertEqual(text.status, 0, text.stderr)
            XCTAssertEqual(text.stdout.contains("uncertain: the top probability"), uncertain, text.stdout)
            XCTAssertEqual(text.stdout.components(separatedBy: "\n").filter { $0.contains(" %") && !$0.contains("uncertain") }.count, 3,
                           "the top genres are still listed: \(text.stdout)")
            let json = try genre(["predict", file, "--model", plain, "--json", "--min-confidence", t], in: folder)
            let results = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any])["results"] as! [[String: Any]]
            XCTAssertEqual(results[0]["uncertain"] as? Bool, uncertain)
            XCTAssertEqual((results[0]["top"] as! [Any]).count, 3)
            let jsonl = try genre(["predict", file, "--model", plain, "--format", "jsonl", "--min-confidence", t], in: folder)
            let line = try JSONSerialization.jsonObject(with: Data(jsonl.stdout.utf8)) as! [String: Any]
            XCTAssertEqual(line["uncertain"] as? Bool, uncertain)
            XCTAssertTrue((line["options"] as! String).hasSuffix("min-confidence=\(threshold)"), line["options"] as! String)
            let csv = try genre(["predict", file, "--model", plain, "--format", "csv", "--min-confidence", t], in: folder)
            // RFC 4180 rows end with CRLF.
            let rows = csv.stdout.components(separatedBy: "\r\n").map { $0.components(separatedBy: ",") }
            XCTAssertEqual(rows.count, 3, csv.stdout)
            XCTAssertEqual(rows.first?.last, "uncertain")
            XCTAssertEqual(rows.dropFirst().first?.last, uncertain ? "true" : "false")
        }
        // A library run's summary counts the uncertain answers as such.
        let library = try genre(["predict", "data", "--model", plain, "--format", "jsonl", "--output", "all.jsonl",
                                 "--min-confidence", "1"], in: folder)
        XCTAssertEqual(library.status, 0, library.stderr)
        XCTAssertTrue(library.stderr.contains("top genres: (uncertain) 20\n"), library.stderr)
        // Without the option no record says either way, and CSV keeps its columns.
        let csv = try genre(["predict", file, "--model", plain, "--format", "csv"], in: folder)
        XCTAssertFalse(csv.stdout.contains("uncertain"), csv.stdout)
        let jsonl = try genre(["predict", file, "--model", plain, "--format", "jsonl"], in: folder)
        XCTAssertFalse(jsonl.stdout.contains("uncertain"), jsonl.stdout)
    }

    func testMinConfidenceModelUsesTheRecordedThresholdOrSaysWhyNot() throws {
        let (plain, calibrated) = try models(threshold: 0.999)
        let file = "data/drone/drone.00000.wav"
        let recorded = try genre(["predict", file, "--model", calibrated, "--format", "jsonl", "--min-confidence", "model"], in: folder)
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        XCTAssertTrue(recorded.stdout.contains("\"uncertain\":true"), recorded.stdout)
        XCTAssertTrue(recorded.stdout.contains("min-confidence=0.999"), recorded.stdout)
        let none = try genre(["predict", file, "--model", plain, "--min-confidence", "model"], in: folder)
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stderr, "genre: error: \(plain): records no --min-confidence threshold: it was not calibrated: it was "
                       + "trained with 4 validation file(s), fewer than the 20 a temperature needs; "
                       + "give a probability, e.g. --min-confidence 0.5\n")
        for bad in ["1.5", "-0.1", "sure"] {
            let run = try genre(["predict", file, "--model", plain, "--min-confidence", bad], in: folder)
            XCTAssertEqual(run.status, 64, bad)
            XCTAssertTrue(run.stderr.contains("--min-confidence must be a probability in [0, 1] or 'model'"), run.stderr)
        }
    }

    func testEvaluateReportsCalibrationBeforeAndAfterAndTheFlaggedShare() throws {
        let (_, calibrated) = try models(temperature: 0.5, threshold: 0.999)
        let text = try genre(["evaluate", "data", "--model", calibrated, "--min-confidence", "model", "--report", "r.html"], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("(at the model's temperature 0.5)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("  T = 1 (uncalibrated)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("  T = 0.5 (the model's)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("--min-confidence 0.999: "), text.stdout)
        let json = try genre(["evaluate", "data", "--model", calibrated, "--min-confidence", "0.5", "--json"], in: folder)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let calibration = report["calibration"] as! [String: [String: Any]]
        XCTAssertEqual(calibration["before"]?["temperature"] as? Double, 1)
        XCTAssertEqual(calibration["after"]?["temperature"] as? Double, 0.5)
        XCTAssertEqual((calibration["after"]?["bins"] as? [Any])?.count, 15)
        // The headline accuracy is the calibrated one: what predict answers.
        XCTAssertEqual(calibration["after"]?["accuracy"] as? Double, report["clipAccuracy"] as? Double)
        let selective = report["selective"] as! [String: Any]
        XCTAssertEqual(selective["threshold"] as? Double, 0.5)
        XCTAssertEqual(selective["clips"] as? Int, report["clips"] as? Int)
        let html = try String(contentsOfFile: folder + "/r.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<h2>Calibration</h2>"))
        XCTAssertEqual(html.components(separatedBy: "<title>reliability, T = ").count - 1, 2, "the diagram before and after")
        XCTAssertNotNil(try? XMLDocument(xmlString: html), "well-formed")
    }

    /// On real music with 20 validation clips `train` calibrates; `calibrate` refits the same temperature from the split
    /// list (the same clips, the same fit) and replaces the file; on the small demo model, with 4 validation clips, it
    /// refuses and leaves the model as it was.
    func testTrainCalibratesAndCalibrateRefitsTheSameOrRefusesLeavingTheModel() throws {
        let mini = try Reference.shared("datasets/gtzan-mini").path
        let train = try genre(["train", mini, "--epochs", "2", "--seed", "1", "--model", "mini.safetensors"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("calibrated on 20 validation clips: temperature "), train.stdout)
        let trained = try XCTUnwrap(try ModelFile.read(folder + "/mini.safetensors").calibration)
        let refit = try genre(["calibrate", mini, "--model", "mini.safetensors"], in: folder)
        XCTAssertEqual(refit.status, 0, refit.stderr)
        XCTAssertTrue(refit.stdout.contains("the same temperature as it held"), refit.stdout)
        XCTAssertEqual(try ModelFile.read(folder + "/mini.safetensors").calibration, trained)

        let model = try trainSmallModel()
        let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + model))
        let refused = try genre(["calibrate", "data", "--model", model], in: folder)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasPrefix("genre: error: \(model): not calibrated: 4 validation clip(s), fewer than 20"), refused.stderr)
        XCTAssertTrue(refused.stderr.hasSuffix("; the model is unchanged\n"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + model)), before)

        // Without its split list, or on another dataset, the advice is calibrate's own (not evaluate's --split all).
        try FileManager.default.copyItem(atPath: folder + "/" + model, toPath: folder + "/alone.safetensors")
        let alone = try genre(["calibrate", "data", "--model", "alone.safetensors"], in: folder)
        XCTAssertEqual(alone.status, 1)
        XCTAssertEqual(alone.stderr, "genre: error: alone.split.tsv: split list of alone.safetensors not found; calibrate fits on the "
                       + "validation files it lists (train writes it beside the model)\n")
        let other = try genre(["calibrate", mini, "--model", model], in: folder)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("validation files of models/data.split.tsv is in it; give the dataset folder "
                                            + "\(model) was trained on"), other.stderr)
    }
}
