import COpenBLAS

/// The genre classifier network: `configuration.channels.count` blocks of
/// Conv2D(3×3, pad 1) → [BatchNorm2D] → ReLU → MaxPool2D(2), flattened in (C, H, W) order (or, with
/// `timePooling`, averaged over frames to (C, H)), then [Dropout →] Linear to K logits.
///
/// Input `[N, Cin, H, W]` (H mel bands, W frames), output logits `[N, K]`. The same network as the
/// PyTorch reference in `shared/reference/torch` (tensor names `conv1.weight` … `fc.bias`).
/// Parameters live in the layers (value types); activations live in a `ConvNetWorkspace`.
public struct ConvNet: Sendable, Equatable {
    public let configuration: ConvNetConfiguration
    public var convolutions: [Conv2D]
    /// One per block when `configuration.batchNorm`, else empty.
    public var batchNorms: [BatchNorm2D]
    public var fc: Linear

    /// He-uniform initialisation from `seed` (weights), zero biases.
    public init(configuration: ConvNetConfiguration, seed: UInt64) {
        precondition(configuration.problem == nil, configuration.problem ?? "")
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed)
        var convs: [Conv2D] = []
        var inChannels = configuration.inputChannels
        for (i, c) in configuration.channels.enumerated() {
            convs.append(Conv2D(name: "conv\(i + 1)", inChannels: inChannels, outChannels: c,
                                generator: &generator))
            inChannels = c
        }
        convolutions = convs
        batchNorms = configuration.batchNorm
            ? configuration.channels.enumerated().map { BatchNorm2D(name: "bn\($0.offset + 1)", channels: $0.element) } : []
        fc = Linear(name: "fc", inFeatures: configuration.flattenedFeatures,
                    outFeatures: configuration.classCount, generator: &generator)
    }

    /// Every trained parameter in a fixed order: conv1.weight, conv1.bias, [bn1.weight, bn1.bias,] …,
    /// fc.weight, fc.bias. BatchNorm's running averages are not parameters (see `buffers`).
    public var parameters: [Parameter] {
        convolutions.indices.flatMap { i in
            [convolutions[i].weight, convolutions[i].bias] + (batchNorms.isEmpty ? [] : [batchNorms[i].weight, batchNorms[i].bias])
        } + [fc.weight, fc.bias]
    }

    /// The non-trained tensors stored with the model: `bnK.running_mean` and `bnK.running_var`, `[C]`.
    public var buffers: [(name: String, values: [Float])] {
        batchNorms.flatMap { [("\($0.name).running_mean", $0.runningMean), ("\($0.name).running_var", $0.runningVar)] }
    }

    /// Replaces one of `buffers` by name. - Returns: false for an unknown name or a wrong length.
    public mutating func setBuffer(_ name: String, _ values: [Float]) -> Bool {
        for i in batchNorms.indices where values.count == batchNorms[i].channels {
            if name == "\(batchNorms[i].name).running_mean" { batchNorms[i].runningMean = values; return true }
            if name == "\(batchNorms[i].name).running_var" { batchNorms[i].runningVar = values; return true }
        }
        return false
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Visits every parameter, in the order of `parameters`, for in-place updates.
    public mutating func updateParameters(_ body: (Int, inout Parameter) -> Void) {
        var index = 0
        for i in convolutions.indices {
            body(index, &convolutions[i].weight); index += 1
            body(index, &convolutions[i].bias); index += 1
            if !batchNorms.isEmpty {
                body(index, &batchNorms[i].weight); index += 1
                body(index, &batchNorms[i].bias); index += 1
            }
        }
        body(index, &fc.weight); index += 1
        body(index, &fc.bias)
    }

    public mutating func zeroGradients() { updateParameters { _, p in p.zeroGradient() } }

    /// Forward pass (BatchNorm with its running averages); the logits are left in
    /// `workspace.logitsPointer` `[N, K]`.
    /// - Parameters:
    ///   - input: `[N, Cin, H, W]` as in `configuration`.
    ///   - n: batch size, 1 ≤ n ≤ `workspace.batchCapacity`.
    public func forward(_ input: UnsafePointer<Float>, batch n: Int, workspace ws: ConvNetWorkspace) {
        var network = self  // nothing is written in inference mode, so no array is copied
        network.pass(input, batch: n, workspace: ws, training: false)
    }

    /// The forward pass; in training mode BatchNorm uses batch statistics and moves its running averages.
    /// With `fineTuning`, the BatchNorm of a frozen block (or every BatchNorm) uses its running averages in training too.
    private mutating func pass(_ input: UnsafePointer<Float>, batch n: Int, workspace ws: ConvNetWorkspace, training: Bool,
                               dropoutSeed: UInt64 = 0, fineTuning: FineTuning = .none) {
        precondition(n >= 1 && n <= ws.batchCapacity, "batch \(n) outside 1...\(ws.batchCapacity)")
        precondition(batchNorms.isEmpty || ws.batchNormOutput.count > 0, "workspace made for a network without BatchNorm")
        // Our own threads split the batch; OpenBLAS runs single-threaded inside them
        // (BLAS.singleThreaded).
        var x = input
        for (i, conv) in convolutions.enumerated() {
            let (h, w) = configuration.spatialSize(block: i)
            let c = conv.outChannels
            let z = ws.activations[i].pointer
            conv.forward(x, z, batch: n, height: h, width: w, scratch: ws.scratch.pointer, threads: ws.threads)
            var poolInput = UnsafePointer(z)
            if !batchNorms.isEmpty {
                let y = ws.batchNormOutput.pointer
                if training && !fineTuning.usesRunningStatistics(block: i) {
                    batchNorms[i].forwardTraining(z, y, batch: n, plane: h * w, statistics: ws.batchNormStatistics[i].pointer,
                                                  threads: ws.threads)
                } else {
                    batchNorms[i].forwardInference(z, y, batch: n, plane: h * w, threads: ws.threads)
                }
                poolInput = UnsafePointer(y)
            }
            let pooled = ws.pooled[i].pointer, argmax = ws.argmax[i]
            let plane = h * w, pooledPlane = (h / 2) * (w / 2)
            // ReLU after pooling: max and ReLU commute exactly (ReLU is monotonic, and the gradient of a
            // window whose maximum is ≤ 0 is masked to 0 either way), and the pooled map is 4× smaller.
            // Element-wise per sample, so splitting the batch across threads changes no result.
            parallelChunks(n, threads: ws.threads) { samples, _ in
                let first = samples.lowerBound * c
                MaxPool2D.forward(poolInput + first * plane, pooled + first * pooledPlane, argmax: argmax + first * pooledPlane,
                                  planes: samples.count * c, height: h, width: w)
                ReLU.forward(pooled + first * pooledPlane, count: samples.count * c * pooledPlane)
            }
            x = UnsafePointer(pooled)
        }
        let features = linearInput(ws)
        if configuration.timePooling {
            let (h, w) = configuration.spatialSize(block: convolutions.count)
            TimeMeanPool.forward(x, features, rows: n * (configuration.channels.last ?? 1) * h, width: w)
        }
        if training && configuration.dropout > 0 {
            // In place on the Linear layer's input. Without time pooling that is the last pooled map: a
            // dropped cell reads 0, so the ReLU mask taken from it in backward is 0 exactly where
            // dropout's own mask already zeroes the gradient.
            var generator = SeededGenerator(seed: dropoutSeed)
            Dropout.forward(features, mask: ws.dropoutMask.pointer,
                            count: n * configuration.flattenedFeatures, p: configuration.dropout, generator: &generator)
        }
        fc.forward(features, ws.logits.pointer, batch: n)
    }

    /// Forward, mean softmax cross-entropy, and backward: **accumulates** dL/dθ into every parameter's
    /// gradient (call `zeroGradients()` first for a fresh step).
    /// - Parameters:
    ///   - input: `[N, Cin, H, W]`.
    ///   - labels: `[N]`, class indices in `0..<K`.
    ///   - inputGradient: dL/dinput `[N, Cin, H, W]`, overwritten when given (for gradient checks).
    ///   - dropoutSeed: seeds this step's dropout mask (when the configuration has dropout).
    ///   - fineTuning: what is fixed: a frozen parameter's gradient is left untouched (not even accumulated into).
    /// - Returns: the batch-mean cross-entropy (nats). Probabilities are left in the workspace.
    @discardableResult
    public mutating func lossAndGradients(_ input: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                          batch n: Int, workspace ws: ConvNetWorkspace,
                                          inputGradient: UnsafeMutablePointer<Float>? = nil,
                                          dropoutSeed: UInt64 = 0, fineTuning: FineTuning = .none) -> Float {
        step(input, batch: n, workspace: ws, inputGradient: inputGradient, dropoutSeed: dropoutSeed,
             fineTuning: fineTuning) { k in
            SoftmaxCrossEntropy.loss(logits: ws.logits.pointer, labels: labels, batch: n, classes: k,
                                     probabilities: ws.probabilities.pointer, logitsGradient: ws.logitsGradient.pointer)
        }
    }

    /// `lossAndGradients` against soft targets (mixup, label smoothing): the same forward and backward,
    /// with dL/df = (softmax(f) − t) / N.
    /// - Parameters:
    ///   - input: `[N, Cin, H, W]`.
    ///   - targets: `[N, K]`, each row a probability distribution over the classes.
    ///   - inputGradient: dL/dinput `[N, Cin, H, W]`, overwritten when given (for gradient checks).
    ///   - dropoutSeed: seeds this step's dropout mask (when the configuration has dropout).
    ///   - fineTuning: what is fixed, as for the labels' variant.
    /// - Returns: the batch-mean cross-entropy (nats). Probabilities are left in the workspace.
    @discardableResult
    public mutating func lossAndGradients(_ input: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                                          batch n: Int, workspace ws: ConvNetWorkspace,
                                          inputGradient: UnsafeMutablePointer<Float>? = nil,
                                          dropoutSeed: UInt64 = 0, fineTuning: FineTuning = .none) -> Float {
        step(input, batch: n, workspace: ws, inputGradient: inputGradient, dropoutSeed: dropoutSeed,
             fineTuning: fineTuning) { k in
            SoftmaxCrossEntropy.loss(logits: ws.logits.pointer, targets: targets, batch: n, classes: k,
                                     probabilities: ws.probabilities.pointer, logitsGradient: ws.logitsGradient.pointer)
        }
    }

    /// Training forward, `loss` (given K; it must leave dL/df in `ws.logitsGradient`), then backward.
    private mutating func step(_ input: UnsafePointer<Float>, batch n: Int, workspace ws: ConvNetWorkspace,
                               inputGradient: UnsafeMutablePointer<Float>?, dropoutSeed: UInt64,
                               fineTuning: FineTuning, loss: (Int) -> Float) -> Float {
        precondition(ws.training, "lossAndGradients needs a workspace made with training: true")
        pass(input, batch: n, workspace: ws, training: true, dropoutSeed: dropoutSeed, fineTuning: fineTuning)
        let value = loss(configuration.classCount)
        backward(input, batch: n, workspace: ws, inputGradient: inputGradient, fineTuning: fineTuning)
        return value
    }

    /// The Linear layer's input `[N, D]`: the time means, or the last pooled map itself.
    private func linearInput(_ ws: ConvNetWorkspace) -> UnsafeMutablePointer<Float> {
        configuration.timePooling ? ws.timeMean.pointer : ws.pooled[convolutions.count - 1].pointer
    }

    /// Backward from dL/df in `ws.logitsGradient` through the pass just made: accumulates dL/dθ of every parameter
    /// `fineTuning` leaves free. Frozen blocks only pass the gradient on, and only when `inputGradient` asks for it:
    /// without it, backward ends at the lowest trained block.
    private mutating func backward(_ input: UnsafePointer<Float>, batch n: Int, workspace ws: ConvNetWorkspace,
                                   inputGradient: UnsafeMutablePointer<Float>?, fineTuning: FineTuning) {
        let blocks = convolutions.count
        let dFeatures = configuration.timePooling ? ws.timeMeanGradient.pointer : ws.pooledGradient.pointer
        fc.backward(outputGradient: ws.logitsGradient.pointer, input: linearInput(ws), inputGradient: dFeatures, batch: n)
        if configuration.dropout > 0 {
            Dropout.backward(dFeatures, mask: ws.dropoutMask.pointer, count: n * configuration.flattenedFeatures)
        }
        if configuration.timePooling {
            let (h, w) = configuration.spatialSize(block: blocks)
            TimeMeanPool.backward(outputGradient: dFeatures, inputGradient: ws.pooledGradient.pointer,
                                  rows: n * (configuration.channels.last ?? 1) * h, width: w)
        }
        let lowest = inputGradient == nil ? min(fineTuning.frozenBlocks, blocks) : 0
        for i in stride(from: blocks - 1, through: lowest, by: -1) {
            let (h, w) = configuration.spatialSize(block: i)
            let c = convolutions[i].outChannels
            let dz = ws.activationGradient.pointer
            // ReLU's backward mask (pooled output > 0) applied while routing to each window's argmax.
            let dPooled = ws.pooledGradient.pointer, pooled = ws.pooled[i].pointer, argmax = ws.argmax[i]
            let plane = h * w, pooledPlane = (h / 2) * (w / 2)
            parallelChunks(n, threads: ws.threads) { samples, _ in
                let first = samples.lowerBound * c
                MaxPool2D.backward(outputGradient: dPooled + first * pooledPlane, argmax: argmax + first * pooledPlane,
                                   inputGradient: dz + first * plane, planes: samples.count * c, height: h, width: w,
                                   reluOutput: pooled + first * pooledPlane)
            }
            if !batchNorms.isEmpty {
                if fineTuning.usesRunningStatistics(block: i) {
                    batchNorms[i].backwardInference(outputGradient: dz, inputGradient: dz, batch: n, plane: h * w,
                                                    threads: ws.threads)
                } else {
                    batchNorms[i].backward(outputGradient: dz, input: ws.activations[i].pointer, inputGradient: dz,
                                           batch: n, plane: h * w, statistics: ws.batchNormStatistics[i].pointer,
                                           threads: ws.threads)
                }
            }
            let x = i == 0 ? input : UnsafePointer(ws.pooled[i - 1].pointer)
            // Below the lowest trained block nothing needs dL/dx, unless the caller asked for the input's.
            let dx = i == 0 ? inputGradient : (i > lowest ? ws.pooledGradient.pointer : nil)
            convolutions[i].backward(outputGradient: dz, input: x, inputGradient: dx,
                                     batch: n, height: h, width: w, scratch: ws.scratch.pointer,
                                     gradientScratch: ws.gradientScratch.pointer, threads: ws.threads,
                                     weightGradients: !fineTuning.freezes(block: i))
        }
    }
}
