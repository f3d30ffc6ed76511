/// Activations, gradients and scratch space for one `ConvNet` at up to `batchCapacity` samples.
///
/// Allocated once per batch shape and reused for every step, so forward and backward allocate nothing.
/// Not shareable between concurrent steps; the step itself splits its batch across `threads` workers.
public final class ConvNetWorkspace: @unchecked Sendable {
    public let configuration: ConvNetConfiguration
    public let batchCapacity: Int
    public let threads: Int
    /// False for an inference-only workspace: no gradient buffers (`lossAndGradients` refuses it).
    public let training: Bool

    /// Per block i: conv output (before pooling and ReLU) `[N, C_i, H_i, W_i]`.
    let activations: [FloatBuffer]
    /// Per block i: ReLU(max-pool) output `[N, C_i, H_i/2, W_i/2]` and the pooling argmax.
    let pooled: [FloatBuffer]
    let argmax: [UnsafeMutablePointer<Int32>]
    /// The gradients of one block's conv output and of one block's pooled output, sized for the largest
    /// block. One of each is enough: backward reads block i's pooled gradient into its conv-output
    /// gradient, then its convolution writes block i−1's pooled gradient from that.
    let activationGradient: FloatBuffer, pooledGradient: FloatBuffer
    /// With BatchNorm: its output for the block being computed (largest block), and per block the batch
    /// statistics a training forward leaves for backward. Empty without BatchNorm.
    let batchNormOutput: FloatBuffer
    let batchNormStatistics: [FloatBuffer]
    /// With dropout in training: the mask-and-scale of the Linear layer's input `[N, D]`.
    let dropoutMask: FloatBuffer
    /// With time pooling: the Linear layer's input `[N, C·H]` and (training) its gradient. Empty without.
    let timeMean: FloatBuffer, timeMeanGradient: FloatBuffer
    /// `[N, K]` each.
    let logits: FloatBuffer, probabilities: FloatBuffer, logitsGradient: FloatBuffer
    /// Per-thread im2col columns and their gradient; per-sample convolution weight and bias gradients.
    let scratch: FloatBuffer, gradientScratch: FloatBuffer

    /// - Parameters:
    ///   - batchCapacity: the largest N that `forward`/`backward` will be called with; ≥ 1.
    ///   - threads: worker threads that split each batch; ≥ 1.
    ///   - training: false leaves out every gradient buffer (about half the memory), for `forward` only.
    public init(network: ConvNet, batchCapacity: Int, threads: Int, training: Bool = true) {
        let cfg = network.configuration
        configuration = cfg
        self.batchCapacity = max(1, batchCapacity)
        self.threads = max(1, threads)
        self.training = training
        let n = self.batchCapacity
        var acts: [FloatBuffer] = [], pools: [FloatBuffer] = [], arg: [UnsafeMutablePointer<Int32>] = []
        var largestActivation = 0, largestPooled = 0
        var scratchPerThread = 0, gradPerSample = 0
        for (i, conv) in network.convolutions.enumerated() {
            let (h, w) = cfg.spatialSize(block: i)
            let c = cfg.channels[i]
            acts.append(FloatBuffer(count: n * c * h * w))
            let pooledCount = n * c * (h / 2) * (w / 2)
            pools.append(FloatBuffer(count: pooledCount))
            largestActivation = max(largestActivation, n * c * h * w)
            largestPooled = max(largestPooled, pooledCount)
            let a = UnsafeMutablePointer<Int32>.allocate(capacity: max(pooledCount, 1))
            a.initialize(repeating: 0, count: max(pooledCount, 1))
            arg.append(a)
            scratchPerThread = max(scratchPerThread, conv.scratchCount(height: h, width: w))
            gradPerSample = max(gradPerSample, conv.weight.count + conv.bias.count)
        }
        activations = acts; pooled = pools; argmax = arg
        activationGradient = FloatBuffer(count: training ? largestActivation : 0)
        batchNormOutput = FloatBuffer(count: cfg.batchNorm ? largestActivation : 0)
        batchNormStatistics = cfg.batchNorm ? network.batchNorms.map { FloatBuffer(count: $0.statisticsCount) } : []
        dropoutMask = FloatBuffer(count: training && cfg.dropout > 0 ? n * cfg.flattenedFeatures : 0)
        pooledGradient = FloatBuffer(count: training ? largestPooled : 0)
        timeMean = FloatBuffer(count: cfg.timePooling ? n * cfg.flattenedFeatures : 0)
        timeMeanGradient = FloatBuffer(count: cfg.timePooling && training ? n * cfg.flattenedFeatures : 0)
        logits = FloatBuffer(count: n * cfg.classCount)
        probabilities = FloatBuffer(count: n * cfg.classCount)
        logitsGradient = FloatBuffer(count: training ? n * cfg.classCount : 0)
        scratch = FloatBuffer(count: self.threads * scratchPerThread)
        gradientScratch = FloatBuffer(count: training ? n * gradPerSample : 0)
    }

    deinit { for a in argmax { a.deallocate() } }

    /// The logits of the last `forward`, `[N, K]` (first N rows valid).
    public var logitsPointer: UnsafePointer<Float> { UnsafePointer(logits.pointer) }
    /// softmax(logits) of the last `forward`/`lossAndGradients`, `[N, K]`.
    public var probabilitiesPointer: UnsafePointer<Float> { UnsafePointer(probabilities.pointer) }
}
