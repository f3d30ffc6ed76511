import Foundation
import GenreAudio
import GenreFeatures
import GenreNetwork

/// Throughput figures for `genre bench` (release builds only give meaningful numbers).
public enum Benchmark {
    public struct Figure: Sendable {
        public var name: String
        /// Median over the timed runs, seconds.
        public var seconds: Double
        /// Work units per timed run (segments, or seconds of audio).
        public var units: Double
        public var unit: String
        public var rate: Double { units / seconds }
    }

    /// Median wall time of `body` over `runs` runs after `warmup` untimed ones.
    public static func median(warmup: Int, runs: Int, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Training step (forward + backward + optimiser step) and inference on `[batch, 1, 128, 128]` random
    /// input, 10 classes, of the network and optimiser of `recipe`: the seed recipe's is the reference
    /// network with SGD momentum (what PyTorch's benchmark runs), the default recipe's adds BatchNorm and
    /// time pooling and steps with Adam.
    public static func network(batch: Int, threads: Int, recipe: TrainingSettings = .seedRecipe,
                               warmup: Int = 3, runs: Int = 10) -> [Figure] {
        var net = ConvNet(configuration: recipe.configuration(features: FeatureParameters(), classCount: 10), seed: 0)
        var g = SeededGenerator(seed: 1)
        let input = (0..<(batch * 128 * 128)).map { _ in g.nextUnitFloat() * 2 - 1 }
        let labels = (0..<batch).map { Int32($0 % 10) }
        let ws = ConvNetWorkspace(network: net, batchCapacity: batch, threads: threads)
        var sgd = SGD(learningRate: recipe.learningRate, momentum: recipe.momentum, weightDecay: recipe.weightDecay)
        var adam = Adam(learningRate: recipe.learningRate, weightDecay: recipe.weightDecay,
                        decoupledWeightDecay: recipe.optimizer == .adamw)
        var step = 0
        let train = median(warmup: warmup, runs: runs) {
            net.zeroGradients()
            step += 1
            net.lossAndGradients(input, labels: labels, batch: batch, workspace: ws, dropoutSeed: UInt64(step))
            if recipe.optimizer == .sgd { sgd.step(&net) } else { adam.step(&net) }
        }
        let infer = median(warmup: warmup, runs: runs) { net.forward(input, batch: batch, workspace: ws) }
        let prefix = recipe == .seedRecipe ? "" : "default recipe: "
        return [Figure(name: "\(prefix)training step, batch \(batch), \(threads) thread(s)", seconds: train,
                       units: Double(batch), unit: "segments"),
                Figure(name: "\(prefix)inference, batch \(batch), \(threads) thread(s)", seconds: infer,
                       units: Double(batch), unit: "segments")]
    }

    /// Log-mel throughput of a 30 s clip with the default parameters, on `threads` threads:
    /// from samples already at 22050 Hz (decode excluded), from a 22050 Hz mono 16-bit WAV (decode
    /// included), and from a 44.1 kHz stereo WAV (decode, mixdown and libsoxr resampling included).
    /// The WAV files are written to a temporary folder and removed afterwards.
    /// - Throws: `AudioError` if the temporary files cannot be written or read back.
    public static func logMel(threads: Int, warmup: Int = 3, runs: Int = 20) throws -> [Figure] {
        let extractor = try LogMelExtractor(parameters: FeatureParameters())
        var g = SeededGenerator(seed: 2)
        let mono = (0..<(30 * 22050)).map { _ in g.nextUnitFloat() - 0.5 }
        let stereo = (0..<(2 * 30 * 44100)).map { _ in g.nextUnitFloat() - 0.5 }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("genre-bench-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let monoPath = folder + "/mono-22050.wav", stereoPath = folder + "/stereo-44100.wav"
        try AudioWriter.writeWAV(mono, sampleRate: 22050, to: monoPath)
        try AudioWriter.writeWAV(stereo, sampleRate: 44100, channels: 2, to: stereoPath)
        // Decode once outside the timing so that a failure is thrown, not swallowed.
        _ = try AudioDecoder.load(path: stereoPath, sampleRate: 22050)

        let suffix = ", \(threads) thread(s)"
        let bare = median(warmup: warmup, runs: runs) { _ = extractor.logMel(mono, threads: threads) }
        let decoded = median(warmup: warmup, runs: runs) {
            if let (audio, _) = try? AudioDecoder.load(path: monoPath, sampleRate: 22050) {
                _ = extractor.logMel(audio.samples, threads: threads)
            }
        }
        let resampled = median(warmup: warmup, runs: runs) {
            if let (audio, _) = try? AudioDecoder.load(path: stereoPath, sampleRate: 22050) {
                _ = extractor.logMel(audio.samples, threads: threads)
            }
        }
        return [Figure(name: "log-mel 30 s 22050 Hz" + suffix, seconds: bare, units: 30, unit: "s of audio"),
                Figure(name: "  + WAV decode" + suffix, seconds: decoded, units: 30, unit: "s of audio"),
                Figure(name: "  44.1 kHz stereo WAV, + mix + resample" + suffix, seconds: resampled, units: 30,
                       unit: "s of audio")]
    }

    /// Peak resident set size of this process so far, bytes (`getrusage` `ru_maxrss`).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

extension Benchmark {
    /// Forward and backward time of each convolution of the default network at `[batch, Cin, H, W]`,
    /// with GFLOP/s counting 2 FLOPs per multiply-add (forward 2·N·Cout·Cin·9·H·W; backward twice that,
    /// dW and dX, except the first layer, which needs no dX).
    public static func convolutionLayers(batch: Int, threads: Int, warmup: Int = 2, runs: Int = 5) -> [(name: String, forward: Double, backward: Double, forwardGFLOPs: Double, backwardGFLOPs: Double)] {
        let net = ConvNet(configuration: ConvNetConfiguration(classCount: 10), seed: 0)
        var rows: [(String, Double, Double, Double, Double)] = []
        for (i, conv) in net.convolutions.enumerated() {
            var layer = conv
            let (h, w) = net.configuration.spatialSize(block: i)
            var g = SeededGenerator(seed: UInt64(i))
            let x = FloatBuffer(count: batch * conv.inChannels * h * w)
            for j in 0..<x.count { x.pointer[j] = g.nextUnitFloat() - 0.5 }
            let y = FloatBuffer(count: batch * conv.outChannels * h * w)
            let dy = FloatBuffer(count: y.count), dx = FloatBuffer(count: x.count)
            for j in 0..<dy.count { dy.pointer[j] = g.nextUnitFloat() - 0.5 }
            let scratch = FloatBuffer(count: threads * conv.scratchCount(height: h, width: w))
            let gradScratch = FloatBuffer(count: batch * (conv.weight.count + conv.bias.count))
            let forward = median(warmup: warmup, runs: runs) {
                layer.forward(x.pointer, y.pointer, batch: batch, height: h, width: w, scratch: scratch.pointer, threads: threads)
            }
            let backward = median(warmup: warmup, runs: runs) {
                layer.backward(outputGradient: dy.pointer, input: x.pointer, inputGradient: i == 0 ? nil : dx.pointer,
                               batch: batch, height: h, width: w, scratch: scratch.pointer,
                               gradientScratch: gradScratch.pointer, threads: threads)
            }
            let flops = 2.0 * Double(batch * conv.outChannels * conv.inChannels * 9 * h * w)
            rows.append(("conv\(i + 1) \(conv.inChannels)→\(conv.outChannels) @\(h)×\(w)", forward, backward,
                         flops / forward / 1e9, (i == 0 ? 1 : 2) * flops / backward / 1e9))
        }
        return rows
    }
}
