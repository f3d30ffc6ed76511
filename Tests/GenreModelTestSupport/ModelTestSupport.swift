import Foundation
import GenreFeatures
import GenreNetwork
import GenreData
import GenreModel

/// A small model: 2 blocks on a 16×12 input, 3 classes, with non-default feature parameters so a loader
/// that fell back to defaults would be caught.
public func smallModel(seed: UInt64 = 5) -> TrainedModel {
    let features = FeatureParameters(sampleRate: 16000, nFFT: 512, hopLength: 256, nMels: 16, fMin: 20,
                                     fMax: 7000, segmentFrames: 12, minLastSegmentFrames: 6)
    let config = ConvNetConfiguration(inputChannels: 1, inputHeight: 16, inputWidth: 12, channels: [3, 4],
                                      classCount: 3)
    var net = ConvNet(configuration: config, seed: seed)
    var g = SeededGenerator(seed: seed + 1)
    net.updateParameters { _, p in
        if p.name.hasSuffix("bias") { p.value = (0..<p.count).map { _ in g.nextUnitFloat() - 0.5 } }
    }
    return TrainedModel(network: net, classNames: ["jazz", "metal", "pop"], features: features,
                        normalization: Normalization(mean: -31.25, std: 17.5),
                        training: TrainingSettings(epochs: 7, batchSize: 8, learningRate: 0.02, seed: seed),
                        notes: ["best_epoch": "4", "dataset": "tiny"])
}

public func logits(_ net: ConvNet, _ input: [Float], batch: Int) -> [Float] {
    let ws = ConvNetWorkspace(network: net, batchCapacity: batch, threads: 1)
    net.forward(input, batch: batch, workspace: ws)
    return Array(UnsafeBufferPointer(start: ws.logitsPointer, count: batch * net.configuration.classCount))
}

/// Two classes of 2-segment clips (8 mel bands × 8 frames) that differ in where the energy sits (low vs high bands),
/// each cell ±1 plus uniform noise of width `noise`: easy to learn at 0.5, and with some clips on the wrong side at 5.
public func separableClips(count: Int, seed: UInt64, noise: Float = 0.5) -> [ClipFeatures] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { i in
        let label = i % 2
        var values = [Float](repeating: 0, count: 2 * 8 * 8)
        for s in 0..<2 { for h in 0..<8 { for w in 0..<8 {
            let loud = (label == 0) == (h < 4)
            values[(s * 8 + h) * 8 + w] = (loud ? 1 : -1) + noise * (g.nextUnitFloat() - 0.5)
        } } }
        return ClipFeatures(relativePath: "c\(label)/\(i).wav", label: label, segments: values, segmentCount: 2, duration: 1)
    }
}
