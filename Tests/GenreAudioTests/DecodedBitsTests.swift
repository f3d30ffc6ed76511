import Foundation
import XCTest
import GenreAudio

/// Every mono or stereo file of formats/ that libsndfile reads decodes bit for bit as it did before the
/// streaming decoder and the FFmpeg fallback (issue 14): FNV-1a over the samples' bit patterns, recorded
/// with the whole-file libsndfile reader of commit ab55416.
final class DecodedBitsTests: XCTestCase {
    static let before: [String: UInt64] = [:]

    static func fnv(_ samples: [Float]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in samples {
            var bits = x.bitPattern
            for _ in 0..<4 { h = (h ^ UInt64(bits & 0xFF)) &* 0x100_0000_01b3; bits >>= 8 }
        }
        return h
    }

    func testDecodedSamplesAreUnchanged() throws {
        let rows = try FormatsManifestTests.manifest().filter { $0.readable && $0.channels <= 2 }
        XCTAssertEqual(rows.count, 41)
        let folder = try TestFiles.shared("datasets/formats")
        var got: [String: UInt64] = [:]
        for row in rows {
            let (samples, info) = try AudioDecoder.readInterleaved(path: folder.appendingPathComponent(row.file).path)
            XCTAssertEqual(info.decoder, .libsndfile, row.file)
            got[row.file] = Self.fnv(samples)
        }
        let listing = got.keys.sorted().map { "\"\($0)\": 0x\(String(got[$0]!, radix: 16))," }.joined(separator: "\n")
        XCTAssertEqual(got, Self.before, "now:\n\(listing)")
    }
}
