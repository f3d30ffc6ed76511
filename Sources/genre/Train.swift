import ArgumentParser
import Foundation
import GenreData
import GenreFeatures
import GenreNetwork
import GenreSupport
import GenreTraining

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on DIR/<genre>/<audio files>.",
        discussion: """
            Writes models/<DIR's folder name>.safetensors (or --model) and, beside it, the train/validation/test \
            split as <name>.split.tsv for <name>.safetensors. The epoch with the best validation accuracy is kept.
            """)

    @Argument(help: "Dataset folder: one sub-folder per genre, audio files inside.")
    var dataset: String

    @Option(help: "Model file to write (default: models/<DIR's folder name>.safetensors).")
    var model: String?

    @Option(help: "Reuse a split list (file<TAB>split) instead of drawing a new one.") var splitFile: String?
    @Flag(help: "Hold out no test files: 85 % train, 15 % validation (a final model, after cross-validation).")
    var noTest = false
    @Flag(help: "Continue an interrupted run from the checkpoint beside the model (<name>.checkpoint.safetensors), with its settings and split.")
    var resume = false
    // Optional, so that `--resume` can tell which were typed; the defaults are `FeatureParameters()`'s.
    @Option(parsing: .unconditional, help: "Sample rate the audio is resampled to, Hz, 1000–768000 (22050).") var sampleRate: Int?
    @Option(name: .customLong("n-fft"), parsing: .unconditional, help: "FFT size, samples: an even number, 16–65536 (2048).") var nFFT: Int?
    @Option(parsing: .unconditional, help: "Hop between frames, samples, 1 to --n-fft (512).") var hopLength: Int?
    @Option(name: .customLong("n-mels"), parsing: .unconditional, help: "Mel bands, 1–1024 (128).") var nMels: Int?
    @Option(name: .customLong("init"), help: ArgumentHelp("Fine-tune this trained model: start from its convolution and BatchNorm weights, feature parameters and standardisation (its classifier head too when DIR has its genres).", valueName: "model"))
    var initModel: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("With --init: the first N convolution blocks get no gradient (0–4).", valueName: "N"))
    var freeze: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("With --init: the backbone's learning rate as a factor of the head's, in (0, 10] (1).", valueName: "s"))
    var backboneLrScale: Float?
    @Flag(help: "With --init: every BatchNorm layer uses its running statistics and is not trained (the usual choice on a few songs per genre).")
    var freezeBatchnorm = false
    @OptionGroup var recipe: RecipeOptions
    @OptionGroup var files: ScreeningOptions
    @OptionGroup var common: RunOptions
    @OptionGroup var caching: CacheOptions

    /// The feature parameters typed, over `FeatureParameters()`'s defaults (before the recipe's).
    var baseFeatures: FeatureParameters {
        let defaults = FeatureParameters()
        return FeatureParameters(sampleRate: sampleRate ?? defaults.sampleRate, nFFT: nFFT ?? defaults.nFFT,
                                 hopLength: hopLength ?? defaults.hopLength, nMels: nMels ?? defaults.nMels)
    }

    /// Every setting typed that `--resume` ignores (it continues with the checkpoint's), as typed.
    var givenSettings: [String] {
        let features: [String?] = [sampleRate.map { "--sample-rate \($0)" }, nFFT.map { "--n-fft \($0)" },
                                   hopLength.map { "--hop-length \($0)" }, nMels.map { "--n-mels \($0)" }]
        let fineTuning: [String?] = [initModel.map { "--init \($0)" }, freeze.map { "--freeze \($0)" },
                                     freezeBatchnorm ? "--freeze-batchnorm" : nil,
                                     backboneLrScale.map { "--backbone-lr-scale \($0)" }]
        return features.compactMap { $0 } + recipe.given + fineTuning.compactMap { $0 }
    }

    /// What `--freeze`, `--freeze-batchnorm` and `--backbone-lr-scale` ask for.
    var fineTuning: FineTuning {
        FineTuning(frozenBlocks: freeze ?? 0, frozenBatchNorm: freezeBatchnorm, backboneLearningRateScale: backboneLrScale ?? 1)
    }

    /// The options typed that `--init` takes from the model instead: its features and architecture.
    var fixedByInit: [String] {
        let features: [String?] = [sampleRate.map { _ in "--sample-rate" }, nFFT.map { _ in "--n-fft" },
                                   hopLength.map { _ in "--hop-length" }, nMels.map { _ in "--n-mels" }]
        return features.compactMap { $0 } + recipe.featureAndArchitectureFlags
    }

    func validate() throws {
        if initModel != nil, !fixedByInit.isEmpty {
            throw ValidationError("--init takes the features and architecture of its model; "
                                  + "leave out \(fixedByInit.joined(separator: ", "))")
        }
        if initModel == nil, freeze != nil || freezeBatchnorm || backboneLrScale != nil {
            throw ValidationError("--freeze, --freeze-batchnorm and --backbone-lr-scale fine-tune a trained model: give it with --init MODEL")
        }
        if let freeze, !(0...4).contains(freeze) { throw ValidationError("--freeze must be between 0 and 4 (the convolution blocks)") }
        if let s = backboneLrScale, !(s > 0 && s <= 10) { throw ValidationError("--backbone-lr-scale must be in (0, 10]") }
        if backboneLrScale != nil, freeze == 4 {
            throw ValidationError("--backbone-lr-scale has nothing to scale: --freeze 4 fixes every convolution block")
        }
        let f = baseFeatures, sampleRate = f.sampleRate, nFFT = f.nFFT, hopLength = f.hopLength, nMels = f.nMels
        if noTest, splitFile != nil { throw ValidationError("--no-test and --split-file exclude each other") }
        guard (1000...768_000).contains(sampleRate) else { throw ValidationError("--sample-rate must be between 1000 and 768000 Hz") }
        guard (16...65536).contains(nFFT), nFFT % 2 == 0 else { throw ValidationError("--n-fft must be an even number between 16 and 65536") }
        guard (1...nFFT).contains(hopLength) else { throw ValidationError("--hop-length must be between 1 and --n-fft (\(nFFT))") }
        guard (1...1024).contains(nMels) else { throw ValidationError("--n-mels must be between 1 and 1024") }
        try recipe.validateFMax(sampleRate: sampleRate)
    }

    func run() throws {
        try reportingErrors {
            let console = common.startConsole()
            var options = TrainOptions(
                datasetPath: dataset, modelPath: model, splitFile: splitFile, noTest: noTest,
                settings: recipe.settings,
                features: recipe.features(baseFeatures),
                threads: common.threads, cache: try caching.cache(for: dataset))
            options.screening = files.screening
            options.resume = resume
            options.initModel = initModel
            options.fineTuning = fineTuning
            // Only when there is a checkpoint to continue: otherwise the run's one line says there is none.
            if resume, !givenSettings.isEmpty, FileManager.default.fileExists(atPath: Checkpoint.path(forModel: options.resolvedModelPath)) {
                console.warn(Message(verbatim: "warning: --resume continues with the checkpoint's training and feature settings; "
                                     + "ignored: \(givenSettings.joined(separator: ", "))"))
            }
            let result = try TrainingRun.run(options, reporter: console)
            let best = result.history[result.bestEpoch - 1]
            var line = "best epoch \(result.bestEpoch)"
            if let a = best.validationAccuracy { line += String(format: " (validation accuracy %.1f%%)", 100 * a) }
            console.out(line)
            if !result.skipped.isEmpty { console.out("\(result.skipped.count) file(s) skipped (see warnings above)") }
            console.out("model written to \(result.modelPath); split list \(result.splitPath)"
                        + (result.curvesPath.map { "; training curves \($0)" } ?? ""))
        }
    }
}
