import Foundation
import XCTest
import GenreFeatures

final class FeatureParametersTests: XCTestCase {
    func testDefaultsAreAccepted() throws {
        let parameters = FeatureParameters()
        XCTAssertEqual(parameters.sampleRate, 22050)
        XCTAssertEqual(parameters.nFFT, 2048)
        XCTAssertEqual(parameters.hopLength, 512)
        XCTAssertEqual(parameters.nMels, 128)
        XCTAssertEqual(parameters.resolvedFMax, 11025)
        XCTAssertNoThrow(try parameters.validate())
    }

    /// librosa.filters.mel(sr=16000, n_fft=256, n_mels=128) has 13 all-zero rows:
    /// 0 3 6 11 14 19 22 27 30 35 38 43 50.
    func testEmptyMelBandsAreRefusedAndNamed() {
        let parameters = FeatureParameters(sampleRate: 16000, nFFT: 256, nMels: 128)
        XCTAssertThrowsError(try parameters.validate()) { error in
            guard case FeatureError.emptyMelBands(let bands, _, _, _) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(bands, [0, 3, 6, 11, 14, 19, 22, 27, 30, 35, 38, 43, 50])
            let text = String(describing: error)
            XCTAssertTrue(text.contains("13 of 128 mel bands"), text)
            XCTAssertTrue(text.contains("larger nFFT") && text.contains("fewer mel bands"), text)
            XCTAssertFalse(text.contains("\n"))
        }
        XCTAssertThrowsError(try LogMelExtractor(parameters: parameters))
    }

    func testInvalidValuesAreRefused() {
        let cases: [(FeatureParameters, FeatureError)] = [
            (FeatureParameters(sampleRate: 0), .nonPositive(parameter: "sampleRate", value: 0)),
            (FeatureParameters(nFFT: -2), .nonPositive(parameter: "nFFT", value: -2)),
            (FeatureParameters(hopLength: 0), .nonPositive(parameter: "hopLength", value: 0)),
            (FeatureParameters(nMels: 0), .nonPositive(parameter: "nMels", value: 0)),
            (FeatureParameters(segmentFrames: 0), .nonPositive(parameter: "segmentFrames", value: 0)),
            (FeatureParameters(nFFT: 2047), .oddNFFT(2047)),
            (FeatureParameters(nFFT: 1 << 30), .tooLarge(parameter: "nFFT", value: 1 << 30, limit: 65536)),
            (FeatureParameters(sampleRate: 10_000_000), .tooLarge(parameter: "sampleRate", value: 10_000_000, limit: 768_000)),
            (FeatureParameters(hopLength: 70_000), .tooLarge(parameter: "hopLength", value: 70_000, limit: 65536)),
            (FeatureParameters(nMels: 5000), .tooLarge(parameter: "nMels", value: 5000, limit: 1024)),
            (FeatureParameters(segmentFrames: 5000), .tooLarge(parameter: "segmentFrames", value: 5000, limit: 4096)),
            (FeatureParameters(fMax: 12000), .fMaxAboveNyquist(fMax: 12000, sampleRate: 22050)),
            (FeatureParameters(fMin: 5000, fMax: 4000), .invalidFrequencyRange(fMin: 5000, fMax: 4000)),
            (FeatureParameters(fMin: 11025), .invalidFrequencyRange(fMin: 11025, fMax: 11025)),
            (FeatureParameters(fMin: -1), .invalidFrequencyRange(fMin: -1, fMax: 11025)),
            (FeatureParameters(minLastSegmentFrames: 0), .invalidMinLastSegmentFrames(0, segmentFrames: 128)),
            (FeatureParameters(minLastSegmentFrames: 129), .invalidMinLastSegmentFrames(129, segmentFrames: 128)),
        ]
        for (parameters, expected) in cases {
            XCTAssertThrowsError(try parameters.validate()) { error in
                XCTAssertEqual(error as? FeatureError, expected)
                XCTAssertFalse(String(describing: error).contains("\n"))
            }
        }
    }

    func testCodableRoundTrip() throws {
        let parameters = FeatureParameters(sampleRate: 16000, nFFT: 1024, hopLength: 256, nMels: 64, fMin: 20, fMax: 7600)
        let decoded = try JSONDecoder().decode(FeatureParameters.self, from: JSONEncoder().encode(parameters))
        XCTAssertEqual(decoded, parameters)
        XCTAssertNoThrow(try parameters.validate())
    }
}
