import Foundation
import GenreData
import GenreMetrics
import GenreModel
import GenreNetwork
import GenreSupport

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss (training, or validation after the epoch's last batch) stopped being finite.
    case diverged(epoch: Int, batch: Int, loss: Float)
    case nonFiniteWeights(epoch: Int, parameter: String)
    case noTrainingData

    public var description: String {
        switch self {
        case .diverged(let e, let b, let l):
            return "training diverged: loss became \(l.isNaN ? "NaN" : "\(l)") in epoch \(e), batch \(b) (try a smaller --learning-rate); no model written"
        case .nonFiniteWeights(let e, let name):
            return "training diverged: \(name) holds non-finite values after epoch \(e) (try a smaller --learning-rate); no model written"
        case .noTrainingData: return "no training segments: every training file was skipped"
        }
    }
}

/// Everything a training run needs to continue after a completed epoch exactly as if it had not stopped:
/// the network (with BatchNorm's running averages), the optimiser's buffers, the best epoch so far and
/// the history, and the order of the training segments (each epoch shuffles the previous epoch's order).
/// Every random stream (shuffles, crops, masks, dropout, mixup) is seeded from the seed and the epoch,
/// so with that order the epoch number is the whole random state.
public struct TrainingState: Sendable, Equatable {
    /// Epochs done (1-based count); the next epoch to run is this one, 0-based.
    public var completedEpochs: Int
    public var network: ConvNet
    /// SGD's momentum buffers (empty for Adam, or before the first step).
    public var velocity: [[Float]]
    /// Adam's moment estimates and step count (empty / 0 for SGD).
    public var adamM: [[Float]], adamV: [[Float]], adamStep: Int
    /// The best epoch so far: its network, 1-based epoch, validation clip accuracy and loss.
    public var best: BestEpoch?
    public var history: [EpochReport]
    /// The training segments' order after the last completed epoch: positions in the unshuffled list
    /// (clip by clip, segment by segment).
    public var order: [Int]

    public struct BestEpoch: Sendable, Equatable {
        public var network: ConvNet
        public var epoch: Int
        public var accuracy: Double
        public var loss: Float
        public init(network: ConvNet, epoch: Int, accuracy: Double, loss: Float) {
            self.network = network
            self.epoch = epoch
            self.accuracy = accuracy
            self.loss = loss
        }
    }

    public init(completedEpochs: Int, network: ConvNet, velocity: [[Float]], adamM: [[Float]], adamV: [[Float]],
                adamStep: Int, best: BestEpoch?, history: [EpochReport], order: [Int]) {
        self.completedEpochs = completedEpochs
        self.network = network
        self.velocity = velocity
        self.adamM = adamM
        self.adamV = adamV
        self.adamStep = adamStep
        self.best = best
        self.history = history
        self.order = order
    }
}

/// Mini-batch SGD with momentum and a step learning-rate schedule on standardised segments.
///
/// Each epoch shuffles the training segments with a generator seeded from `settings.seed` and the epoch,
/// steps through batches of `settings.batchSize` (the last batch may be smaller), and then scores the
/// validation clips. The epoch with the best validation clip accuracy is kept (ties: lower validation
/// loss; without validation data, the last epoch).
public struct Trainer {
    public let settings: TrainingSettings
    public let threads: Int

    public init(settings: TrainingSettings, threads: Int) {
        self.settings = settings
        self.threads = max(1, threads)
    }

    /// - Parameters:
    ///   - network: He-initialised (or any) starting network; its configuration's input must be
    ///     `[1, nMels, segmentFrames]`.
    ///   - train, validation: standardised clips.
    ///   - resume: a state saved by `onCheckpoint` of a run with the same settings and data: training
    ///     continues after its last epoch and ends with the same network as a run never stopped.
    ///   - onBatch: (epoch 1-based, batch index 1-based, batches per epoch) after each step.
    ///   - normalization: the standardisation `train` went through (gain and tilt augmentation work in dB).
    ///   - onEpoch: after each epoch.
    ///   - onCheckpoint: after each epoch, the state to save; what it throws stops training.
    /// - Returns: the best network, its 1-based epoch, and every epoch's report.
    /// - Throws: `TrainingError.diverged` at the first non-finite loss; `.noTrainingData`; whatever
    ///   `onCheckpoint` throws.
    public func train(network start: ConvNet, train: [ClipFeatures], validation: [ClipFeatures],
                      normalization: Normalization = Normalization(mean: 0, std: 1), resume: TrainingState? = nil,
                      onBatch: ((_ epoch: Int, _ batch: Int, _ batches: Int) -> Void)? = nil,
                      onEpoch: ((EpochReport) -> Void)? = nil,
                      onCheckpoint: ((TrainingState) throws -> Void)? = nil) throws -> (network: ConvNet, bestEpoch: Int, history: [EpochReport]) {
        let cfg = start.configuration
        let cells = cfg.inputChannels * cfg.inputHeight * cfg.inputWidth
        // Index every training segment as (clip, segment within clip).
        var index: [(clip: Int, segment: Int)] = []
        var offsets: [Int] = []  // position of each clip's first segment in the unshuffled list
        for (c, clip) in train.enumerated() {
            offsets.append(index.count)
            for s in 0..<clip.segmentCount { index.append((c, s)) }
        }
        guard !index.isEmpty else { throw TrainingError.noTrainingData }
        let unshuffled = index

        var network = start
        let batchSize = min(settings.batchSize, index.count)
        let workspace = ConvNetWorkspace(network: network, batchCapacity: batchSize, threads: threads)
        let batchInput = FloatBuffer(count: batchSize * cells)
        var batchLabels = [Int32](repeating: 0, count: batchSize)
        let soft = settings.targets
        let mixScratch = FloatBuffer(count: soft.mixup > 0 ? batchSize * cells : 0)
        var batchTargets = [Float](repeating: 0, count: soft.isEnabled ? batchSize * cfg.classCount : 0)
        var sgd = SGD(learningRate: settings.learningRate, momentum: settings.momentum, weightDecay: settings.weightDecay)
        var adam = Adam(learningRate: settings.learningRate, weightDecay: settings.weightDecay,
                        decoupledWeightDecay: settings.optimizer == .adamw)
        let augmentation = settings.augmentation
        let step = StepLR(initial: settings.learningRate, stepSize: settings.learningRateStep,
                          gamma: settings.learningRateGamma)
        let cosine = CosineLR(initial: settings.learningRate, epochs: settings.epochs)
        let evaluator = Classifier(network: network, threads: threads)
        var best: TrainingState.BestEpoch?
        var history: [EpochReport] = []
        let batches = (index.count + batchSize - 1) / batchSize
        let k = cfg.classCount
        var first = 0
        if let resume {
            network = resume.network
            sgd.velocity = resume.velocity
            adam.m = resume.adamM
            adam.v = resume.adamV
            adam.step = resume.adamStep
            best = resume.best
            history = resume.history
            first = resume.completedEpochs
            guard resume.network.configuration == cfg, resume.order.sorted() == Array(unshuffled.indices) else {
                throw RunError("the checkpoint does not fit this data (network or training segments differ)")
            }
            index = resume.order.map { unshuffled[$0] }
            // A run that had already stopped early stays stopped.
            if settings.earlyStopping > 0, !validation.isEmpty, let b = best, first - b.epoch >= settings.earlyStopping {
                first = settings.epochs
            }
        }

        for epoch in first..<max(first, settings.epochs) {
            let started = DispatchTime.now()
            sgd.learningRate = settings.schedule == .cosine ? cosine.learningRate(epoch: epoch) : step.learningRate(epoch: epoch)
            adam.learningRate = sgd.learningRate
            var generator = SeededGenerator(seed: settings.seed &* 0x9E37_79B9 &+ UInt64(epoch) &+ 1)
            RandomDraw.shuffle(&index, using: &generator)
            // Crops and masks draw from their own stream, so turning them on leaves the shuffles alone.
            var augmenter = SeededGenerator(seed: settings.seed ^ 0x5EC_A06_0000 &+ UInt64(epoch))
            var mixer = SeededGenerator(seed: settings.seed ^ 0x313_0000_0000 &+ UInt64(epoch))
            var lossSum = 0.0, correct = 0
            for b in 0..<batches {
                let lo = b * batchSize, n = min(batchSize, index.count - lo)
                for j in 0..<n {
                    let (c, s) = index[lo + j]
                    train[c].segments.withUnsafeBufferPointer { src in
                        if augmentation.isEnabled {
                            augmentation.example(src.baseAddress!, count: train[c].segmentCount, segment: s,
                                                 nMels: cfg.inputHeight, width: cfg.inputWidth,
                                                 normalization: normalization, into: batchInput.pointer + j * cells, generator: &augmenter)
                        } else {
                            (batchInput.pointer + j * cells).update(from: src.baseAddress! + s * cells, count: cells)
                        }
                    }
                    batchLabels[j] = Int32(train[c].label)
                }
                network.zeroGradients()
                let dropoutSeed = settings.seed ^ (UInt64(epoch) << 32 | UInt64(b))
                let loss: Float
                if soft.isEnabled {
                    loss = batchLabels.withUnsafeBufferPointer { labels in
                        batchTargets.withUnsafeMutableBufferPointer { t in
                            soft.apply(input: batchInput.pointer, scratch: mixScratch.pointer, cells: cells,
                                       labels: labels.baseAddress!, targets: t.baseAddress!, batch: n, classes: k,
                                       generator: &mixer)
                            return network.lossAndGradients(batchInput.pointer, targets: t.baseAddress!, batch: n,
                                                            workspace: workspace, dropoutSeed: dropoutSeed)
                        }
                    }
                } else {
                    loss = batchLabels.withUnsafeBufferPointer {
                        network.lossAndGradients(batchInput.pointer, labels: $0.baseAddress!, batch: n, workspace: workspace,
                                                 dropoutSeed: dropoutSeed)
                    }
                }
                guard loss.isFinite else { throw TrainingError.diverged(epoch: epoch + 1, batch: b + 1, loss: loss) }
                lossSum += Double(loss) * Double(n)
                let probs = workspace.probabilitiesPointer
                for j in 0..<n where argmax(probs + j * k, k) == Int(batchLabels[j]) { correct += 1 }
                if settings.optimizer == .sgd { sgd.step(&network) } else { adam.step(&network) }
                onBatch?(epoch + 1, b + 1, batches)
            }
            var report = EpochReport(epoch: epoch + 1, learningRate: sgd.learningRate,
                                     trainLoss: Float(lossSum / Double(index.count)),
                                     trainAccuracy: Double(correct) / Double(index.count),
                                     validationLoss: nil, validationAccuracy: nil, seconds: 0)
            // A step can leave non-finite weights even when the loss it reported was finite.
            if let bad = network.parameters.first(where: { !$0.value.allSatisfy(\.isFinite) }) {
                throw TrainingError.nonFiniteWeights(epoch: epoch + 1, parameter: bad.name)
            }
            if !validation.isEmpty {
                let scores = evaluator.score(validation, network: network)
                guard scores.loss.isFinite else {
                    throw TrainingError.diverged(epoch: epoch + 1, batch: batches, loss: scores.loss)
                }
                report.validationLoss = scores.loss
                report.validationAccuracy = scores.clipAccuracy
            }
            report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            history.append(report)
            onEpoch?(report)
            let accuracy = report.validationAccuracy ?? 0, vLoss = report.validationLoss ?? 0
            if validation.isEmpty || best == nil || accuracy > best!.accuracy
                || (accuracy == best!.accuracy && vLoss < best!.loss) {
                best = .init(network: network, epoch: epoch + 1, accuracy: accuracy, loss: vLoss)
            }
            try onCheckpoint?(TrainingState(completedEpochs: epoch + 1, network: network, velocity: sgd.velocity,
                                            adamM: adam.m, adamV: adam.v, adamStep: adam.step, best: best,
                                            history: history, order: index.map { offsets[$0.clip] + $0.segment }))
            // Early stopping: the best epoch is kept anyway, so later epochs only cost time once it is old.
            if settings.earlyStopping > 0, !validation.isEmpty, epoch + 1 - best!.epoch >= settings.earlyStopping { break }
        }
        guard let best else { throw TrainingError.noTrainingData }
        return (best.network, best.epoch, history)
    }
}

