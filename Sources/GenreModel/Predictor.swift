import Foundation
import GenreData
import GenreFeatures
import GenreNetwork
import GenreSupport

/// One file's prediction.
public struct Prediction: Sendable, Codable, Equatable {
    public struct Entry: Sendable, Codable, Equatable {
        public var genre: String
        /// In [0, 1].
        public var probability: Double
    }
    public var file: String
    /// Every class, most probable first.
    public var ranking: [Entry]
    public var segments: Int
    /// Seconds of audio at the model's sample rate.
    public var duration: Double
    /// RMS level of the decoded mono audio, dBFS (−200 for digital silence).
    public var rmsDBFS: Double
    /// Below this RMS level a clip is near-silent and its prediction means little (`isNearSilent`).
    public static let nearSilentDBFS = -60.0
    public var isNearSilent: Bool { rmsDBFS < Self.nearSilentDBFS }
    /// [segments, K] softmax rows (segment order), for per-segment views.
    public var segmentProbabilities: [[Double]]
}

extension Prediction {
    /// One segment's most probable genre, for a view over time.
    public struct SegmentTop: Sendable, Codable, Equatable {
        /// Seconds from the start of the file: the segment's first and past-the-end frame times,
        /// frame × hopLength / sampleRate; the last segment's end is cut to the audio's duration (the rest
        /// of that segment is padding).
        public var start: Double
        public var end: Double
        public var genre: String
        public var probability: Double
    }

    /// The top genre of each segment in order, with its time span.
    /// - Parameters: the model's class names and feature parameters (hop, rate, segment length).
    public func timeline(classNames: [String], features: FeatureParameters) -> [SegmentTop] {
        let seconds = Double(features.segmentFrames * features.hopLength) / Double(features.sampleRate)
        return segmentProbabilities.enumerated().map { i, row in
            let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
            let start = Double(i) * seconds
            return SegmentTop(start: start, end: max(start, min(Double(i + 1) * seconds, duration)), genre: classNames[best],
                              probability: row[best])
        }
    }
}

/// Classifies audio files with a trained model, applying exactly the preprocessing stored in it.
public final class Predictor {
    public let model: TrainedModel
    private let extractor: LogMelExtractor
    private let classifier: Classifier
    private let threads: Int

    /// - Throws: `FeatureError` if the model's stored feature parameters are unusable.
    public init(model: TrainedModel, threads: Int) throws {
        self.model = model
        extractor = try LogMelExtractor(parameters: model.features)
        classifier = Classifier(network: model.network, threads: threads)
        self.threads = max(1, threads)
    }

    /// Standardised segments `[count, nMels, segmentFrames]` of a file, decoded at the model's rate.
    /// - Throws: as `ClipFeatureExtractor.segments(path:extractor:)`.
    public func features(path: String) throws -> (segments: [Float], count: Int, duration: Double, rmsDBFS: Double) {
        var (values, count, duration, rms, _) = try ClipFeatureExtractor.segments(path: path, extractor: extractor,
                                                                                         threads: threads)
        model.normalization.apply(&values)
        return (values, count, duration, rms)
    }

    /// Classifies one file: the mean of its segments' softmax probabilities.
    /// - Throws: `AudioError` (file missing, not audio, no frames, resampling failed); `RunError` for
    ///   non-finite audio or non-finite model outputs.
    public func predict(path: String) throws -> Prediction {
        let (segments, count, duration, rms) = try features(path: path)
        return try predict(segments: segments, count: count, file: path, duration: duration, rmsDBFS: rms)
    }

    /// Classifies already-standardised segments.
    /// - Throws: `RunError` when the network's outputs are not finite: weights that load (finite) but
    ///   are damaged, e.g. by flipped bits, can overflow to ±inf and NaN inside the network.
    public func predict(segments: [Float], count: Int, file: String, duration: Double,
                        rmsDBFS: Double = 0) throws -> Prediction {
        let k = model.classNames.count
        let perSegment = classifier.segmentProbabilities(segments, count: count, network: model.network)
        guard perSegment.allSatisfy(\.isFinite) else {
            throw RunError("\(file): the model's outputs are not finite; its weights look damaged")
        }
        let clip = Classifier.clipProbabilities(perSegment, classes: k)
        let ranking = clip.enumerated()
            .map { Prediction.Entry(genre: model.classNames[$0.offset], probability: Double($0.element)) }
            .sorted { $0.probability != $1.probability ? $0.probability > $1.probability : $0.genre < $1.genre }
        let rows = (0..<count).map { s in (0..<k).map { Double(perSegment[s * k + $0]) } }
        return Prediction(file: file, ranking: ranking, segments: count, duration: duration, rmsDBFS: rmsDBFS,
                          segmentProbabilities: rows)
    }
}
