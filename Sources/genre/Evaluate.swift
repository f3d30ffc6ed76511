import ArgumentParser
import Foundation
import GenreTraining

extension EvaluationSplit: ExpressibleByArgument {}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a model on a dataset: accuracy, per-class precision/recall/F1, confusion matrix.",
        discussion: "--split test or validation uses the split list saved beside the model (<model>.split.tsv).")

    @Argument(help: "Dataset folder: one sub-folder per genre.")
    var dataset: String

    @Option(help: "Model file.") var model: String = defaultModelPath
    @Option(help: "Which files: test, validation or all.") var split: EvaluationSplit = .test
    @Flag(help: "Print one JSON document on stdout instead of text.") var json = false
    @Option(help: "Also write per_class.csv and confusion_matrix.csv into this folder.") var csv: String?
    @OptionGroup var common: RunOptions
    @OptionGroup var caching: CacheOptions

    func validate() throws {
        if let csv {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: csv, isDirectory: &isFolder), !isFolder.boolValue {
                throw ValidationError("--csv \(csv): exists and is not a folder")
            }
        }
    }

    func writeCSV(_ matrix: ConfusionMatrix, into folder: String) throws {
        try OutputPath.createFolder(folder)
        for (name, text) in [("per_class.csv", matrix.perClassCSV()), ("confusion_matrix.csv", matrix.confusionCSV())] {
            do { try AtomicText.write(text, to: folder + "/" + name) } catch {
                throw RunError("\(folder)/\(name): cannot write: \(error)")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            try requireModel(model)
            if let csv, OutputPath.isInside(csv, folder: dataset) {
                throw RunError("--csv \(csv): inside the dataset folder \(dataset); choose a folder outside it")
            }
            let console = Console(quiet: common.quiet)
            let report = try Evaluation.run(datasetPath: dataset, modelPath: model, split: split,
                                            threads: common.threads, cache: try caching.cache(for: dataset),
                                            console: console)
            let matrix = report.clipConfusion
            if let csv {
                try writeCSV(matrix, into: csv)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print("model \(report.model) on \(report.dataset), \(report.split) split: "
                  + "\(report.clips) clips, \(report.segments) segments")
            print(String(format: "clip accuracy %.1f %%, segment accuracy %.1f %%",
                         100 * report.clipAccuracy, 100 * report.segmentAccuracy))
            print("")
            // Per-class precision/recall/F1/support, then accuracy, macro-F1 and balanced accuracy (clips).
            print(matrix.perClassTable())
            print("confusion matrix (clips; rows: true genre, columns: predicted)")
            print(matrix.textTable())
            if !report.skipped.isEmpty { print("\(report.skipped.count) file(s) skipped (see warnings above)") }
            if let csv { print("CSV written to \(csv)/per_class.csv and \(csv)/confusion_matrix.csv") }
        }
    }
}
