import ArgumentParser
import Foundation
import GenreData
import GenreLibrary
import GenreModel
import GenreSupport

extension LibraryFormat: ExpressibleByArgument {}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the most likely genres of audio files, folders of them, or a whole music library.",
        discussion: """
            Folders are walked recursively (hidden entries skipped; files that are not audio skipped and counted). \
            Exit code 0 when every audio file was classified, 2 when some could not be (the rest are still written), \
            1 when the run could not start, 64 for a wrong command line.
            """)

    @Argument(help: "Audio files and folders (what libsndfile reads, and MP4/M4A, CAF and the rest through FFmpeg).")
    var paths: [String] = []
    @Option(help: ArgumentHelp("Also classify the paths listed in this file, one per line ('-': standard input).", valueName: "file"))
    var filesFrom: String?
    @Flag(help: "--files-from entries end with a NUL byte (find -print0), not a line break.") var null = false
    @Option(help: ArgumentHelp("Model file (default: $GENRE_MODEL, else the first of ./models/genre.safetensors, $XDG_DATA_HOME/genre/, PREFIX/share/genre/).", valueName: "path"))
    var model: String?
    @Option(parsing: .unconditional, help: "How many genres to show per file.") var top = 3
    @Option(help: "text, json (one document at the end), jsonl (one JSON object per file as soon as it is done) or csv.")
    var format: LibraryFormat?
    @Flag(help: "Same as --format json.") var json = false
    @Option(help: ArgumentHelp("Write the results to this file, one complete line at a time, instead of standard output.", valueName: "file"))
    var output: String?
    @Flag(help: "With --output (jsonl or csv): skip the files it already holds with the same size, modification time, model and options; append the rest.")
    var resume = false
    @Option(help: ArgumentHelp("Classify only shard K of N (K from 0): the files whose SHA-256(path relative to its PATH) mod N is K.", valueName: "K/N"))
    var shard: String?
    @Flag(help: "Write each result as soon as it is done instead of in input order.") var unordered = false
    @Flag(help: "Also show each ≈3 s segment's top genre and probability over time.") var segments = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Read at most this much of each file, seconds (default: all of it).", valueName: "seconds"))
    var maxDuration: Double?
    @OptionGroup var common: RunOptions

    /// `--format`, or `--json`'s json, or text.
    var chosenFormat: LibraryFormat { format ?? (json ? .json : .text) }

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        if let maxDuration, !(maxDuration > 0 && maxDuration.isFinite) {
            throw ValidationError("--max-duration must be a positive number of seconds")
        }
        if json, let format, format != .json { throw ValidationError("--json means --format json; give one of them") }
        guard !paths.isEmpty || filesFrom != nil else { throw ValidationError("give audio files or folders, or --files-from FILE") }
        if null && filesFrom == nil { throw ValidationError("--null describes the --files-from list; give --files-from FILE") }
        if resume && output == nil { throw ValidationError("--resume continues an --output file; give --output FILE") }
        if resume && !chosenFormat.isResumable {
            throw ValidationError("--resume needs --format jsonl or csv (one record per file, which it reads back)")
        }
        if let shard, Shard(parsing: shard) == nil { throw ValidationError("--shard must be K/N with 0 ≤ K < N, e.g. 0/4") }
        if segments && chosenFormat == .csv { throw ValidationError("--segments has no CSV columns; use --format jsonl or json") }
    }

    func run() throws {
        var someFailed = false
        try reportingErrors { someFailed = try classify() }
        if someFailed { throw ExitCode(2) }
    }

    /// The whole run; true when some file could not be classified.
    func classify() throws -> Bool {
        let console = common.console
        if let model, let problem = FileName.invalidArgumentProblem(model) { throw RunError("\(problem)") }
        let modelPath = try ShippedModel.locate(given: model)
        let trained = try ModelFile.read(modelPath)
        let checksum = try ModelChecksum.fileSHA256(modelPath)
        let records = RecordFormat(format: chosenFormat, top: min(top, trained.classNames.count), segments: segments,
                                   maxSeconds: maxDuration)
        var (files, report) = try inputs()
        var otherShards = 0
        if let shard = shard.flatMap(Shard.init(parsing:)) {
            otherShards = files.count { !shard.contains(key: $0.key) }
            files.removeAll { !shard.contains(key: $0.key) }
            report.failures.removeAll { !shard.contains(key: $0.key) }
        }
        let total = files.count + report.failures.count
        var sink: LineSink?
        var alreadyDone = 0
        if let output {
            try OutputPath.checkWritable(output)
            if records.format.isResumable || records.format == .text {
                let opened = try ResumableOutput(path: output, resume: resume, format: records, modelFileSHA256: checksum, files: files)
                alreadyDone = files.count { opened.done.contains($0.path) }
                files.removeAll { opened.done.contains($0.path) }
                if opened.dropped > 0 { console.detail("\(output): \(opened.dropped) record(s) dropped (cut short, failed, or of a changed file): classified again") }
                sink = opened.sink
            } else if FileManager.default.fileExists(atPath: output) {
                throw RunError("\(output): already exists; remove it to start over")
            }
        } else if records.format != .json {
            sink = LineSink()
            if records.format == .csv { try sink?.write(CSV.record(records.csvHeader)) }
        }
        let run = LibraryRun(model: trained, modelFileSHA256: checksum, format: records, console: console, sink: sink)
        try run.fail(report.failures.map { ($0.path, $0.reason) }, total: total)
        try run.classify(files, threads: common.threads, maxSeconds: maxDuration, unordered: unordered, total: total)
        if records.format == .json {
            let document = try records.document(model: modelPath, modelFileSHA256: checksum, records: run.records)
            if let output { try AtomicText.write(document, to: output) } else { try LineSink().write(document) }
        }
        var tally = run.tally
        tally.alreadyDone = alreadyDone
        let left = [(report.hidden, "hidden"), (report.repeated, "repeated (a hard link or a path given twice)"), (report.skipped.count, "not regular files or folders already walked"),
                    (otherShards, "in other shards")]
        for (path, reason) in report.skipped { console.detail("skipped \(path): \(reason)") }
        // A library run ends with a summary; a few files named on the command line are their own summary.
        let library = report.folders > 0 || filesFrom != nil || output != nil || common.verbose
        if library, !common.quiet {
            for line in tally.summary(seconds: run.elapsed, left: left) { console.warn(Message(verbatim: line)) }
        }
        return tally.failed > 0
    }

    /// The files to classify: every PATH and `--files-from` entry, folders walked; and what could not be listed.
    func inputs() throws -> (files: [LibraryFile], report: InputReport) {
        var given = paths, unlisted: [(path: String, key: String, reason: String)] = []
        if let filesFrom {
            let list = try FileList.read(filesFrom, nulSeparated: null)
            given += list.paths
            unlisted = list.problems.map { ($0.shown, $0.shown, $0.reason) }
        }
        for path in given { if let shown = FileName.invalidArguments[path] { unlisted.append((shown, shown, FileName.notUTF8Problem)) } }
        var (files, report) = LibraryInputs.collect(given.filter { FileName.invalidArguments[$0] == nil })
        report.failures = unlisted + report.failures
        return (files, report)
    }
}
