import Foundation
import GenreData
import GenreMetrics
import GenreModel
import GenreNetwork
import GenreSupport

/// Why `Trainer.train` stopped without a network; descriptions are one line.
public enum TrainingError: MessageError, Equatable {
    /// The loss (training, or validation after the epoch's last batch) stopped being finite; `epoch` and
    /// `batch` are 1-based.
    case diverged(epoch: Int, batch: Int, loss: Float)
    /// After `epoch` (1-based), parameter `parameter` (e.g. `conv2.weight`) holds NaN or ±∞ although every
    /// step's loss was finite.
    case nonFiniteWeights(epoch: Int, parameter: String)
    /// After `epoch` (1-based), parameter `parameter` holds a value beyond ±`limit` (`ModelFile.maxWeight`):
    /// finite, but no model file may hold it, and the losses it gives are meaningless.
    case weightsBeyondLimit(epoch: Int, parameter: String, limit: Float)
    /// The training clips hold no segment (every training file was skipped).
    case noTrainingData
    /// Not one epoch ran and no earlier epoch's network was at hand: `epochs` were asked for and the run
    /// started after epoch `completed` (0, or a resumed state that kept no best epoch).
    case noEpochTrained(epochs: Int, completed: Int)

    /// True for the ways training itself diverges (loss or weights), as opposed to having no data.
    public var isDivergence: Bool {
        switch self {
        case .diverged, .nonFiniteWeights, .weightsBeyondLimit: return true
        case .noTrainingData, .noEpochTrained: return false
        }
    }

    /// One line saying what went wrong and that no model was written.
    public var message: Message {
        switch self {
        case .diverged(let e, let b, let l):
            return "training diverged: loss became \(l.isNaN ? "NaN" : "\(l)") in epoch \(e), batch \(b) (try a smaller \(Setting.learningRate)); no model written"
        case .nonFiniteWeights(let e, let name):
            return "training diverged: \(name) holds non-finite values after epoch \(e) (try a smaller \(Setting.learningRate)); no model written"
        case .weightsBeyondLimit(let e, let name, let limit):
            return "training diverged: \(name) holds values beyond ±\(limit) after epoch \(e) (try a smaller \(Setting.learningRate)); no model written"
        case .noTrainingData: return "no training segments: every training file was skipped"
        case .noEpochTrained(let epochs, let completed):
            return "no epoch trained: \(epochs) epoch(s) asked for, starting after epoch \(completed) "
                + "with no best network kept"
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
    /// The network after the last completed epoch, with BatchNorm's running averages.
    public var network: ConvNet
    /// SGD's momentum buffers, one per parameter in `network.parameters` order and of its size (empty for
    /// Adam, or before the first step).
    public var velocity: [[Float]]
    /// Adam's first and second moment estimates (per parameter, as `velocity`) and step count (empty / 0 for SGD).
    public var adamM: [[Float]], adamV: [[Float]], adamStep: Int
    /// The best epoch so far: its network, 1-based epoch, validation clip accuracy and loss.
    public var best: BestEpoch?
    /// Every completed epoch's report, in order (`history.count == completedEpochs`).
    public var history: [EpochReport]
    /// The training segments' order after the last completed epoch: positions in the unshuffled list
    /// (clip by clip, segment by segment).
    public var order: [Int]

    /// The epoch a run keeps: the best validation clip accuracy so far (ties: lower validation loss).
    public struct BestEpoch: Sendable, Equatable {
        /// The network after that epoch.
        public var network: ConvNet
        /// 1-based.
        public var epoch: Int
        /// Validation clip accuracy, 0…1 (0 without validation clips).
        public var accuracy: Double
        /// Mean validation cross-entropy, nats (0 without validation clips).
        public var loss: Float
        /// Member-wise.
        public init(network: ConvNet, epoch: Int, accuracy: Double, loss: Float) {
            self.network = network
            self.epoch = epoch
            self.accuracy = accuracy
            self.loss = loss
        }
    }

    /// Member-wise; `Trainer.train` makes these after every epoch, `Checkpoint.read` from a file.
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

/// Mini-batch training of a `ConvNet` on standardised segments, as `settings` say: SGD with heavy-ball
/// momentum, Adam or AdamW (`settings.optimizer`, with weight decay λ); a step (StepLR) or cosine
/// (CosineAnnealingLR) learning-rate schedule, set per epoch; optional training-time augmentation (random
/// crops, SpecAugment time and frequency masks, random gain and tilt in dB: `Augmentation`); and optional
/// mixup and label smoothing (`SoftTargets`), which train on soft targets instead of labels.
///
/// Each epoch shuffles the training segments with a generator seeded from `settings.seed` and the epoch,
/// steps through batches of `settings.batchSize` (the last batch may be smaller), and then scores the
/// validation clips. Crops and masks, mixup and dropout draw from their own streams, seeded the same way,
/// so the same seed gives the same network bit for bit. The epoch with the best validation clip accuracy
/// is kept (ties: lower validation loss; without validation data, the last epoch); with
/// `settings.earlyStopping` > 0, training stops once that epoch is that many epochs old.
public struct Trainer {
    /// The recipe: optimiser, schedule, batch size, epochs, seed, augmentation, soft targets.
    public let settings: TrainingSettings
    /// Worker threads for the forward and backward passes and for scoring (at least 1).
    public let threads: Int
    /// What stays fixed when fine-tuning a trained network, and the backbone's learning-rate factor.
    public let fineTuning: FineTuning

    /// - Parameters:
    ///   - threads: worker threads; values below 1 mean 1.
    ///   - fineTuning: frozen blocks, frozen BatchNorm, backbone learning-rate factor (`FineTuning.none`: all
    ///     parameters trained at one rate).
    public init(settings: TrainingSettings, threads: Int, fineTuning: FineTuning = .none) {
        self.settings = settings
        self.threads = max(1, threads)
        self.fineTuning = fineTuning
    }

    /// Trains from `start` (or from `resume`) for the epochs `settings.epochs` leaves.
    /// - Parameters:
    ///   - network: He-initialised (or any) starting network; its configuration's input must be
    ///     `[1, nMels, segmentFrames]`, its classes K those of the clips' labels.
    ///   - train, validation: standardised clips (`ClipFeatures.segments` `[count, nMels, segmentFrames]`).
    ///   - normalization: the standardisation `train` went through (gain and tilt augmentation work in dB).
    ///   - resume: a state saved by `onCheckpoint` of a run with the same settings and data: training
    ///     continues after its last epoch and ends with the same network as a run never stopped.
    ///   - onBatch: (epoch 1-based, batch index 1-based, batches per epoch) after each step.
    ///   - onEpoch: after each epoch.
    ///   - onCheckpoint: after each epoch, the state to save; what it throws stops training.
    /// - Returns: the best network, its 1-based epoch, and every epoch's report (a resumed run's include
    ///   the epochs before it).
    /// - Throws: `TrainingError.noTrainingData` when the training clips hold no segment;
    ///   `RunError` when `resume` does not fit (another network configuration or other training segments);
    ///   `TrainingError.diverged` at the first non-finite training or validation loss;
    ///   `TrainingError.nonFiniteWeights` when an epoch leaves a non-finite weight;
    ///   `TrainingError.noEpochTrained` when no epoch runs and no best network is at hand (`settings.epochs`
    ///   < 1, or a resumed state past the last epoch without a best epoch); whatever `onCheckpoint` throws.
    public func train(network start: ConvNet, train: [ClipFeatures], validation: [ClipFeatures],
                      normalization: Normalization = Normalization(mean: 0, std: 1), resume: TrainingState? = nil,
                      onBatch: ((_ epoch: Int, _ batch: Int, _ batches: Int) -> Void)? = nil,
                      onEpoch: ((EpochReport) -> Void)? = nil,
                      onCheckpoint: ((TrainingState) throws -> Void)? = nil) throws -> (network: ConvNet, bestEpoch: Int, history: [EpochReport]) {
        var loop = try TrainingLoop(settings: settings, threads: threads, network: start, train: train,
                                    validation: validation, normalization: normalization, fineTuning: fineTuning)
        if let resume { try loop.restore(resume) }
        for epoch in loop.firstEpoch..<max(loop.firstEpoch, settings.epochs) {
            let started = DispatchTime.now()
            var report = try loop.trainEpoch(epoch, onBatch: onBatch)
            try loop.validate(&report)
            report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            loop.history.append(report)
            onEpoch?(report)
            loop.keepIfBest(report)
            try onCheckpoint?(loop.state(completedEpochs: epoch + 1))
            if loop.stopsEarly(after: epoch + 1) { break }
        }
        guard let best = loop.best else {
            throw TrainingError.noEpochTrained(epochs: settings.epochs, completed: resume?.completedEpochs ?? 0)
        }
        return (best.network, best.epoch, loop.history)
    }
}
