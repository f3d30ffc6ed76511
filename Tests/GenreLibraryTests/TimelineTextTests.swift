import GenreFeatures
@testable import GenreLibrary
@testable import GenreModel
import XCTest

/// How `predict --segments` prints a timeline, and the warning for a file sampled below the model's mel range.
final class TimelineTextTests: XCTestCase {
    func testClockTimesAreMinutesAndSecondsAndHoursPastAnHour() {
        XCTAssertEqual(ClockTime.text(0, hours: false), "0:00")
        XCTAssertEqual(ClockTime.text(2.97, hours: false), "0:03", "rounded to the nearest second")
        XCTAssertEqual(ClockTime.text(77.4, hours: false), "1:17")
        XCTAssertEqual(ClockTime.text(3599.4, hours: false), "59:59")
        XCTAssertFalse(ClockTime.needsHours(3599.4))
        XCTAssertTrue(ClockTime.needsHours(3599.5), "rounds to 1:00:00")
        XCTAssertEqual(ClockTime.text(3725, hours: true), "1:02:05")
        XCTAssertEqual(ClockTime.text(65, hours: true), "0:01:05")
        XCTAssertEqual(ClockTime.text(0.44, hours: false, tenths: true), "0:00.4")
        XCTAssertEqual(ClockTime.text(59.96, hours: false, tenths: true), "1:00.0")
        XCTAssertEqual(ClockTime.text(3725.25, hours: true, tenths: true), "1:02:05.3")
        XCTAssertEqual(RecordFormat.timelineLines([segment(0, 0.4, "jazz", 0.5)], view: .merged), ["  0:00.0–0:00.4  jazz   50.0 %"])
    }

    func segment(_ start: Double, _ end: Double, _ genre: String, _ p: Double) -> Prediction.SegmentTop {
        Prediction.SegmentTop(start: start, end: end, genre: genre, probability: p, probabilities: [genre: p])
    }

    func testMergedLinesJoinRunsAndAllKeepsEverySegmentAligned() {
        let timeline = [segment(0, 38.6, "metal", 0.95), segment(38.6, 77.2, "metal", 0.87), segment(77.2, 80, "pop", 0.5),
                        segment(600, 603, "metal", 0.5)]
        XCTAssertEqual(RecordFormat.timelineLines(timeline, view: .merged), [
            "    0:00–1:17  metal   91.0 %",
            "    1:17–1:20  pop     50.0 %",
            "  10:00–10:03  metal   50.0 %",
        ])
        XCTAssertEqual(RecordFormat.timelineLines(timeline, view: .all).count, 4)
        XCTAssertEqual(RecordFormat.timelineLines(timeline, view: .all)[1], "    0:39–1:17  metal   87.0 %")
        let long = [segment(3590, 3593, "jazz", 0.25), segment(3593, 3601, "rock", 0.75)]
        XCTAssertEqual(RecordFormat.timelineLines(long, view: .merged),
                       ["  0:59:50–0:59:53  jazz   25.0 %", "  0:59:53–1:00:01  rock   75.0 %"])
    }

    func testFilesSampledBelowTheModelsMelRangeAreWarnedAbout() {
        let defaults = FeatureParameters()  // 22050 Hz, fMax nil: 11025 Hz
        XCTAssertEqual(LibraryRecord.lowSampleRate(16000, features: defaults),
                       "sampled at 16000 Hz, below the model's 22050 Hz: nothing above 8000 Hz, so its mel bands from 8000 to "
                       + "11025 Hz are empty and the prediction is less reliable")
        XCTAssertNotNil(LibraryRecord.lowSampleRate(22000, features: defaults))
        XCTAssertNil(LibraryRecord.lowSampleRate(22050, features: defaults))
        XCTAssertNil(LibraryRecord.lowSampleRate(44100, features: defaults))
        var capped = defaults
        capped.fMax = 9500
        XCTAssertNil(LibraryRecord.lowSampleRate(20000, features: capped), "10 kHz of content fills bands up to 9.5 kHz")
        XCTAssertNotNil(LibraryRecord.lowSampleRate(16000, features: capped))
    }
}
