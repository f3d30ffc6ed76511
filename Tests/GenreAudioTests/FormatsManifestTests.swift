import Foundation
import XCTest
import GenreAudio

/// Decodes every file of ../shared/datasets/formats and checks it against MANIFEST.tsv
/// (figures taken with libsndfile 1.2.2 and confirmed with Debian's 1.2.0).
final class FormatsManifestTests: XCTestCase {
    struct Row {
        let file: String, readable: Bool, format: String, subtype: String
        let channels: Int, sampleRate: Int, frames: Int, peak: Double, rmsMono: Double, note: String
    }

    static func manifest() throws -> [Row] {
        let text = try String(contentsOf: try TestFiles.shared("datasets/formats/MANIFEST.tsv"), encoding: .utf8)
        let lines = text.split(separator: "\n").dropFirst()
        return lines.map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Row(file: f[0], readable: f[1] == "yes", format: f[2], subtype: f[3],
                       channels: Int(f[4]) ?? 0, sampleRate: Int(f[5]) ?? 0, frames: Int(f[6]) ?? 0,
                       peak: Double(f[7]) ?? 0, rmsMono: Double(f[8]) ?? 0, note: f.count > 9 ? f[9] : "")
        }
    }

    func testEveryFileDecodesAsTheManifestSays() throws {
        let rows = try Self.manifest()
        XCTAssertEqual(rows.count, 44)
        let folder = try TestFiles.shared("datasets/formats")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0 != "MANIFEST.tsv" && $0 != "README.md" }
        XCTAssertEqual(Set(onDisk), Set(rows.map(\.file)), "every file is listed")

        for row in rows {
            let path = folder.appendingPathComponent(row.file).path
            guard row.readable else {
                // What libsndfile refuses (AAC .m4a, the sox AIFF) FFmpeg decodes (issue 14;
                // DecoderFallbackTests checks their lengths against ffprobe).
                let (interleaved, info) = try AudioDecoder.readInterleaved(path: path)
                XCTAssertEqual(info.decoder, .ffmpeg, row.file)
                XCTAssertGreaterThan(interleaved.count, 0, row.file)
                continue
            }
            let (interleaved, info) = try AudioDecoder.readInterleaved(path: path)
            XCTAssertEqual(info.path, path)
            XCTAssertEqual(info.decoder, .libsndfile, row.file)
            XCTAssertEqual(info.channels, row.channels, row.file)
            XCTAssertEqual(info.sampleRate, row.sampleRate, row.file)
            XCTAssertEqual(info.frames, row.frames, "\(row.file): frames decoded to end of file")
            XCTAssertEqual(interleaved.count, row.frames * row.channels, row.file)
            XCTAssertEqual(info.format, "\(row.format) \(row.subtype)", row.file)

            let peak = Double(interleaved.map { abs($0) }.max() ?? 0)
            let (mono, _) = try AudioDecoder.readMono(path: path)
            XCTAssertEqual(mono.samples.count, row.frames, row.file)
            XCTAssertEqual(mono.sampleRate, row.sampleRate, row.file)
            let rms = sqrt(mono.samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(mono.samples.count))
            // The manifest rounds to 6 decimals; 1e-4 leaves room for a different decoder build
            // (libsndfile 1.2.0 here vs 1.2.2 there) on the lossy formats.
            XCTAssertEqual(peak, row.peak, accuracy: 1e-4, "\(row.file): peak")
            XCTAssertEqual(rms, row.rmsMono, accuracy: 1e-4 * max(1, row.rmsMono), "\(row.file): rms_mono")
        }
    }
}
