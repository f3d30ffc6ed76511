import GenreSupport
import XCTest
@testable import GenreData

/// Errors and warnings name settings as the library's properties; a front end prints its own spelling.
final class MessageTests: XCTestCase {
    func testSettingsAreSpeltByTheReaderAndKeptThroughNesting() {
        let inner = RunError("data/a.wav: shorter than \(Setting.minDuration) 1 s")
        let outer = RunError("\(inner) (\(Setting.strict): 1 file(s) cannot be used)" + " (choose another \(Setting.modelPath))")
        XCTAssertEqual(outer.description, "data/a.wav: shorter than screening.minDuration 1 s (screening.strict: 1 file(s) "
                       + "cannot be used) (choose another modelPath)")
        XCTAssertEqual(outer.message.rendered { "--" + $0.rawValue.split(separator: ".").last! },
                       "data/a.wav: shorter than --minDuration 1 s (--strict: 1 file(s) cannot be used) (choose another --modelPath)")
        XCTAssertEqual(outer.message.settings, [.minDuration, .strict, .modelPath])
        // Other values are their text; a plain String is not mistaken for a setting.
        let name = "modelPath"
        XCTAssertEqual(Message("\(name) \(3)").settings, [])
    }

    func testConsoleWarningsUseItsSpelling() {
        var text = ""
        let console = Console(interactive: false, errorSink: { text += $0 }, spelling: { $0 == .resume ? "--resume" : "?" })
        console.warn("warning: \(Setting.resume) continues")
        XCTAssertEqual(text, "warning: --resume continues\n")
        XCTAssertEqual(SilentReporter().render("\(Setting.nMels) 7"), "features.nMels 7")
    }

    func testTooShortFilesNameTheMinimumDurationSetting() throws {
        let clip = ClipFeatures(relativePath: "a/x.wav", label: 0, segments: [0], segmentCount: 1, duration: 0.5)
        let screened = try FileScreening(minDuration: 1).apply([clip], skipped: [], root: "data", reporter: SilentReporter())
        XCTAssertEqual(screened.skipped.map(\.message.settings), [[.minDuration]])
        XCTAssertEqual(screened.skipped.first?.description, "data/a/x.wav: 0.50 s of audio, shorter than screening.minDuration 1 s")
    }
}
