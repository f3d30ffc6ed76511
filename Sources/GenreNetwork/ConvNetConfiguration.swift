/// The architecture of a `ConvNet`: blocks of Conv2D(3×3) → [BatchNorm2D] → ReLU → MaxPool2D(2), then Linear.
///
/// Default: input `[N, 1, 128 mels, 128 frames]`, channels 16, 32, 64, 64, so the Linear layer sees
/// 64 · 8 · 8 = 4096 features — the network of `shared/reference/torch`.
public struct ConvNetConfiguration: Sendable, Equatable, Codable {
    public var inputChannels: Int
    /// H of the input, in mel bands.
    public var inputHeight: Int
    /// W of the input, in frames.
    public var inputWidth: Int
    /// Output channels of each convolution block.
    public var channels: [Int]
    /// K, the number of classes.
    public var classCount: Int
    /// A BatchNorm2D after each convolution (the improved recipe; off in the seed recipe).
    public var batchNorm: Bool
    /// Inverted-dropout probability on the features before the Linear layer (0: none).
    public var dropout: Float
    /// Average the last pooled map over time (frames) before the Linear layer, which then sees C·H
    /// features instead of C·H·W; false: flatten the whole map (the reference network).
    public var timePooling: Bool

    public init(inputChannels: Int = 1, inputHeight: Int = 128, inputWidth: Int = 128,
                channels: [Int] = [16, 32, 64, 64], classCount: Int, batchNorm: Bool = false, dropout: Float = 0,
                timePooling: Bool = false) {
        self.inputChannels = inputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        self.classCount = classCount
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.timePooling = timePooling
    }

    /// (H, W) entering block `i`; `i == channels.count` gives the size after the last pooling.
    public func spatialSize(block i: Int) -> (height: Int, width: Int) {
        var h = inputHeight, w = inputWidth
        for _ in 0..<i { h = MaxPool2D.outputSize(h); w = MaxPool2D.outputSize(w) }
        return (h, w)
    }

    /// D, the feature count entering the Linear layer: C·H·W flattened in (C, H, W) order, or C·H in
    /// (C, H) order with `timePooling`.
    public var flattenedFeatures: Int {
        let (h, w) = spatialSize(block: channels.count)
        return (channels.last ?? inputChannels) * h * (timePooling ? 1 : w)
    }

    /// Human-readable summary, e.g. `conv16-conv32-conv64-conv64-fc10 on 1×128×128`.
    public var description: String {
        channels.map { "conv\($0)" + (batchNorm ? "-bn" : "") }.joined(separator: "-") + (timePooling ? "-timemean" : "")
            + "-fc\(classCount)"
            + " on \(inputChannels)×\(inputHeight)×\(inputWidth)"
    }

    /// Refuses shapes the network cannot run: every size positive, and at least a 1×1 map left
    /// after the last pooling.
    public var problem: String? {
        if inputChannels < 1 || inputHeight < 1 || inputWidth < 1 || classCount < 2 || channels.isEmpty
            || channels.contains(where: { $0 < 1 }) {
            return "architecture needs positive sizes, at least one block and two classes"
        }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1)" }
        let (h, w) = spatialSize(block: channels.count)
        if h < 1 || w < 1 {
            return "input \(inputHeight)×\(inputWidth) is too small for \(channels.count) pooling layers"
        }
        return nil
    }
}
