import XCTest
import GenreFeatures

/// LogMelExtractor.segmentCount / segments.
final class SegmentTests: XCTestCase {
    /// The fewest samples giving `frames` frames at hop 512.
    static func samples(forFrames frames: Int) -> Int { (frames - 1) * 512 }

    func testSegmentCountsAroundBoundaries() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let expected: [(frames: Int, count: Int)] = [
            (1, 1), (63, 1), (64, 1), (127, 1), (128, 1), (191, 1), (192, 2), (255, 2), (256, 2),
            (319, 2), (320, 3), (1292, 10),
        ]
        for (frames, count) in expected {
            let n = Self.samples(forFrames: frames)
            XCTAssertEqual(LogMelExtractor.frameCount(samples: n, hopLength: 512), frames)
            XCTAssertEqual(extractor.segmentCount(samples: n), count, "frames = \(frames)")
            XCTAssertEqual(extractor.segmentCount(samples: n + 511), count, "frames = \(frames), last sample of the frame range")
        }
        // 0.02 s at 22050 Hz is 441 samples, a single frame: still one segment.
        XCTAssertEqual(extractor.segmentCount(samples: 441), 1)
        XCTAssertEqual(extractor.segmentCount(samples: 0), 1)
    }

    func testSegmentsMatchLogMelAndPaddingIsSilent() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        // 200 frames: one full segment plus 72 real frames, completed from zero padding.
        let n = Self.samples(forFrames: 200)
        let audio = LogMelExtractorTests.signal(count: n)
        let mel = extractor.logMel(audio)
        let (values, count) = extractor.segments(audio)
        XCTAssertEqual(count, 2)
        XCTAssertEqual(values.count, 2 * 128 * 128)
        for s in 0..<count {
            for m in 0..<128 {
                for j in 0..<128 {
                    let frame = s * 128 + j
                    let value = values[(s * 128 + m) * 128 + j]
                    if frame < mel.frames {
                        // Zero padding at the end does not change the centred frames of the clip.
                        XCTAssertEqual(value, mel[m, frame], "segment \(s) band \(m) column \(j)")
                    } else if (frame * 512 - 1024) >= n {
                        // Window wholly in the padding.
                        XCTAssertEqual(value, -100, "segment \(s) band \(m) column \(j)")
                    }
                }
            }
        }
        // The padded frames really are there: frame 200 (column 72 of segment 1) still overlaps the
        // clip's last 512 samples, frame 201 onwards is pure padding.
        XCTAssertTrue((0..<128).contains { values[(128 + $0) * 128 + 72] > -100 })
        XCTAssertTrue((0..<128).allSatisfy { values[(128 + $0) * 128 + 73] == -100 })
    }

    func testFramesPastWholeSegmentsAreDropped() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let n = Self.samples(forFrames: 191)  // 128 + 63: the remainder is below 64 frames
        let audio = LogMelExtractorTests.signal(count: n)
        let (values, count) = extractor.segments(audio)
        XCTAssertEqual(count, 1)
        let mel = extractor.logMel(audio)
        for m in 0..<128 {
            XCTAssertEqual(Array(values[(m * 128)..<((m + 1) * 128)]),
                           Array(mel.values[(m * mel.frames)..<(m * mel.frames + 128)]), "band \(m)")
        }
    }

    func testClipShorterThanOneSegmentIsPadded() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let audio = LogMelExtractorTests.signal(count: 441)  // 0.02 s
        let (values, count) = extractor.segments(audio)
        XCTAssertEqual(count, 1)
        XCTAssertEqual(values.count, 128 * 128)
        let mel = extractor.logMel(audio)
        XCTAssertEqual(mel.frames, 1)
        for m in 0..<128 {
            XCTAssertEqual(values[m * 128], mel[m, 0])
            // Frames 1 and 2 still overlap the clip (their windows reach back 1024 samples); from
            // frame 3 on (3*512 - 1024 = 512 ≥ 441) only padding is seen.
            for j in 3..<128 { XCTAssertEqual(values[m * 128 + j], -100, "band \(m) column \(j)") }
        }
        XCTAssertTrue((0..<128).contains { values[$0 * 128 + 2] > -100 }, "frame 2 holds real signal")
    }
}
