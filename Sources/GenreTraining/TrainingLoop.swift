import Foundation
import GenreData
import GenreMetrics
import GenreModel
import GenreNetwork
import GenreSupport

/// One run of `Trainer.train`: its batch buffers, optimisers, schedule, segment order, history and best
/// epoch, and the named steps of an epoch. The random streams are drawn, and the arithmetic is done, in
/// the order `train` has always used, so the same seed writes the same model bytes.
///
/// Letters: N batch (≤ `batchSize`), C·H·W = 1·nMels·segmentFrames the cells of one segment, K classes.
struct TrainingLoop {
    let settings: TrainingSettings
    /// What stays fixed and the backbone's learning-rate factor (`FineTuning.none` from scratch).
    let fineTuning: FineTuning
    /// Per parameter, its learning-rate factor or nil when fixed (`FineTuning.learningRateScales`).
    let learningRateScales: [Float?]
    let train: [ClipFeatures], validation: [ClipFeatures]
    let normalization: Normalization
    /// Every training segment as (clip, segment within clip), in the current epoch's order.
    var index: [(clip: Int, segment: Int)]
    /// The same, clip by clip and segment by segment (the order checkpoints count positions in).
    let unshuffled: [(clip: Int, segment: Int)]
    /// Position of each clip's first segment in `unshuffled`.
    let offsets: [Int]
    let cells: Int, classes: Int, batchSize: Int, batches: Int

    var network: ConvNet
    let workspace: ConvNetWorkspace
    /// `[N, 1, nMels, segmentFrames]`, the batch being trained on.
    let batchInput: FloatBuffer
    /// `[N]` labels, and `[N, K]` soft targets (empty without mixup or label smoothing).
    var batchLabels: [Int32], batchTargets: [Float]
    /// `[N, C, H, W]` room for mixup's partner examples (empty without mixup).
    let mixScratch: FloatBuffer
    var sgd: SGD, adam: Adam
    let stepSchedule: StepLR, cosineSchedule: CosineLR
    let evaluator: Classifier
    var best: TrainingState.BestEpoch?
    var history: [EpochReport] = []
    /// The 0-based epoch to run first: 0, or the resumed state's completed epochs.
    var firstEpoch = 0

    /// - Throws: `TrainingError.noTrainingData` when `train` holds no segment.
    init(settings: TrainingSettings, threads: Int, network start: ConvNet, train: [ClipFeatures],
         validation: [ClipFeatures], normalization: Normalization, fineTuning: FineTuning = .none) throws {
        self.settings = settings
        self.fineTuning = fineTuning
        learningRateScales = fineTuning.learningRateScales(start)
        self.train = train
        self.validation = validation
        self.normalization = normalization
        (unshuffled, offsets) = Self.segments(of: train)
        guard !unshuffled.isEmpty else { throw TrainingError.noTrainingData }
        index = unshuffled
        let cfg = start.configuration
        cells = cfg.inputChannels * cfg.inputHeight * cfg.inputWidth
        classes = cfg.classCount
        network = start
        batchSize = min(settings.batchSize, index.count)
        batches = (index.count + batchSize - 1) / batchSize
        workspace = ConvNetWorkspace(network: network, batchCapacity: batchSize, threads: threads)
        batchInput = FloatBuffer(count: batchSize * cells)
        batchLabels = [Int32](repeating: 0, count: batchSize)
        mixScratch = FloatBuffer(count: settings.targets.mixup > 0 ? batchSize * cells : 0)
        batchTargets = [Float](repeating: 0, count: settings.targets.isEnabled ? batchSize * classes : 0)
        sgd = SGD(learningRate: settings.learningRate, momentum: settings.momentum, weightDecay: settings.weightDecay)
        adam = Adam(learningRate: settings.learningRate, weightDecay: settings.weightDecay,
                    decoupledWeightDecay: settings.optimizer == .adamw)
        stepSchedule = StepLR(initial: settings.learningRate, stepSize: settings.learningRateStep,
                              gamma: settings.learningRateGamma)
        cosineSchedule = CosineLR(initial: settings.learningRate, epochs: settings.epochs)
        evaluator = Classifier(network: network, threads: threads)
    }

    /// Every segment of `train` as (clip, segment), clip by clip; and where each clip's first one is.
    static func segments(of train: [ClipFeatures]) -> (index: [(clip: Int, segment: Int)], offsets: [Int]) {
        var index: [(clip: Int, segment: Int)] = []
        var offsets: [Int] = []
        for (c, clip) in train.enumerated() {
            offsets.append(index.count)
            for s in 0..<clip.segmentCount { index.append((c, s)) }
        }
        return (index, offsets)
    }

    /// Continues from `resume`: its network, optimiser buffers, best epoch, history and segment order.
    /// - Throws: `RunError` when its network configuration or its segment order does not fit this run.
    mutating func restore(_ resume: TrainingState) throws {
        let cfg = network.configuration
        network = resume.network
        sgd.velocity = resume.velocity
        adam.m = resume.adamM
        adam.v = resume.adamV
        adam.step = resume.adamStep
        best = resume.best
        history = resume.history
        firstEpoch = resume.completedEpochs
        guard resume.network.configuration == cfg, resume.order.sorted() == Array(unshuffled.indices) else {
            throw RunError("the checkpoint does not fit this data (network or training segments differ)")
        }
        index = resume.order.map { unshuffled[$0] }
        // A run that had already stopped early stays stopped.
        if stopsEarly(after: firstEpoch) { firstEpoch = settings.epochs }
    }

    /// Whether early stopping ends the run once `completed` epochs are done: the best epoch is kept anyway,
    /// so later epochs only cost time once it is `settings.earlyStopping` epochs old.
    func stopsEarly(after completed: Int) -> Bool {
        guard settings.earlyStopping > 0, !validation.isEmpty, let best else { return false }
        return completed - best.epoch >= settings.earlyStopping
    }

    /// One pass over the shuffled training segments (0-based `epoch`).
    /// - Returns: the epoch's report without validation figures or time.
    /// - Throws: `TrainingError.diverged` at the first non-finite batch loss.
    mutating func trainEpoch(_ epoch: Int, onBatch: ((Int, Int, Int) -> Void)?) throws -> EpochReport {
        sgd.learningRate = settings.schedule == .cosine
            ? cosineSchedule.learningRate(epoch: epoch) : stepSchedule.learningRate(epoch: epoch)
        adam.learningRate = sgd.learningRate
        var generator = SeededGenerator(seed: settings.seed &* 0x9E37_79B9 &+ UInt64(epoch) &+ 1)
        RandomDraw.shuffle(&index, using: &generator)
        // Crops and masks draw from their own stream, so turning them on leaves the shuffles alone.
        var augmenter = SeededGenerator(seed: settings.seed ^ 0x5EC_A06_0000 &+ UInt64(epoch))
        var mixer = SeededGenerator(seed: settings.seed ^ 0x313_0000_0000 &+ UInt64(epoch))
        var lossSum = 0.0, correct = 0
        for b in 0..<batches {
            let lo = b * batchSize, n = min(batchSize, index.count - lo)
            fillBatch(from: lo, count: n, generator: &augmenter)
            let loss = step(batch: n, dropoutSeed: settings.seed ^ (UInt64(epoch) << 32 | UInt64(b)), mixer: &mixer)
            guard loss.isFinite else { throw TrainingError.diverged(epoch: epoch + 1, batch: b + 1, loss: loss) }
            lossSum += Double(loss) * Double(n)
            let probs = workspace.probabilitiesPointer
            for j in 0..<n where argmax(probs + j * classes, classes) == Int(batchLabels[j]) { correct += 1 }
            // From scratch every factor is 1 and no parameter is fixed: the plain step, bit for bit.
            let scales = fineTuning == .none ? nil : learningRateScales
            if settings.optimizer == .sgd {
                sgd.step(&network, learningRateScales: scales)
            } else {
                adam.step(&network, learningRateScales: scales)
            }
            onBatch?(epoch + 1, b + 1, batches)
        }
        return EpochReport(epoch: epoch + 1, learningRate: sgd.learningRate,
                           trainLoss: Float(lossSum / Double(index.count)),
                           trainAccuracy: Double(correct) / Double(index.count),
                           validationLoss: nil, validationAccuracy: nil, seconds: 0)
    }

    /// Copies the `n` segments from position `lo` of the epoch's order into `batchInput` `[n, 1, nMels,
    /// segmentFrames]` (through the augmentation, which draws from `generator`, when it is on) and their
    /// labels into `batchLabels`.
    mutating func fillBatch(from lo: Int, count n: Int, generator: inout SeededGenerator) {
        let augmentation = settings.augmentation, cfg = network.configuration
        let input = batchInput.pointer, cells = cells, normalization = normalization
        for j in 0..<n {
            let (c, s) = index[lo + j]
            let clip = train[c]
            clip.segments.withUnsafeBufferPointer { src in
                if augmentation.isEnabled {
                    augmentation.example(src.baseAddress!, count: clip.segmentCount, segment: s,
                                         nMels: cfg.inputHeight, width: cfg.inputWidth,
                                         normalization: normalization, into: input + j * cells, generator: &generator)
                } else {
                    (input + j * cells).update(from: src.baseAddress! + s * cells, count: cells)
                }
            }
            batchLabels[j] = Int32(clip.label)
        }
    }

    /// Forward and backward pass over the first `n` examples of the batch, on soft targets (mixup, which
    /// draws from `mixer`, and label smoothing) when they are on, else on the labels; gradients start at 0.
    /// - Returns: the batch's mean cross-entropy (nats); the optimiser has not stepped yet.
    mutating func step(batch n: Int, dropoutSeed: UInt64, mixer: inout SeededGenerator) -> Float {
        network.zeroGradients()
        return Self.lossAndGradients(&network, input: batchInput.pointer, labels: batchLabels, targets: &batchTargets,
                                     soft: settings.targets, scratch: mixScratch.pointer, cells: cells,
                                     classes: classes, batch: n, workspace: workspace, dropoutSeed: dropoutSeed,
                                     fineTuning: fineTuning, mixer: &mixer)
    }

    /// `step`'s pass, on `input` `[n, C, H, W]` with `labels` `[n]` and, when `soft` is on, `targets`
    /// `[n, K]` (written here), `scratch` `[n, C, H, W]`.
    private static func lossAndGradients(_ network: inout ConvNet, input: UnsafeMutablePointer<Float>, labels: [Int32],
                                         targets: inout [Float], soft: SoftTargets, scratch: UnsafeMutablePointer<Float>,
                                         cells: Int, classes: Int, batch n: Int, workspace: ConvNetWorkspace,
                                         dropoutSeed: UInt64, fineTuning: FineTuning,
                                         mixer: inout SeededGenerator) -> Float {
        guard soft.isEnabled else {
            return labels.withUnsafeBufferPointer {
                network.lossAndGradients(input, labels: $0.baseAddress!, batch: n, workspace: workspace,
                                         dropoutSeed: dropoutSeed, fineTuning: fineTuning)
            }
        }
        return labels.withUnsafeBufferPointer { labels in
            targets.withUnsafeMutableBufferPointer { t in
                soft.apply(input: input, scratch: scratch, cells: cells, labels: labels.baseAddress!,
                           targets: t.baseAddress!, batch: n, classes: classes, generator: &mixer)
                return network.lossAndGradients(input, targets: t.baseAddress!, batch: n,
                                                workspace: workspace, dropoutSeed: dropoutSeed, fineTuning: fineTuning)
            }
        }
    }

    /// The end-of-epoch checks: every weight and BatchNorm statistic finite and within the model file's
    /// bound, then the validation clips' loss and clip accuracy
    /// into `report` (left nil without validation clips).
    /// - Throws: `TrainingError.nonFiniteWeights`; `TrainingError.weightsBeyondLimit` for a weight no model
    ///   file may hold (checked here, before the epoch's checkpoint, so a diverged run leaves none to resume);
    ///   `TrainingError.diverged` when the validation loss is not finite (reported at the epoch's last batch).
    func validate(_ report: inout EpochReport) throws {
        // A step can leave non-finite or runaway weights (or BatchNorm statistics) even when the loss it
        // reported was finite.
        switch ModelFile.unwritableWeight(network) {
        case .nonFinite(let name)?: throw TrainingError.nonFiniteWeights(epoch: report.epoch, parameter: name)
        case .beyondLimit(let name)?:
            throw TrainingError.weightsBeyondLimit(epoch: report.epoch, parameter: name, limit: ModelFile.maxWeight)
        case nil: break
        }
        guard !validation.isEmpty else { return }
        let scores = evaluator.score(validation, network: network)
        guard scores.loss.isFinite else {
            throw TrainingError.diverged(epoch: report.epoch, batch: batches, loss: scores.loss)
        }
        report.validationLoss = scores.loss
        report.validationAccuracy = scores.clipAccuracy
    }

    /// Keeps the network of `report`'s epoch as the best when its validation clip accuracy is higher (ties:
    /// lower validation loss), or always without validation clips.
    mutating func keepIfBest(_ report: EpochReport) {
        let accuracy = report.validationAccuracy ?? 0, loss = report.validationLoss ?? 0
        if validation.isEmpty || best == nil || accuracy > best!.accuracy
            || (accuracy == best!.accuracy && loss < best!.loss) {
            best = .init(network: network, epoch: report.epoch, accuracy: accuracy, loss: loss)
        }
    }

    /// What a checkpoint after `completedEpochs` epochs holds.
    func state(completedEpochs: Int) -> TrainingState {
        TrainingState(completedEpochs: completedEpochs, network: network, velocity: sgd.velocity,
                      adamM: adam.m, adamV: adam.v, adamStep: adam.step, best: best,
                      history: history, order: index.map { offsets[$0.clip] + $0.segment })
    }
}
