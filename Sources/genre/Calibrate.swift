import ArgumentParser
import Foundation
import GenreModel
import GenreSupport
import GenreTraining

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a model's temperature and --min-confidence threshold on its validation files, and store them in it.",
        discussion: """
            train does this itself after training; calibrate is for models trained before it did. The validation files \
            are those of the split list beside the model (<model>.split.tsv); the model file is replaced atomically.
            """)

    @Argument(help: "The dataset folder the model was trained on: one sub-folder per genre.")
    var dataset: String
    @Option(help: ArgumentHelp("Model file (default: $GENRE_MODEL, else the first of ./models/genre.safetensors, $XDG_DATA_HOME/genre/, PREFIX/share/genre/).", valueName: "path"))
    var model: String?
    @OptionGroup var common: RunOptions
    @OptionGroup var caching: CacheOptions

    func run() throws {
        try reportingErrors {
            let model = try ShippedModel.locate(given: model)
            let console = common.startConsole()
            let (calibration, previous) = try Recalibration.run(datasetPath: dataset, modelPath: model, threads: common.threads,
                                                                cache: try caching.cache(for: dataset), reporter: console)
            if let previous {
                console.out(previous.temperature == calibration.temperature ? "the same temperature as it held"
                            : String(format: "replaced the temperature %.3g it held", previous.temperature))
            }
            console.out(TemperatureFit.describe(.calibrated(calibration)))
            console.out("model written to \(model)")
        }
    }
}
