import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreNetwork
import GenreSupport
import SafeTensors

/// A trained classifier as stored on disk: network weights plus everything needed to reproduce its
/// preprocessing, so `predict` and `evaluate` never fall back to defaults.
public struct TrainedModel: Sendable, Equatable {
    /// The trained network (input `[1, nMels, segmentFrames]`, K = `classNames.count` outputs).
    public var network: ConvNet
    /// The genres, in the network's output order (K ≥ 2 distinct folder names).
    public var classNames: [String]
    /// Decoding, downmix, level normalisation, log-mel and segment parameters the network was trained on.
    public var features: FeatureParameters
    /// The standardisation (mean and std in dB) applied to every log-mel cell before the network.
    public var normalization: Normalization
    /// The settings the network was trained with (a record: predicting does not use them).
    public var training: TrainingSettings
    /// Extra facts about the run (best epoch, validation accuracy, dataset name, file counts);
    /// free-form, stored under `train.` keys in the metadata.
    public var notes: [String: String]
    /// The temperature and `--min-confidence model` threshold fitted on the validation clips; nil: T = 1, no threshold.
    public var calibration: ModelCalibration?

    /// The temperature predictions divide the logits by (1 without calibration).
    public var temperature: Double { calibration?.temperature ?? 1 }

    /// Member-wise; nothing is checked until `ModelFile.write`.
    public init(network: ConvNet, classNames: [String], features: FeatureParameters,
                normalization: Normalization, training: TrainingSettings, notes: [String: String] = [:],
                calibration: ModelCalibration? = nil) {
        self.calibration = calibration
        self.network = network
        self.classNames = classNames
        self.features = features
        self.normalization = normalization
        self.training = training
        self.notes = notes
    }
}

/// Errors of reading a model file; descriptions are one line naming the path.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    /// Nothing at `path`.
    case notFound(path: String)
    /// A folder, or not a safetensors file (`reason`: the parser's, without the path).
    case unreadable(path: String, reason: String)
    /// A safetensors file without genre's `format` marker.
    case notAGenreModel(path: String, reason: String)
    /// A training checkpoint (`ModelFile.checkpointFormat`), after `completedEpochs` epochs ("?" when
    /// unrecorded), given where a model belongs; `modelPath` is the model its run will write.
    case checkpointNotModel(path: String, completedEpochs: String, modelPath: String)
    /// A `format_version` other than 1, 2 or 3 (`version` "none" when absent).
    case unsupportedVersion(path: String, version: String)
    /// A genre model that cannot be used: checksum, metadata or tensor (`reason` names the key or tensor);
    /// also what `write` throws for weights it refuses to write.
    case invalid(path: String, reason: String)

    /// One line starting with the path.
    public var description: String {
        switch self {
        case .notFound(let path):
            return path.isEmpty ? "the model path is empty; give the path of a model file" : "\(path): model file not found"
        case .unreadable(let path, let reason): return "\(path): not a readable model file: \(reason)"
        case .notAGenreModel(let path, let reason): return "\(path): not a genre model (\(reason))"
        case .checkpointNotModel(let path, let epochs, let model):
            return "\(path): the checkpoint of an unfinished training run (after epoch \(epochs)), not a model; "
                + "finish it with genre train DIR --model \(model) --resume"
        case .unsupportedVersion(let path, let v):
            return "\(path): model format version \(v) is not supported by this genre (expects \(ModelFile.formatVersion))"
        case .invalid(let path, let reason): return "\(path): damaged model file: \(reason)"
        }
    }
}

/// Reads and writes `TrainedModel`s in the safetensors format.
///
/// Layout: tensors `conv1.weight` `[Cout, Cin, 3, 3]`, `conv1.bias` `[Cout]`, … `convL.*`, `fc.weight`
/// `[K, D]`, `fc.bias` `[K]`, all F32 little-endian; `__metadata__` (string → string) holds the format
/// version, class names (JSON array), every feature and segment parameter, the normalisation mean/std,
/// the architecture and the training settings. No timestamps or absolute paths: the same run writes the
/// same bytes. Loads with Python's `safetensors.numpy.load_file`.
/// Source: the safetensors format (Hugging Face), tensor names as PyTorch's `state_dict`.
public enum ModelFile {
    /// The value of the `format` metadata key that marks a genre model.
    public static let format = "genre-model"
    /// The `format` marker of a training checkpoint (`Checkpoint` in GenreTraining), named here so that a
    /// checkpoint given as a model is recognised as one.
    public static let checkpointFormat = "genre-checkpoint"
    /// 3: preprocessing a version-2 reader would not apply (`feature.level_normalization`, the ITU downmix,
    /// `feature.dc_removal`): such a file says 3, so that an older genre refuses it instead of predicting
    /// from features the model never saw. 2: with `checksum.sha256`; still written for models without that
    /// preprocessing (the seed recipe), which older readers handle correctly. Version 1 files (no checksum)
    /// still load.
    public static let formatVersion = "3"

    /// The version a file of these features is written with: 3 only when an older reader would misread it.
    static func formatVersion(for f: FeatureParameters) -> String {
        f.level == .none && f.downmix == .mean && !f.dcRemoval ? "2" : formatVersion
    }
    /// The largest weight magnitude written or loaded. Trained weights of this network stay far below 100;
    /// flipped exponent bits give values like 1e37 that are finite yet wreck every prediction.
    public static let maxWeight: Float = 1e6

    // MARK: writing

    /// The metadata map for `model` (exposed for `genre info`-style displays and tests).
    public static func metadata(for model: TrainedModel) -> [String: String] {
        let f = model.features, t = model.training, cfg = model.network.configuration
        var m: [String: String] = [
            "format": format,
            "format_version": formatVersion(for: f),
            "classes": jsonArray(model.classNames),
            "feature.sample_rate": String(f.sampleRate),
            "feature.n_fft": String(f.nFFT),
            "feature.hop_length": String(f.hopLength),
            "feature.n_mels": String(f.nMels),
            "feature.f_min": floatString(f.fMin),
            "feature.f_max": floatString(f.resolvedFMax),
            "feature.window": "hann (periodic)",
            "feature.center": "true (zero padding nFFT/2)",
            "feature.power": "2",
            "feature.mel_scale": "slaney",
            "feature.mel_norm": "slaney",
            "feature.db": f.level == .none ? "10*log10(max(1e-10, S)), top_db none"
                : "max(10*log10(max(1e-30, S)) + level gain, -100), top_db none",
            "feature.dc_removal": f.dcRemoval ? "frame mean (Kaldi remove_dc_offset)" : "none",
            "feature.mono": f.downmix.metadataName,
            "feature.level_normalization": f.level.metadataName,
            "feature.resampler": "soxr HQ",
            "segment.frames": String(f.segmentFrames),
            "segment.min_last_frames": String(f.minLastSegmentFrames),
            "normalization.mean": floatString(model.normalization.mean),
            "normalization.std": floatString(model.normalization.std),
            "architecture": "convnet",
            "architecture.input": "\(cfg.inputChannels),\(cfg.inputHeight),\(cfg.inputWidth)",
            "architecture.channels": cfg.channels.map(String.init).joined(separator: ","),
            "architecture.classes": String(cfg.classCount),
            // A fine-tuned model's backbone came from another model, named under `train.init`.
            "training.init": model.notes["init"] == nil ? "he-uniform" : "fine-tuned (see train.init)",
        ]
        switch f.level {
        case .none: break
        case .loudness(let target, let cap):
            m["feature.level_target_lufs"] = floatString(target)
            m["feature.level_max_gain_db"] = floatString(cap)
            m["feature.level_source"] = "ITU-R BS.1770-4 integrated loudness of the mono signal (\(Loudness.libebur128Version))"
        case .peak(let cap):
            m["feature.level_max_gain_db"] = floatString(cap)
            m["feature.level_source"] = "loudest log-mel cell to 0 dB (librosa power_to_db ref=np.max)"
        }
        // The architecture keys describe the network itself, whatever `training` says.
        var architecture = t
        (architecture.batchNorm, architecture.dropout, architecture.timePooling) = (cfg.batchNorm, cfg.dropout, cfg.timePooling)
        m.merge(architecture.text(of: TrainingSettings.architectureFields)) { $1 }
        m.merge(t.text(of: TrainingSettings.trainingFields)) { $1 }
        for (k, v) in model.notes { m["train.\(k)"] = v }
        if let calibration = model.calibration { m.merge(calibration.metadata) { $1 } }
        return m
    }

    /// Serialises `model` to safetensors bytes, with its checksum; deterministic (the same model gives the
    /// same bytes). Does not check the weights (`write` does).
    public static func serialize(_ model: TrainedModel) -> [UInt8] { writer(for: model).serialize() }

    private static func writer(for model: TrainedModel) -> SafeTensorsWriter {
        var m = metadata(for: model)
        let tensors = model.network.parameters.map { (name: $0.name, shape: $0.shape, values: $0.value) }
            + model.network.buffers.map { (name: $0.name, shape: [$0.values.count], values: $0.values) }
        m[ModelChecksum.key] = ModelChecksum.digest(metadata: m, tensors: tensors)
        var writer = SafeTensorsWriter(metadata: m)
        for t in tensors { writer.add(t.name, shape: t.shape, values: t.values) }
        return writer
    }

    /// Writes `model` to `path` atomically (temporary file in the same folder, fsync, rename): a reader,
    /// or a crash, sees the previous file or the new one, never a mix. The temporary file is read back with
    /// `read` before the rename, so a model that `read` would refuse never replaces a good one. Creates the
    /// parent folder.
    /// - Throws: `ModelFileError.invalid` when a weight is not finite (nothing is written);
    ///   `SafeTensorsError.writeFailed` when the file system refuses or the new file does not read back
    ///   (the previous file stays).
    public static func write(_ model: TrainedModel, to path: String) throws {
        switch unwritableWeight(model.network) {
        case .nonFinite(let name)?:
            throw ModelFileError.invalid(path: path, reason: "refusing to write non-finite weights in \(name)")
        case .beyondLimit(let name)?:
            throw ModelFileError.invalid(path: path, reason: "refusing to write weights beyond ±\(maxWeight) in \(name) (training diverged?)")
        case nil: break
        }
        let parent = OutputPath.parent(of: path)
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        try writer(for: model).write(to: path, check: { _ = try read($0) })
    }

    // MARK: reading

    /// Reads and validates a model file.
    /// - Throws: `ModelFileError` (missing, not safetensors, not a genre model, unknown version, a tensor
    ///   missing or of the wrong shape, metadata missing or out of range, non-finite weights).
    public static func read(_ path: String) throws -> TrainedModel {
        try decode(open(path), path: path)
    }

    /// `read`, and the file's checksum: its `checksum.sha256` (verified by `read`), or for a version-1 file without
    /// one the digest of what it holds (`ModelChecksum`). What a fine-tuned model records of the model it started from.
    /// - Throws: as `read`.
    public static func readWithChecksum(_ path: String) throws -> (model: TrainedModel, checksum: String) {
        let file = try open(path)
        let model = try decode(file, path: path)
        if let stored = file.metadata[ModelChecksum.key] { return (model, stored) }
        do { return (model, try ModelChecksum.digest(of: file)) } catch {
            throw ModelFileError.invalid(path: path, reason: "\(error)")
        }
    }

    /// The parsed file at `path`. - Throws: `ModelFileError.notFound`, `.unreadable` (a folder, not safetensors).
    private static func open(_ path: String) throws -> SafeTensorsFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError.notFound(path: path)
        }
        if isDirectory.boolValue { throw ModelFileError.unreadable(path: path, reason: "it is a folder") }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch let error as SafeTensorsError {
            throw ModelFileError.unreadable(path: path, reason: stripPath(error.description, path))
        }
        return file
    }

    /// Validates and decodes an already parsed file (`read` without the file system); `path` names it in errors.
    /// Steps, each refusing the file with a one-line `ModelFileError` naming the key or tensor: the format
    /// marker, version and checksum; the class names; the feature parameters; the standardisation; the
    /// architecture; the tensors; the training settings; the notes (`train.*`, kept as they are).
    /// - Throws: as `read`.
    public static func decode(_ file: SafeTensorsFile, path: String) throws -> TrainedModel {
        let m = MetadataReader(metadata: file.metadata, path: path)
        let version = try checkVersionAndChecksum(file, m)
        let classes = try classNames(m)
        let features = try featureParameters(m)
        let normalization = try normalization(m)
        let (config, architecture) = try configuration(m, classCount: classes.count, features: features)
        let network: ConvNet
        do throws(NetworkTensors.Problem) { network = try NetworkTensors.load(file, configuration: config) } catch {
            throw m.invalid(error.description)
        }
        let expected = Set(network.parameters.map(\.name) + network.buffers.map(\.name))
        if let extra = file.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw m.invalid("unexpected tensor \(extra)")
        }
        var training = architecture
        do throws(TrainingSettings.TextError) {
            try training.read(TrainingSettings.trainingFields, from: m.metadata, formatVersion: version)
        } catch {
            throw m.invalid(error.description)
        }
        var notes: [String: String] = [:]
        for (k, v) in m.metadata where k.hasPrefix("train.") { notes[String(k.dropFirst(6))] = v }
        let calibration: ModelCalibration?
        do throws(ModelFileError.Reason) { calibration = try ModelCalibration.read(m.metadata) } catch {
            throw m.invalid(error.text)
        }
        return TrainedModel(network: network, classNames: classes, features: features,
                            normalization: normalization, training: training, notes: notes, calibration: calibration)
    }

    /// The metadata of the file being decoded, with the readers of its numbers.
    private struct MetadataReader {
        let metadata: [String: String]
        let path: String
        subscript(key: String) -> String? { metadata[key] }
        func invalid(_ reason: String) -> ModelFileError { .invalid(path: path, reason: reason) }
        func int(_ key: String, min: Int = 1) throws -> Int {
            guard let s = metadata[key], let v = Int(s), v >= min else { throw invalid("metadata '\(key)' missing or not an integer ≥ \(min)") }
            return v
        }
        func float(_ key: String) throws -> Float {
            guard let s = metadata[key], let v = Float(s), v.isFinite else { throw invalid("metadata '\(key)' missing or not a finite number") }
            return v
        }
    }

    /// The `format` marker, the `format_version` (1, 2 or 3) and, where there is one, the checksum.
    /// - Returns: the format version.
    private static func checkVersionAndChecksum(_ file: SafeTensorsFile, _ m: MetadataReader) throws -> Int {
        if m["format"] == checkpointFormat {
            let model = OutputPath.model(beside: m.path, suffix: checkpointSuffix) ?? "MODEL"
            throw ModelFileError.checkpointNotModel(path: m.path, completedEpochs: m["completed_epochs"] ?? "?", modelPath: model)
        }
        guard m["format"] == format else {
            throw ModelFileError.notAGenreModel(path: m.path, reason: "no '\(format)' marker in its metadata")
        }
        guard let version = m["format_version"], ["1", "2", "3"].contains(version) else {
            throw ModelFileError.unsupportedVersion(path: m.path, version: m["format_version"] ?? "none")
        }
        // Version 2 files carry a checksum and must; version 1 files, written before it existed, have none,
        // but one that does is checked too (so a damaged version number cannot skip the check).
        if let stored = m[ModelChecksum.key] {
            guard let actual = try? ModelChecksum.digest(of: file), actual == stored else {
                throw m.invalid("checksum mismatch: the file was damaged or altered after it was written")
            }
        } else if version != "1" {
            throw m.invalid("no \(ModelChecksum.key) in its metadata (version \(version) files carry one)")
        }
        return Int(version)!
    }

    /// `classes`: a JSON list of two or more distinct genre names.
    private static func classNames(_ m: MetadataReader) throws -> [String] {
        guard let classesJSON = m["classes"]?.data(using: .utf8),
              let classes = try? JSONDecoder().decode([String].self, from: classesJSON), classes.count >= 2,
              Set(classes).count == classes.count else {
            throw m.invalid("metadata 'classes' is not a JSON list of two or more distinct names")
        }
        // Class names are genre folder names: never empty, never holding a slash or a control character.
        if let bad = classes.first(where: { $0.isEmpty || $0.contains("/") || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            throw m.invalid("metadata 'classes' holds an impossible genre name \(bad.debugDescription)")
        }
        return classes
    }

    /// `feature.*` and `segment.*`, validated as `FeatureParameters.validate` does.
    private static func featureParameters(_ m: MetadataReader) throws -> FeatureParameters {
        let features = FeatureParameters(
            sampleRate: try m.int("feature.sample_rate"), nFFT: try m.int("feature.n_fft"),
            hopLength: try m.int("feature.hop_length"), nMels: try m.int("feature.n_mels"),
            fMin: try m.float("feature.f_min"), fMax: try m.float("feature.f_max"),
            segmentFrames: try m.int("segment.frames"), minLastSegmentFrames: try m.int("segment.min_last_frames", min: 0),
            downmix: try downmix(m.metadata, path: m.path), level: try level(m.metadata, path: m.path),
            dcRemoval: try dcRemoval(m.metadata, path: m.path))
        do { try features.validate() } catch { throw m.invalid("feature parameters: \(error)") }
        return features
    }

    /// `normalization.mean` and `normalization.std` (dB), within what the writer can have written.
    private static func normalization(_ m: MetadataReader) throws -> Normalization {
        let std = try m.float("normalization.std")
        // The writer never stores a std below the floor; a smaller one means the file was altered.
        guard std >= Normalization.minimumStd else { throw m.invalid("normalization.std \(std) is below the floor \(Normalization.minimumStd)") }
        let mean = try m.float("normalization.mean")
        // Log-mel cells lie within about −100…+100 dB; far outside that the file was altered.
        guard abs(mean) <= 1000, std <= 1000 else { throw m.invalid("normalization mean \(mean) / std \(std) outside ±1000 dB") }
        return Normalization(mean: mean, std: std)
    }

    /// `architecture.*`: the network, which must take one `[nMels, segmentFrames]` segment of `features`
    /// and give `classCount` scores.
    /// - Returns: the configuration, and seed-recipe settings holding its BatchNorm, dropout and time pooling.
    private static func configuration(_ m: MetadataReader, classCount: Int,
                                      features: FeatureParameters) throws -> (ConvNetConfiguration, TrainingSettings) {
        let inputDims = (m["architecture.input"] ?? "").split(separator: ",").compactMap { Int($0) }
        let channels = (m["architecture.channels"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard m["architecture"] == "convnet", inputDims.count == 3, !channels.isEmpty,
              channels.count <= 8, channels.allSatisfy({ $0 >= 1 && $0 <= 4096 }),
              inputDims.allSatisfy({ $0 >= 1 && $0 <= 1 << 16 }) else {
            throw m.invalid("architecture metadata missing or malformed")
        }
        // Files written before BatchNorm, dropout or time pooling existed lack the keys: off.
        var settings = TrainingSettings()
        do throws(TrainingSettings.TextError) {
            try settings.read(TrainingSettings.architectureFields, from: m.metadata, formatVersion: 1)
        } catch {
            throw m.invalid(error.description)
        }
        let config = ConvNetConfiguration(inputChannels: inputDims[0], inputHeight: inputDims[1],
                                          inputWidth: inputDims[2], channels: channels, classCount: classCount,
                                          batchNorm: settings.batchNorm, dropout: settings.dropout,
                                          timePooling: settings.timePooling)
        if let problem = config.problem { throw m.invalid(problem) }
        guard try m.int("architecture.classes") == classCount else { throw m.invalid("class count disagrees with the class list") }
        guard config.inputHeight == features.nMels, config.inputWidth == features.segmentFrames, config.inputChannels == 1 else {
            throw m.invalid("network input \(inputDims) does not match nMels \(features.nMels) × segment \(features.segmentFrames)")
        }
        return (config, settings)
    }

    /// `feature.mono`: models written before the key had a rule say "mean of channels" or nothing.
    private static func downmix(_ m: [String: String], path: String) throws -> Downmix {
        guard let rule = Downmix(metadataName: m["feature.mono"]) else {
            throw ModelFileError.invalid(path: path, reason: "unknown feature.mono \"\(m["feature.mono"] ?? "")\"")
        }
        return rule
    }

    /// `feature.dc_removal`; absent in models written before it existed (none).
    private static func dcRemoval(_ m: [String: String], path: String) throws -> Bool {
        switch m["feature.dc_removal"] {
        case nil, "none": return false
        case "frame mean (Kaldi remove_dc_offset)": return true
        case let other?: throw ModelFileError.invalid(path: path, reason: "unknown feature.dc_removal \"\(other)\"")
        }
    }

    /// `feature.level_normalization` and its parameters; absent in models written before it existed (none).
    private static func level(_ m: [String: String], path: String) throws -> LevelNormalization {
        func number(_ key: String) throws -> Float {
            guard let s = m[key], let v = Float(s), v.isFinite else {
                throw ModelFileError.invalid(path: path, reason: "metadata '\(key)' missing or not a finite number")
            }
            return v
        }
        switch m["feature.level_normalization"] {
        case nil, "none": return .none
        case "loudness": return .loudness(targetLUFS: try number("feature.level_target_lufs"),
                                          maxGainDB: try number("feature.level_max_gain_db"))
        case "peak": return .peak(maxGainDB: try number("feature.level_max_gain_db"))
        case let other?: throw ModelFileError.invalid(path: path, reason: "unknown feature.level_normalization \"\(other)\"")
        }
    }

    /// The default path of the split list written beside a model: `X.safetensors` → `X.split.tsv`
    /// (`OutputPath.beside`).
    public static func splitPath(forModel path: String) -> String { OutputPath.beside(model: path, suffix: "split.tsv") }

    /// The lock file a training run holds while it writes the model at `path`: `<name>.lock`.
    public static func lockPath(forModel path: String) -> String { OutputPath.beside(model: path, suffix: "lock") }

    /// The training checkpoint beside the model at `path`: `<name>.checkpoint.safetensors`.
    public static func checkpointPath(forModel path: String) -> String {
        OutputPath.beside(model: path, suffix: checkpointSuffix)
    }
    private static let checkpointSuffix = "checkpoint.safetensors"

    /// A parameter or buffer no model file may hold, and why.
    public enum UnwritableWeight: Equatable {
        /// The tensor holds NaN or ±∞.
        case nonFinite(String)
        /// The tensor holds a finite value beyond ±`maxWeight`.
        case beyondLimit(String)
    }

    /// The first tensor of `network` (its parameters, then its BatchNorm running means and variances) that
    /// `write` refuses and `read` would: non-finite values are looked for in every tensor first, then values
    /// beyond ±`maxWeight`; nil when all can be written. Training runs the same check after every epoch, so a
    /// run stops where a model (or its checkpoint) could no longer be saved.
    public static func unwritableWeight(_ network: ConvNet) -> UnwritableWeight? {
        let tensors = network.parameters.map { (name: $0.name, values: $0.value) } + network.buffers
        if let bad = tensors.first(where: { !$0.values.allSatisfy(\.isFinite) }) { return .nonFinite(bad.name) }
        if let big = tensors.first(where: { !$0.values.allSatisfy { abs($0) <= maxWeight } }) { return .beyondLimit(big.name) }
        return nil
    }

    /// Shortest decimal that reads back as the same Float (Swift's description round-trips).
    static func floatString(_ v: Float) -> String { v.description }

    static func jsonArray(_ names: [String]) -> String {
        let data = (try? JSONEncoder().encode(names)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func stripPath(_ message: String, _ path: String) -> String {
        message.hasPrefix("\(path): ") ? String(message.dropFirst(path.count + 2)) : message
    }
}
