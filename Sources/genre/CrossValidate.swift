import ArgumentParser
import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreReports
import GenreSupport
import GenreTraining

struct CrossValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crossval",
        abstract: "k-fold cross-validation by file: train one model per fold, score it on that fold.",
        discussion: """
            Each fold is tested once by a model trained on the other folds: 85 % of their files train it and 15 % \
            (stratified) pick its best epoch. Folds come from --fold-file (file<TAB>genre<TAB>fold, e.g. \
            ../shared/datasets/gtzan-510/folds.tsv) or a seeded stratified assignment of --folds. No model is \
            written.
            """)

    @Argument(help: "Dataset folder: one sub-folder per genre, audio files inside.")
    var dataset: String

    @Option(help: "Fold file with the header file<TAB>genre<TAB>fold.") var foldFile: String?
    @Option(parsing: .unconditional, help: "Folds to draw when there is no --fold-file, 2–100 (default: 5).") var folds: Int?
    @Flag(help: "Print one JSON document on stdout instead of text.") var json = false
    @Option(help: ArgumentHelp("After each fold, also score its model on its test files perturbed, as evaluate --perturb does (its --help gives the list and ranges; e.g. suite).",
                               valueName: "list"))
    var perturb: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Train and score only these folds (comma-separated, each from 0 to the fold count − 1); the others are skipped.", valueName: "list"))
    var onlyFolds: String?
    @OptionGroup var outputs: ReportOptions
    @OptionGroup var recipe: RecipeOptions
    @OptionGroup var files: ScreeningOptions
    @OptionGroup var common: RunOptions
    @OptionGroup var caching: CacheOptions

    func validate() throws {
        if foldFile?.isEmpty == true { throw ValidationError("--fold-file is empty; give a fold file, or --folds N") }
        if foldFile != nil, folds != nil { throw ValidationError("--fold-file and --folds exclude each other") }
        guard (2...100).contains(folds ?? 5) else { throw ValidationError("--folds must be between 2 and 100") }
        try recipe.validateFMax(sampleRate: FeatureParameters().sampleRate)
        if foldFile == nil, let onlyFolds, let bad = parsedFolds(onlyFolds)?.first(where: { $0 >= folds ?? 5 }) {
            throw ValidationError("--only-folds \(bad): there are \(folds ?? 5) folds, numbered 0 to \((folds ?? 5) - 1)")
        }
        if let onlyFolds, parsedFolds(onlyFolds) == nil { throw ValidationError("--only-folds takes fold numbers from 0, comma-separated, each once (got \"\(onlyFolds)\")") }
        if let perturb { do { _ = try Perturbation.parseList(perturb) } catch { throw ValidationError("--perturb: \(error)") } }
    }

    func run() throws {
        try reportingErrors {
            try outputs.check(dataset: dataset, crossValidation: true)
            let console = common.startConsole()
            var options = CrossValidationOptions(
                datasetPath: dataset, foldFile: foldFile, folds: folds ?? 5,
                settings: recipe.settings, features: recipe.features(FeatureParameters()),
                threads: common.threads, cache: try caching.cache(for: dataset))
            options.screening = files.screening
            if let perturb { options.perturbations = try Perturbation.parseList(perturb) }
            options.onlyFolds = onlyFolds.flatMap(parsedFolds)
            var secondsSoFar = 0.0, foldsDone = 0, allFolds = 0
            let report = try CrossValidation.run(options, reporter: console) { f, foldCount in
                secondsSoFar += f.seconds
                foldsDone += 1
                allFolds = foldCount
                guard !json else { return }
                // The folds still to run: all of them, or those --only-folds names.
                let toRun = options.onlyFolds?.filter { $0 < foldCount }.count ?? foldCount
                let left = Double(toRun - foldsDone) * secondsSoFar / Double(foldsDone)
                console.out(String(format: "fold %d: train %d, validation %d, test %d files; best epoch %d; "
                                   + "clip accuracy %.1f %%, macro-F1 %.3f, balanced accuracy %.3f, "
                                   + "segment accuracy %.1f %%; %.0f s",
                                   f.fold, f.trainFiles, f.validationFiles, f.testFiles, f.bestEpoch,
                                   100 * f.clipAccuracy, f.macroF1, f.balancedAccuracy, 100 * f.segmentAccuracy,
                                   f.seconds) + (foldsDone < toRun ? "; ETA \(Console.duration(left))" : ""))
            }
            let one = report.folds.count == 1, scored = report.folds.map { String($0.fold) }.joined(separator: ", ")
            // --only-folds: which folds of how many, not "1-fold cross-validation".
            let what = report.folds.count == allFolds ? "\(allFolds)-fold cross-validation"
                : "\(one ? "fold" : "folds") \(scored) of a \(allFolds)-fold cross-validation"
            let folds = (foldFile.map { "\(allFolds) from \($0)" } ?? "\(allFolds), stratified by genre, seed \(recipe.settings.seed)")
                + (report.folds.count == allFolds ? "" : "; scored: \(scored) (--only-folds)")
            // The results are printed before the files are written, so a failed write cannot lose them.
            func writeOutputs() throws -> [String] {
                try outputs.write(matrix: report.confusion,
                                  svgTitle: "\(what) on \(OutputPath.fileName(of: dataset))",
                                  extraCSV: [("folds.csv", report.foldsCSV())]) {
                    HTMLReport(crossValidation: report, folds: folds).html()
                }
            }
            if json {
                try printJSON(report)
                fflush(stdout)
                _ = try writeOutputs()
                return
            }
            // One fold (--only-folds) has no spread to give.
            func line(_ name: String, _ m: MeanStd, percent: Bool) -> String { name + " " + m.text(percent: percent, spread: !one) }
            print("\n\(what) on \(dataset)\(one ? ":" : " (mean ± std over folds):")")
            print(line("clip accuracy", report.clipAccuracy, percent: true))
            print(line("macro-F1", report.macroF1, percent: false))
            print(line("balanced accuracy", report.balancedAccuracy, percent: false))
            print(line("segment accuracy", report.segmentAccuracy, percent: true))
            if let calibration = report.calibration {
                print("\ntemperature scaling, fitted on each fold's validation files, on the test clips "
                      + "(the figures above are at T = 1):")
                for line in ReliabilityDiagram.lines(calibration, calibrated: "each fold's T") { print(line) }
            }
            print("\nconfusion matrix summed over the test folds (clips; rows: true genre, columns: predicted)")
            print(report.confusion.textTable())
            if let robustness = report.robustness {
                print("\nrobustness: each fold's model on its test files perturbed, pooled over the folds")
                for line in Robustness.table(robustness) { print(line) }
            }
            if !report.skipped.isEmpty { print("\(report.skipped.count) file(s) skipped (see warnings above)") }
            fflush(stdout)
            for line in try writeOutputs() { print(line) }
        }
    }

    /// `0,2` → {0, 2}; nil for anything else (an empty item or a fold named twice included).
    private func parsedFolds(_ text: String) -> Set<Int>? {
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ ($0 ?? -1) >= 0 }), Set(numbers).count == numbers.count else { return nil }
        return Set(numbers.compactMap { $0 })
    }
}
