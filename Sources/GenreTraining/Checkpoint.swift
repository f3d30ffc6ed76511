import Foundation
import GenreData
import GenreFeatures
import GenreMetrics
import GenreModel
import GenreNetwork
import GenreSupport
import SafeTensors

/// The checkpoint `genre train` writes beside its model after every epoch (`X.checkpoint.safetensors`
/// for `X.safetensors`), from which `genre train --resume` continues.
///
/// A safetensors file: the current network's tensors under `net.<name>`, the best epoch's under
/// `best.<name>`, SGD's momentum under `sgd.<name>`, Adam's moments under `adam_m.<name>` and
/// `adam_v.<name>`; metadata `format` = `genre-checkpoint`, `run` (JSON: the settings, features,
/// class names, split and normalisation the run was started with), `completed_epochs`, `adam_step`,
/// `order` (the training segments' order after the last epoch, comma-separated positions),
/// `best_epoch`, `best_accuracy` and `best_loss` (as exact bit patterns), `history` (JSON), `owner` (the run
/// that wrote it: `Checkpoint.Owner`), and `checksum.sha256` as in model files. Written atomically like a model.
public enum Checkpoint {
    /// The value of the `format` metadata key that marks a checkpoint.
    public static let format = ModelFile.checkpointFormat

    /// What a run was started with; a checkpoint is resumed only by a run with the same.
    public struct Run: Codable, Equatable, Sendable {
        /// The training settings (JSON: the object of their properties, as before issue 13, so that a
        /// checkpoint written by an earlier genre still resumes).
        public var settings: TrainingSettings
        /// The feature parameters the clips were extracted with.
        public var features: FeatureParameters
        /// The genres, in label order (K names).
        public var classNames: [String]
        /// The split: clip paths relative to the dataset folder, per part.
        public var train: [String], validation: [String], test: [String]
        /// Bit patterns of the standardisation's mean and std.
        public var normalization: [UInt32]
        /// The model a fine-tuning run started from, with what it holds fixed; nil from scratch (and in checkpoints
        /// of earlier genres, which lack the key).
        public var initial: InitialModel?

        /// - Parameter normalization: stored as the bit patterns of its mean and std, so it compares exactly.
        public init(settings: TrainingSettings, features: FeatureParameters, classNames: [String], split: DataSplit,
                    normalization: Normalization, initial: InitialModel? = nil) {
            self.initial = initial
            self.settings = settings
            self.features = features
            self.classNames = classNames
            train = split.train
            validation = split.validation
            test = split.test
            self.normalization = [normalization.mean.bitPattern, normalization.std.bitPattern]
        }

        /// The split as `DataSplit`.
        public var split: DataSplit { DataSplit(train: train, validation: validation, test: test) }
    }

    /// `X.checkpoint.safetensors` beside `X.safetensors` (or beside any other model path; `OutputPath.beside`).
    public static func path(forModel modelPath: String) -> String {
        ModelFile.checkpointPath(forModel: modelPath)
    }

    /// Writes `state` atomically (as `ModelFile.write`: temporary file, fsync, rename, after reading the
    /// temporary file back with `read`) with its checksum.
    /// - Parameter run: what the run was started with; `read` returns it for the resuming run to compare.
    /// - Throws: `EncodingError` if the history or run cannot be encoded as JSON (a non-finite number);
    ///   `SafeTensorsError.writeFailed` when the file system refuses or the new file does not read back
    ///   (the previous checkpoint stays).
    /// - Parameter owner: the run writing it (`Owner.id`), recorded as `owner`.
    public static func write(_ state: TrainingState, run: Run, owner: String? = nil, to path: String) throws {
        try writer(for: state, run: run, owner: owner).write(to: path, check: {
            _ = try read($0, configuration: state.network.configuration)
        })
    }

    /// The checkpoint's bytes as `write` writes them, without writing (tests build damaged files from them).
    /// - Throws: as `write`'s `EncodingError`.
    static func serialize(_ state: TrainingState, run: Run, owner: String? = nil) throws -> [UInt8] {
        try writer(for: state, run: run, owner: owner).serialize()
    }

    /// The `owner` recorded in the checkpoint at `path`; nil when there is none, or no readable checkpoint.
    public static func owner(of path: String) -> String? {
        (try? SafeTensorsFile(path: path))?.metadata["owner"]
    }

    /// The tensors (network, best network, optimiser buffers) and metadata of a checkpoint, with its checksum.
    private static func writer(for state: TrainingState, run: Run, owner: String?) throws -> SafeTensorsWriter {
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        func add(_ prefix: String, _ network: ConvNet) {
            tensors += network.parameters.map { (name: "\(prefix).\($0.name)", shape: $0.shape, values: $0.value) }
            tensors += network.buffers.map { (name: "\(prefix).\($0.name)", shape: [$0.values.count], values: $0.values) }
        }
        add("net", state.network)
        if let best = state.best { add("best", best.network) }
        let parameters = state.network.parameters
        for (prefix, buffers) in [("sgd", state.velocity), ("adam_m", state.adamM), ("adam_v", state.adamV)] where !buffers.isEmpty {
            // A parameter fine-tuning holds fixed has no optimiser state (an empty buffer), and no tensor.
            for (p, values) in zip(parameters, buffers) where !values.isEmpty {
                tensors.append((name: "\(prefix).\(p.name)", shape: p.shape, values: values))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var m: [String: String] = [
            "format": format,
            "run": String(decoding: try encoder.encode(run), as: UTF8.self),
            "completed_epochs": String(state.completedEpochs),
            "adam_step": String(state.adamStep),
            "history": String(decoding: try encoder.encode(state.history), as: UTF8.self),
            "order": state.order.map(String.init).joined(separator: ","),
        ]
        if let owner { m["owner"] = owner }
        if let best = state.best {
            m["best_epoch"] = String(best.epoch)
            m["best_accuracy"] = String(best.accuracy.bitPattern)
            m["best_loss"] = String(best.loss.bitPattern)
        }
        m[ModelChecksum.key] = ModelChecksum.digest(metadata: m, tensors: tensors)
        var writer = SafeTensorsWriter(metadata: m)
        for t in tensors { writer.add(t.name, shape: t.shape, values: t.values) }
        return writer
    }

    /// Reads a checkpoint written by `write`.
    /// - Parameter configuration: the network the tensors must fit; nil: the one the checkpoint's own
    ///   settings, features and class names make (as `train` builds it).
    /// - Returns: the state to pass to `Trainer.train(resume:)` and the run it belongs to.
    /// - Throws: `RunError` naming the path: missing, a folder, unreadable, damaged (checksum), not a
    ///   checkpoint, metadata missing or malformed, or a network tensor that `NetworkTensors.load` refuses
    ///   (missing, of another shape, non-finite or beyond ±`ModelFile.maxWeight`).
    public static func read(_ path: String, configuration: ConvNetConfiguration? = nil) throws -> (state: TrainingState, run: Run) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw RunError("\(path): no checkpoint to resume from (a run writes one after each epoch and removes it "
                           + "when its model is written)")
        }
        if isFolder.boolValue { throw RunError("\(path): is a folder, not a checkpoint") }
        func damaged(_ why: String) -> RunError { RunError("\(path): not a usable checkpoint: \(why)") }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch {
            let why = "\(error)"
            throw damaged(why.hasPrefix(path + ": ") ? String(why.dropFirst(path.count + 2)) : why)
        }
        let m = file.metadata
        guard m["format"] == format else { throw damaged("no '\(format)' marker") }
        guard let stored = m[ModelChecksum.key], (try? ModelChecksum.digest(of: file)) == stored else {
            throw damaged("checksum mismatch (damaged or altered)")
        }
        let decoder = JSONDecoder()
        guard let runJSON = m["run"], let run = try? decoder.decode(Run.self, from: Data(runJSON.utf8)),
              let historyJSON = m["history"], let history = try? decoder.decode([EpochReport].self, from: Data(historyJSON.utf8)),
              let completed = m["completed_epochs"].flatMap(Int.init), completed >= 1, completed == history.count,
              let adamStep = m["adam_step"].flatMap(Int.init), adamStep >= 0,
              let orderText = m["order"] else {
            throw damaged("metadata missing or malformed")
        }
        let configuration = configuration ?? run.settings.configuration(features: run.features, classCount: run.classNames.count)
        if let problem = configuration.problem { throw damaged(problem) }
        func network(_ prefix: String) throws -> ConvNet {
            do throws(NetworkTensors.Problem) {
                return try NetworkTensors.load(file, configuration: configuration, prefix: prefix)
            } catch {
                throw damaged(error.description)
            }
        }
        let current = try network("net")
        // Fixed parameters (fine-tuning) have no optimiser state: an empty buffer, no tensor.
        let scales = (run.initial?.fineTuning ?? .none).learningRateScales(current)
        func buffers(_ prefix: String) throws -> [[Float]] {
            guard file.tensors["\(prefix).\(current.fc.weight.name)"] != nil else { return [] }
            return try zip(current.parameters, scales).map { p, scale in
                guard scale != nil else { return [] }
                guard let info = file.tensors["\(prefix).\(p.name)"], info.shape == p.shape,
                      let values = try? file.floats("\(prefix).\(p.name)") else {
                    throw damaged("tensor \(prefix).\(p.name) missing or of the wrong shape")
                }
                return values
            }
        }
        var best: TrainingState.BestEpoch?
        if let epoch = m["best_epoch"].flatMap(Int.init), let accuracy = m["best_accuracy"].flatMap(UInt64.init),
           let loss = m["best_loss"].flatMap(UInt32.init) {
            best = .init(network: try network("best"), epoch: epoch, accuracy: Double(bitPattern: accuracy),
                         loss: Float(bitPattern: loss))
        }
        let order = orderText.split(separator: ",").compactMap { Int($0) }
        guard order.sorted() == Array(0..<order.count) else { throw damaged("the segment order is not a permutation") }
        let state = TrainingState(completedEpochs: completed, network: current, velocity: try buffers("sgd"),
                                  adamM: try buffers("adam_m"), adamV: try buffers("adam_v"), adamStep: adamStep,
                                  best: best, history: history, order: order)
        return (state, run)
    }

    /// The run that writes a checkpoint, and the checkpoint it expects to find at the path: none for a new run,
    /// the one it resumed from, then its own. Each write first checks that the file there is still the expected
    /// one, so a run never overwrites (and at its end never removes) another run's checkpoint: the lock
    /// (`RunLock`) keeps runs of one machine apart; this catches the rest (a run on another machine sharing
    /// the folder, a checkpoint copied in).
    public final class Owner {
        /// This run: its PID, host, start time and a random number (`owner` in the files it writes).
        public let id: String
        /// Where its checkpoint goes.
        public let path: String
        /// The owner the file at `path` must have, if the file exists (nil: none recorded).
        private var expected: String?

        /// - Parameter resumedFrom: the owner of the checkpoint at `path` the run resumes from (nil for a new run).
        public init(path: String, resumedFrom: String?) {
            var random = SystemRandomNumberGenerator()
            let host = ProcessInfo.processInfo.hostName
            let started = ISO8601DateFormatter().string(from: Date())
            id = "run \(String(random.next() as UInt64, radix: 16)) (PID \(getpid()) on \(host), started \(started))"
            self.path = path
            expected = resumedFrom
        }

        /// Writes `state` over the expected checkpoint.
        /// - Throws: `RunError` when the file at `path` belongs to another run (it is left as it is); as `Checkpoint.write`.
        public func write(_ state: TrainingState, run: Run) throws {
            if FileManager.default.fileExists(atPath: path), case let found = owner(of: path), found != expected {
                throw RunError("\(path): now holds the checkpoint of another run (\(found ?? "no owner recorded")); "
                               + "not overwriting it: this run stops")
            }
            try Checkpoint.write(state, run: run, owner: id, to: path)
            expected = id
        }

        /// Runs `body`; an error it throws other than a divergence (whose checkpoint is removed) is rethrown as a
        /// `RunError` saying that the checkpoint this run answers for is kept and how to continue from it (a model
        /// write that failed on a full disk, a checkpoint write that failed after an earlier one succeeded).
        public func sayingWhatIsKept<T>(epochs: Int, _ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch let error as TrainingError where error.isDivergence {
                throw error
            } catch {
                guard FileManager.default.fileExists(atPath: path), owner(of: path) == expected,
                      let done = (try? SafeTensorsFile(path: path))?.metadata["completed_epochs"] else { throw error }
                let message = (error as? any MessageError)?.message ?? Message(verbatim: "\(error)")
                throw RunError(message + "; its checkpoint \(path) (after epoch \(done) of \(epochs)) is kept: "
                               + "run the same command with \(Setting.resume) once that is fixed")
            }
        }

        /// Removes the checkpoint this run answers for: its own, or the one it resumed from and has not replaced
        /// (a run resumed after its last epoch writes none); another run's is left.
        public func remove() {
            if FileManager.default.fileExists(atPath: path), owner(of: path) == expected { unlink(path) }
        }
    }
}
