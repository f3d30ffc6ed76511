import Foundation
import GenreTestSupport
import XCTest
@testable import GenreReports

/// The invariance suite at CI size: fold 0 of the per-fold version (`genre crossval … --perturb suite`,
/// docs/results/), trained here with the default recipe on that fold's training files and checked on its
/// 102 held-out clips, which no model of the fold trained on; and `genre evaluate --perturb`, the same
/// measurement on any data, with the shipped model.
final class InvarianceCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    /// Targets of the suite (README, "Robustness"): top-1 unchanged on ≥ 97 % of held-out clips for every
    /// gain and layout transform, ≥ 90 % for codecs and resampling. One fold of five, the models trained
    /// as the cross-validation trains them (a model trained on 2–3 s excerpts alone, tried first, is a
    /// weaker stand-in: README, "Robustness").
    func testDefaultRecipeKeepsItsAnswerUnderTheSuiteOnHeldOutClips() throws {
        let root = try Reference.shared("datasets/gtzan-510").path
        let run = try genre(["crossval", root, "--fold-file", root + "/folds.tsv", "--only-folds", "0",
                             "--perturb", "suite", "--json", "--threads", "2", "--no-cache"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(CrossValidationReport.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(report.folds.map(\.fold), [0])
        XCTAssertEqual(report.folds[0].testFiles, 102)
        let rows = try XCTUnwrap(report.robustness)
        XCTAssertEqual(rows.map(\.perturbation), ["gain=-30dB", "gain=-20dB", "gain=-12dB", "gain=-6dB", "gain=6dB",
                                                  "downmix=5.1", "downmix=5.1-flac", "stereo=one-silent", "dc=0.1",
                                                  "rate=44100", "rate=48000", "mp3=128k", "vorbis=q3"])
        for row in rows {
            XCTAssertEqual(row.clips, 102, row.perturbation)
            XCTAssertEqual(row.failed, [], row.perturbation)
            XCTAssertEqual(row.baselineAccuracy, report.folds[0].clipAccuracy, accuracy: 1e-12)
            let target = row.group == "level-layout" ? 0.97 : 0.90
            XCTAssertGreaterThanOrEqual(row.topOneUnchanged, target,
                                        "\(row.perturbation): \(row.topOneUnchanged), mean max|Δp| \(row.meanMaxAbsDeltaP)")
        }
    }

    /// `evaluate --perturb` with the shipped model on gtzan-mini: the JSON rows and the text table. The
    /// shipped model is the default recipe's, so a gain and a 5.1 copy leave every answer as it was.
    func testEvaluatePerturbReportsEachTransform() throws {
        let mini = try Reference.shared("datasets/gtzan-mini").path
        let model = Reference.repository.appendingPathComponent("models/genre.safetensors").path
        let run = try genre(["evaluate", mini, "--model", model, "--split", "all", "--perturb", "gain=-12dB,downmix=5.1,dc=0.1",
                             "--json", "--threads", "2", "--no-cache"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(run.stdout.utf8))
        let rows = try XCTUnwrap(report.robustness)
        XCTAssertEqual(rows.map(\.perturbation), ["gain=-12dB", "downmix=5.1", "dc=0.1"])
        XCTAssertEqual(rows.map(\.group), ["level-layout", "level-layout", "level-layout"])
        for row in rows {
            XCTAssertEqual(row.clips, 100, row.perturbation)
            XCTAssertEqual(row.failed, [], row.perturbation)
            XCTAssertEqual(row.baselineAccuracy, report.clipAccuracy, accuracy: 1e-12)
        }
        XCTAssertEqual(rows[0].topOneUnchanged, 1)
        XCTAssertEqual(rows[1].topOneUnchanged, 1)
        XCTAssertLessThan(rows[0].meanMaxAbsDeltaP, 1e-3)

        let text = try genre(["evaluate", mini, "--model", model, "--split", "all", "--perturb", "gain=-12dB,dc=0.1"], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("perturbation        clips  top-1 unchanged"), text.stdout)
        XCTAssertTrue(text.stdout.contains("gain=-12dB"), text.stdout)
        XCTAssertTrue(text.stdout.contains("dc=0.1"), text.stdout)
    }

    /// The new options' bad values are usage errors (exit 64) that name the option.
    func testBadPreprocessingOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["train", "data", "--f-max", "0"], "--f-max must be a positive number of Hz"),
            (["train", "data", "--f-max", "nan"], "--f-max must be a positive number of Hz"),
            (["train", "data", "--f-max", "20000"], "--f-max 20000.0 Hz is above half the sample rate (11025 Hz at 22050 Hz)"),
            (["train", "data", "--sample-rate", "16000", "--f-max", "9000"], "--f-max 9000.0 Hz is above half the sample rate (8000 Hz at 16000 Hz)"),
            (["crossval", "data", "--only-folds", "7"], "--only-folds 7: there are 5 folds, numbered 0 to 4"),
            (["crossval", "data", "--only-folds", "-1"], "--only-folds takes fold numbers from 0"),
            (["crossval", "data", "--only-folds", "0,,1"], "--only-folds takes fold numbers from 0, comma-separated, each once"),
            (["crossval", "data", "--only-folds", "0,0"], "--only-folds takes fold numbers from 0, comma-separated, each once"),
            (["crossval", "data", "--fold-file", ""], "--fold-file is empty; give a fold file, or --folds N"),
            (["evaluate", "data", "--cache-dir", ""], "--cache-dir is empty; give a folder, or --no-cache"),
            (["crossval", "data", "--min-duration", "10", "--max-duration", "5"],
             "--min-duration 10.0 is above --max-duration 5.0: every file would be skipped"),
            (["train", "data", "--level", "loud"], "--level"),
            (["train", "data", "--gain-augment", "-1"], "--gain-augment must be in [0, 40] dB"),
            (["train", "data", "--tilt-augment", "100"], "--tilt-augment must be in [0, 20] dB"),
        ]
        for (arguments, message) in cases {
            let run = try genre(arguments, in: folder)
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
    }

    func testBadPerturbationIsAUsageError() throws {
        for command in [["evaluate", "data"], ["crossval", "data"]] {
            let run = try genre(command + ["--perturb", "gain=-12"], in: folder)
            XCTAssertEqual(run.status, 64, run.stderr)
            XCTAssertTrue(run.stderr.contains("bad perturbation \"gain=-12\": gain needs dB"), run.stderr)
        }
    }

    /// Ctrl-C (SIGINT) or SIGTERM during `--perturb` removes the temporary folder of perturbed files, and
    /// the process still ends by that signal.
    func testInterruptedPerturbationLeavesNoTemporaryFiles() throws {
        let mini = try Reference.shared("datasets/gtzan-mini").path
        let model = Reference.repository.appendingPathComponent("Tests/Fixtures/model-before-issue-12.safetensors").path
        for signal in [SIGINT, SIGTERM] {
            let scratch = folder + "/tmp-\(signal)"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let process = genreProcess(["evaluate", mini, "--model", model, "--split", "all", "--perturb", "suite",
                                        "--threads", "1", "--quiet"], in: folder)
            process.environment!["TMPDIR"] = scratch
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until perturbed files are being written, then interrupt.
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, (try FileManager.default.contentsOfDirectory(atPath: scratch)).isEmpty { usleep(50_000) }
            usleep(300_000)
            XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "no scratch folder appeared")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "signal \(signal)")
            XCTAssertEqual(process.terminationStatus, signal)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), [], "signal \(signal)")
        }
    }
}
