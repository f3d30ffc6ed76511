import Foundation
import GenreFeatures
import GenreModelTestSupport
import GenreNetwork
import GenreTestSupport
import XCTest
@testable import GenreData
@testable import GenreMetrics
@testable import GenreModel
@testable import GenreTraining

/// Fine-tuning's pieces below the command line: the starting network, a fine-tuning run's resume through a checkpoint
/// (fixed parameters keep no optimiser state), and the calibration a run records.
final class FineTuningTests: XCTestCase {
    let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [4, 4], classCount: 2,
                                      batchNorm: true)

    func clips(count: Int, seed: UInt64, noise: Float = 0.5) -> [ClipFeatures] {
        separableClips(count: count, seed: seed, noise: noise)
    }

    /// The source's backbone always; its head only for the same genres in the same order, else He init from the seed.
    func testTheStartingNetworkTakesTheBackboneAndTheHeadOnlyForTheSameGenres() {
        var source = smallModel()
        source.network = ConvNet(configuration: TrainingSettings.defaultRecipe.configuration(features: .init(nMels: 16, segmentFrames: 16),
                                                                                              classCount: 3), seed: 9)
        source.network.batchNorms[1].runningMean = [Float](repeating: 0.25, count: source.network.batchNorms[1].channels)
        source.features = .init(nMels: 16, segmentFrames: 16)
        let settings = InitialModel.settings(TrainingSettings(seed: 4), from: source)
        XCTAssertTrue(settings.batchNorm && settings.timePooling, "the source's architecture")
        let same = InitialModel.network(from: source, classNames: source.classNames, settings: settings)
        XCTAssertEqual(same.parameters.map(\.value), source.network.parameters.map(\.value))
        XCTAssertEqual(same.buffers.map(\.values), source.network.buffers.map(\.values))
        let other = InitialModel.network(from: source, classNames: ["a", "b"], settings: settings)
        XCTAssertEqual(other.convolutions, source.network.convolutions)
        XCTAssertEqual(other.batchNorms, source.network.batchNorms)
        XCTAssertEqual(other.fc, ConvNet(configuration: other.configuration, seed: 4).fc, "a new head, He-initialised from the run's seed")
        XCTAssertEqual(other.fc.weight.shape[0], 2)
    }

    /// A fine-tuning run stopped after an epoch and resumed from its checkpoint file ends as the run never stopped; the
    /// file holds no optimiser state for the fixed parameters.
    func testAFineTuningRunResumesThroughItsCheckpointFile() throws {
        struct Stop: Error {}
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let settings = TrainingSettings(epochs: 3, batchSize: 4, learningRate: 0.01, seed: 5, optimizer: .adam, batchNorm: true)
        let fineTuning = FineTuning(frozenBlocks: 1, frozenBatchNorm: true, backboneLearningRateScale: 0.5)
        let start = ConvNet(configuration: config, seed: 5)
        let trainer = Trainer(settings: settings, threads: 1, fineTuning: fineTuning)
        let train = clips(count: 8, seed: 1), validation = clips(count: 4, seed: 2)
        let whole = try trainer.train(network: start, train: train, validation: validation)
        XCTAssertEqual(whole.network.convolutions[0], start.convolutions[0], "the frozen block")
        XCTAssertEqual(whole.network.batchNorms, start.batchNorms, "frozen BatchNorm: γ, β and running statistics")
        XCTAssertNotEqual(whole.network.convolutions[1], start.convolutions[1])
        let record = InitialModel(file: "m.safetensors", checksum: String(repeating: "a", count: 64),
                                  fileSHA256: String(repeating: "b", count: 64), classes: ["a", "b"],
                                  headReused: true, fineTuning: fineTuning)
        let run = Checkpoint.Run(settings: settings, features: FeatureParameters(nMels: 8, segmentFrames: 8, minLastSegmentFrames: 4),
                                 classNames: ["a", "b"], split: DataSplit(train: ["a/1.wav"], validation: ["b/1.wav"], test: []),
                                 normalization: Normalization(mean: -20.5, std: 11.25), initial: record)
        let path = folder + "/m.checkpoint.safetensors"
        XCTAssertThrowsError(try trainer.train(network: start, train: train, validation: validation, onCheckpoint: {
            try Checkpoint.write($0, run: run, to: path)
            throw Stop()
        }))
        let (state, readRun) = try Checkpoint.read(path, configuration: config)
        XCTAssertEqual(readRun, run)
        let scales = fineTuning.learningRateScales(start)
        XCTAssertEqual(state.adamM.map(\.isEmpty), scales.map { $0 == nil })
        let resumed = try trainer.train(network: start, train: train, validation: validation, resume: state)
        XCTAssertEqual(resumed.network, whole.network)
    }

    /// Calibration after training: none on too few validation clips; T = 1 with its threshold when every clip is right
    /// (only a sharper T, which a run never fits, would lower their NLL); else the fitted T with its figures and
    /// threshold, which the model file keeps.
    func testACalibratedModelRecordsItsTemperatureAndThreshold() throws {
        let network = try Trainer(settings: TrainingSettings(epochs: 4, batchSize: 4, learningRate: 0.01, seed: 5, optimizer: .adam,
                                                             batchNorm: true), threads: 1)
            .train(network: ConvNet(configuration: config, seed: 5), train: clips(count: 16, seed: 1), validation: []).network
        XCTAssertEqual(TemperatureFit.calibrate(network, validation: clips(count: 19, seed: 2), threads: 1), .tooFewClips(19))
        let easy = try XCTUnwrap(TemperatureFit.calibrate(network, validation: clips(count: 20, seed: 2), threads: 1).calibration)
        XCTAssertEqual(easy.validation.before.accuracy, 1)
        XCTAssertEqual(easy.temperature, 1)
        XCTAssertNotNil(easy.threshold)
        // Noise wider than the classes' gap: some clips wrong, so the NLL has an inside minimum.
        let hard = clips(count: 40, seed: 3, noise: 5)
        guard case .calibrated(let calibration) = TemperatureFit.calibrate(network, validation: hard, threads: 1) else {
            return XCTFail("not calibrated: \(TemperatureFit.calibrate(network, validation: hard, threads: 1))")
        }
        let (logits, labels) = TemperatureFit.logits(hard, network: network, threads: 1)
        XCTAssertEqual(calibration.temperature, max(1, Calibration.fitTemperature(segmentLogits: logits, labels: labels,
                                                                                  range: TemperatureFit.temperatureRange)!))
        XCTAssertLessThanOrEqual(calibration.validation.after.negativeLogLikelihood, calibration.validation.before.negativeLogLikelihood)
        XCTAssertEqual(calibration.validation.before.temperature, 1)
        var model = smallModel()
        model.calibration = calibration
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        try ModelFile.write(model, to: folder + "/c.safetensors")
        let read = try ModelFile.read(folder + "/c.safetensors")
        XCTAssertEqual(read.temperature, calibration.temperature)
        XCTAssertEqual(read.calibration?.threshold, calibration.threshold)
        XCTAssertEqual(read.calibration?.validation.after.expectedCalibrationError, calibration.validation.after.expectedCalibrationError)
        // An uncalibrated model writes no calibration key: files of earlier runs keep their bytes.
        XCTAssertFalse(ModelFile.metadata(for: smallModel()).keys.contains { $0.hasPrefix("calibration.") })
    }
}
