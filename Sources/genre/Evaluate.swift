import ArgumentParser
import Foundation
import GenreAudio
import GenreData
import GenreModel
import GenreReports
import GenreSupport
import GenreTraining

extension EvaluationSplit: ExpressibleByArgument {}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a model on a dataset: accuracy, per-class precision/recall/F1, confusion matrix.",
        discussion: "--split test or validation uses the split list saved beside the model (<model>.split.tsv).")

    @Argument(help: "Dataset folder: one sub-folder per genre.")
    var dataset: String

    @Option(help: ArgumentHelp("Model file (default: $GENRE_MODEL, else the first of ./models/genre.safetensors, $XDG_DATA_HOME/genre/, PREFIX/share/genre/).", valueName: "path"))
    var model: String?
    @Option(help: "Which files: test, validation or all.") var split: EvaluationSplit = .test
    @Flag(help: "Print one JSON document on stdout instead of text.") var json = false
    @Option(help: ArgumentHelp("Also score every clip after perturbing it, comma-separated: gain=<dB>dB (−60…24), mp3=<kb/s>k (32…320), vorbis=q<0-10>, downmix=5.1, downmix=5.1-flac, stereo=one-silent, dc=<offset> (−0.5…0.5), rate=<Hz> (8000…192000), or suite (all of the invariance suite). Reports, per perturbation, how often the top genre stays, the accuracy and how far the probabilities move.",
                               valueName: "list"))
    var perturb: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Also report the share of clips whose calibrated top probability is below p, in [0, 1] (answered 'uncertain' by predict --min-confidence) and the accuracy on the rest; 'model': the model's recorded threshold.", valueName: "p|model"))
    var minConfidence: String?
    @OptionGroup var outputs: ReportOptions
    @OptionGroup var common: RunOptions
    @OptionGroup var caching: CacheOptions

    func validate() throws {
        if let perturb { do { _ = try Perturbation.parseList(perturb) } catch { throw ValidationError("--perturb: \(error)") } }
        if let minConfidence, ConfidenceThreshold(minConfidence) == nil {
            throw ValidationError("--min-confidence must be a probability in [0, 1] or 'model'")
        }
    }

    func run() throws {
        try reportingErrors {
            let model = try ShippedModel.locate(given: model)
            try outputs.check(dataset: dataset)
            let console = common.startConsole()
            let trained = try ModelFile.read(model)
            var report = try Evaluation.run(datasetPath: dataset, modelPath: model, loaded: trained, split: split,
                                            threads: common.threads, cache: try caching.cache(for: dataset),
                                            minConfidence: minConfidence.flatMap(ConfidenceThreshold.init), reporter: console)
            if let perturb {
                report.robustness = try Evaluation.robustness(of: report, model: trained, datasetPath: dataset,
                                                              perturbations: try Perturbation.parseList(perturb),
                                                              threads: common.threads, reporter: console)
            }
            let matrix = report.clipConfusion
            // The results are printed before the files are written, so a failed write cannot lose them.
            func writeOutputs() throws -> [String] {
                try outputs.write(matrix: matrix, svgTitle: "\(OutputPath.fileName(of: report.model)) on "
                                  + "\(OutputPath.fileName(of: report.dataset)), \(report.split) split") {
                    HTMLReport(evaluation: report, history: TrainingCurves.history(of: trained)).html()
                }
            }
            if json {
                try printJSON(report)
                fflush(stdout)
                _ = try writeOutputs()
                return
            }
            print("model \(report.model) on \(report.dataset), \(report.split) split: "
                  + "\(report.clips) clips, \(report.segments) segments")
            print(String(format: "clip accuracy %.1f %%, segment accuracy %.1f %%",
                         100 * report.clipAccuracy, 100 * report.segmentAccuracy)
                  + (trained.calibration == nil ? "" : String(format: " (at the model's temperature %.3g)", trained.temperature)))
            if let calibration = report.calibration { for line in ReliabilityDiagram.lines(calibration) { print(line) } }
            if let selective = report.selective { print(ReliabilityDiagram.line(selective)) }
            print("")
            // Per-class precision/recall/F1/support, then accuracy, macro-F1 and balanced accuracy (clips).
            print(matrix.perClassTable())
            print("confusion matrix (clips; rows: true genre, columns: predicted)")
            print(matrix.textTable())
            if let robustness = report.robustness {
                print("")
                print("robustness (the same clips perturbed; top-1 unchanged compares with the unperturbed prediction)")
                for line in Robustness.table(robustness) { print(line) }
                for r in robustness { for f in r.failed { print("  \(r.perturbation): \(f)") } }
            }
            if !report.skipped.isEmpty { print("\(report.skipped.count) file(s) skipped (see warnings above)") }
            fflush(stdout)
            for line in try writeOutputs() { print(line) }
        }
    }
}
