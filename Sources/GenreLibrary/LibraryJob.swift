import Foundation
import GenreData
import GenreModel
import GenreSupport

/// What `genre predict` was asked to do, in the library's terms.
public struct LibraryRequest: Sendable {
    /// Files and folders, in order.
    public var paths: [String]
    /// A `--files-from` list: its source ("-": standard input) and whether entries end with NUL.
    public var list: (source: String, nulSeparated: Bool)?
    /// `--model`, or nil to search (`ShippedModel.locate`).
    public var model: String?
    public var format: LibraryFormat
    /// Genres per file, ≥ 1 (cut to the model's class count).
    public var top: Int
    public var segments: Bool
    /// `--max-duration`, seconds.
    public var maxSeconds: Double?
    /// `--output` (nil: standard output) and `--resume`.
    public var output: String?
    public var resume: Bool
    public var shard: Shard?
    /// Worker threads, ≥ 1, and whether results are written as they complete.
    public var threads: Int
    public var unordered: Bool

    public init(paths: [String], list: (source: String, nulSeparated: Bool)?, model: String?, format: LibraryFormat, top: Int,
                segments: Bool, maxSeconds: Double?, output: String?, resume: Bool, shard: Shard?, threads: Int, unordered: Bool) {
        self.paths = paths
        self.list = list
        self.model = model
        self.format = format
        self.top = top
        self.segments = segments
        self.maxSeconds = maxSeconds
        self.output = output
        self.resume = resume
        self.shard = shard
        self.threads = threads
        self.unordered = unordered
    }

    /// A library run, which ends with a summary: a folder, a list or an output file is involved. A few files named on
    /// the command line are their own summary.
    func isLibraryRun(_ report: InputReport) -> Bool { report.folders > 0 || list != nil || output != nil }
}

/// One `genre predict`: finds the model and the files, keeps this shard's, opens the output (resuming it), classifies
/// (`LibraryRun`) and ends with the summary.
public enum LibraryJob {
    /// - Parameter summary: print the summary even for a few named files (`--verbose`); `console.quiet` prints none.
    /// - Returns: what happened; `failed > 0` means some file could not be classified.
    /// - Throws: `RunError` and `ModelFileError` when the run cannot start (no model, a damaged one, an `--output` that
    ///   exists without `resume` or cannot be written, a refused resume, an unreadable file list); a write error
    ///   mid-run (what was written stays).
    public static func run(_ request: LibraryRequest, console: Console, summary: Bool = false) throws -> LibraryTally {
        let modelPath = try ShippedModel.locate(given: request.model)
        let model = try ModelFile.read(modelPath)
        let checksum = try ModelChecksum.fileSHA256(modelPath)
        let format = RecordFormat(format: request.format, top: min(request.top, model.classNames.count), segments: request.segments,
                                  maxSeconds: request.maxSeconds)
        var (files, report) = try inputs(request)
        let otherShards = keepShard(request.shard, &files, &report)
        let total = files.count + report.failures.count
        let (sink, alreadyDone) = try openOutput(request, format: format, checksum: checksum, files: &files, console: console)
        let run = LibraryRun(model: model, modelFileSHA256: checksum, format: format, console: console, sink: sink)
        try run.fail(report.failures.map { ($0.path, $0.reason) }, total: total)
        try run.classify(files, threads: request.threads, maxSeconds: request.maxSeconds, unordered: request.unordered, total: total)
        if format.format == .json {
            let document = try format.document(model: modelPath, modelFileSHA256: checksum, records: run.records)
            if let output = request.output { try AtomicText.write(document, to: output) } else { try LineSink().write(document) }
        }
        var tally = run.tally
        tally.alreadyDone = alreadyDone
        for (path, reason) in report.skipped { console.detail("skipped \(path): \(reason)") }
        if summary || request.isLibraryRun(report), !console.quiet {
            let left = [(report.hidden, "hidden"), (report.repeated, "repeated (a hard link or a path given twice)"),
                        (report.skipped.count, "not regular files or folders already walked"), (otherShards, "in other shards")]
            for line in tally.summary(seconds: run.elapsed, left: left) { console.warn(Message(verbatim: line)) }
        }
        return tally
    }

    /// Every PATH and list entry, folders walked; names that are not UTF-8 (arguments Swift could not carry, list
    /// entries) are failures, never opened.
    static func inputs(_ request: LibraryRequest) throws -> (files: [LibraryFile], report: InputReport) {
        var given = request.paths, unlisted: [(path: String, key: String, reason: String)] = []
        if let list = request.list {
            let read = try FileList.read(list.source, nulSeparated: list.nulSeparated)
            given += read.paths
            unlisted = read.problems.map { ($0.shown, $0.shown, $0.reason) }
        }
        for path in given { if let shown = FileName.invalidArguments[path] { unlisted.append((shown, shown, FileName.notUTF8Problem)) } }
        var (files, report) = LibraryInputs.collect(given.filter { FileName.invalidArguments[$0] == nil })
        report.failures = unlisted + report.failures
        return (files, report)
    }

    /// Drops what belongs to other shards; returns how many files that was.
    static func keepShard(_ shard: Shard?, _ files: inout [LibraryFile], _ report: inout InputReport) -> Int {
        guard let shard else { return 0 }
        let before = files.count
        files.removeAll { !shard.contains(key: $0.key) }
        report.failures.removeAll { !shard.contains(key: $0.key) }
        return before - files.count
    }

    /// Where records go (nil: a JSON document, written whole at the end), with the files an `--output` already holds
    /// removed from `files` and counted.
    static func openOutput(_ request: LibraryRequest, format: RecordFormat, checksum: String, files: inout [LibraryFile],
                           console: Console) throws -> (LineSink?, Int) {
        guard let output = request.output else {
            guard format.format != .json else { return (nil, 0) }
            let sink = LineSink()
            if format.format == .csv { try console.withProgressCleared { try sink.write(CSV.record(format.csvHeader)) } }
            return (sink, 0)
        }
        try OutputPath.checkWritable(output)
        guard format.format != .json else {
            if FileManager.default.fileExists(atPath: output) { throw RunError("\(output): already exists; remove it to start over") }
            return (nil, 0)
        }
        let opened = try ResumableOutput(path: output, resume: request.resume, format: format, modelFileSHA256: checksum, files: files)
        let done = files.count { opened.done.contains($0.path) }
        files.removeAll { opened.done.contains($0.path) }
        if opened.dropped > 0 {
            console.detail("\(output): \(opened.dropped) record(s) dropped (cut short, failed, or of a changed file): classified again")
        }
        return (opened.sink, done)
    }
}
