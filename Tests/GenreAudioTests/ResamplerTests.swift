import Foundation
import XCTest
import GenreAudio

final class ResamplerTests: XCTestCase {
    /// librosa's length `ceil(n * to / from)`, for ratios up and down, including lengths whose
    /// product is not an integer.
    func testOutputLengthMatchesLibrosa() throws {
        let cases: [(n: Int, from: Int, to: Int, expected: Int)] = [
            (44100, 44100, 22050, 22050), (44101, 44100, 22050, 22051), (441000, 48000, 22050, 202585),
            (661500, 48000, 22050, 303877), (480000, 48000, 22050, 220500), (1000, 11025, 22050, 2000),
            (3307, 11025, 22050, 6614), (22, 44100, 22050, 11), (1, 44100, 22050, 1), (7, 8012, 22050, 20),
            (28110, 8012, 22050, 77363),
        ]
        for c in cases {
            let x = (0..<c.n).map { Float(sin(Double($0) * 0.01)) * 0.5 }
            let y = try Resampler.resample(x, from: c.from, to: c.to)
            XCTAssertEqual(y.count, c.expected, "n \(c.n), \(c.from) → \(c.to) Hz")
            XCTAssertEqual(Resampler.outputLength(inputCount: c.n, from: c.from, to: c.to), c.expected)
        }
        XCTAssertEqual(try Resampler.resample([], from: 44100, to: 22050), [])
        XCTAssertEqual(try Resampler.resample([1, 2, 3], from: 22050, to: 22050), [1, 2, 3])
    }

    /// A 1 kHz sine keeps its amplitude and frequency through 44100 → 22050 and 48000 → 22050.
    func testSineAmplitudeAndFrequencyArePreserved() throws {
        for from in [44100, 48000, 11025] {
            let n = from * 2
            let x = (0..<n).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / Double(from))) }
            let y = try Resampler.resample(x, from: from, to: 22050)
            // Away from the filter's start-up and tail, compare with the ideal sine by least squares.
            let middle = Array(y[2000..<(y.count - 2000)])
            var sinSum = 0.0, cosSum = 0.0
            for (i, v) in middle.enumerated() {
                let phase = 2 * Double.pi * 1000 * Double(i + 2000) / 22050
                sinSum += Double(v) * sin(phase)
                cosSum += Double(v) * cos(phase)
            }
            let amplitude = 2 * (sinSum * sinSum + cosSum * cosSum).squareRoot() / Double(middle.count)
            XCTAssertEqual(amplitude, 0.5, accuracy: 1e-3, "\(from) Hz: amplitude")
            // Residual after removing the fitted sine: tiny if the frequency is exactly 1000 Hz.
            let a = 2 * sinSum / Double(middle.count), b = 2 * cosSum / Double(middle.count)
            var residual = 0.0
            for (i, v) in middle.enumerated() {
                let phase = 2 * Double.pi * 1000 * Double(i + 2000) / 22050
                residual = max(residual, abs(Double(v) - a * sin(phase) - b * cos(phase)))
            }
            XCTAssertLessThan(residual, 1e-3, "\(from) Hz: residual after fitting a 1000 Hz sine")
        }
    }

    func testNonPositiveRatesThrow() {
        XCTAssertThrowsError(try Resampler.resample([1, 2], from: 0, to: 22050)) { error in
            guard case AudioError.resampleFailed? = error as? AudioError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try Resampler.resample([1, 2], from: 44100, to: -1))
    }
}

/// libsoxr's streaming interface, fed in chunks, gives the one-shot output bit for bit (issue 14).
final class StreamingResamplerTests: XCTestCase {
    func testChunkedOutputIsBitIdenticalToOneShot() throws {
        let x = (0..<200_000).map { Float(0.4 * sin(Double($0) * 0.013) + 0.1 * sin(Double($0) * 0.31)) }
        for (from, to) in [(44100, 22050), (48000, 22050), (11025, 22050), (192_000, 22050), (8012, 22050)] {
            let input = Array(x.prefix(from == 192_000 ? 200_000 : 100_003))
            let oneShot = try Resampler.resample(input, from: from, to: to)
            for chunk in [1, 4097, 65536] where chunk > 1 || from == 44100 {
                let stream = try StreamingResampler(from: from, to: to)
                var out: [Float] = []
                try input.withUnsafeBufferPointer { p in
                    var start = 0
                    while start < p.count {
                        let end = min(p.count, start + chunk)
                        out += try stream.process(UnsafeBufferPointer(rebasing: p[start..<end]))
                        start = end
                    }
                }
                out += try stream.finish()
                XCTAssertEqual(out.count, oneShot.count, "\(from) → \(to) Hz, chunks of \(chunk)")
                XCTAssertTrue(out == oneShot, "\(from) → \(to) Hz, chunks of \(chunk): not bit-identical")
            }
        }
    }
}
