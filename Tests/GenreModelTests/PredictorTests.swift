import Foundation
import GenreAudio
import GenreMetrics
import GenreModelTestSupport
import GenreNetwork
import GenreTestSupport
import XCTest
@testable import GenreModel

/// `Predictor` on every file of shared/datasets/formats: a distribution for each readable file, a
/// one-line error naming the file for the others (MANIFEST.tsv says which).
final class PredictorTests: XCTestCase {
    static let formats = Reference.sharedRoot.appendingPathComponent("datasets/formats")

    func testEveryManifestFileIsPredictedOrRefusedInOneLine() throws {
        let manifest = Self.formats.appendingPathComponent("MANIFEST.tsv")
        let text = try String(contentsOf: Reference.shared("datasets/formats/MANIFEST.tsv"), encoding: .utf8)
        let predictor = try Predictor(model: smallModel(), threads: 2)
        var predicted = 0, refused = 0
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let path = Self.formats.appendingPathComponent(String(fields[0])).path
            // Every file: what libsndfile refuses (two AAC .m4a, a sox AIFF) FFmpeg decodes (issue 14).
            if fields[1] == "yes" || fields[1] == "no" {
                let p = try predictor.predict(path: path)
                XCTAssertEqual(p.ranking.count, 3, path)
                XCTAssertEqual(p.ranking.reduce(0) { $0 + $1.probability }, 1, accuracy: 1e-5, path)
                XCTAssertGreaterThanOrEqual(p.segments, 1, path)
                XCTAssertEqual(p.segmentProbabilities.count, p.segments, path)
                if let frames = Double(fields[6]), let rate = Double(fields[5]) {
                    XCTAssertEqual(p.duration, frames / rate, accuracy: 1e-3, path)
                }
                predicted += 1
            } else {
                XCTAssertThrowsError(try predictor.predict(path: path), path) { error in
                    let message = "\(error)"
                    XCTAssertTrue(message.hasPrefix(path + ": "), message)
                    XCTAssertFalse(message.contains("\n"), message)
                }
                refused += 1
            }
        }
        // The two AAC .m4a files and the AIFF libsndfile refuses are decoded by FFmpeg (issue 14).
        XCTAssertEqual(predicted, 44)
        XCTAssertEqual(refused, 0)
    }

    func testDamagedButFiniteWeightsGiveAnErrorNotNaNProbabilities() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/tone.wav"
        try AudioWriter.writeWAV((0..<16000).map { Float(sin(Double($0) * 0.1)) * 0.5 }, sampleRate: 16000, to: path)
        var model = smallModel()
        XCTAssertNoThrow(try Predictor(model: model, threads: 1).predict(path: path))
        // Finite weights of 1e30 (as flipped exponent bits give) overflow to inf and NaN inside the network.
        var network = model.network
        network.updateParameters { _, p in p.value = p.value.map { $0 >= 0 ? 1e30 : -1e30 } }
        model = TrainedModel(network: network, classNames: model.classNames, features: model.features,
                             normalization: model.normalization, training: model.training, notes: model.notes)
        XCTAssertThrowsError(try Predictor(model: model, threads: 1).predict(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): the model's outputs are not finite; its weights look damaged")
        }
    }

    func testTheTimelineCoversTheAudioAndEndsWithIt() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        // smallModel: 16 kHz, hop 256, 12-frame segments (0.192 s each), last segment kept from 6 frames.
        let model = smallModel()
        let path = folder + "/tone.wav"
        try AudioWriter.writeWAV((0..<8000).map { Float(sin(Double($0) * 0.1)) * 0.5 }, sampleRate: 16000, to: path)
        let p = try Predictor(model: model, threads: 1).predict(path: path)
        let timeline = p.timeline(classNames: model.classNames, features: model.features)
        XCTAssertEqual(timeline.count, p.segments)
        XCTAssertEqual(p.duration, 0.5)
        let step = 12.0 * 256 / 16000
        for (i, t) in timeline.enumerated() {
            XCTAssertEqual(t.start, Double(i) * step, accuracy: 1e-12)
            XCTAssertLessThanOrEqual(t.end, p.duration, "no segment ends after the audio")
        }
        XCTAssertEqual(timeline.last?.end, 0.5, "the last segment is cut at the end of the audio, not of its padding")
        XCTAssertEqual(timeline.first?.end ?? 0, step, accuracy: 1e-12)
        for (t, row) in zip(timeline, p.segmentProbabilities) {
            XCTAssertEqual(model.classNames.map { t.probabilities[$0] }, row, "every class, keyed by name")
            XCTAssertEqual(t.probabilities[t.genre], t.probability)
        }
        // 8000 samples at hop 256: 32 frames, 3 segments of 12 (the 8-frame remainder kept), 0.576 s for 0.5 s of audio.
        XCTAssertEqual(p.segments, 3)
        XCTAssertEqual(p.paddingSeconds, 3 * step - 0.5, accuracy: 1e-12)
        XCTAssertEqual(timeline.last!.end + p.paddingSeconds, 3 * step, accuracy: 1e-12, "the last segment's end")
    }

    /// Equal probabilities rank in the model's class order (lowest index first, `Ranking.swift`), not by
    /// genre name: here the names are deliberately out of alphabetical order. A zero final layer makes
    /// every logit 0, so every class gets exactly 1/3.
    func testEqualProbabilitiesRankInClassOrderNotByName() throws {
        let small = smallModel()
        var network = small.network
        network.updateParameters { _, p in if p.name.hasPrefix("fc.") { p.value = [Float](repeating: 0, count: p.count) } }
        let model = TrainedModel(network: network, classNames: ["pop", "jazz", "metal"], features: small.features,
                                 normalization: small.normalization, training: small.training, notes: small.notes)
        let predictor = try Predictor(model: model, threads: 1)
        let cells = 16 * 12, count = 2
        var g = SeededGenerator(seed: 3)
        let segments = (0..<(count * cells)).map { _ in g.nextUnitFloat() - 0.5 }
        let p = try predictor.predict(segments: segments, count: count, file: "x.wav", duration: 0.4)
        XCTAssertEqual(Set(p.ranking.map(\.probability)).count, 1, "a tie of all three: \(p.ranking)")
        XCTAssertEqual(p.ranking[0].probability, 1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(p.ranking.map(\.genre), ["pop", "jazz", "metal"])
        let scores = try predictor.scores(segments: segments, count: count, file: "x.wav")
        XCTAssertEqual(scores.predicted, 0)
        XCTAssertEqual(scores.segmentPredicted, [0, 0])
        XCTAssertEqual(p.timeline(classNames: model.classNames, features: model.features).map(\.genre), ["pop", "pop"])
    }

    /// `Predictor.predict` reads its ranking from `Classifier.scores`: the same probabilities, the same
    /// top class, the same segment rows.
    func testPredictionAgreesWithTheClassifierScores() throws {
        let model = smallModel()
        let predictor = try Predictor(model: model, threads: 1)
        var g = SeededGenerator(seed: 4)
        let count = 3
        let segments = (0..<(count * 16 * 12)).map { _ in 2 * g.nextUnitFloat() - 1 }
        let scores = Classifier(network: model.network, threads: 1).scores(segments, count: count, network: model.network)
        let p = try predictor.predict(segments: segments, count: count, file: "x.wav", duration: 0.6)
        XCTAssertEqual(p.ranking[0].genre, model.classNames[scores.predicted])
        XCTAssertEqual(p.ranking.map(\.genre), topIndices(scores.probabilities).map { model.classNames[$0] })
        for e in p.ranking {
            XCTAssertEqual(e.probability, Double(scores.probabilities[model.classNames.firstIndex(of: e.genre)!]))
        }
        XCTAssertEqual(p.segmentProbabilities.flatMap { $0 }, scores.segmentProbabilities.map(Double.init))
        XCTAssertEqual(scores.segmentPredicted, p.segmentProbabilities.map { argmax($0) })
    }

    /// A file with more segments than the predictor holds is read twice (the first pass finds the level
    /// gain, the second classifies segment batches as they come): the same prediction, bit for bit.
    func testHoldingFewSegmentsGivesTheSamePrediction() throws {
        let model = smallModel()
        let path = try Reference.shared("datasets/formats/stereo_sample.flac").path
        for level in [LevelNormalization.none, .logMelPeak, .ebuR128] {
            var leveled = model
            leveled.features.level = level
            let whole = try Predictor(model: leveled, threads: 2).predict(path: path)
            let streamed = try Predictor(model: leveled, threads: 2, heldSegments: 3).predict(path: path)
            XCTAssertGreaterThan(whole.segments, 3)
            XCTAssertEqual(streamed, whole, "\(level)")
        }
    }
}
