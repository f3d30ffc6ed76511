import Foundation
import GenreAudio
import GenreFeatures
import GenreModelTestSupport
import GenreTestSupport
import XCTest
@testable import GenreData
@testable import GenreModel

/// Level normalisation and the downmix rule on real clips, their record in model files, and models
/// written before them, which must predict exactly as they did.
final class LevelInvarianceTests: XCTestCase {
    private func miniClip(_ genre: String, index: Int = 0) throws -> String {
        let folder = try Reference.shared("datasets/gtzan-mini/\(genre)").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        return folder + "/" + names[index]
    }

    /// Each of `others` gives `source`'s log-mel cells, to within 1e-3 dB, under `parameters`.
    private func assertSameFeatures(_ source: String, as others: [String], parameters: FeatureParameters,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let extractor = try LogMelExtractor(parameters: parameters)
        let original = try ClipFeatureExtractor.segments(path: source, extractor: extractor)
        for path in others {
            let other = try ClipFeatureExtractor.segments(path: path, extractor: extractor)
            XCTAssertEqual(other.count, original.count, file: file, line: line)
            let worst = zip(original.values, other.values).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-3, "\(path), \(parameters.level)", file: file, line: line)
        }
    }

    /// Under the default recipe's preprocessing (peak normalisation) and under loudness normalisation, a
    /// clip 12 dB quieter, and the same clip as 5.1 (music in the front pair), give the same log-mel cells
    /// to within 1e-3 dB; without normalisation the quiet copy is 12 dB lower. The RMS level reported for
    /// the file is the file's own, before normalisation.
    func testLevelNormalisedFeaturesIgnoreGainAndLayout() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = try miniClip("jazz")
        let quiet = folder + "/quiet.wav", surround = folder + "/surround.wav"
        try Perturbation.gain(dB: -12).write(from: source, to: quiet)
        try Perturbation.surround51(flac: false).write(from: source, to: surround)

        var loudness = FeatureParameters.defaultRecipe
        loudness.level = .ebuR128
        let lufs = Loudness.integratedLUFS(try AudioDecoder.load(path: source, sampleRate: 22050).audio.samples, sampleRate: 22050)!
        let loudnessOriginal = try ClipFeatureExtractor.segments(path: source, extractor: LogMelExtractor(parameters: loudness))
        XCTAssertEqual(Double(loudnessOriginal.gainDB), -23 - lufs, accuracy: 1e-4)
        try assertSameFeatures(source, as: [quiet, surround], parameters: loudness)

        XCTAssertEqual(FeatureParameters.defaultRecipe.level, .logMelPeak)
        let normalised = try LogMelExtractor(parameters: .defaultRecipe)
        let original = try ClipFeatureExtractor.segments(path: source, extractor: normalised)
        XCTAssertEqual(original.values.max()!, 0, accuracy: 1e-4, "the loudest cell is moved to 0 dB")
        XCTAssertLessThan(original.gainDB, -10, "a GTZAN clip's loudest mel cell lies well above 0 dB")
        try assertSameFeatures(source, as: [quiet, surround], parameters: .defaultRecipe)
        let quietFeatures = try ClipFeatureExtractor.segments(path: quiet, extractor: normalised)
        XCTAssertEqual(quietFeatures.rmsDBFS, original.rmsDBFS - 12, accuracy: 1e-3, "rmsDBFS describes the file")
        XCTAssertEqual(quietFeatures.gainDB, original.gainDB + 12, accuracy: 1e-3)

        let absolute = try LogMelExtractor(parameters: FeatureParameters())
        let a = try ClipFeatureExtractor.segments(path: source, extractor: absolute)
        let b = try ClipFeatureExtractor.segments(path: quiet, extractor: absolute)
        XCTAssertEqual(a.gainDB, 0)
        // Over cells well above the floor (padding stays at −100 dB whatever the level).
        func meanShift(_ x: [Float], _ y: [Float]) -> Double {
            let pairs = zip(x, y).filter { $0.0 > -60 }
            return pairs.map { Double($0.1 - $0.0) }.reduce(0, +) / Double(pairs.count)
        }
        XCTAssertEqual(meanShift(a.values, b.values), -12, accuracy: 0.01)
        // The old rule averages six channels: the 5.1 copy is 20·log10(6/2) ≈ 9.54 dB quieter.
        let c = try ClipFeatureExtractor.segments(path: surround, extractor: absolute)
        XCTAssertEqual(meanShift(a.values, c.values), -20 * log10(3.0), accuracy: 0.01)
    }

    /// The model file records the downmix rule, the level normalisation and the level augmentations, and
    /// reads them back; an unknown value is refused; a file without the keys is the old behaviour.
    func testModelFileRecordsPreprocessingAndAugmentation() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        var model = smallModel()
        model.features.downmix = .itu775
        model.features.level = .ebuR128
        model.training.augmentation = .levelRobust
        let path = folder + "/m.safetensors"
        try ModelFile.write(model, to: path)
        let back = try ModelFile.read(path)
        XCTAssertEqual(back.features.downmix, .itu775)
        XCTAssertEqual(back.features.level, .ebuR128)
        XCTAssertEqual(back.training.augmentation, .levelRobust)
        let m = ModelFile.metadata(for: model)
        XCTAssertEqual(m["feature.level_normalization"], "loudness")
        XCTAssertEqual(m["feature.level_target_lufs"], "-23.0")
        XCTAssertEqual(m["feature.level_max_gain_db"], "30.0")
        XCTAssertTrue(m["feature.mono"]!.hasPrefix("ITU-R BS.775"))
        // Older readers (version 2) would ignore these keys and predict from other features: version 3.
        XCTAssertEqual(m["format_version"], "3")
        XCTAssertEqual(ModelFile.metadata(for: smallModel())["format_version"], "2", "no new preprocessing: readable by version-2 readers")

        model.features.level = .peak(maxGainDB: 20)
        try ModelFile.write(model, to: path)
        XCTAssertEqual(try ModelFile.read(path).features.level, .peak(maxGainDB: 20))

        let old = try ModelFile.read(Reference.repository.appendingPathComponent("Tests/Fixtures/model-before-issue-12.safetensors").path)
        XCTAssertEqual(old.features.downmix, .mean)
        XCTAssertEqual(old.features.level, LevelNormalization.none)
        XCTAssertEqual(old.training.augmentation, .standard)
    }

    /// A checkpoint written before the preprocessing fields existed holds JSON without them: it decodes to
    /// the behaviour of that time, and today's JSON round-trips.
    func testSettingsJSONWithoutTheNewFieldsDecodesAsBefore() throws {
        let oldFeatures = #"{"sampleRate":22050,"nFFT":2048,"hopLength":512,"nMels":128,"fMin":0,"segmentFrames":128,"minLastSegmentFrames":64}"#
        XCTAssertEqual(try JSONDecoder().decode(FeatureParameters.self, from: Data(oldFeatures.utf8)), FeatureParameters())
        let oldAugmentation = #"{"randomCrops":true,"timeMask":20,"frequencyMask":16}"#
        XCTAssertEqual(try JSONDecoder().decode(Augmentation.self, from: Data(oldAugmentation.utf8)), .standard)
        for f in [FeatureParameters.defaultRecipe, FeatureParameters(level: .peak(maxGainDB: 12))] {
            XCTAssertEqual(try JSONDecoder().decode(FeatureParameters.self, from: JSONEncoder().encode(f)), f)
        }
        XCTAssertEqual(try JSONDecoder().decode(Augmentation.self, from: JSONEncoder().encode(Augmentation.levelRobust)), .levelRobust)
        let json = String(decoding: try JSONEncoder().encode(FeatureParameters.defaultRecipe.level), as: UTF8.self)
        XCTAssertTrue(json.contains(#""method":"peak""#) && json.contains(#""maxGainDB":30"#), json)
        let loudness = String(decoding: try JSONEncoder().encode(LevelNormalization.ebuR128), as: UTF8.self)
        XCTAssertTrue(loudness.contains(#""method":"loudness""#) && loudness.contains(#""targetLUFS":-23"#), loudness)
    }
}
