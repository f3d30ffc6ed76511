import Foundation
import GenreAudio
import XCTest

/// `predict --segments` timelines (merged runs, one line per segment, JSON distributions), the padding of a short clip
/// and the warning for a file sampled below the model's mel range.
final class TimelineCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    struct Segment: Decodable { var start, end: Double; var genre: String; var probability: Double; var probabilities: [String: Double] }
    struct Record: Decodable { var segments: Int; var timeline: [Segment]?; var paddingSeconds: Double; var warning: String? }
    struct Document: Decodable { var results: [Record] }

    func record(_ arguments: [String]) throws -> Record {
        let run = try genre(["predict"] + arguments + ["--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)).results[0]
    }

    /// m:ss of `seconds`, as the timeline prints it.
    func clock(_ seconds: Double) -> String { let s = Int(seconds.rounded()); return String(format: "%d:%02d", s / 60, s % 60) }

    func testTimelinesMergeRunsKeepEverySegmentInJSONAndParseAsAFlag() throws {
        let model = try trainSmallModel()
        // 21 s: three drone clips then three noise clips, 7 segments whose top genre changes at least once.
        var samples: [Float] = []
        for genre in ["drone", "drone", "drone", "noise", "noise", "noise"] {
            samples += try AudioDecoder.readMono(path: folder + "/data/\(genre)/\(genre).0000\(samples.count % 5).wav").audio.samples
        }
        try AudioWriter.writeWAV(samples, sampleRate: 22050, to: folder + "/long.wav")
        let r = try record(["long.wav", "--model", model, "--segments"])
        let timeline = try XCTUnwrap(r.timeline)
        XCTAssertEqual(r.segments, 7)
        XCTAssertEqual(timeline.count, 7, "JSON keeps every segment")
        for s in timeline {
            XCTAssertEqual(Set(s.probabilities.keys), ["arpeggio", "beat", "drone", "noise"])
            XCTAssertEqual(s.probabilities.values.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(s.probabilities[s.genre], s.probability)
            XCTAssertEqual(s.probabilities.values.max(), s.probability, "the top genre is the most probable")
        }
        // The merged text: one line per run of the same top genre, its mean probability.
        var runs: [(start: Double, end: Double, genre: String, probabilities: [Double])] = []
        for s in timeline {
            if runs.last?.genre == s.genre { runs[runs.count - 1].end = s.end; runs[runs.count - 1].probabilities.append(s.probability) }
            else { runs.append((s.start, s.end, s.genre, [s.probability])) }
        }
        let merged = try genre(["predict", "--segments", "long.wav", "--model", model], in: folder)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        let lines = merged.stdout.split(separator: "\n").filter { $0.contains("–") }
        XCTAssertEqual(lines.count, runs.count, merged.stdout)
        for (line, run) in zip(lines, runs) {
            let mean = run.probabilities.reduce(0, +) / Double(run.probabilities.count)
            let words = line.split(separator: " ").map(String.init)
            XCTAssertEqual(words, ["\(clock(run.start))–\(clock(run.end))", run.genre, String(format: "%.1f", 100 * mean), "%"])
        }
        XCTAssertTrue(merged.stdout.contains("  0:00–"), merged.stdout)
        let all = try genre(["predict", "long.wav", "--model", model, "--segments", "all"], in: folder)
        let allLines = all.stdout.split(separator: "\n").filter { $0.contains("–") }
        XCTAssertEqual(allLines.count, 7, all.stdout)
        XCTAssertEqual(allLines.first?.split(separator: " ").first, "0:00–0:03")
        XCTAssertEqual(allLines.last?.split(separator: " ").first, "0:18–0:21")
        let csv = try genre(["predict", "long.wav", "--model", model, "--segments", "all", "--format", "csv"], in: folder)
        XCTAssertEqual(csv.status, 64)
        XCTAssertTrue(csv.stderr.hasPrefix("Error: --segments has no CSV columns; use --format text, json or jsonl"), csv.stderr)
        // --segments=VALUE is the value, never a file: anything but merged or all is refused.
        XCTAssertEqual(try genre(["predict", "long.wav", "--model", model, "--segments=all"], in: folder).stdout, all.stdout)
        for value in ["bogus", "ALL", ""] {
            let bad = try genre(["predict", "long.wav", "--model", model, "--segments=\(value)"], in: folder)
            XCTAssertEqual(bad.status, 64, value)
            XCTAssertTrue(bad.stderr.hasPrefix("Error: --segments takes merged or all (got '\(value)')"), bad.stderr)
        }
        // "--segments all" with no file: "all" was the value; the error says how to name a file of that name.
        let alone = try genre(["predict", "--model", model, "--segments", "all"], in: folder)
        XCTAssertEqual(alone.status, 64)
        XCTAssertTrue(alone.stderr.contains("write ./all for a file named all"), alone.stderr)
    }

    func testShortClipsSayTheirPaddingAndLowRatesAreWarnedAbout() throws {
        let model = try trainSmallModel()
        let drone = try AudioDecoder.readMono(path: folder + "/data/drone/drone.00000.wav").audio.samples
        try AudioWriter.writeWAV(Array(drone.prefix(44100)), sampleRate: 22050, to: folder + "/short.wav")
        let short = try record(["short.wav", "--model", model])
        XCTAssertEqual(short.segments, 1)
        XCTAssertEqual(short.paddingSeconds, 128.0 * 512 / 22050 - 2, accuracy: 1e-12, "2 s in one 2.97 s segment")
        XCTAssertNil(short.warning, "2 s is short but not under 1 s")
        let verbose = try genre(["predict", "short.wav", "--model", model, "--verbose"], in: folder)
        XCTAssertTrue(verbose.stderr.contains("2.00 s, 1 segment, decoded with libsndfile, 0.97 s of padding (33 % of its one segment)"),
                      verbose.stderr)
        XCTAssertEqual(try record(["data/drone/drone.00000.wav", "--model", model]).paddingSeconds, 0, "3.5 s: the remainder is dropped")
        // Under a second the timeline gives tenths (whole seconds would read 0:00–0:00).
        try AudioWriter.writeWAV(Array(drone.prefix(2205)), sampleRate: 22050, to: folder + "/blip.wav")
        let blip = try genre(["predict", "blip.wav", "--model", model, "--segments", "--top", "1"], in: folder)
        XCTAssertEqual(blip.status, 0, blip.stderr)
        XCTAssertTrue(blip.stdout.contains("\n  0:00.0–0:00.1  "), blip.stdout)
        XCTAssertTrue(blip.stdout.hasPrefix("blip.wav  (0.10 s, 1 segment)\n"), "under a second, hundredths: \(blip.stdout)")

        // 8 kHz: nothing above 4 kHz, so the model's mel bands up to its fMax, 9500 Hz, are empty there.
        let every = stride(from: 0, to: drone.count, by: 22050 / 8000 + 1).map { drone[$0] }
        try AudioWriter.writeWAV(every, sampleRate: 8000, to: folder + "/phone.wav")
        let phone = try genre(["predict", "phone.wav", "--model", model], in: folder)
        XCTAssertEqual(phone.status, 0, phone.stderr)
        XCTAssertTrue(phone.stderr.contains("warning: phone.wav: sampled at 8000 Hz, below the model's 22050 Hz: nothing above "
                                            + "4000 Hz, so its mel bands from 4000 to 9500 Hz are empty"), phone.stderr)
        XCTAssertEqual(try record(["phone.wav", "--model", model]).warning?.hasPrefix("sampled at 8000 Hz"), true)
        XCTAssertFalse(try genre(["predict", "short.wav", "--model", model], in: folder).stderr.contains("warning"))
    }
}
