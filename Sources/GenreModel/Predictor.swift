import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreMetrics
import GenreNetwork
import GenreSupport

/// One file's prediction (`Predictor.predict`): what `genre predict` prints, and `--json` writes.
public struct Prediction: Sendable, Codable, Equatable {
    /// One genre and the clip's probability of it.
    public struct Entry: Sendable, Codable, Equatable {
        /// A class name of the model.
        public var genre: String
        /// In [0, 1].
        public var probability: Double
    }
    /// The path as given.
    public var file: String
    /// Every class, most probable first; equal probabilities in class order (`topIndices`).
    public var ranking: [Entry]
    /// How many segments the clip was cut into, ≥ 1.
    public var segments: Int
    /// Seconds of audio at the model's sample rate.
    public var duration: Double
    /// RMS level of the decoded mono audio, dBFS (−200 for digital silence).
    public var rmsDBFS: Double
    /// Below this RMS level a clip is near-silent and its prediction means little (`isNearSilent`).
    public static let nearSilentDBFS = -60.0
    /// The RMS level is below `nearSilentDBFS`.
    public var isNearSilent: Bool { rmsDBFS < Self.nearSilentDBFS }
    /// `[segments, K]` softmax rows (segment order, classes in the model's order), for per-segment views.
    public var segmentProbabilities: [[Double]]
    /// Seconds of the scored segments past the end of the audio (zero padding), `segments · segmentSeconds − duration`
    /// when positive: most of the one segment of a clip much shorter than it, part of a kept partial last segment;
    /// else 0 (a dropped remainder pads nothing). The timeline's last `end` plus it is the last segment's end.
    public var paddingSeconds: Double
    /// The file as decoded (format, decoder, header and decoded frames, where reading stopped); nil for segments
    /// given directly.
    public var audio: AudioInfo?
}

extension Prediction {
    /// One segment's most probable genre, for a view over time.
    public struct SegmentTop: Sendable, Codable, Equatable {
        /// Seconds from the start of the file: the segment's first and past-the-end frame times,
        /// frame × hopLength / sampleRate; the last segment's end is cut to the audio's duration (the rest
        /// of that segment is padding).
        public var start: Double
        /// Seconds, ≥ `start`.
        public var end: Double
        /// The segment's most probable class (ties: class order, `argmax`).
        public var genre: String
        /// Its probability, in [0, 1].
        public var probability: Double
        /// The segment's probability of every class, keyed by class name (JSON: one object, keys sorted).
        public var probabilities: [String: Double]
    }

    /// The top genre of each segment in order, with its time span and full distribution.
    /// - Parameters:
    ///   - classNames: `[K]`, the model's.
    ///   - features: the model's feature parameters (hop length, sample rate, segment length).
    /// - Returns: `[segments]`.
    public func timeline(classNames: [String], features: FeatureParameters) -> [SegmentTop] {
        let seconds = features.segmentSeconds
        return segmentProbabilities.enumerated().map { i, row in
            let best = argmax(row)
            let start = Double(i) * seconds
            return SegmentTop(start: start, end: max(start, min(Double(i + 1) * seconds, duration)), genre: classNames[best],
                              probability: row[best], probabilities: Dictionary(uniqueKeysWithValues: zip(classNames, row)))
        }
    }
}

/// Classifies audio files with a trained model, applying exactly the preprocessing stored in it.
public final class Predictor {
    /// The model whose features, standardisation and network every prediction uses.
    public let model: TrainedModel
    private let extractor: LogMelExtractor
    private let classifier: Classifier
    private let threads: Int

    /// Segments held at once by default: ≈ 6.3 min of audio at the default features (8 MiB, a few copies of which
    /// exist while they are classified); a longer file is read twice (`predict(path:)`), so that memory does not grow
    /// with duration. At 256 a 10-minute file peaked at 125 MiB against 110 MiB for a streamed 2-hour one.
    public static let defaultHeldSegments = 128
    private let heldSegments: Int
    /// Read at most this many seconds of each file; nil reads all of it.
    public let maxSeconds: Double?

    /// A predictor that decodes and scores on `threads` threads (below 1 counts as 1).
    /// - Parameters:
    ///   - heldSegments: the most segments of one file held in memory (≥ 1).
    ///   - maxSeconds: stop reading each file there (`Prediction.audio.stoppedAtSeconds`).
    /// - Throws: `FeatureError` if the model's stored feature parameters are unusable.
    public init(model: TrainedModel, threads: Int, heldSegments: Int = defaultHeldSegments, maxSeconds: Double? = nil) throws {
        self.model = model
        extractor = try LogMelExtractor(parameters: model.features)
        classifier = Classifier(network: model.network, threads: threads, temperature: model.temperature)
        self.threads = max(1, threads)
        self.heldSegments = max(1, heldSegments)
        self.maxSeconds = maxSeconds
    }

    /// Standardised segments `[count, nMels, segmentFrames]` of a file, decoded at the model's rate, held whole.
    /// - Throws: as `ClipFeatureExtractor.segments(path:extractor:)`.
    public func features(path: String) throws -> (segments: [Float], count: Int, duration: Double, rmsDBFS: Double) {
        var (values, count, duration, rms, _) = try ClipFeatureExtractor.segments(path: path, extractor: extractor,
                                                                                         threads: threads)
        model.normalization.apply(&values)
        return (values, count, duration, rms)
    }

    /// Classifies one file: the mean of its segments' softmax probabilities. A file of more than `heldSegments`
    /// segments is decoded twice, the first pass measuring its level-normalisation gain, the second classifying its
    /// segments in batches as they come: the same prediction, bit for bit, in memory independent of its duration.
    /// - Throws: `AudioError` (file missing, not audio, no frames, resampling failed); `RunError` for
    ///   non-finite audio or non-finite model outputs.
    public func predict(path: String) throws -> Prediction {
        let clip = try ClipFeatureExtractor.clip(path: path, extractor: extractor, threads: threads, maxSeconds: maxSeconds,
                                                 heldSegments: heldSegments)
        var rows: [Float] = []
        if var values = clip.values {
            model.normalization.apply(&values)
            rows = classifier.segmentProbabilities(values, count: clip.count, network: model.network)
        } else {
            try ClipFeatureExtractor.forEachSegmentBatch(path: path, extractor: extractor, threads: threads, maxSeconds: maxSeconds,
                                                         gainDB: clip.gainDB, batch: Classifier.batchSize) { batch, n in
                var values = batch
                model.normalization.apply(&values)
                rows += classifier.segmentProbabilities(values, count: n, network: model.network)
            }
        }
        var p = try predict(rows: rows, count: clip.count, file: path, duration: clip.duration, rmsDBFS: clip.rmsDBFS)
        p.audio = clip.audio
        return p
    }

    /// Scores already-standardised segments (`Classifier.scores`), refusing non-finite outputs.
    /// - Parameters:
    ///   - segments: `[count, nMels, segmentFrames]`, standardised with the model's `normalization`.
    ///   - file: named in the error.
    /// - Throws: `RunError` when the network's outputs are not finite: weights that load (finite) but
    ///   are damaged, e.g. by flipped bits, can overflow to ±inf and NaN inside the network.
    public func scores(segments: [Float], count: Int, file: String) throws -> Classifier.ClipScores {
        try finite(classifier.scores(segments, count: count, network: model.network), file: file)
    }

    /// `scores` if every probability is finite. Weights that load (finite) but are damaged, e.g. by flipped bits,
    /// can overflow to ±inf and NaN inside the network.
    private func finite(_ scores: Classifier.ClipScores, file: String) throws -> Classifier.ClipScores {
        guard scores.isFinite else {
            throw RunError("\(file): the model's outputs are not finite; its weights look damaged")
        }
        return scores
    }

    /// Classifies already-standardised segments: `scores(segments:count:file:)` as a `Prediction`.
    /// - Parameters:
    ///   - segments: `[count, nMels, segmentFrames]`, standardised with the model's `normalization`.
    ///   - duration: seconds of audio; `rmsDBFS`: its RMS level, dBFS (both only recorded).
    /// - Throws: `RunError` when the network's outputs are not finite, as `scores(segments:count:file:)`.
    public func predict(segments: [Float], count: Int, file: String, duration: Double,
                        rmsDBFS: Double = 0) throws -> Prediction {
        try predict(rows: classifier.segmentProbabilities(segments, count: count, network: model.network), count: count,
                    file: file, duration: duration, rmsDBFS: rmsDBFS)
    }

    /// A `Prediction` from the segments' softmax rows `[count, K]`.
    /// - Throws: `RunError` when a probability is not finite (damaged weights).
    private func predict(rows: [Float], count: Int, file: String, duration: Double, rmsDBFS: Double) throws -> Prediction {
        let k = model.classNames.count
        let scores = try finite(Classifier.scores(rows: rows, classes: k), file: file)
        let ranking = topIndices(scores.probabilities).map {
            Prediction.Entry(genre: model.classNames[$0], probability: Double(scores.probabilities[$0]))
        }
        let table = (0..<count).map { s in (0..<k).map { Double(scores.segmentProbabilities[s * k + $0]) } }
        let padding = max(0, Double(count) * model.features.segmentSeconds - duration)
        return Prediction(file: file, ranking: ranking, segments: count, duration: duration, rmsDBFS: rmsDBFS,
                          segmentProbabilities: table, paddingSeconds: padding)
    }
}
