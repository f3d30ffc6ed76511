import CSndfile
import Foundation
import GenreTestSupport
import XCTest

/// Shared data and scratch files for the GenreAudio tests.
enum TestFiles {
    /// `../shared/<relative>`; a skip when absent, a failure under `GENRE_REQUIRE_REFERENCE=1`.
    static func shared(_ relative: String) throws -> URL { try Reference.shared(relative) }

    /// A fresh temporary directory, removed when the test ends.
    static func scratchDirectory(for test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("genre-audio-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `interleaved` `[frames * channels]` with libsndfile in `format` (an `SF_FORMAT_*` major|subtype).
    static func write(_ interleaved: [Float], channels: Int, sampleRate: Int, format: Int32, to url: URL) throws {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format
        guard let file = sf_open(url.path, Int32(SFM_WRITE), &info) else {
            throw NSError(domain: "libsndfile", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: String(cString: sf_strerror(nil))])
        }
        defer { sf_close(file) }
        let frames = interleaved.count / channels
        if frames > 0 {
            let written = interleaved.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
            guard written == frames else { throw NSError(domain: "libsndfile", code: 2) }
        }
    }

    /// A two-tone signal `[frames * channels]` in ±0.5, each channel its own pitch.
    static func tone(frames: Int, channels: Int) -> [Float] {
        var out = [Float](repeating: 0, count: frames * channels)
        for t in 0..<frames {
            for c in 0..<channels {
                out[t * channels + c] = Float(0.25 * sin(Double(t) * 0.031 * Double(c + 1)) + 0.2 * sin(Double(t) * 0.0007))
            }
        }
        return out
    }

    /// Little-endian 16-bit PCM of `samples` (×32767, clipped).
    static func pcm16(_ samples: [Float]) -> Data {
        var data = Data(capacity: 2 * samples.count)
        for x in samples { data += le16(UInt16(bitPattern: Int16(max(-1, min(1, x)) * 32767))) }
        return data
    }

    static func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xFF), UInt8(v >> 8)]) }
    static func le32(_ v: UInt32) -> Data { Data((0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }) }

    /// A canonical 16-bit PCM WAV of `samples` `[frames * channels]` at any `rate` (libsndfile refuses to write some).
    static func wavBytes(rate: Int, channels: Int, samples: [Float]) -> Data {
        let pcm = pcm16(samples)
        var bytes = Data("RIFF".utf8) + le32(UInt32(36 + pcm.count)) + Data("WAVEfmt ".utf8) + le32(16)
        bytes += le16(1) + le16(UInt16(channels)) + le32(UInt32(rate)) + le32(UInt32(rate * 2 * channels))
        bytes += le16(UInt16(2 * channels)) + le16(16) + Data("data".utf8) + le32(UInt32(pcm.count)) + pcm
        return bytes
    }

    static let wavPCM16 = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
    static let wavFloat = Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
}
