import Dispatch
import Foundation
import XCTest
import GenreFeatures

/// Framing, determinism and thread safety of LogMelExtractor.
final class LogMelExtractorTests: XCTestCase {
    /// A deterministic test signal: two sines plus low-level pseudo-noise, float scale.
    static func signal(count: Int, sampleRate: Double = 22050) -> [Float] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double(Int64(bitPattern: state >> 11) % 1000) / 1_000_000
            let t = Double(i) / sampleRate
            return Float(0.5 * sin(2 * .pi * 440 * t) + 0.25 * sin(2 * .pi * 3000 * t) + noise)
        }
    }

    func testFrameCountIsOnePlusSamplesOverHop() throws {
        XCTAssertEqual(LogMelExtractor.frameCount(samples: 0, hopLength: 512), 1)
        XCTAssertEqual(LogMelExtractor.frameCount(samples: 511, hopLength: 512), 1)
        XCTAssertEqual(LogMelExtractor.frameCount(samples: 512, hopLength: 512), 2)
        XCTAssertEqual(LogMelExtractor.frameCount(samples: 661_500, hopLength: 512), 1292)
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let empty = extractor.logMel([])
        XCTAssertEqual(empty.frames, 1)
        XCTAssertTrue(empty.values.allSatisfy { $0 == -100 })
        XCTAssertEqual(extractor.segments([]).count, 1)
        for n in [1, 100, 2047, 2048, 5000, 22050] {
            let mel = extractor.logMel(Self.signal(count: n))
            XCTAssertEqual(mel.frames, 1 + n / 512, "n = \(n)")
            XCTAssertEqual(mel.nMels, 128)
            XCTAssertEqual(mel.values.count, 128 * mel.frames)
            XCTAssertTrue(mel.values.allSatisfy { $0.isFinite && $0 >= -100 }, "n = \(n)")
        }
    }

    func testTwoRunsAreBitIdentical() throws {
        let audio = Self.signal(count: 3 * 22050)
        let first = try LogMelExtractor(parameters: FeatureParameters()).logMel(audio)
        let second = try LogMelExtractor(parameters: FeatureParameters()).logMel(audio)
        XCTAssertEqual(first.values.map(\.bitPattern), second.values.map(\.bitPattern))
    }

    func testConcurrentCallsEqualSerialResults() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let inputs = (0..<8).map { Self.signal(count: 22050 + 4000 * $0) }
        let serial = inputs.map { extractor.logMel($0).values }
        final class Results: @unchecked Sendable { var values = [[Float]](repeating: [], count: 8); let lock = NSLock() }
        let results = Results()
        // Two threads, each taking every other input, several rounds so the calls overlap.
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for round in 0..<3 {
                for i in stride(from: worker, to: inputs.count, by: 2) {
                    let values = extractor.logMel(inputs[i]).values
                    if round == 2 { results.lock.withLock { results.values[i] = values } }
                }
            }
        }
        for i in 0..<inputs.count {
            XCTAssertEqual(results.values[i].map(\.bitPattern), serial[i].map(\.bitPattern), "input \(i)")
        }
    }

    func testSineEnergyLandsInItsBand() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let tone = (0..<22050).map { Float(sin(2 * Double.pi * 1000 * Double($0) / 22050)) }
        let mel = extractor.logMel(tone)
        let column = 20
        let loudest = (0..<128).max { mel[$0, column] < mel[$1, column] }!
        // Slaney scale: 1000 Hz is mel 15; mel(11025 Hz) = 15 + ln(11.025) · 27 / ln(6.4) ≈ 49.9.
        // The 130 band edges are equally spaced in mel and band m is centred on edge m + 1, so
        // 1 kHz sits at edge 15 / (49.9 / 129) ≈ 38.8, i.e. band ≈ 37.8.
        let topMel = 15 + log(11.025) * 27 / log(6.4)
        let expected = 15 / (topMel / 129) - 1
        XCTAssertLessThanOrEqual(abs(Double(loudest) - expected), 1, "loudest band \(loudest), expected ≈ \(expected)")
    }

    func testThreadCountDoesNotChangeABit() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        // 30 s: 1292 frames, shared unevenly by 3 workers (64 asks for more workers than there are blocks).
        let audio = Self.signal(count: 30 * 22050)
        let one = extractor.logMel(audio, threads: 1)
        XCTAssertEqual(one.frames, 1292)
        for threads in [2, 3, 64] {
            XCTAssertEqual(extractor.logMel(audio, threads: threads).values.map(\.bitPattern),
                           one.values.map(\.bitPattern), "\(threads) threads")
        }
        let short = Self.signal(count: 110_250)  // 5 s: 216 frames, 2 segments
        let serial = extractor.segments(short, threads: 1)
        let parallel = extractor.segments(short, threads: 2)
        XCTAssertEqual(serial.count, 2)
        XCTAssertEqual(parallel.count, serial.count)
        XCTAssertEqual(parallel.values.map(\.bitPattern), serial.values.map(\.bitPattern))
    }

    func testFFTWVersionIsReported() {
        XCTAssertTrue(LogMelExtractor.fftwVersion.hasPrefix("fftw-3"), LogMelExtractor.fftwVersion)
    }
}
