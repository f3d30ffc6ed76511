import ArgumentParser
import GenreTraining

/// The training recipe options shared by `train` and `crossval`.
struct RecipeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Training epochs.") var epochs = 30
    @Option(parsing: .unconditional, help: "Segments per mini-batch.") var batchSize = 32
    @Option(parsing: .unconditional, help: "Initial learning rate (halved every 10 epochs).") var learningRate: Float = 0.01
    @Option(parsing: .unconditional, help: "Seed for initialisation, splits and shuffling.") var seed: UInt64 = 0

    func validate() throws {
        guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 10000") }
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number") }
    }

    var settings: TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed)
    }
}
