import Foundation
import GenreFeatures
import XCTest
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
        let (values, count, _) = try ClipFeatureExtractor.segments(path: loud, extractor: extractor)
        XCTAssertEqual(count, 1)
        XCTAssertTrue(values.allSatisfy(\.isFinite))
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
