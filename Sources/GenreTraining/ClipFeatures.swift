import Foundation
import GenreAudio
import GenreFeatures

/// The log-mel segments of one labelled clip.
public struct ClipFeatures: Sendable {
    /// Path relative to the dataset folder, e.g. `blues/blues.00000.wav`.
    public let relativePath: String
    /// Class index into the dataset's (and model's) sorted class names.
    public let label: Int
    /// `[segmentCount, nMels, segmentFrames]` row-major, dB (standardised once `Normalization` is applied).
    public var segments: [Float]
    public let segmentCount: Int
    /// Duration of the decoded audio at the model's rate, seconds.
    public let duration: Double
}

/// A file left out of a run, with the one-line reason.
public struct SkippedFile: Sendable, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Decodes and featurises many files in parallel.
public enum ClipFeatureExtractor {
    /// Decodes each file (libsndfile → mono → libsoxr to `extractor.parameters.sampleRate`) and cuts its
    /// log-mel into segments, on `threads` worker threads. Files that cannot be decoded are returned in
    /// `skipped` with the decoder's reason instead of stopping the run.
    /// - Parameters:
    ///   - files: `(path on disk, path relative to the dataset, label)`.
    ///   - progress: called after each file with (files done, total), from worker threads, serialised.
    /// - Returns: clips in the order of `files` (minus skipped ones), and the skipped files.
    public static func extract(_ files: [(path: String, relativePath: String, label: Int)],
                               extractor: LogMelExtractor, threads: Int,
                               progress: ((Int, Int) -> Void)? = nil) -> (clips: [ClipFeatures], skipped: [SkippedFile]) {
        var results = [Result<ClipFeatures, SkippedFile>?](repeating: nil, count: files.count)
        let lock = NSLock()
        var next = 0, done = 0
        let workers = max(1, min(threads, files.count))
        let sampleRate = extractor.parameters.sampleRate
        results.withUnsafeMutableBufferPointer { out in
            let out = out
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i: Int? = lock.withLock { if next < files.count { next += 1; return next - 1 }; return nil }
                    guard let i else { return }
                    let f = files[i]
                    let result: Result<ClipFeatures, SkippedFile>
                    do {
                        let (audio, _) = try AudioDecoder.load(path: f.path, sampleRate: sampleRate)
                        let (values, count) = extractor.segments(audio.samples)
                        result = .success(ClipFeatures(relativePath: f.relativePath, label: f.label, segments: values,
                                                       segmentCount: count,
                                                       duration: Double(audio.samples.count) / Double(sampleRate)))
                    } catch {
                        result = .failure(SkippedFile(path: f.path, reason: Self.reason(error, path: f.path)))
                    }
                    out[i] = result
                    lock.withLock {
                        done += 1
                        progress?(done, files.count)
                    }
                }
            }
        }
        var clips: [ClipFeatures] = [], skipped: [SkippedFile] = []
        for r in results {
            switch r {
            case .success(let c)?: clips.append(c)
            case .failure(let s)?: skipped.append(s)
            case nil: break
            }
        }
        return (clips, skipped)
    }

    /// The error's one-line text without the leading "path: " (the caller prints the path itself).
    static func reason(_ error: Error, path: String) -> String {
        let text = "\(error)"
        return text.hasPrefix("\(path): ") ? String(text.dropFirst(path.count + 2)) : text
    }
}

extension SkippedFile: Error {}
