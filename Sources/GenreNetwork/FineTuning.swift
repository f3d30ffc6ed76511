/// What stays fixed when a trained network learns new classes or more data (transfer learning), and how
/// fast the rest moves.
///
/// A **frozen block** (the first `frozenBlocks` convolution blocks) is fixed as a whole: its convolution and
/// BatchNorm get no gradient and no optimiser state, and its BatchNorm normalises with its running statistics,
/// which do not move (a block whose batch statistics still moved would change its features under the layers
/// learning from them). With `frozenBatchNorm` every BatchNorm layer works that way: running statistics, γ and β
/// fixed, the usual choice on tiny data, whose batch statistics are noisy (Yosinski et al., *How transferable are
/// features in deep neural networks?*, 2014; Kornblith et al., *Do Better ImageNet Models Transfer Better?*, 2019).
/// The trained backbone parameters (convolutions and BatchNorm below the Linear layer) step at
/// `backboneLearningRateScale` × the learning rate, the Linear layer at the full rate.
///
/// Backward through a BatchNorm on running statistics is the affine map's: dx = dy · γ/√(σ²_running + ε).
public struct FineTuning: Sendable, Equatable, Codable {
    /// N: the first N convolution blocks are frozen, 0…blocks.
    public var frozenBlocks: Int
    /// Every BatchNorm layer on its running statistics, with γ and β fixed.
    public var frozenBatchNorm: Bool
    /// The backbone's learning rate as a fraction of the Linear layer's, > 0 (1: the same).
    public var backboneLearningRateScale: Float

    /// Member-wise; the defaults change nothing (`none`).
    public init(frozenBlocks: Int = 0, frozenBatchNorm: Bool = false, backboneLearningRateScale: Float = 1) {
        self.frozenBlocks = frozenBlocks
        self.frozenBatchNorm = frozenBatchNorm
        self.backboneLearningRateScale = backboneLearningRateScale
    }

    /// Training as from scratch: nothing frozen, one learning rate.
    public static let none = FineTuning()

    /// Whether block `i` (0-based) is frozen.
    public func freezes(block i: Int) -> Bool { i < frozenBlocks }

    /// Whether block `i`'s BatchNorm normalises with its running statistics in training.
    public func usesRunningStatistics(block i: Int) -> Bool { frozenBatchNorm || freezes(block: i) }

    /// Each parameter's learning-rate factor in `network.parameters` order, nil for a fixed one (no gradient, no
    /// optimiser state).
    public func learningRateScales(_ network: ConvNet) -> [Float?] {
        var scales: [Float?] = []
        for i in network.convolutions.indices {
            let backbone: Float? = freezes(block: i) ? nil : backboneLearningRateScale
            scales += [backbone, backbone]
            if !network.batchNorms.isEmpty {
                let batchNorm = frozenBatchNorm ? nil : backbone
                scales += [batchNorm, batchNorm]
            }
        }
        return scales + [1, 1]
    }

}
