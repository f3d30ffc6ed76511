import Foundation
import GenreData
import GenreModel
import GenreSupport

/// One `predict` over a library: classifies the files (`LibraryClassifier`), turns each outcome into a record,
/// writes it as soon as it is due, reports problems and progress on the console, and counts what happened.
public final class LibraryRun {
    private let model: TrainedModel
    private let modelFileSHA256: String
    private let format: RecordFormat
    private let console: Console
    /// Where records go; nil for `json`, whose document is written whole at the end (`records`).
    private let sink: LineSink?
    /// Every record written or kept for the document, in order.
    public private(set) var records: [LibraryRecord] = []
    public private(set) var tally = LibraryTally()
    /// Records written to the sink by this run.
    public private(set) var written = 0
    private var total = 0

    /// - Parameters:
    ///   - sink: where each record's text goes (`RecordFormat.render`); nil to keep the records for a JSON document.
    public init(model: TrainedModel, modelFileSHA256: String, format: RecordFormat, console: Console, sink: LineSink?) {
        self.model = model
        self.modelFileSHA256 = modelFileSHA256
        self.format = format
        self.console = console
        self.sink = sink
    }

    /// Classifies `files` on `threads` threads and writes each record when it is due (input order, or as completed
    /// with `unordered`). With `interrupted`, Ctrl-C or `kill` says what it returns for the files done so far, and
    /// removes `lock`.
    /// - Throws: the first write error (the run stops there; what was written stays), or `FeatureError` for a model
    ///   whose feature parameters are unusable.
    public func classify(_ files: [LibraryFile], threads: Int, maxSeconds: Double?, unordered: Bool, total: Int,
                         interrupted: ((_ done: Int, _ notAudio: Int) -> Message)?, lock: String?) throws {
        self.total = total
        let classifier = LibraryClassifier(model: model, threads: threads, maxSeconds: maxSeconds)
        if let interrupted { console.onInterrupt(interrupted(0, 0), removing: lock) }
        defer { if interrupted != nil { console.onInterrupt(nil, removing: nil) } }
        try classifier.run(files, unordered: unordered) { [self] i, outcome in
            // A signal between a record's write and the new count would say one file too few: with an output file
            // it waits for both (a write to stdout says nothing when interrupted, so nothing waits there).
            if let interrupted {
                try console.deferringInterrupts {
                    try record(outcome, file: files[i])
                    console.onInterrupt(interrupted(tally.done, tally.notAudio), removing: lock)
                }
            } else {
                try record(outcome, file: files[i])
            }
            showProgress()
        }
    }

    /// Tallies one file's outcome and writes its record (a folder's file that is not audio is skipped, not written).
    private func record(_ outcome: LibraryClassifier.Outcome, file: LibraryFile) throws {
        switch outcome {
        case .classified(let p): try classified(p, file: file)
        case .notAudio(let error) where !file.named:
            tally.skippedNotAudio()
            console.detail("skipped \(error)")
        case .notAudio(let error), .failed(let error): try failed(path: file.path, error: error, file: file)
        }
    }

    private func classified(_ p: Prediction, file: LibraryFile) throws {
        let timeline = format.segments == nil ? nil : p.timeline(classNames: model.classNames, features: model.features)
        var record = LibraryRecord(file: file.path, prediction: p, top: format.top, timeline: timeline, features: model.features)
        if let threshold = format.minConfidence { record.uncertain = p.ranking[0].probability < threshold }
        if let audio = p.audio {
            console.detail(ClipFeatureExtractor.describe(file.path, audio: audio, duration: p.duration, segments: p.segments, cached: false)
                           + paddingDetail(p))
            if let note = record.note, console.verbose || audio.stoppedAtSeconds != nil { console.warn(Message(verbatim: "\(file.path): \(note)")) }
        }
        if let warning = record.warning { console.warn(Message(verbatim: "warning: \(file.path): \(warning)")) }
        // The summary counts an "uncertain" answer as such, as the records give it.
        tally.classified(genre: record.uncertain == true ? "(uncertain)" : p.ranking[0].genre, seconds: p.duration)
        try write(&record, file: file)
    }

    /// ", 0.97 s of padding (33 % of its one segment)" for `--verbose`; empty when the segments hold none worth
    /// printing (under 5 ms, which also hides rounding in segments × segment length − duration).
    private func paddingDetail(_ p: Prediction) -> String {
        guard p.paddingSeconds >= 0.005 else { return "" }
        return String(format: ", %.2f s of padding (%.0f %% of its %@ segment)", p.paddingSeconds,
                      100 * p.paddingSeconds / model.features.segmentSeconds, p.segments == 1 ? "one" : "last")
    }

    private func failed(path: String, error: String, file: LibraryFile) throws {
        console.withProgressCleared { Console.error(error) }
        tally.failed(path: path, error: error)
        var record = LibraryRecord(file: path, error: error)
        try write(&record, file: file)
    }

    /// Stamps `record` with what `--resume` compares and writes it (or keeps it for the document).
    private func write(_ record: inout LibraryRecord, file: LibraryFile) throws {
        // Size and time as the file is now, just read (it may have changed since the folder was listed).
        var info = stat()
        let now = file.problem == nil ? (stat(file.path, &info) == 0 ? info : nil) : nil
        record.size = now.map { Int64($0.st_size) } ?? (file.problem == nil ? nil : file.size)
        record.modified = now.map { FileTime($0).description }
            ?? (file.problem == nil ? nil : file.modified?.description)
        record.relativePath = file.key
        record.modelFileSHA256 = modelFileSHA256
        record.options = format.summary
        guard let sink else { return records.append(record) }
        guard let text = try format.render(record) else { return }
        if sink.isStandardOutput { try console.withProgressCleared { try sink.write(text) } } else { try sink.write(text) }
        written += 1
    }

    private func showProgress() {
        let rate = tally.audioSeconds / max(elapsed, 1e-9)
        let status = String(format: "%.2f h of audio/s (%.0f× real time)", rate / 3600, rate)
            + (tally.failed > 0 ? ", \(tally.failed) failed" : "")
        console.progress("classifying", tally.done, total, unit: "files", status: status)
    }

    private let start = DispatchTime.now().uptimeNanoseconds
    /// Seconds since the run was made.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
