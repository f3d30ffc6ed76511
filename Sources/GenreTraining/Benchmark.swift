import Foundation
import GenreAudio
import GenreFeatures
import GenreModel
import GenreNetwork
import GenreSupport

/// Throughput figures for `genre bench` (release builds only give meaningful numbers).
public enum Benchmark {
    /// One throughput figure: `units` of work in `seconds` (the median run).
    public struct Figure: Sendable, Codable, Equatable {
        /// What was timed, with batch and threads, e.g. `inference, batch 32, 2 thread(s)`.
        public var name: String
        /// Median over the timed runs, seconds.
        public var seconds: Double
        /// Work units per timed run (segments, or seconds of audio).
        public var units: Double
        /// `segments` or `s of audio`.
        public var unit: String
        /// `units / seconds`: segments/s, or seconds of audio per second.
        public var rate: Double
        /// A figure with `rate = units / seconds`.
        public init(name: String, seconds: Double, units: Double, unit: String) {
            self.name = name; self.seconds = seconds; self.units = units; self.unit = unit; rate = units / seconds
        }
    }

    /// Median wall time of `body` over `runs` runs after `warmup` untimed ones, seconds.
    /// - Throws: whatever `body` throws; a failing run is an error, never a fast one.
    public static func median(warmup: Int, runs: Int, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
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
        // Decode both once before timing, so that a file that does not read back is an error here, and
        // check they hold the 30 s written; the timed bodies decode with `try` too (a failure throws).
        for path in [monoPath, stereoPath] {
            let (audio, _) = try AudioDecoder.load(path: path, sampleRate: 22050)
            guard audio.samples.count == 30 * 22050 else {
                throw AudioError.unreadable(path: path, reason: "read back \(audio.samples.count) samples of \(30 * 22050)")
            }
        }

        let suffix = ", \(threads) thread(s)"
        let bare = median(warmup: warmup, runs: runs) { _ = extractor.logMel(mono, threads: threads) }
        let decoded = try median(warmup: warmup, runs: runs) {
            _ = extractor.logMel(try AudioDecoder.load(path: monoPath, sampleRate: 22050).0.samples, threads: threads)
        }
        let resampled = try median(warmup: warmup, runs: runs) {
            _ = extractor.logMel(try AudioDecoder.load(path: stereoPath, sampleRate: 22050).0.samples, threads: threads)
        }
        return [Figure(name: "log-mel 30 s 22050 Hz" + suffix, seconds: bare, units: 30, unit: "s of audio"),
                Figure(name: "22050 Hz WAV, decode + log-mel" + suffix, seconds: decoded, units: 30, unit: "s of audio"),
                Figure(name: "44.1 kHz stereo WAV, decode + mix + resample + log-mel" + suffix, seconds: resampled,
                       units: 30, unit: "s of audio")]
    }

    /// Peak resident set size of this process so far, bytes (`getrusage` `ru_maxrss`).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

extension Benchmark {
    /// One convolution's median forward and backward time, seconds, and its GFLOP/s.
    public struct ConvolutionTiming: Sendable, Codable, Equatable {
        /// E.g. `conv2 16→32 @64×64`: channels in and out, input height × width.
        public var name: String
        /// Median forward time, seconds.
        public var forwardSeconds: Double
        /// Median backward time (dW, and dX except for the first layer), seconds.
        public var backwardSeconds: Double
        /// Forward GFLOP/s (10⁹ floating-point operations per second).
        public var forwardGFLOPs: Double
        /// Backward GFLOP/s.
        public var backwardGFLOPs: Double
    }

    /// Forward and backward time of each convolution of the default network at `[batch, Cin, H, W]`,
    /// with GFLOP/s counting 2 FLOPs per multiply-add (forward 2·N·Cout·Cin·9·H·W; backward twice that,
    /// dW and dX, except the first layer, which needs no dX).
    public static func convolutionLayers(batch: Int, threads: Int, warmup: Int = 2, runs: Int = 5) -> [ConvolutionTiming] {
        let net = ConvNet(configuration: ConvNetConfiguration(classCount: 10), seed: 0)
        var rows: [ConvolutionTiming] = []
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
            rows.append(ConvolutionTiming(name: "conv\(i + 1) \(conv.inChannels)→\(conv.outChannels) @\(h)×\(w)",
                                          forwardSeconds: forward, backwardSeconds: backward,
                                          forwardGFLOPs: flops / forward / 1e9,
                                          backwardGFLOPs: (i == 0 ? 1 : 2) * flops / backward / 1e9))
        }
        return rows
    }
}

/// Everything one `genre bench` run measured, with the machine and the date, as `genre bench --json`
/// prints it: the raw output that the README's speed figures are built from.
public struct BenchmarkReport: Sendable, Codable {
    /// The machine the figures come from: `/proc/cpuinfo`'s model name, cores available, memory.
    public struct Machine: Sendable, Codable, Equatable {
        /// `/proc/cpuinfo`'s model name.
        public var cpu: String
        /// Cores available to the process.
        public var cores: Int
        /// Physical memory, GiB, one decimal.
        public var memoryGiB: Double
        /// `/etc/os-release`'s PRETTY_NAME.
        public var os: String

        /// This machine, read from `/proc` (fields it cannot read are "unknown" or 0).
        public static var current: Machine {
            let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
                .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
            let os = ((try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? "").split(separator: "\n")
                .first { $0.hasPrefix("PRETTY_NAME=") }?.dropFirst("PRETTY_NAME=".count)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"")) ?? "unknown"
            return Machine(cpu: model, cores: ProcessInfo.processInfo.activeProcessorCount,
                           memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
                           os: os)
        }
    }

    /// A real `genre train` timed in a child process.
    public struct TrainingTiming: Sendable, Codable, Equatable {
        /// The dataset folder trained on.
        public var dataset: String
        /// Epochs trained.
        public var epochs: Int
        /// Wall time, seconds.
        public var seconds: Double
        /// Peak resident memory of the child, MiB.
        public var peakResidentMiB: Double
        /// The timing of one training run.
        public init(dataset: String, epochs: Int, seconds: Double, peakResidentMiB: Double) {
            self.dataset = dataset; self.epochs = epochs; self.seconds = seconds; self.peakResidentMiB = peakResidentMiB
        }
    }

    /// UTC time the run started, ISO 8601.
    public var date: String
    /// Where the figures were measured.
    public var machine: Machine
    /// genre's and its libraries' versions, as `genre --version` prints them.
    public var versions: [String]
    /// Segments per batch of the network figures.
    public var batchSize: Int
    /// Timed runs per figure (the median is kept).
    public var runs: Int
    /// Network and log-mel throughput figures.
    public var figures: [Benchmark.Figure]
    /// Per thread count (as a string key: "1", "2"), the four convolutions.
    public var convolutions: [String: [Benchmark.ConvolutionTiming]]
    /// Peak resident memory of the benchmark process itself, MiB.
    public var peakResidentMiB: Double
    /// A real `genre train` timed in a child process, when one was asked for.
    public var train: TrainingTiming?
    /// `genre predict`'s peak memory on long files the benchmark makes (`Benchmark.decodeMemory`).
    public var decodeMemory: [Benchmark.DecodeMemory] = []

    /// A report of measured values, stored as given.
    public init(date: String, machine: Machine, versions: [String], batchSize: Int, runs: Int,
                figures: [Benchmark.Figure], convolutions: [String: [Benchmark.ConvolutionTiming]],
                peakResidentMiB: Double, train: TrainingTiming?) {
        self.date = date; self.machine = machine; self.versions = versions; self.batchSize = batchSize
        self.runs = runs; self.figures = figures; self.convolutions = convolutions
        self.peakResidentMiB = peakResidentMiB; self.train = train
    }
}

extension Benchmark {
    /// `genre predict` on one generated file, in a child process.
    public struct DecodeMemory: Sendable, Codable, Equatable {
        /// What the file holds, e.g. `"7.1 × 192000 Hz, 120 min"`.
        public var file: String
        /// Size on disk, MiB.
        public var fileMiB: Double
        /// Wall time of the prediction, seconds.
        public var seconds: Double
        /// Peak resident memory of the child (`wait4`'s `ru_maxrss`), MiB.
        public var peakResidentMiB: Double
    }

    /// The layouts measured: 7.1 channels at 192 kHz (silence, as the issue's memory bomb) and mono at 22.05 kHz
    /// (a quiet tone), each as 16-bit FLAC.
    static let decodeLayouts: [(channels: Int, sampleRate: Int, name: String)] = [(8, 192_000, "7.1"), (1, 22050, "mono")]

    /// Writes each layout at each of `minutes` into `folder` and runs `executable predict FILE --model model` on it,
    /// recording its peak memory; each file is removed after its run.
    /// - Throws: `AudioError.writeFailed` when a file cannot be written; `RunError` when the prediction fails.
    public static func decodeMemory(minutes: [Double], executable: String, model: String,
                                    folder: String) throws -> [DecodeMemory] {
        var rows: [DecodeMemory] = []
        for layout in decodeLayouts {
            for length in minutes {
                let path = folder + "/\(layout.name)-\(length)min.flac"
                defer { unlink(path) }
                let frames = Int(length * 60 * Double(layout.sampleRate))
                try AudioWriter.write(frames: frames, sampleRate: layout.sampleRate, channels: layout.channels, as: .flac16,
                                      to: path) { start, block in
                    guard layout.channels == 1 else { return }
                    for i in block.indices { block[i] = Float(0.1 * sin(Double(start + i) * 0.0627)) }
                }
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                let start = DispatchTime.now().uptimeNanoseconds
                let run = try ChildProcess.run(executable, ["predict", path, "--model", model])
                guard run.status == 0 else { throw RunError("bench: genre predict \(path) failed (exit \(run.status))") }
                rows.append(DecodeMemory(file: "\(layout.name) × \(layout.sampleRate) Hz, \(String(format: "%g", length)) min",
                                         fileMiB: Double(size) / 1_048_576,
                                         seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                                         peakResidentMiB: run.peakResidentMiB))
            }
        }
        return rows
    }
}
