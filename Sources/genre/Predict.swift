import ArgumentParser
import Foundation
import GenreData
import GenreLibrary
import GenreModel
import GenreSupport

extension LibraryFormat: ExpressibleByArgument {}
extension TimelineView: ExpressibleByArgument {}

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
    @Option(parsing: .unconditional, help: "How many genres to show per file, ≥ 1 (more than the model has: all of them).") var top = 3
    @Option(help: "text, json (one document at the end), jsonl (one JSON object per file as soon as it is done) or csv.")
    var format: LibraryFormat?
    @Flag(help: "Same as --format json.") var json = false
    @Option(help: ArgumentHelp("Write the results to this file (its folder made if need be), one complete record at a time ('-': standard output).", valueName: "file"))
    var output: String?
    @Flag(help: "With --output (jsonl or csv): skip the files it already holds with the same size, modification time, model and options; append the rest.")
    var resume = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Classify only shard K of N, 0 ≤ K < N: the files whose SHA-256(path relative to its PATH) mod N is K.", valueName: "K/N"))
    var shard: String?
    @Flag(help: "Write each result as soon as it is done instead of in input order.") var unordered = false
    @Option(defaultAsFlag: TimelineView.merged, parsing: .next,
            help: ArgumentHelp("Also show the top genre over time: consecutive ≈3 s segments with the same top genre merged into one line (m:ss–m:ss, their mean probability); 'all': one line per segment. JSON keeps every segment with its full distribution; CSV has no timeline.", valueName: "merged|all"))
    var segments: TimelineView? = nil
    @Option(parsing: .unconditional, help: ArgumentHelp("Read at most this much of each file, seconds, > 0 (default: all of it).", valueName: "seconds"))
    var maxDuration: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Answer 'uncertain' (the top genres still listed) when the calibrated top probability is below p, in [0, 1]; 'model': the threshold the model recorded at training (below it fall 10 % of the validation clips it got right).", valueName: "p|model"))
    var minConfidence: String?
    @OptionGroup var common: RunOptions

    /// `--format`, or `--json`'s json, or text.
    var chosenFormat: LibraryFormat { format ?? (json ? .json : .text) }

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        if let maxDuration, !(maxDuration > 0 && maxDuration.isFinite) {
            throw ValidationError("--max-duration must be a positive number of seconds")
        }
        if json, let format, format != .json { throw ValidationError("--json means --format json; give one of them") }
        guard !paths.isEmpty || filesFrom != nil else {
            // "--segments all" took "all" as its value: say how to name a file of that name.
            throw ValidationError("give audio files or folders, or --files-from FILE"
                                  + (segments == nil ? "" : " (after --segments, 'merged' and 'all' are its value: write ./all for a file named all)"))
        }
        if null && filesFrom == nil { throw ValidationError("--null describes the --files-from list; give --files-from FILE") }
        if resume && (output == nil || output == "-") { throw ValidationError("--resume continues an --output file; give --output FILE") }
        if resume && !chosenFormat.isResumable {
            throw ValidationError("--resume needs --format jsonl or csv (one record per file, which it reads back)")
        }
        if let shard, Shard(parsing: shard) == nil { throw ValidationError("--shard must be K/N with 0 ≤ K < N, e.g. 0/4") }
        if segments != nil && chosenFormat == .csv {
            throw ValidationError("--segments has no CSV columns; use --format text, json or jsonl")
        }
        // ArgumentParser's flag-or-value option falls back to the flag for a value it cannot parse, even one given
        // as --segments=VALUE, which can only be meant as the value.
        for argument in CommandLine.arguments.dropFirst().prefix(while: { $0 != "--" }) where argument.hasPrefix("--segments=") {
            let value = argument.dropFirst("--segments=".count)
            guard TimelineView(rawValue: String(value)) != nil else {
                throw ValidationError("--segments takes merged or all (got '\(value)')")
            }
        }
        if let minConfidence, ConfidenceThreshold(minConfidence) == nil {
            throw ValidationError("--min-confidence must be a probability in [0, 1] or 'model'")
        }
    }

    func run() throws {
        var failed = 0
        try reportingErrors {
            if let model, let problem = FileName.invalidArgumentProblem(model) { throw RunError("\(problem)") }
            let request = LibraryRequest(paths: paths, list: filesFrom.map { ($0, null) }, model: model, format: chosenFormat, top: top,
                                         segments: segments, maxSeconds: maxDuration, output: output, resume: resume,
                                         shard: shard.flatMap(Shard.init(parsing:)), threads: common.threads, unordered: unordered,
                                         minConfidence: minConfidence.flatMap(ConfidenceThreshold.init))
            failed = try LibraryJob.run(request, console: common.startConsole(), summary: common.verbose).failed
        }
        // 2, not 1: the run itself worked, and every file it could classify is written.
        if failed > 0 { throw ExitCode(2) }
    }
}
