import Foundation
import XCTest
import GenreAudio
@testable import GenreFeatures

/// Log-mel and filterbank against librosa 0.11 references in ../shared/reference/mel (see its README).
final class ReferenceMelTests: XCTestCase {
    /// Reference files and the audio each was made from (relative to ../shared).
    static let sources: [(name: String, wav: String)] = [
        ("chirp_22050_mono", "reference/mel/wav/chirp_22050_mono.wav"),
        ("music30s_22050_mono", "reference/mel/wav/music30s_22050_mono.wav"),
        ("music30s_44100_stereo", "reference/mel/wav/music30s_44100_stereo.wav"),
        ("silence_22050_mono", "reference/mel/wav/silence_22050_mono.wav"),
        ("sine1k_22050_mono", "reference/mel/wav/sine1k_22050_mono.wav"),
        ("sine1k_22050_mono_f32", "reference/mel/wav/sine1k_22050_mono_f32.wav"),
        ("sine1k_44100_stereo", "reference/mel/wav/sine1k_44100_stereo.wav"),
        ("sine440L_1kR_44100_stereo", "reference/mel/wav/sine440L_1kR_44100_stereo.wav"),
        ("whitenoise_22050_mono", "reference/mel/wav/whitenoise_22050_mono.wav"),
        ("whitenoise_22050_mono_f32", "reference/mel/wav/whitenoise_22050_mono_f32.wav"),
        ("blues.00000", "datasets/gtzan-mini/blues/blues.00000.wav"),
        ("metal.00003", "datasets/gtzan-mini/metal/metal.00003.wav"),
    ]

    func testFilterbankMatchesLibrosaWithin1e6() throws {
        let tensors = try ReferenceTensors.load(try SharedData.url("reference/mel/filterbank_slaney.safetensors"))
        let reference = try XCTUnwrap(tensors["filterbank"])
        XCTAssertEqual(reference.shape, [128, 1025])
        let ours = MelFilterbank.slaney(sampleRate: 22050, nFFT: 2048, nMels: 128, fMin: 0, fMax: 11025)
        XCTAssertEqual(ours.count, reference.values.count)
        let maxError = zip(ours, reference.values).map { abs($0 - $1) }.max() ?? .infinity
        print("filterbank: max |error| \(maxError)")
        XCTAssertLessThanOrEqual(maxError, 1e-6)
    }

    /// Every reference file that carries the `audio` tensor (already mono, 22050 Hz): the feature
    /// stage alone is within 1e-3 dB on cells within 80 dB of the maximum (the reference README asks
    /// 0.01 dB; we measure ≤ 6.1e-4 dB and hold the README's claim to what is measured), and within
    /// 0.25 dB on every cell (float32 FFT leakage far below the peak reaches ≈ 0.2 dB).
    func testAudioTensorIntoLogMelMeetsTightTolerance() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        var checked = 0
        for source in Self.sources {
            let tensors = try ReferenceTensors.load(try SharedData.url("reference/mel/\(source.name).safetensors"))
            guard let audio = tensors["audio"] else { continue }
            let reference = try XCTUnwrap(tensors["logmel"])
            let mel = extractor.logMel(audio.values)
            XCTAssertEqual([mel.nMels, mel.frames], reference.shape, source.name)
            XCTAssertEqual(mel.frames, 1 + audio.values.count / 512, source.name)
            let stats = Self.compare(mel, reference, floorBelowMax: 80)
            let all = Self.compare(mel, reference, floorBelowMax: .infinity)
            print(String(format: "audio tensor  %-27@ cells %6d  max %.2e dB  median %.2e dB  all cells max %.2e dB",
                         source.name as NSString, stats.cells, stats.max, stats.median, all.max))
            XCTAssertTrue(mel.values.allSatisfy(\.isFinite), source.name)
            XCTAssertLessThanOrEqual(stats.max, 1e-3, "\(source.name): max dB error within 80 dB of the maximum")
            XCTAssertLessThanOrEqual(all.max, 0.25, "\(source.name): max dB error over all cells")
            checked += 1
        }
        XCTAssertEqual(checked, 10)
    }

    /// Every reference file decoded from its audio through AudioDecoder.load + logMel, resampled ones
    /// included (libsoxr as python-soxr, so the resampled samples agree too): within 1e-3 dB on cells
    /// within 80 dB of the maximum, within 0.25 dB on every cell. This is the README's log-mel claim.
    func testDecodedFilesMatchReference() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        for source in Self.sources {
            let tensors = try ReferenceTensors.load(try SharedData.url("reference/mel/\(source.name).safetensors"))
            let reference = try XCTUnwrap(tensors["logmel"])
            let (audio, info) = try AudioDecoder.load(path: try SharedData.url(source.wav).path, sampleRate: 22050)
            XCTAssertEqual(audio.sampleRate, 22050)
            if let tensorAudio = tensors["audio"] {
                XCTAssertEqual(audio.samples.count, tensorAudio.values.count, "\(source.name): decoded length")
                let maxDiff = zip(audio.samples, tensorAudio.values).map { abs($0 - $1) }.max() ?? 0
                print(String(format: "decoded audio %-27@ max |sample - librosa| %.2e", source.name as NSString, maxDiff))
                if info.sampleRate == 22050 {
                    XCTAssertEqual(maxDiff, 0, "\(source.name): decoded samples")
                } else {
                    // Same libsoxr recipe and call pattern as python-soxr; bit-identical here, the
                    // margin allows another libsoxr build's SIMD rounding.
                    XCTAssertLessThanOrEqual(maxDiff, 1e-4, "\(source.name): resampled samples")
                }
            }
            let mel = extractor.logMel(audio.samples)
            XCTAssertEqual([mel.nMels, mel.frames], reference.shape, source.name)
            XCTAssertTrue(mel.values.allSatisfy(\.isFinite), source.name)
            let stats = Self.compare(mel, reference, floorBelowMax: 80)
            let all = Self.compare(mel, reference, floorBelowMax: .infinity)
            print(String(format: "decoded %@ %-27@ cells %6d  max %.2e dB  median %.2e dB  all cells max %.2e dB",
                         info.sampleRate == 22050 ? "  " : "rs", source.name as NSString, stats.cells, stats.max,
                         stats.median, all.max))
            XCTAssertLessThanOrEqual(stats.max, 1e-3, "\(source.name): max dB error within 80 dB of the maximum")
            XCTAssertLessThanOrEqual(all.max, 0.25, "\(source.name): max dB error over all cells")
        }
    }

    func testSilenceIsExactlyMinus100() throws {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        let (audio, _) = try AudioDecoder.load(path: try SharedData.url("reference/mel/wav/silence_22050_mono.wav").path,
                                               sampleRate: 22050)
        let mel = extractor.logMel(audio.samples)
        XCTAssertEqual(mel.frames, 87)
        XCTAssertTrue(mel.values.allSatisfy { $0 == -100 })
        XCTAssertTrue(extractor.logMel([Float](repeating: 0, count: 1000)).values.allSatisfy { $0 == -100 })
    }

    struct Stats { var cells: Int; var max: Float; var median: Float; var p99: Float }

    /// |ours − reference| over cells whose reference value is within `floorBelowMax` dB of the file's
    /// maximum (and in bands accepted by `band`).
    static func compare(_ mel: LogMel, _ reference: ReferenceTensors.Tensor, floorBelowMax: Float,
                        band: (Int) -> Bool = { _ in true }) -> Stats {
        let top = reference.values.max() ?? 0
        var errors: [Float] = []
        for m in 0..<mel.nMels where band(m) {
            for t in 0..<mel.frames {
                let r = reference.values[m * mel.frames + t]
                if r >= top - floorBelowMax { errors.append(abs(mel.values[m * mel.frames + t] - r)) }
            }
        }
        errors.sort()
        guard !errors.isEmpty else { return Stats(cells: 0, max: 0, median: 0, p99: 0) }
        return Stats(cells: errors.count, max: errors.last!, median: errors[errors.count / 2],
                     p99: errors[Int(0.99 * Double(errors.count - 1))])
    }
}
