import Foundation
import GenreFeatures
import GenreModelTestSupport
import GenreNetwork
import GenreTestSupport
import XCTest
@testable import GenreData
@testable import GenreModel
@testable import GenreSupport
@testable import GenreTraining

/// Inputs that must be refused with a clear error rather than turned into NaN, and saves that must not
/// damage what is already on disk.
final class RobustnessTests: XCTestCase {
    /// A mono IEEE-float WAV (format 3) written byte by byte, so the test controls every sample.
    func floatWAV(_ samples: [Float], sampleRate: UInt32 = 22050) -> Data {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let bytes = UInt32(samples.count * 4)
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(3); u16(1); u32(sampleRate); u32(sampleRate * 4); u16(4); u16(32)
        d.append(contentsOf: Array("data".utf8)); u32(bytes)
        for s in samples { u32(s.bitPattern) }
        return d
    }

    func testNonFiniteOrOverflowingAudioIsRefusedNamingTheFile() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        for (name, value) in [("nan.wav", Float.nan), ("inf.wav", Float.infinity), ("huge.wav", Float(1e30))] {
            var samples = (0..<22050).map { Float(sin(Double($0) * 0.05)) * 0.5 }
            samples[1000] = value
            let path = folder + "/" + name
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: floatWAV(samples)))
            XCTAssertThrowsError(try ClipFeatureExtractor.segments(path: path, extractor: extractor), name) { error in
                XCTAssertTrue("\(error)".hasPrefix(path + ": "), "\(error)")
                XCTAssertTrue("\(error)".contains("cannot compute features"), "\(error)")
            }
        }
        // Samples above 1.0 that stay finite are fine: read as they are.
        let loud = folder + "/loud.wav"
        XCTAssertTrue(FileManager.default.createFile(atPath: loud, contents: floatWAV((0..<22050).map { Float(sin(Double($0) * 0.05)) * 2 })))
        let (values, count, _, _, _) = try ClipFeatureExtractor.segments(path: loud, extractor: extractor)
        XCTAssertEqual(count, 1)
        XCTAssertTrue(values.allSatisfy(\.isFinite))
    }

    /// Digital silence and a clip whose only non-zero sample is the first: finite features at the −100 dB
    /// floor, a distribution summing to 1, and the near-silent flag (RMS below −60 dBFS) that `predict`
    /// warns with; an ordinary −23 dBFS tone is not flagged.
    func testSilenceAndALoneImpulseGiveFiniteFeaturesAndAreFlaggedNearSilent() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = smallModel()
        let extractor = try LogMelExtractor(parameters: model.features)
        let predictor = try Predictor(model: model, threads: 1)
        var impulse = [Float](repeating: 0, count: 3 * 16000)
        impulse[0] = 0.001
        let tone = (0..<16000).map { Float(0.1 * sin(Double($0) * 0.3)) }
        for (name, samples, expectedRMS, silent) in [("silence.wav", [Float](repeating: 0, count: 16000), -200.0, true),
                                                     ("impulse.wav", impulse, 20 * log10(0.001 / (48000.0).squareRoot()), true),
                                                     ("tone.wav", tone, 20 * log10(0.1 / 2.0.squareRoot()), false)] {
            let path = folder + "/" + name
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: floatWAV(samples, sampleRate: 16000)))
            let (values, count, duration, rms, _) = try ClipFeatureExtractor.segments(path: path, extractor: extractor)
            XCTAssertEqual(duration, Double(samples.count) / 16000, accuracy: 1e-9, name)
            XCTAssertEqual(rms, expectedRMS, accuracy: 0.05, name)
            XCTAssertEqual(values.count, count * 16 * 12, name)
            XCTAssertTrue(values.allSatisfy { $0.isFinite && $0 >= -100 }, name)
            if name == "silence.wav" { XCTAssertTrue(values.allSatisfy { $0 == -100 }, "silence is the floor everywhere") }
            let p = try predictor.predict(path: path)
            XCTAssertEqual(p.ranking.reduce(0) { $0 + $1.probability }, 1, accuracy: 1e-5, name)
            XCTAssertTrue(p.ranking.allSatisfy { $0.probability.isFinite }, name)
            XCTAssertEqual(p.isNearSilent, silent, name)
        }
        // All-silent training data: the std is floored, so standardising divides by no zero.
        let flat = Normalization(fitting: [[Float](repeating: -100, count: 50)])
        XCTAssertEqual(flat.std, Normalization.minimumStd)
        var cells: [Float] = [-100, -100]
        flat.apply(&cells)
        XCTAssertEqual(cells, [0, 0])
    }

    func testAFailedModelWriteLeavesThePreviousModelAndSplitListUntouched() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let modelPath = folder + "/m.safetensors", splitPath = ModelFile.splitPath(forModel: modelPath)
        let old = DataSplit(train: ["a/1.wav"], validation: ["a/2.wav"], test: ["b/1.wav"])
        try TrainingRun.save(smallModel(), to: modelPath, split: old, splitPath: splitPath)
        let modelBefore = try Data(contentsOf: URL(fileURLWithPath: modelPath))
        let splitBefore = try Data(contentsOf: URL(fileURLWithPath: splitPath))

        // A non-finite weight makes the model write fail after the split list has been staged.
        var broken = smallModel(seed: 2)
        broken.network.convolutions[0].bias.value[0] = .nan
        let new = DataSplit(train: ["b/1.wav"], validation: ["a/2.wav"], test: ["a/1.wav"])
        XCTAssertThrowsError(try TrainingRun.save(broken, to: modelPath, split: new, splitPath: splitPath))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: modelPath)), modelBefore)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: splitPath)), splitBefore)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["m.safetensors", "m.split.tsv"],
                       "no staged or temporary file left behind")
    }

    /// Every single-byte change of a model file is refused with an error naming the file — a change in the
    /// tensor data by the checksum — unless the byte is JSON whitespace outside any string in the header (the
    /// writer's padding) and becomes JSON whitespace again, which must load the identical model. The outcome
    /// of each change is predicted from where it falls and checked, so a damaged file that loads, a harmless
    /// change that is refused, or a refusal that does not say which file are all failures.
    func testEverySingleByteChangeIsRefusedNamingTheFileOrIsHarmlessSpacing() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/m.safetensors"
        // The writer pads the header with spaces to a multiple of 8 bytes, the only JSON whitespace it writes;
        // the small model's header needs none, so its dataset note is lengthened until the header needs some.
        var model = smallModel(), bytes: [UInt8] = [], headerEnd = 0, spacing: Set<Int> = []
        for extra in 0..<8 where spacing.isEmpty {
            model.notes["dataset"] = "tiny" + String(repeating: "!", count: extra)
            bytes = ModelFile.serialize(model)
            headerEnd = 8 + Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            spacing = Set(jsonWhitespaceOutsideStrings(bytes, in: 8..<headerEnd))
        }
        XCTAssertFalse(spacing.isEmpty, "some note length needs padding")
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]

        /// Writes `bytes` with `at` set to `value` and checks the outcome against the prediction; returns the
        /// kind of outcome.
        func check(at: Int, value: UInt8, _ context: String) throws -> String {
            var damaged = bytes
            damaged[at] = value
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let harmless = spacing.contains(at) && whitespace.contains(value)
            do {
                let loaded = try ModelFile.read(path)
                XCTAssertTrue(harmless, "\(context): byte \(at) set to \(value) still loads")
                XCTAssertEqual(loaded, model, "\(context): byte \(at) set to \(value) loads another model")
                return "harmless"
            } catch {
                let message = "\(error)"
                XCTAssertFalse(harmless, "\(context): spacing byte \(at) set to \(value) is refused: \(message)")
                XCTAssertTrue(message.hasPrefix(path + ": "), "\(context): \(message)")
                XCTAssertFalse(message.contains("\n"), "\(context): one line: \(message)")
                if at >= headerEnd {
                    XCTAssertTrue(message.contains("checksum mismatch"), "\(context): a data byte is caught by the checksum: \(message)")
                }
                return at < 8 ? "length" : at < headerEnd ? "header" : "data"
            }
        }
        // Exhaustively where a byte can be harmless: every padding byte, to each JSON whitespace and to a letter.
        for at in spacing.sorted() {
            for value: UInt8 in [0x09, 0x0A, 0x0D] { XCTAssertEqual(try check(at: at, value: value, "spacing"), "harmless") }
            XCTAssertEqual(try check(at: at, value: UInt8(ascii: "x"), "spacing"), "header")
        }
        // Exhaustively the length prefix: any change, low or high bit, misplaces the header.
        for at in 0..<8 { for flip: UInt8 in [0x01, 0x80] { XCTAssertEqual(try check(at: at, value: bytes[at] ^ flip, "length"), "length") } }
        // A seeded sample of the whole file, each byte changed to another value.
        var g = SeededGenerator(seed: 42)
        var kinds: [String: Int] = [:]
        for trial in 0..<1000 {
            let at = Int(g.next() % UInt64(bytes.count))
            let value = bytes[at] ^ UInt8(truncatingIfNeeded: 1 + g.next() % 255)  // never 0: the byte always changes
            kinds[try check(at: at, value: value, "trial \(trial)"), default: 0] += 1
        }
        // The sample reaches the header's JSON and the tensor data, so both checks above were exercised.
        XCTAssertGreaterThan(kinds["header", default: 0], 100, "\(kinds)")
        XCTAssertGreaterThan(kinds["data", default: 0], 100, "\(kinds)")
    }

    /// Offsets in `range` of `bytes` (JSON text) holding JSON whitespace outside string literals.
    func jsonWhitespaceOutsideStrings(_ bytes: [UInt8], in range: Range<Int>) -> [Int] {
        var inString = false, escaped = false, found: [Int] = []
        for i in range {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if [0x20, 0x09, 0x0A, 0x0D].contains(b) {
                found.append(i)
            }
        }
        return found
    }

    func testOutputPathsAreCheckedBeforeAnyWork() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        XCTAssertNoThrow(try OutputPath.checkWritable(folder + "/new/deeper/m.safetensors"))
        XCTAssertThrowsError(try OutputPath.checkWritable(folder)) { XCTAssertTrue("\($0)".contains("is a folder"), "\($0)") }
        XCTAssertThrowsError(try OutputPath.checkWritable("/dev/null")) { XCTAssertTrue("\($0)".contains("not a regular file"), "\($0)") }
        let file = folder + "/plain.txt"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        XCTAssertThrowsError(try OutputPath.checkWritable(file + "/m.safetensors")) { XCTAssertTrue("\($0)".contains("is not a folder"), "\($0)") }
    }
}
