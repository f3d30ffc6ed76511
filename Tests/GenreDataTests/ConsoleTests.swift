import Foundation
import XCTest
@testable import GenreData

/// Progress output: a redrawn bar with rate and ETA on a terminal, plain periodic lines elsewhere, nothing
/// under --quiet; driven by a fake clock so no test waits.
final class ConsoleTests: XCTestCase {
    final class Capture: @unchecked Sendable {
        var text = ""
        var now = 0.0
    }

    func console(_ capture: Capture, quiet: Bool = false, interactive: Bool, verbose: Bool = false,
                 columns: Int = 80) -> Console {
        Console(quiet: quiet, verbose: verbose, interactive: interactive, plainInterval: 10,
                errorSink: { capture.text += $0 }, clock: { capture.now }, columns: { columns })
    }

    /// 100 files at 4 files/s, reported after each file.
    func run(_ console: Console, _ capture: Capture) {
        for done in 1...100 {
            capture.now = Double(done) * 0.25
            console.progress("decoding", done, 100, unit: "files")
        }
    }

    func testOffATerminalProgressIsPlainLinesEveryIntervalWithRateAndETA() {
        let capture = Capture()
        run(console(capture, interactive: false), capture)
        let lines = capture.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // A line every 10 s from the first report (1 file at 0.25 s): at 41 and 81 files, 40 files per 10 s.
        XCTAssertEqual(lines, ["decoding 41/100 (41 %)  4.0 files/s  ETA 0:15",
                               "decoding 81/100 (81 %)  4.0 files/s  ETA 0:05"])
        XCTAssertFalse(capture.text.contains("\r"))
        XCTAssertFalse(capture.text.contains("\u{1B}"))
    }

    func testOnATerminalTheBarIsRedrawnInPlaceAndClearedAtTheEnd() {
        let capture = Capture()
        run(console(capture, interactive: true), capture)
        XCTAssertFalse(capture.text.contains("\n"), "one line, redrawn")
        let draws = capture.text.components(separatedBy: "\r").filter { !$0.isEmpty }
        XCTAssertEqual(draws.count, 99 + 1, "99 bars (0.25 s apart, above the 0.1 s limit), then the clearing")
        XCTAssertEqual(draws[49], "decoding [############............] 50/100  4.0 files/s  ETA 0:13\u{1B}[K")
        XCTAssertEqual(draws.last, "\u{1B}[K")
    }

    func testOnANarrowTerminalTheBarShrinksThenTheLineIsCut() {
        for (columns, expected) in [(60, "decoding [#########.........] 50/100  4.0 files/s  ETA 0:13"),
                                    (45, "decoding 50/100  4.0 files/s  ETA 0:13"),
                                    (30, "decoding 50/100  4.0 files/s…")] {
            let capture = Capture()
            run(console(capture, interactive: true, columns: columns), capture)
            let draws = capture.text.components(separatedBy: "\r").filter { !$0.isEmpty }
            XCTAssertEqual(draws[49], expected + "\u{1B}[K", "\(columns) columns")
            for draw in draws { XCTAssertLessThan(draw.replacingOccurrences(of: "\u{1B}[K", with: "").count, columns) }
        }
    }

    func testControlCharactersInNamesArePrintedEscaped() {
        XCTAssertEqual(Console.printable("esc\u{1B}[31mred.wav"), "esc\\x1b[31mred.wav")
        XCTAssertEqual(Console.printable("a\u{7F}b\u{9B}c\td"), "a\\x7fb\\u{9b}c\\x09d")
        XCTAssertEqual(Console.printable("line one\nline two é"), "line one\nline two é")
        // A warning or an error is one line: a line break in a file name is escaped there.
        XCTAssertEqual(Console.printable("new\nline.wav", lineBreaks: false), "new\\x0aline.wav")
        let broken = Capture()
        console(broken, interactive: false).warn("skipped new\nline.wav: not audio")
        XCTAssertEqual(broken.text, "skipped new\\x0aline.wav: not audio\n")
        let capture = Capture()
        console(capture, interactive: false).warn("skipped bad\u{1B}]0;title\u{07}.wav: not audio")
        XCTAssertEqual(capture.text, "skipped bad\\x1b]0;title\\x07.wav: not audio\n")
    }

    func testQuietPrintsNoProgressAnywhere() {
        for interactive in [false, true] {
            let capture = Capture()
            run(console(capture, quiet: true, interactive: interactive), capture)
            XCTAssertEqual(capture.text, "")
        }
    }

    func testANewTaskRestartsTheClockPlainLinesKeepTheirPaceAndDetailsNeedVerbose() {
        let capture = Capture()
        let c = console(capture, interactive: false)
        c.progress("decoding", 1, 10, unit: "files")
        capture.now = 4
        c.progress("training", 1, 100, unit: "batches", status: "epoch 1/10")  // a new label: a new task
        capture.now = 9
        c.progress("training", 3, 100, unit: "batches", status: "epoch 1/10")
        XCTAssertEqual(capture.text, "", "under 10 s since the first report of any task")
        capture.now = 14
        c.progress("training", 41, 100, unit: "batches", status: "epoch 5/10")  // the status is no new task
        // 40 batches in 10 s since the training task's first report (not since the decoding task's).
        XCTAssertEqual(capture.text, "training, epoch 5/10 41/100 (41 %)  4.0 batches/s  ETA 0:15\n")
        capture.text = ""
        capture.now = 20
        c.progress("training", 1, 100, unit: "batches")  // the count went back: a new task
        capture.now = 23
        c.progress("training", 9, 100, unit: "batches")
        XCTAssertEqual(capture.text, "", "under 10 s since the last line")
        capture.now = 25
        c.progress("training", 11, 100, unit: "batches")
        XCTAssertEqual(capture.text, "training 11/100 (11 %)  2.0 batches/s  ETA 0:45\n")

        c.detail("a.wav: WAV PCM_16")
        XCTAssertFalse(capture.text.contains("a.wav"))
        let verbose = Capture()
        console(verbose, interactive: false, verbose: true).detail("a.wav: WAV PCM_16")
        XCTAssertEqual(verbose.text, "a.wav: WAV PCM_16\n")
    }

    func testDurations() {
        XCTAssertEqual(Console.duration(0), "0:00")
        XCTAssertEqual(Console.duration(59.6), "1:00")
        XCTAssertEqual(Console.duration(3725), "1:02:05")
        XCTAssertEqual(Console.duration(.infinity), "?")
        XCTAssertEqual(Console.duration(.nan), "?")
    }
}
