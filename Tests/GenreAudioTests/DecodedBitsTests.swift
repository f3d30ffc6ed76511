import Foundation
import XCTest
import GenreAudio

/// Every mono or stereo file of formats/ that libsndfile reads decodes bit for bit as it did before the
/// streaming decoder and the FFmpeg fallback (issue 14): FNV-1a over the samples' bit patterns, recorded
/// with the whole-file libsndfile reader of commit ab55416.
final class DecodedBitsTests: XCTestCase {
    static let before: [String: UInt64] = [
        "Sine-1000Hz-300ms.aif": 0x7ea1d0aa3d336e5,
        "audiotest.au": 0xe8d363caed56b78e,
        "bus.opus": 0x1e3993327c1069cb,
        "choice_drum_bass.ogg": 0xc54e581ef8b25c51,
        "house_lo.mp3": 0x55e475fa578ae60a,
        "house_lo.ogg": 0x64347f8c3e96eabe,
        "house_lo.wav": 0x681019a373649e44,
        "mono_float64.wav": 0xf4fea937ae74bc09,
        "mono_int24.wav": 0xf1442ebf73e42920,
        "mono_int32.wav": 0xf4fea937ae74bc09,
        "ms_adpcm.wav": 0xb3588d222c7c3581,
        "perfect-alley1.ogg": 0xfbb8dc6318ce5605,
        "pluck-alaw.aifc": 0x6debb44aa77d064f,
        "pluck-pcm16.aiff": 0x29af39d1b8495ccb,
        "pluck-pcm16.au": 0x9700c2df7987d353,
        "pluck-pcm16.wav": 0x7a410be7ae115404,
        "pluck-pcm24.aiff": 0x5829210715b66560,
        "pluck-pcm24.au": 0x5829210715b66560,
        "pluck-pcm24.wav": 0x5829210715b66560,
        "pluck-pcm32.aiff": 0x21829596abd847c8,
        "pluck-pcm32.au": 0x21829596abd847c8,
        "pluck-pcm32.wav": 0x21829596abd847c8,
        "pluck-pcm8.aiff": 0xc3b2171a061602b7,
        "pluck-pcm8.au": 0x6c2f9f19349c00e6,
        "pluck-pcm8.wav": 0xe7454f90d75ea003,
        "pluck-ulaw.aifc": 0xdb09bb80c227e24b,
        "pluck-ulaw.au": 0xf81cdb526c5e1082,
        "sample_22050.wav": 0x17bdd3caec039a87,
        "secosmic_lo.wav": 0xc77afbc94942aa85,
        "signed_24bit.wav": 0xc636e239d158194c,
        "stereo_24bit.WAV": 0x4d523e0f693d673d,
        "stereo_chirp.wav": 0x6154983ce1f1ec1,
        "stereo_sample.flac": 0xf66449ac214f149f,
        "stereo_sample.wav": 0xf66449ac214f149f,
        "vibe_ace.hq.ogg": 0x20e9be26c14e9ad,
        "vibe_ace_22k_mono_50ms.wav": 0x72527ef98076e9d4,
        "vibe_ace_44k_stereo.mp3": 0x5ad77536520f0138,
        "vibe_ace_44k_stereo_f32.wav": 0xd064dbf67388dd80,
        "vibe_ace_44k_stereo_s24.flac": 0xd064dbf67388dd80,
        "vibe_ace_44k_stereo_s24.wav": 0xd064dbf67388dd80,
        "vibe_ace_48k_stereo_s16.wav": 0x4ee26f49ee50c366,
    ]

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
