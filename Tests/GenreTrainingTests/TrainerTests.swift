import Foundation
import GenreFeatures
import GenreModelTestSupport
import GenreNetwork
import GenreTestSupport
import SafeTensors
import XCTest
@testable import GenreData
@testable import GenreMetrics
@testable import GenreModel
@testable import GenreTraining

final class TrainerTests: XCTestCase {
    /// Two classes whose segments differ in where the energy sits (low vs high bands): easy to learn.
    func clips(count: Int, seed: UInt64) -> [ClipFeatures] { separableClips(count: count, seed: seed) }

    func testTrainingLearnsASeparableProblemAndKeepsTheBestEpoch() throws {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [4, 4], classCount: 2)
        let trainer = Trainer(settings: TrainingSettings(epochs: 12, batchSize: 4, learningRate: 0.05, seed: 3), threads: 2)
        var reports: [EpochReport] = []
        let result = try trainer.train(network: ConvNet(configuration: config, seed: 3), train: clips(count: 16, seed: 1),
                                       validation: clips(count: 6, seed: 2), onEpoch: { reports.append($0) })
        XCTAssertEqual(reports.count, 12)
        XCTAssertEqual(result.history, reports)
        XCTAssertLessThan(reports.last!.trainLoss, reports.first!.trainLoss)
        let best = reports.map { $0.validationAccuracy! }.max()!
        XCTAssertEqual(best, 1.0)
        XCTAssertEqual(reports[result.bestEpoch - 1].validationAccuracy, best)
        // The returned network is the best epoch's: it scores that accuracy again.
        let scored = Classifier(network: result.network, threads: 1).score(clips(count: 6, seed: 2), network: result.network)
        XCTAssertEqual(scored.clipAccuracy, best)
        XCTAssertEqual(scored.loss, reports[result.bestEpoch - 1].validationLoss!, accuracy: 1e-5)
    }

    func testSameSeedGivesTheSameNetworkWhateverTheThreadCount() throws {
        for batchNorm in [false, true] {
            let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [2, 3], classCount: 2,
                                              batchNorm: batchNorm)
            func run(threads: Int) throws -> ConvNet {
                try Trainer(settings: TrainingSettings(epochs: 3, batchSize: 5, learningRate: 0.05, seed: 11), threads: threads)
                    .train(network: ConvNet(configuration: config, seed: 11), train: clips(count: 12, seed: 1), validation: []).network
            }
            let one = try run(threads: 1)
            XCTAssertEqual(try run(threads: 1), one)
            // Per-sample gradients summed in sample order, BatchNorm per channel whoever computes it:
            // bit-identical weights (and running averages) for any thread count.
            XCTAssertEqual(try run(threads: 2), one, "batchNorm \(batchNorm)")
            XCTAssertEqual(try run(threads: 3), one, "batchNorm \(batchNorm)")
            XCTAssertNotEqual(one, ConvNet(configuration: config, seed: 11), "training should have moved the weights")
        }
    }

    func testEarlyStoppingEndsThePatienceAfterTheBestEpoch() throws {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [2], classCount: 2)
        // A step too small to change any Float weight: every epoch scores exactly like the first.
        let settings = TrainingSettings(epochs: 20, batchSize: 4, learningRate: 1e-30, seed: 1, earlyStopping: 2)
        let result = try Trainer(settings: settings, threads: 1)
            .train(network: ConvNet(configuration: config, seed: 1), train: clips(count: 8, seed: 2), validation: clips(count: 4, seed: 3))
        XCTAssertEqual(result.bestEpoch, 1)
        XCTAssertEqual(result.history.count, 3, "epochs 2 and 3 did not improve on epoch 1")
        // Without validation data there is nothing to stop on.
        let all = try Trainer(settings: settings, threads: 1)
            .train(network: ConvNet(configuration: config, seed: 1), train: clips(count: 8, seed: 2), validation: [])
        XCTAssertEqual(all.history.count, 20)
    }

    func testDivergenceStopsAtTheFirstNonFiniteLoss() {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [4], classCount: 2)
        var data = clips(count: 8, seed: 1)
        for i in data.indices { data[i].segments = data[i].segments.map { $0 * 1e4 } }
        let trainer = Trainer(settings: TrainingSettings(epochs: 20, batchSize: 4, learningRate: 10, seed: 1), threads: 1)
        XCTAssertThrowsError(try trainer.train(network: ConvNet(configuration: config, seed: 1), train: data, validation: [])) { error in
            guard case .diverged(let epoch, let batch, let loss)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertGreaterThanOrEqual(epoch, 1)
            XCTAssertGreaterThanOrEqual(batch, 1)
            XCTAssertFalse(loss.isFinite)
        }
    }

    func testNormalizationIsTheGlobalMeanAndStdAndSurvivesSilence() {
        let n = Normalization(fitting: [[1, 2, 3], [4, 5, 6, 7]])
        XCTAssertEqual(n.mean, 4, accuracy: 1e-6)
        XCTAssertEqual(n.std, 2, accuracy: 1e-6)  // population std of 1...7
        var values: [Float] = [4, 6]
        n.apply(&values)
        XCTAssertEqual(values, [0, 1])
        let silent = Normalization(fitting: [[Float](repeating: -100, count: 50)])
        XCTAssertEqual(silent.std, Normalization.minimumStd)
        var cells: [Float] = [-100, -100]
        silent.apply(&cells)
        XCTAssertEqual(cells, [0, 0])
    }

    func testClipProbabilitiesAreTheMeanOfSegmentSoftmaxes() {
        let rows: [Float] = [0.5, 0.5, 0.0, 0.1, 0.2, 0.7]
        let mean = Classifier.clipProbabilities(rows, classes: 3)
        XCTAssertEqual(mean[0], 0.3, accuracy: 1e-7)
        XCTAssertEqual(mean[1], 0.35, accuracy: 1e-7)
        XCTAssertEqual(mean[2], 0.35, accuracy: 1e-7)
    }

    func testClassifierBatchesGiveEachSegmentsOwnSoftmax() {
        // 19 segments: two full inference batches and a partial one, on 2 threads.
        let model = smallModel()
        let net = model.network, cfg = net.configuration
        let cells = cfg.inputHeight * cfg.inputWidth, k = cfg.classCount
        var g = SeededGenerator(seed: 9)
        let count = 2 * Classifier.batchSize + 3
        let segments = (0..<(count * cells)).map { _ in g.nextUnitFloat() * 4 - 2 }
        let batched = Classifier(network: net, threads: 2).segmentProbabilities(segments, count: count, network: net)
        XCTAssertEqual(batched.count, count * k)
        for s in 0..<count {
            let one = Array(segments[(s * cells)..<((s + 1) * cells)])
            let z = logits(net, one, batch: 1)
            let m = z.max()!, e = z.map { exp(Double($0 - m)) }, total = e.reduce(0, +)
            for j in 0..<k {
                XCTAssertEqual(Double(batched[s * k + j]), e[j] / total, accuracy: 1e-6, "segment \(s), class \(j)")
            }
        }
    }

    func testSplitDigestChangesWithAnyMove() {
        let a = DataSplit(train: ["a/1", "b/1"], validation: ["a/2"], test: ["b/2"])
        var b = a
        XCTAssertEqual(SplitDigest.of(a), SplitDigest.of(b))
        b.validation = ["b/2"]; b.test = ["a/2"]
        XCTAssertNotEqual(SplitDigest.of(a), SplitDigest.of(b))
        XCTAssertEqual(SplitDigest.of(a).count, 16)
    }

    /// A run stopped after any epoch and resumed from its checkpoint state ends with the same network,
    /// bit for bit, as a run never stopped: SGD (seed recipe) and Adam with BatchNorm, dropout,
    /// crops, masks and mixup (whose order of segments carries over between epochs).
    func testAResumedRunEndsWithTheSameNetworkAsAnUninterruptedOne() throws {
        struct Stop: Error {}
        let train = clips(count: 12, seed: 1), validation = clips(count: 4, seed: 2)
        let recipes = [
            TrainingSettings(epochs: 5, batchSize: 5, learningRate: 0.05, seed: 3),
            TrainingSettings(epochs: 5, batchSize: 5, learningRate: 0.01, seed: 4, optimizer: .adam, weightDecay: 1e-4,
                             augmentation: Augmentation(randomCrops: true, timeMask: 3, frequencyMask: 2), batchNorm: true,
                             dropout: 0.3, timePooling: true, schedule: .cosine, targets: SoftTargets(mixup: 0.4)),
        ]
        for settings in recipes {
            let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [4, 4], classCount: 2,
                                              batchNorm: settings.batchNorm, dropout: settings.dropout,
                                              timePooling: settings.timePooling)
            let start = ConvNet(configuration: config, seed: settings.seed)
            let trainer = Trainer(settings: settings, threads: 1)
            var states: [TrainingState] = []
            let whole = try trainer.train(network: start, train: train, validation: validation, onCheckpoint: { states.append($0) })
            XCTAssertEqual(states.map(\.completedEpochs), [1, 2, 3, 4, 5])
            XCTAssertEqual(states[1].order.sorted(), Array(0..<24))
            XCTAssertNotEqual(states[1].order, states[2].order, "each epoch reshuffles")
            for stopAfter in [1, 3] {
                // A run that dies after `stopAfter` epochs, and one that continues from its last state.
                var saved: TrainingState?
                XCTAssertThrowsError(try trainer.train(network: start, train: train, validation: validation, onCheckpoint: {
                    saved = $0
                    if $0.completedEpochs == stopAfter { throw Stop() }
                }))
                XCTAssertEqual(saved.map(comparable), comparable(states[stopAfter - 1]))
                let resumed = try trainer.train(network: start, train: train, validation: validation, resume: saved)
                XCTAssertEqual(resumed.network, whole.network, "\(settings.optimizer), stopped after \(stopAfter)")
                XCTAssertEqual(resumed.bestEpoch, whole.bestEpoch)
                XCTAssertEqual(resumed.history.map(\.trainLoss), whole.history.map(\.trainLoss))
            }
        }
    }

    /// A checkpoint round-trips every part of the state; a damaged one is refused naming the file.
    func testCheckpointFilesRoundTripAndRefuseDamage() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let settings = TrainingSettings(epochs: 3, batchSize: 4, learningRate: 0.01, seed: 5, optimizer: .adam, batchNorm: true)
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [4, 4], classCount: 2, batchNorm: true)
        var states: [TrainingState] = []
        _ = try Trainer(settings: settings, threads: 1).train(network: ConvNet(configuration: config, seed: 5),
                                                              train: clips(count: 8, seed: 1), validation: clips(count: 4, seed: 2),
                                                              onCheckpoint: { states.append($0) })
        let run = Checkpoint.Run(settings: settings, features: FeatureParameters(nMels: 8, segmentFrames: 8, minLastSegmentFrames: 4),
                                 classNames: ["a", "b"], split: DataSplit(train: ["a/1.wav"], validation: ["b/1.wav"], test: []),
                                 normalization: Normalization(mean: -20.5, std: 11.25))
        let path = folder + "/m.checkpoint.safetensors"
        XCTAssertEqual(Checkpoint.path(forModel: folder + "/m.safetensors"), path)
        try Checkpoint.write(states[1], run: run, to: path)
        let (state, readRun) = try Checkpoint.read(path, configuration: config)
        XCTAssertEqual(state, comparable(states[1]).with(seconds: states[1].history.map(\.seconds)))
        XCTAssertEqual(readRun, run)
        XCTAssertFalse(state.adamM.isEmpty)
        XCTAssertEqual(state.adamStep, 8, "16 segments in batches of 4: 4 steps an epoch, two epochs")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint.read(path, configuration: config)) {
            XCTAssertEqual("\($0)", "\(path): not a usable checkpoint: checksum mismatch (damaged or altered)")
        }
        XCTAssertThrowsError(try Checkpoint.read(folder + "/none", configuration: config)) {
            XCTAssertTrue("\($0)".contains("no checkpoint to resume from"), "\($0)")
        }
    }

    /// A checkpoint is held to the model file's checks on its networks: one whose weights are not finite
    /// (or beyond ±`ModelFile.maxWeight`), though its checksum is right, is refused naming the file and tensor.
    /// `write` reads the new file back before it replaces the previous checkpoint, so it never writes one:
    /// it throws, and the previous checkpoint stays.
    func testCheckpointWithNonFiniteOrHugeWeightsIsRefused() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let settings = TrainingSettings(epochs: 1, batchSize: 4, learningRate: 0.01, seed: 5)
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [4, 4], classCount: 2)
        var states: [TrainingState] = []
        _ = try Trainer(settings: settings, threads: 1).train(network: ConvNet(configuration: config, seed: 5),
                                                              train: clips(count: 8, seed: 1), validation: [],
                                                              onCheckpoint: { states.append($0) })
        let run = Checkpoint.Run(settings: settings, features: FeatureParameters(nMels: 8, segmentFrames: 8, minLastSegmentFrames: 4),
                                 classNames: ["a", "b"], split: DataSplit(train: ["a/1.wav"], validation: [], test: []),
                                 normalization: Normalization(mean: 0, std: 1))
        let path = folder + "/m.checkpoint.safetensors"
        for (value, what) in [(Float.nan, "holds non-finite values"), (Float.infinity, "holds non-finite values"),
                              (Float(1e30), "holds values beyond ±1000000.0; the file looks damaged")] {
            for best in [false, true] {
                var state = states[0]
                if best { state.best!.network.fc.weight.value[1] = value } else { state.network.fc.weight.value[1] = value }
                let damaged = folder + "/damaged.checkpoint.safetensors"
                try AtomicFile.write(Checkpoint.serialize(state, run: run), to: damaged)
                XCTAssertThrowsError(try Checkpoint.read(damaged, configuration: config)) {
                    XCTAssertEqual("\($0)", "\(damaged): not a usable checkpoint: tensor \(best ? "best" : "net").fc.weight \(what)")
                }
                try Checkpoint.write(states[0], run: run, to: path)
                let before = try Data(contentsOf: URL(fileURLWithPath: path))
                XCTAssertThrowsError(try Checkpoint.write(state, run: run, to: path)) {
                    XCTAssertTrue("\($0)".hasPrefix("\(path): "), "\($0)")
                    XCTAssertTrue("\($0)".contains("the new file does not read back: "), "\($0)")
                    XCTAssertTrue("\($0)".contains("tensor \(best ? "best" : "net").fc.weight \(what)"), "\($0)")
                    XCTAssertFalse("\($0)".contains(".tmp-"), "the temporary file is not named: \($0)")
                }
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
                try FileManager.default.removeItem(atPath: damaged)
                XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["m.checkpoint.safetensors"])
            }
        }
        try Checkpoint.write(states[0], run: run, to: path)
        XCTAssertEqual(try Checkpoint.read(path, configuration: config).state,
                       comparable(states[0]).with(seconds: states[0].history.map(\.seconds)), "the unaltered state reads back")
    }

    /// Settings go into checkpoints (and `--json` outputs) as the JSON object of their properties, and
    /// come back equal; a missing property is an error, not a default.
    func testSettingsJSONRoundTripsAndRequiresEveryProperty() throws {
        for settings in [TrainingSettings.seedRecipe, .defaultRecipe,
                         TrainingSettings(seed: .max, optimizer: .adamw, earlyStopping: 4, targets: SoftTargets(mixup: 0.2, labelSmoothing: 0.1))] {
            let data = try JSONEncoder().encode(settings)
            XCTAssertEqual(try JSONDecoder().decode(TrainingSettings.self, from: data), settings)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            XCTAssertEqual(object["seed"] as? UInt64, settings.seed)
            XCTAssertEqual(object["timePooling"] as? Bool, settings.timePooling)
        }
        let json = #"{"epochs":3}"#
        XCTAssertThrowsError(try JSONDecoder().decode(TrainingSettings.self, from: Data(json.utf8))) {
            guard case DecodingError.keyNotFound = $0 else { return XCTFail("\($0)") }
        }
    }

    /// No epoch and no earlier best network: a true error, not "no training segments".
    func testZeroEpochsIsItsOwnError() throws {
        let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 8, inputWidth: 8, channels: [4, 4], classCount: 2)
        let trainer = Trainer(settings: TrainingSettings(epochs: 0, batchSize: 4), threads: 1)
        XCTAssertThrowsError(try trainer.train(network: ConvNet(configuration: config, seed: 1), train: clips(count: 4, seed: 1),
                                               validation: [])) {
            XCTAssertEqual($0 as? TrainingError, .noEpochTrained(epochs: 0, completed: 0))
            XCTAssertEqual("\($0)", "no epoch trained: 0 epoch(s) asked for, starting after epoch 0 with no best network kept")
        }
        XCTAssertThrowsError(try trainer.train(network: ConvNet(configuration: config, seed: 1), train: [], validation: [])) {
            XCTAssertEqual($0 as? TrainingError, .noTrainingData)
        }
    }
}

/// A state without what a checkpoint does not keep (the last batch's gradients) or what differs between
/// identical runs (epoch times).
func comparable(_ state: TrainingState) -> TrainingState {
    var s = state
    s.network.zeroGradients()
    s.best?.network.zeroGradients()
    for i in s.history.indices { s.history[i].seconds = 0 }
    return s
}

extension TrainingState {
    func with(seconds: [Double]) -> TrainingState {
        var s = self
        for i in s.history.indices { s.history[i].seconds = seconds[i] }
        return s
    }
}
