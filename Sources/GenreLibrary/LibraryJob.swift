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
    /// `--segments`: keep every segment's top genre, printed as text merged or one per segment; nil: no timeline.
    public var segments: TimelineView?
    /// `--max-duration`, seconds.
    public var maxSeconds: Double?
    /// `--output` (nil: standard output) and `--resume`.
    public var output: String?
    public var resume: Bool
    public var shard: Shard?
    /// Worker threads, ≥ 1, and whether results are written as they complete.
    public var threads: Int
    public var unordered: Bool
    /// `--min-confidence`: files whose calibrated top probability is below it are answered "uncertain"; nil: never.
    public var minConfidence: ConfidenceThreshold?

    public init(paths: [String], list: (source: String, nulSeparated: Bool)?, model: String?, format: LibraryFormat, top: Int,
                segments: TimelineView?, maxSeconds: Double?, output: String?, resume: Bool, shard: Shard?, threads: Int, unordered: Bool,
                minConfidence: ConfidenceThreshold? = nil) {
        self.minConfidence = minConfidence
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
                                  maxSeconds: request.maxSeconds, shard: request.shard,
                                  minConfidence: try request.minConfidence?.resolve(for: model, path: modelPath))
        var (files, report) = try inputs(request)
        let otherShards = keepShard(request.shard, &files)
        if files.isEmpty, !console.quiet {
            console.warn(Message(verbatim: "warning: no files to classify in \((request.paths + (request.list.map { [$0.source] } ?? [])).joined(separator: ", "))"))
        } else if !console.quiet {
            // A folder named among others that holds nothing is likely a mistake (a wrong path, a mount not there).
            for folder in report.emptyFolders { console.warn(Message(verbatim: "warning: \(folder): no files in this folder")) }
        }
        let output = request.output == "-" ? nil : request.output
        if let output {
            try OutputPath.checkWritable(output)
            let folder = OutputPath.parent(of: output)
            if !folder.isEmpty { try OutputPath.createFolder(folder) }
        }
        let lock = try output.map(lockOutput)
        defer { lock?.release() }
        if let output { console.onInterrupt(Message(verbatim: "interrupted before any file was classified; \(output) is as it was"), removing: lock?.path) }
        let (sink, alreadyDone) = try openOutput(output, request, format: format, checksum: checksum, files: &files, console: console)
        let run = LibraryRun(model: model, modelFileSHA256: checksum, format: format, console: console, sink: sink)
        let total = files.count
        do {
            try run.classify(files, threads: request.threads, maxSeconds: request.maxSeconds, unordered: request.unordered, total: total,
                             interrupted: output.map { output in
                                 { interrupted(after: $0 + alreadyDone, of: total + alreadyDone, notAudio: $1, output: output) }
                             },
                             lock: lock?.path)
        } catch let failure as LineSink.WriteFailure where output != nil {
            throw RunError("\(failure); the \(alreadyDone + run.written) records before it are kept: make room and run the same command "
                           + "with --resume to continue")
        }
        if format.format == .json {
            let document = try format.document(model: modelPath, modelFileSHA256: checksum, records: run.records)
            if let output { try AtomicText.write(document, to: output) } else { try LineSink().write(document) }
        }
        var tally = run.tally
        tally.alreadyDone = alreadyDone
        for skip in report.skipped { console.detail("skipped \(skip.description)") }
        if summary || request.isLibraryRun(report), !console.quiet {
            let left = [(report.hidden, "hidden"), (report.repeated, "repeated (a hard link or a path given twice)"),
                        (report.skipped.count, "links to nothing, devices or folders already walked (--verbose names them)"), (otherShards, "in other shards")]
            for line in tally.summary(seconds: run.elapsed, left: left) { console.warn(Message(verbatim: line)) }
        }
        return tally
    }

    /// Every PATH and list entry in order, folders walked; names that are not UTF-8 (arguments Swift could not carry,
    /// list entries) are entries that fail, never opened.
    static func inputs(_ request: LibraryRequest) throws -> (files: [LibraryFile], report: InputReport) {
        var given = request.paths.map { path in
            FileName.invalidArguments[path].map { LibraryInput.unnamable(bytes: nil, shown: $0) } ?? .path(path)
        }
        if let list = request.list { given += try FileList.read(list.source, nulSeparated: list.nulSeparated) }
        return LibraryInputs.collect(given)
    }

    /// Drops what belongs to other shards; returns how many entries that was.
    static func keepShard(_ shard: Shard?, _ files: inout [LibraryFile]) -> Int {
        guard let shard else { return 0 }
        let before = files.count
        files.removeAll { !shard.contains(key: $0.key) }
        return before - files.count
    }

    /// One run at a time writes an output: the lock `OUTPUT.lock` beside it, held for the run.
    static func lockOutput(_ output: String) throws -> RunLock {
        // Beside the file the path names: two paths to one file (a link) take one lock.
        try RunLock.take((OutputPath.resolved(output) ?? output) + ".lock", guarding: output, command: "genre predict", writing: "it",
                         other: "--output")
    }

    /// What Ctrl-C or `kill` says once `done` of `total` files are dealt with, `notAudio` of them a folder's files that
    /// are not audio (counted, but writing no record: the message then says how many records `output` holds). (Writing
    /// to stdout, nothing is said: `| head` closing the pipe is no news.)
    static func interrupted(after done: Int, of total: Int, notAudio: Int = 0, output: String) -> Message {
        let records = notAudio == 0 ? "" : " (\(done - notAudio) records; \(notAudio) \(notAudio == 1 ? "was" : "were") not audio)"
        return Message(verbatim: "interrupted after \(done) of \(total) files; \(output) holds every one finished\(records): run the same "
                       + "command with --resume to continue")
    }

    /// Where records go (nil: a JSON document, written whole at the end), with the files `output` already holds
    /// removed from `files` and counted.
    static func openOutput(_ output: String?, _ request: LibraryRequest, format: RecordFormat, checksum: String,
                           files: inout [LibraryFile], console: Console) throws -> (LineSink?, Int) {
        guard let output else {
            guard format.format != .json else { return (nil, 0) }
            let sink = LineSink()
            if format.format == .csv { try console.withProgressCleared { try sink.write(CSV.record(format.csvHeader)) } }
            return (sink, 0)
        }
        guard format.format != .json else {
            if FileManager.default.fileExists(atPath: output) { throw RunError("\(output): already exists; remove it or choose another --output") }
            return (nil, 0)
        }
        let opened = try ResumableOutput(path: output, resume: request.resume, format: format, modelFileSHA256: checksum, files: files)
        files = files.indices.filter { !opened.done.contains($0) }.map { files[$0] }
        if opened.cutShort { console.warn(Message(verbatim: "warning: \(output): its last record was cut short (a run stopped mid-write); dropped")) }
        if opened.dropped > 0 {
            console.detail("\(output): \(opened.dropped) record(s) of files that failed or changed dropped: classified again")
        }
        return (opened.sink, opened.done.count)
    }
}
