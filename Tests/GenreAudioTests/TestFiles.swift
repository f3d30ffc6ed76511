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

    static let wavPCM16 = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
    static let wavFloat = Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
}
