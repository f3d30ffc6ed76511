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
    public var network: ConvNet
    public var classNames: [String]
    public var features: FeatureParameters
    public var normalization: Normalization
    public var training: TrainingSettings
    /// Extra facts about the run (best epoch, validation accuracy, dataset name, file counts);
    /// free-form, stored under `train.` keys in the metadata.
    public var notes: [String: String]

    public init(network: ConvNet, classNames: [String], features: FeatureParameters,
                normalization: Normalization, training: TrainingSettings, notes: [String: String] = [:]) {
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
    case notFound(path: String)
    case unreadable(path: String, reason: String)
    case notAGenreModel(path: String, reason: String)
    case unsupportedVersion(path: String, version: String)
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): model file not found"
        case .unreadable(let path, let reason): return "\(path): not a readable model file: \(reason)"
        case .notAGenreModel(let path, let reason): return "\(path): not a genre model (\(reason))"
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
    public static let format = "genre-model"
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
            "architecture.batch_norm": String(cfg.batchNorm),
            "architecture.dropout": floatString(cfg.dropout),
            "architecture.time_pooling": cfg.timePooling ? "mean" : "none",
            "training.epochs": String(t.epochs),
            "training.batch_size": String(t.batchSize),
            "training.learning_rate": floatString(t.learningRate),
            "training.momentum": floatString(t.momentum),
            "training.lr_step": String(t.learningRateStep),
            "training.lr_gamma": floatString(t.learningRateGamma),
            "training.seed": String(t.seed),
            "training.optimizer": t.optimizer.metadataName,
            "training.weight_decay": floatString(t.weightDecay),
            "training.schedule": t.schedule.rawValue,
            "training.early_stopping": String(t.earlyStopping),
            "training.random_crops": String(t.augmentation.randomCrops),
            "training.time_mask": String(t.augmentation.timeMask),
            "training.frequency_mask": String(t.augmentation.frequencyMask),
            "training.gain_augment_db": floatString(t.augmentation.gainDB),
            "training.tilt_augment_db": floatString(t.augmentation.tiltDB),
            "training.mixup": floatString(t.targets.mixup),
            "training.label_smoothing": floatString(t.targets.labelSmoothing),
            "training.init": "he-uniform",
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
        for (k, v) in model.notes { m["train.\(k)"] = v }
        return m
    }

    /// Serialises `model` to safetensors bytes (deterministic).
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
    /// or a crash, sees the previous file or the new one, never a mix. Creates the parent folder.
    /// - Throws: `ModelFileError.invalid` when a weight is not finite (nothing is written);
    ///   `SafeTensorsError.writeFailed` when the file system refuses (the previous file stays).
    public static func write(_ model: TrainedModel, to path: String) throws {
        for p in model.network.parameters where !p.value.allSatisfy({ $0.isFinite }) {
            throw ModelFileError.invalid(path: path, reason: "refusing to write non-finite weights in \(p.name)")
        }
        for p in model.network.parameters where !p.value.allSatisfy({ abs($0) <= maxWeight }) {
            throw ModelFileError.invalid(path: path, reason: "refusing to write weights beyond ±\(maxWeight) in \(p.name) (training diverged?)")
        }
        let parent = OutputPath.parent(of: path)
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        try writer(for: model).write(to: path)
    }

    // MARK: reading

    /// Reads and validates a model file.
    /// - Throws: `ModelFileError` (missing, not safetensors, not a genre model, unknown version, a tensor
    ///   missing or of the wrong shape, metadata missing or out of range, non-finite weights).
    public static func read(_ path: String) throws -> TrainedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelFileError.notFound(path: path)
        }
        if isDirectory.boolValue { throw ModelFileError.unreadable(path: path, reason: "it is a folder") }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch let error as SafeTensorsError {
            throw ModelFileError.unreadable(path: path, reason: stripPath(error.description, path))
        }
        return try decode(file, path: path)
    }

    /// Validates and decodes an already parsed file (`read` without the file system); `path` names it in errors.
    /// - Throws: as `read`.
    public static func decode(_ file: SafeTensorsFile, path: String) throws -> TrainedModel {
        let m = file.metadata
        guard m["format"] == format else {
            throw ModelFileError.notAGenreModel(path: path, reason: "no '\(format)' marker in its metadata")
        }
        guard let version = m["format_version"], ["1", "2", "3"].contains(version) else {
            throw ModelFileError.unsupportedVersion(path: path, version: m["format_version"] ?? "none")
        }
        func invalid(_ reason: String) -> ModelFileError { .invalid(path: path, reason: reason) }
        // Version 2 files carry a checksum and must; version 1 files, written before it existed, have none,
        // but one that does is checked too (so a damaged version number cannot skip the check).
        if let stored = m[ModelChecksum.key] {
            guard let actual = try? ModelChecksum.digest(of: file), actual == stored else {
                throw invalid("checksum mismatch: the file was damaged or altered after it was written")
            }
        } else if version != "1" {
            throw invalid("no \(ModelChecksum.key) in its metadata (version \(version) files carry one)")
        }
        func int(_ key: String, min: Int = 1) throws -> Int {
            guard let s = m[key], let v = Int(s), v >= min else { throw invalid("metadata '\(key)' missing or not an integer ≥ \(min)") }
            return v
        }
        func float(_ key: String) throws -> Float {
            guard let s = m[key], let v = Float(s), v.isFinite else { throw invalid("metadata '\(key)' missing or not a finite number") }
            return v
        }
        guard let classesJSON = m["classes"]?.data(using: .utf8),
              let classes = try? JSONDecoder().decode([String].self, from: classesJSON), classes.count >= 2,
              Set(classes).count == classes.count else {
            throw invalid("metadata 'classes' is not a JSON list of two or more distinct names")
        }
        // Class names are genre folder names: never empty, never holding a slash or a control character.
        if let bad = classes.first(where: { $0.isEmpty || $0.contains("/") || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            throw invalid("metadata 'classes' holds an impossible genre name \(bad.debugDescription)")
        }
        let features = FeatureParameters(
            sampleRate: try int("feature.sample_rate"), nFFT: try int("feature.n_fft"),
            hopLength: try int("feature.hop_length"), nMels: try int("feature.n_mels"),
            fMin: try float("feature.f_min"), fMax: try float("feature.f_max"),
            segmentFrames: try int("segment.frames"), minLastSegmentFrames: try int("segment.min_last_frames", min: 0),
            downmix: try downmix(m, path: path), level: try level(m, path: path),
            dcRemoval: try dcRemoval(m, path: path))
        do { try features.validate() } catch { throw invalid("feature parameters: \(error)") }
        let std = try float("normalization.std")
        // The writer never stores a std below the floor; a smaller one means the file was altered.
        guard std >= Normalization.minimumStd else { throw invalid("normalization.std \(std) is below the floor \(Normalization.minimumStd)") }
        let mean = try float("normalization.mean")
        // Log-mel cells lie within about −100…+100 dB; far outside that the file was altered.
        guard abs(mean) <= 1000, std <= 1000 else { throw invalid("normalization mean \(mean) / std \(std) outside ±1000 dB") }
        let normalization = Normalization(mean: mean, std: std)

        let inputDims = (m["architecture.input"] ?? "").split(separator: ",").compactMap { Int($0) }
        let channels = (m["architecture.channels"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard m["architecture"] == "convnet", inputDims.count == 3, !channels.isEmpty,
              channels.count <= 8, channels.allSatisfy({ $0 >= 1 && $0 <= 4096 }),
              inputDims.allSatisfy({ $0 >= 1 && $0 <= 1 << 16 }) else {
            throw invalid("architecture metadata missing or malformed")
        }
        let config = ConvNetConfiguration(inputChannels: inputDims[0], inputHeight: inputDims[1],
                                          inputWidth: inputDims[2], channels: channels, classCount: classes.count,
                                          batchNorm: m["architecture.batch_norm"] == "true",
                                          dropout: m["architecture.dropout"] == nil ? 0 : try float("architecture.dropout"),
                                          timePooling: m["architecture.time_pooling"] == "mean")
        if let pooling = m["architecture.time_pooling"], pooling != "mean", pooling != "none" {
            throw invalid("unknown architecture.time_pooling \"\(pooling)\"")
        }
        if let problem = config.problem { throw invalid(problem) }
        guard try int("architecture.classes") == classes.count else { throw invalid("class count disagrees with the class list") }
        guard config.inputHeight == features.nMels, config.inputWidth == features.segmentFrames, config.inputChannels == 1 else {
            throw invalid("network input \(inputDims) does not match nMels \(features.nMels) × segment \(features.segmentFrames)")
        }

        var network = ConvNet(configuration: config, seed: 0)
        var failure: ModelFileError?
        network.updateParameters { _, p in
            guard failure == nil else { return }
            guard let info = file.tensors[p.name] else { failure = invalid("tensor \(p.name) missing"); return }
            guard info.shape == p.shape else {
                failure = invalid("tensor \(p.name) has shape \(info.shape), the architecture needs \(p.shape)"); return
            }
            guard let values = try? file.floats(p.name) else { failure = invalid("tensor \(p.name) is not F32"); return }
            guard values.allSatisfy({ $0.isFinite }) else { failure = invalid("tensor \(p.name) holds non-finite values"); return }
            guard values.allSatisfy({ abs($0) <= ModelFile.maxWeight }) else {
                failure = invalid("tensor \(p.name) holds values beyond ±\(ModelFile.maxWeight); the file looks damaged"); return
            }
            p.value = values
        }
        if let failure { throw failure }
        for b in network.buffers {
            guard let info = file.tensors[b.name], info.shape == [b.values.count], let values = try? file.floats(b.name) else {
                throw invalid("tensor \(b.name) missing or not F32 [\(b.values.count)]")
            }
            // Running variances are positive; means, like weights, are bounded.
            guard values.allSatisfy({ $0.isFinite && abs($0) <= ModelFile.maxWeight }),
                  !b.name.hasSuffix("running_var") || values.allSatisfy({ $0 >= 0 }) else {
                throw invalid("tensor \(b.name) holds impossible values")
            }
            _ = network.setBuffer(b.name, values)
        }
        let expected = Set(network.parameters.map(\.name) + network.buffers.map(\.name))
        if let extra = file.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw invalid("unexpected tensor \(extra)")
        }

        let training = TrainingSettings(
            epochs: (try? int("training.epochs")) ?? 0, batchSize: (try? int("training.batch_size")) ?? 0,
            learningRate: (try? float("training.learning_rate")) ?? 0, momentum: (try? float("training.momentum")) ?? 0,
            learningRateStep: (try? int("training.lr_step")) ?? 0, learningRateGamma: (try? float("training.lr_gamma")) ?? 0,
            seed: UInt64(m["training.seed"] ?? "") ?? 0,
            optimizer: OptimizerKind.allCases.first { $0.metadataName == m["training.optimizer"] } ?? .sgd,
            weightDecay: (try? float("training.weight_decay")) ?? 0,
            augmentation: Augmentation(randomCrops: m["training.random_crops"] == "true",
                                       timeMask: (try? int("training.time_mask", min: 0)) ?? 0,
                                       frequencyMask: (try? int("training.frequency_mask", min: 0)) ?? 0,
                                       gainDB: (try? float("training.gain_augment_db")) ?? 0,
                                       tiltDB: (try? float("training.tilt_augment_db")) ?? 0),
            batchNorm: config.batchNorm, dropout: config.dropout, timePooling: config.timePooling,
            schedule: ScheduleKind(rawValue: m["training.schedule"] ?? "") ?? .step,
            earlyStopping: (try? int("training.early_stopping", min: 0)) ?? 0,
            targets: SoftTargets(mixup: (try? float("training.mixup")) ?? 0,
                                 labelSmoothing: (try? float("training.label_smoothing")) ?? 0))
        var notes: [String: String] = [:]
        for (k, v) in m where k.hasPrefix("train.") { notes[String(k.dropFirst(6))] = v }
        return TrainedModel(network: network, classNames: classes, features: features,
                            normalization: normalization, training: training, notes: notes)
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
