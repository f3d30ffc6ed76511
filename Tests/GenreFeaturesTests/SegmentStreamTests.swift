import XCTest
import GenreFeatures

/// `SegmentStream`: log-mel segments computed block by block as audio arrives equal `segments(_:)` on the whole
/// signal, bit for bit, whatever the block size (issue 14).
final class SegmentStreamTests: XCTestCase {
    func streamed(_ audio: [Float], extractor: LogMelExtractor, block: Int, threads: Int = 1) -> (values: [Float], count: Int) {
        let stream = SegmentStream(extractor: extractor, threads: threads)
        var values: [Float] = []
        audio.withUnsafeBufferPointer { x in
            var start = 0
            while start < x.count {
                let end = min(x.count, start + block)
                stream.append(UnsafeBufferPointer(rebasing: x[start..<end])) { values.append(contentsOf: $0) }
                start = end
            }
        }
        stream.finish { values.append(contentsOf: $0) }
        return (values, stream.segmentCount)
    }

    func testBlocksOfAnySizeGiveTheSegmentsOfTheWholeSignal() throws {
        for dcRemoval in [false, true] {
            let extractor = try LogMelExtractor(parameters: FeatureParameters(dcRemoval: dcRemoval))
            // Shorter than a segment; a partial last segment kept (≥ 64 frames) and dropped; exact multiples.
            for frames in [1, 40, 128, 200, 300, 512] {
                let audio = LogMelExtractorTests.signal(count: SegmentTests.samples(forFrames: frames) + 37)
                let whole = extractor.segments(audio)
                for block in [1, 4097, 65536] where block > 1 || frames <= 200 {
                    let got = streamed(audio, extractor: extractor, block: block)
                    XCTAssertEqual(got.count, whole.count, "\(frames) frames, block \(block)")
                    XCTAssertEqual(got.values, whole.values, "\(frames) frames, block \(block), dcRemoval \(dcRemoval)")
                }
            }
        }
    }

    func testThreadCountDoesNotChangeABit() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let audio = LogMelExtractorTests.signal(count: SegmentTests.samples(forFrames: 2000))
        XCTAssertEqual(streamed(audio, extractor: extractor, block: 10_000, threads: 3).values, extractor.segments(audio).values)
    }

    func testEmptyInputGivesOneSilentSegment() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let got = streamed([], extractor: extractor, block: 1)
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got.values, extractor.segments([]).values)
    }
}
