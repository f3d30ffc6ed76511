import Foundation
import GenreTestSupport
import GenreTraining
import XCTest

/// `genre bench --json`: the raw document the README's speed figures are built from.
final class BenchCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func testBenchJSONHoldsEveryFigureTheMachineAndTheVersions() throws {
        let run = try genre(["bench", "--runs", "1", "--batch-size", "4", "--decode-minutes", "0.05,0.1",
                             "--model", Reference.repository.appendingPathComponent("models/genre.safetensors").path, "--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(BenchmarkReport.self, from: Data(run.stdout.utf8))
        let threadCounts = Set([1, ProcessInfo.processInfo.activeProcessorCount]).sorted()
        // Per thread count: three log-mel figures and two figures of each of the two networks.
        XCTAssertEqual(report.figures.count, 7 * threadCounts.count)
        XCTAssertEqual(Set(report.figures.map(\.name)).count, report.figures.count, "names are unique")
        for figure in report.figures {
            XCTAssertEqual(figure.name, figure.name.trimmingCharacters(in: .whitespaces), "no text-table indentation")
            XCTAssertTrue(figure.seconds > 0 && figure.seconds.isFinite, figure.name)
            XCTAssertEqual(figure.rate, figure.units / figure.seconds, accuracy: 1e-9 * figure.rate, figure.name)
        }
        XCTAssertEqual(report.figures.filter { $0.unit == "s of audio" }.map(\.units), Array(repeating: 30, count: 3 * threadCounts.count))
        XCTAssertEqual(report.figures.filter { $0.unit == "segments" }.map(\.units), Array(repeating: 4, count: 4 * threadCounts.count))
        XCTAssertEqual(report.convolutions.keys.sorted(), threadCounts.map(String.init).sorted())
        XCTAssertEqual(report.convolutions["1"]?.map(\.name), ["conv1 1→16 @128×128", "conv2 16→32 @64×64",
                                                              "conv3 32→64 @32×32", "conv4 64→64 @16×16"])
        XCTAssertEqual(report.batchSize, 4)
        XCTAssertEqual(report.runs, 1)
        XCTAssertEqual(report.machine.cores, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertTrue(report.versions.contains { $0.hasPrefix("libsndfile-") }, "\(report.versions)")
        XCTAssertTrue(report.versions.contains { $0.hasPrefix("libsoxr-") }, "\(report.versions)")
        XCTAssertTrue(report.peakResidentMiB > 10 && report.peakResidentMiB < 4096, "\(report.peakResidentMiB)")
        XCTAssertNotNil(ISO8601DateFormatter().date(from: report.date), report.date)
        XCTAssertNil(report.train)
        // predict's peak memory on files the benchmark makes (issue 14): 7.1 × 192 kHz and mono 22.05 kHz.
        XCTAssertEqual(report.decodeMemory.map(\.file), ["7.1 × 192000 Hz, 0.05 min", "7.1 × 192000 Hz, 0.1 min",
                                                         "mono × 22050 Hz, 0.05 min", "mono × 22050 Hz, 0.1 min"])
        for entry in report.decodeMemory {
            XCTAssertTrue(entry.peakResidentMiB > 5 && entry.peakResidentMiB <= 150, "\(entry)")
        }
    }

    /// `--memory-only`: predict's peak memory alone, no speed figure (the README's memory figures come from it).
    func testMemoryOnlyMeasuresPredictMemoryAndNothingElse() throws {
        let run = try genre(["bench", "--memory-only", "--decode-minutes", "0.05",
                             "--model", Reference.repository.appendingPathComponent("models/genre.safetensors").path, "--json"],
                            in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(BenchmarkReport.self, from: Data(run.stdout.utf8))
        XCTAssertTrue(report.figures.isEmpty)
        XCTAssertTrue(report.convolutions.isEmpty)
        XCTAssertEqual(report.decodeMemory.map(\.file), ["7.1 × 192000 Hz, 0.05 min", "mono × 22050 Hz, 0.05 min"])
        let bad = try genre(["bench", "--memory-only", "--decode-minutes", "ten"], in: folder)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--decode-minutes"), bad.stderr)
    }

    /// With no model anywhere, `bench --memory-only` says once, plainly, that predict's memory was not measured (the
    /// second newcomer pass read "warning: note: …").
    func testBenchWithoutAModelSaysWhatItLeftOut() throws {
        let process = genreProcess(["bench", "--memory-only", "--decode-minutes", "1"], in: folder)
        process.environment!["XDG_DATA_HOME"] = folder + "/no-data"
        process.environment!["GENRE_MODEL"] = nil
        let run = try self.run(process)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.hasPrefix("warning: predict's memory not measured: no model found"), run.stderr)
    }
}
