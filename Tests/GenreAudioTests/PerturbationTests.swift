import Foundation
import XCTest
@testable import GenreAudio

/// The perturbations of the invariance suite: spellings, and the files they write.
final class PerturbationTests: XCTestCase {
    func testSpellingsRoundTrip() throws {
        for p in Perturbation.suite { XCTAssertEqual(try Perturbation(parsing: p.description), p) }
        XCTAssertEqual(try Perturbation.parseList("suite").count, 13)
        XCTAssertEqual(try Perturbation.parseList("gain=-12dB, mp3=128k,gain=-12dB"), [.gain(dB: -12), .mp3(kbps: 128)])
        XCTAssertEqual(try Perturbation(parsing: "GAIN=+6dB"), .gain(dB: 6))
        XCTAssertEqual(try Perturbation.parseList("SUITE"), Perturbation.suite)
        for bad in ["gain=-12", "gain=-100dB", "gain=", "gain=abc dB", "mp3=128", "mp3=999k", "vorbis=3", "vorbis=q11",
                    "downmix=7.1", "rate=100", "dc=2", "dc=nan", "stereo=left"] {
            XCTAssertThrowsError(try Perturbation.parseList(bad), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("bad perturbation \"\(bad)\": "), "\(error)")
            }
        }
        for unknown in ["loud", "loud=3", "=3"] {
            XCTAssertThrowsError(try Perturbation.parseList(unknown), unknown) { error in
                XCTAssertTrue("\(error)".hasPrefix("unknown perturbation \"\(unknown)\": use gain="), "\(error)")
            }
        }
        for empty in ["", ",", "gain=-6dB,", ",gain=-6dB", "gain=-6dB,,mp3=128k"] {
            XCTAssertThrowsError(try Perturbation.parseList(empty), empty) { XCTAssertTrue("\($0)".hasPrefix("empty item"), "\($0)") }
        }
        XCTAssertThrowsError(try Perturbation.parseList(Array(repeating: "gain=-6dB", count: 65).joined(separator: ","))) {
            XCTAssertEqual("\($0)", "at most 64 perturbations in one list (got 65)")
        }
        let long = "gain=" + String(repeating: "9", count: 100_000) + "dB"
        XCTAssertThrowsError(try Perturbation.parseList(long)) { error in
            XCTAssertLessThan("\(error)".count, 150, "one short line")
            XCTAssertTrue("\(error)".contains("(100007 characters)"), "\(error)")
        }
    }

    /// A 3 s stereo source written under every perturbation of the suite, read back with libsndfile.
    func testSuiteWritesWhatItSays() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        let source = folder.appendingPathComponent("source.wav").path
        let frames = 3 * 22050
        let stereo = (0..<frames).flatMap { i in [Float(sin(Double(i) * 0.05)) * 0.25, Float(sin(Double(i) * 0.031)) * 0.2] }
        try AudioWriter.write(stereo, sampleRate: 22050, channels: 2, as: .wavFloat, to: source)
        for p in Perturbation.suite {
            let out = folder.appendingPathComponent("out.\(p.fileExtension)").path
            try p.write(from: source, to: out)
            let (samples, info) = try AudioDecoder.readInterleaved(path: out)
            switch p {
            case .gain(let dB):
                XCTAssertEqual(info.format, "WAV FLOAT")
                XCTAssertEqual(samples[101], stereo[101] * Float(pow(10, Double(dB) / 20)), accuracy: 1e-7, "\(p)")
            case .dcOffset(let v):
                XCTAssertEqual(samples[101], stereo[101] + v, accuracy: 1e-7)
            case .surround51(let flac):
                XCTAssertEqual(info.channels, 6)
                XCTAssertEqual(info.format, flac ? "FLAC PCM_24" : "WAVEX FLOAT")
                XCTAssertEqual(samples[6 * 50], stereo[2 * 50], accuracy: 1e-6)
                XCTAssertEqual(samples[6 * 50 + 1], stereo[2 * 50 + 1], accuracy: 1e-6)
                XCTAssertEqual(samples[6 * 50 + 4], 0)
                // Under the ITU rule the 5.1 file mixes to the stereo source's mean.
                let mono = try AudioDecoder.readMono(path: out, downmix: .itu775).audio.samples
                XCTAssertEqual(mono[50], (stereo[100] + stereo[101]) / 2, accuracy: 1e-6)
            case .oneChannelSilent:
                XCTAssertEqual(info.channels, 2)
                XCTAssertEqual(samples[2 * 50], stereo[2 * 50])
                XCTAssertEqual(samples[2 * 50 + 1], 0)
            case .rate(let hz):
                XCTAssertEqual(info.sampleRate, hz)
                XCTAssertEqual(info.frames, Int((Double(frames) * Double(hz) / 22050).rounded(.up)))
            case .mp3(let kbps):
                XCTAssertEqual(info.format, "MP3 MPEG_LAYER_III")
                let bytes = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: out)[.size] as? Int)
                let rate = Double(bytes) * 8 / 3 / 1000
                XCTAssertEqual(rate, Double(kbps), accuracy: 0.1 * Double(kbps), "effective kb/s")
            case .vorbis:
                XCTAssertEqual(info.format, "OGG VORBIS")
                XCTAssertEqual(info.frames, frames)
            }
        }
    }

    func testMP3CompressionLevelPerMPEGVersion() {
        XCTAssertEqual(AudioWriter.mp3CompressionLevel(kbps: 128, sampleRate: 44100), 192.0 / 288, accuracy: 1e-12)
        XCTAssertEqual(AudioWriter.mp3CompressionLevel(kbps: 128, sampleRate: 22050), 32.0 / 152, accuracy: 1e-12)
        XCTAssertEqual(AudioWriter.mp3CompressionLevel(kbps: 320, sampleRate: 22050), 0)
    }

    func testMultichannelSourcesAreRefusedWhereTheTransformCannotApply() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        let source = folder.appendingPathComponent("six.wav").path
        try AudioWriter.write([Float](repeating: 0.1, count: 6 * 22050), sampleRate: 22050, channels: 6, as: .wavFloat, to: source)
        for p in [Perturbation.mp3(kbps: 128), .surround51(flac: false), .oneChannelSilent] {
            XCTAssertThrowsError(try p.write(from: source, to: folder.appendingPathComponent("x").path)) { error in
                XCTAssertTrue("\(error)".hasPrefix(source + ": cannot apply \(p):"), "\(error)")
            }
        }
    }
}
