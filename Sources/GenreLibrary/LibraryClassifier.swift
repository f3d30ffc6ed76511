import Foundation
import GenreAudio
import GenreModel

/// Classifies many files at once: files are shared out to worker threads, each with its own `Predictor` (workspace,
/// FFT plans), and handed back in input order — or as they complete — to one caller-supplied writer.
///
/// Memory stays bounded: each worker holds one file at a time (a long file is streamed, `Predictor`), and with
/// ordered output a worker waits rather than start a file more than `window` places ahead of the next one due, so
/// finished results never pile up behind a slow file.
public final class LibraryClassifier {
    /// What became of one file.
    public enum Outcome: Sendable {
        case classified(Prediction)
        /// Not audio by its content (`AudioError.notAudio`): found by a folder walk, it is skipped, not an error.
        case notAudio(String)
        /// The one-line error.
        case failed(String)
    }

    private let model: TrainedModel
    private let threads: Int
    private let maxSeconds: Double?

    /// - Parameters:
    ///   - threads: ≥ 1: the workers, or, with fewer files than threads, each file's share of them (`Predictor`'s
    ///     within-file threads).
    ///   - maxSeconds: read at most this much of each file.
    public init(model: TrainedModel, threads: Int, maxSeconds: Double?) {
        self.model = model
        self.threads = max(1, threads)
        self.maxSeconds = maxSeconds
    }

    /// Classifies `files`, calling `write(index, outcome)` once per file, one call at a time: in index order, or with
    /// `unordered` as each completes; a file with a `problem` fails with it, unopened. A worker's result depends only on its file, so the outcomes are the same, bit
    /// for bit, for any thread count.
    /// - Throws: the first error `write` throws (the other workers stop after their current file), or `FeatureError`
    ///   if the model's feature parameters are unusable.
    public func run(_ files: [LibraryFile], unordered: Bool = false, write: @escaping (Int, Outcome) throws -> Void) throws {
        guard !files.isEmpty else { return }
        let workers = min(threads, files.count)
        let perFile = max(1, threads / workers)
        let predictors = try (0..<workers).map { _ in
            try Predictor(model: model, threads: perFile, maxSeconds: maxSeconds)
        }
        let queue = OrderedHandOff(count: files.count, window: unordered ? Int.max : 2 * workers, unordered: unordered,
                                   write: write)
        let finished = DispatchGroup()
        for predictor in predictors {
            finished.enter()
            let thread = Thread {
                while let i = queue.next() { queue.finish(i, Self.classify(files[i], predictor)) }
                finished.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        finished.wait()
        if let error = queue.error { throw error }
    }

    static func classify(_ file: LibraryFile, _ predictor: Predictor) -> Outcome {
        if let problem = file.problem { return .failed("\(file.path): \(problem)") }
        do { return .classified(try predictor.predict(path: file.path)) } catch let error as AudioError {
            if case .notAudio = error { return .notAudio("\(error)") }
            return .failed("\(error)")
        } catch {
            return .failed("\(error)")
        }
    }
}

/// Indices handed out to workers and their outcomes handed on to one writer, in order or as they complete.
final class OrderedHandOff: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int, window: Int, unordered: Bool
    private let write: (Int, LibraryClassifier.Outcome) throws -> Void
    private var nextIndex = 0, nextDue = 0
    private var waiting: [Int: LibraryClassifier.Outcome] = [:]
    /// The first error the writer threw; no index is handed out after it.
    private(set) var error: Error?

    init(count: Int, window: Int, unordered: Bool, write: @escaping (Int, LibraryClassifier.Outcome) throws -> Void) {
        self.count = count
        self.window = window
        self.unordered = unordered
        self.write = write
    }

    /// The next index to classify, once it is within `window` of the next one due; nil when none is left.
    func next() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while error == nil, nextIndex < count, nextIndex - nextDue >= window { condition.wait() }
        guard error == nil, nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    /// Records `index`'s outcome and writes every outcome now due. The writer runs under the lock: one call at a time.
    func finish(_ index: Int, _ outcome: LibraryClassifier.Outcome) {
        condition.lock()
        defer { condition.unlock() }
        guard error == nil else { return }
        do {
            if unordered {
                try write(index, outcome)
                nextDue += 1
            } else {
                waiting[index] = outcome
                while let due = waiting.removeValue(forKey: nextDue) {
                    try write(nextDue, due)
                    nextDue += 1
                }
            }
        } catch {
            self.error = error
        }
        condition.broadcast()
    }
}
