import Foundation
import XCTest
@testable import GenreAudio

/// BS.1770 integrated loudness through libebur128, and the level-normalisation gain rule.
final class LoudnessTests: XCTestCase {
    private func sine(amplitude: Float, frequency: Double = 997, sampleRate: Int, seconds: Double = 5) -> [Float] {
        (0..<Int(seconds * Double(sampleRate))).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
    }

    /// BS.1770-4 §2 (and EBU Tech 3341's test signals): a full-scale 997 Hz sine in one front channel
    /// reads −3.01 LUFS; 20 dB quieter reads 20 LU lower. Also at the model's 22050 Hz rate.
    func testFullScaleSineIsMinus3LUFS() throws {
        for rate in [48000, 22050] {
            let full = try XCTUnwrap(Loudness.integratedLUFS(sine(amplitude: 1, sampleRate: rate), sampleRate: rate))
            XCTAssertEqual(full, -3.01, accuracy: 0.05, "\(rate) Hz")
            let quiet = try XCTUnwrap(Loudness.integratedLUFS(sine(amplitude: 0.1, sampleRate: rate), sampleRate: rate))
            XCTAssertEqual(quiet, full - 20, accuracy: 0.01, "\(rate) Hz")
        }
    }

    func testSilenceIsMinusInfinity() throws {
        let lufs = try XCTUnwrap(Loudness.integratedLUFS([Float](repeating: 0, count: 22050 * 3), sampleRate: 22050))
        XCTAssertEqual(lufs, -.infinity)
    }

    func testGainRule() {
        let level = LevelNormalization.ebuR128
        XCTAssertEqual(level.gainDB(lufs: -13, peakDB: 0), -10)
        XCTAssertEqual(level.gainDB(lufs: -40, peakDB: 0), 17)
        XCTAssertEqual(level.gainDB(lufs: -60, peakDB: 0), 30, "capped")
        XCTAssertEqual(level.gainDB(lufs: -.infinity, peakDB: 0), 30, "below the gate: the cap")
        XCTAssertEqual(LevelNormalization.none.gainDB(lufs: -60, peakDB: 12), 0)
        XCTAssertEqual(LevelNormalization.peak(maxGainDB: 30).gainDB(lufs: 0, peakDB: 12), -12)
        XCTAssertEqual(LevelNormalization.peak(maxGainDB: 30).gainDB(lufs: 0, peakDB: -50), 30)
    }

    /// The offset moves every cell, computed with the low floor, then clamps at −100 dB: a cell at −110 dB
    /// (below librosa's floor) rises to −90 dB under +20 dB, as it would in the log-mel of the louder clip.
    func testApplyAddsBeforeTheFloor() {
        var cells: [Float] = [-300, -110, -95, -40, 10]
        LevelNormalization.apply(gainDB: -10, to: &cells)
        XCTAssertEqual(cells, [-100, -100, -100, -50, 0])
        cells = [-300, -110, -95, -40, 10]
        LevelNormalization.apply(gainDB: 20, to: &cells)
        XCTAssertEqual(cells, [-100, -90, -75, -20, 30])
    }
}
