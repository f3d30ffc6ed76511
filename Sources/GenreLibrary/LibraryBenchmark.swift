import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreModel
import GenreSupport

/// `genre bench --library DIR`: how fast a library is classified, and where the time goes.
public enum LibraryBenchmark {
    /// One timed run of `LibraryClassifier` over every file.
    public struct Throughput: Sendable, Codable, Equatable {
        public var threads: Int
        public var files: Int
        /// Seconds of audio classified (at the model's rate) and wall seconds taken.
        public var audioSeconds: Double
        public var seconds: Double
        public var filesPerSecond: Double { Double(files) / seconds }
        /// Audio seconds per wall second.
        public var timesRealTime: Double { audioSeconds / seconds }
    }

    /// Wall seconds of each stage over the same files, one thread, each measured as the difference between two
    /// passes that stop after it (decode; + downmix and resampling; + log-mel, segments and level; + the network).
    public struct Stages: Sendable, Codable, Equatable {
        public var files: Int
        public var decode: Double
        public var resample: Double
        public var features: Double
        public var network: Double
        public var total: Double { decode + resample + features + network }
    }

    /// Classifies `paths` on `threads` threads, writing nothing.
    /// - Throws: `RunError` naming the first file that could not be classified: a benchmark of failures means nothing.
    public static func throughput(_ files: [LibraryFile], model: TrainedModel, threads: Int) throws -> Throughput {
        var audio = 0.0, failure: String?
        let start = DispatchTime.now().uptimeNanoseconds
        try LibraryClassifier(model: model, threads: threads, maxSeconds: nil).run(files) { _, outcome in
            switch outcome {
            case .classified(let p): audio += p.duration
            case .failed(let error), .notAudio(let error): failure = failure ?? error
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if let failure { throw RunError("\(failure) (the benchmark needs every file to classify)") }
        return Throughput(threads: threads, files: files.count, audioSeconds: audio, seconds: seconds)
    }

    /// The stage times for `paths`, on one thread.
    /// - Throws: `AudioError`, `RunError` as `Predictor.predict`.
    public static func stages(_ paths: [String], model: TrainedModel) throws -> Stages {
        let p = model.features
        let extractor = try LogMelExtractor(parameters: p)
        let predictor = try Predictor(model: model, threads: 1)
        var block = [Float](repeating: 0, count: 16_384 * 8)
        let decoded = try timed(paths) { path in
            let source = try AudioDecoder.open(path: path)
            let frames = block.count / source.info.channels
            while try block.withUnsafeMutableBufferPointer({ try source.read(into: $0.baseAddress!, maxFrames: frames) }) > 0 {}
        }
        let resampled = try timed(paths) { path in
            _ = try AudioDecoder.decode(path: path, sampleRate: p.sampleRate, downmix: p.downmix) { _ in }
        }
        let features = try timed(paths) { path in _ = try ClipFeatureExtractor.clip(path: path, extractor: extractor) }
        let predicted = try timed(paths) { path in _ = try predictor.predict(path: path) }
        return Stages(files: paths.count, decode: decoded, resample: max(0, resampled - decoded),
                      features: max(0, features - resampled), network: max(0, predicted - features))
    }

    private static func timed(_ paths: [String], _ body: (String) throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for path in paths { try body(path) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
