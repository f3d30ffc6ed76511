import Crypto
import Foundation
import GenreModelTestSupport
import GenreNetwork
import GenreTestSupport
import SafeTensors
import XCTest
@testable import GenreModel

final class ModelFileTests: XCTestCase {
    func testRoundTripReproducesEverythingAndLogitsBitForBit() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = smallModel()
        let path = folder + "/sub/model.safetensors"
        try ModelFile.write(model, to: path)
        let loaded = try ModelFile.read(path)
        XCTAssertEqual(loaded, model)
        XCTAssertEqual(loaded.features.fMax, 7000)
        XCTAssertEqual(loaded.normalization, model.normalization)
        let input: [Float] = (0..<(2 * 16 * 12)).map { (i: Int) -> Float in Float((i * 37) % 101) / 50 - 1 }
        let a = logits(model.network, input, batch: 2), b = logits(loaded.network, input, batch: 2)
        XCTAssertEqual(a.map { $0.bitPattern }, b.map { $0.bitPattern })

        // The improved recipe's settings round-trip too; files without them read as the seed recipe.
        var improved = model
        improved.training = TrainingSettings(epochs: 40, learningRate: 0.001, learningRateGamma: 1, seed: 3,
                                             optimizer: .adamw, weightDecay: 1e-4, augmentation: .standard,
                                             schedule: .cosine, earlyStopping: 7)
        try ModelFile.write(improved, to: path)
        XCTAssertEqual(try ModelFile.read(path).training, improved.training)
        XCTAssertEqual(loaded.training.optimizer, .sgd)
        XCTAssertEqual(loaded.training.augmentation, .none)
    }

    func testAModelWithBatchNormRoundTripsBitForBit() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = smallModel()
        var cfg = base.network.configuration
        cfg.batchNorm = true
        var net = ConvNet(configuration: cfg, seed: 9)
        var g = SeededGenerator(seed: 10)
        net.updateParameters { _, p in p.value = p.value.map { $0 + g.nextUnitFloat() - 0.5 } }
        for i in net.batchNorms.indices {
            net.batchNorms[i].runningMean = (0..<net.batchNorms[i].channels).map { _ in g.nextUnitFloat() - 0.5 }
            net.batchNorms[i].runningVar = (0..<net.batchNorms[i].channels).map { _ in 0.5 + g.nextUnitFloat() }
        }
        var training = base.training
        training.batchNorm = true
        let model = TrainedModel(network: net, classNames: base.classNames, features: base.features,
                                 normalization: base.normalization, training: training, notes: base.notes)
        let path = folder + "/bn.safetensors"
        try ModelFile.write(model, to: path)
        let loaded = try ModelFile.read(path)
        XCTAssertEqual(loaded, model)
        XCTAssertEqual(loaded.network.buffers.map(\.name), ["bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"])
        let input: [Float] = (0..<(2 * 16 * 12)).map { Float(($0 * 53) % 97) / 40 - 1 }
        XCTAssertEqual(logits(model.network, input, batch: 2).map(\.bitPattern), logits(loaded.network, input, batch: 2).map(\.bitPattern))
        // A file whose running variance is negative is refused.
        var file = try SafeTensorsFile(bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        let edited = try file.tensors.keys.sorted().map { name in
            var values = try file.floats(name)
            if name == "bn2.running_var" { values[0] = -1 }
            return (name: name, shape: file.tensors[name]!.shape, values: values)
        }
        try signed(file.metadata, edited).write(to: path)
        XCTAssertThrowsError(try ModelFile.read(path)) { XCTAssertTrue("\($0)".contains("bn2.running_var holds impossible values"), "\($0)") }
        file = try SafeTensorsFile(bytes: ModelFile.serialize(base))
        XCTAssertNil(file.tensors["bn1.weight"], "no BatchNorm tensors without BatchNorm")
    }

    /// Time pooling changes the Linear layer's shape ([K, C·H]); such a model round-trips bit for bit, a
    /// file without the key reads as the flattening network, and an unknown pooling is refused.
    func testAModelWithTimePoolingRoundTripsBitForBit() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = smallModel()
        var cfg = base.network.configuration
        cfg.timePooling = true
        cfg.dropout = 0.3
        let net = ConvNet(configuration: cfg, seed: 4)
        XCTAssertEqual(net.fc.weight.shape, [3, 4 * 4])
        var training = base.training
        training.timePooling = true
        training.dropout = 0.3
        training.targets = SoftTargets(mixup: 0.4, labelSmoothing: 0.05)
        let model = TrainedModel(network: net, classNames: base.classNames, features: base.features,
                                 normalization: base.normalization, training: training, notes: base.notes)
        let path = folder + "/tp.safetensors"
        try ModelFile.write(model, to: path)
        let loaded = try ModelFile.read(path)
        XCTAssertEqual(loaded, model)
        let input: [Float] = (0..<(2 * 16 * 12)).map { Float(($0 * 29) % 89) / 40 - 1 }
        XCTAssertEqual(logits(model.network, input, batch: 2).map(\.bitPattern), logits(loaded.network, input, batch: 2).map(\.bitPattern))

        let file = try SafeTensorsFile(bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        func rewrite(_ change: (inout [String: String]) -> Void) throws {
            var metadata = file.metadata
            change(&metadata)
            try signed(metadata, file.tensors.keys.sorted().map { (name: $0, shape: file.tensors[$0]!.shape, values: try file.floats($0)) })
                .write(to: path)
        }
        try rewrite { $0["architecture.time_pooling"] = "max" }
        XCTAssertThrowsError(try ModelFile.read(path)) { XCTAssertTrue("\($0)".contains("unknown architecture.time_pooling \"max\""), "\($0)") }
        // Without the key the network flattens, so this file's [3, 16] fc.weight no longer fits.
        try rewrite { $0["architecture.time_pooling"] = nil }
        XCTAssertThrowsError(try ModelFile.read(path)) { XCTAssertTrue("\($0)".contains("fc.weight"), "\($0)") }
        try ModelFile.write(base, to: path)
        XCTAssertEqual(try ModelFile.read(path).network.configuration.timePooling, false)
    }

    /// SHA-256 of `ModelFile.serialize(smallModel())`, the exact bytes of a model file. A deliberate change
    /// of the format (a metadata key added or renamed, another number format, another layout) changes it:
    /// update this pin in the same commit, and `ModelFile.formatVersion` too if older readers cannot read the
    /// new files. Any other change to it means the same model no longer writes the same file.
    static let smallModelSHA256 = "53b50d7936014a5522868ca139af7c57304ab0e88fb91d37700183eed4914dcf"

    /// The same model writes the same bytes wherever and whenever it is written: no timestamp, no absolute
    /// path, nothing from the machine — pinned, so that something that entered the bytes of every write alike
    /// (a build date, a version) is caught too.
    func testSameModelGivesSameBytesAndNoAbsolutePathsOrTimes() throws {
        let a = ModelFile.serialize(smallModel()), b = ModelFile.serialize(smallModel())
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, ModelFile.serialize(smallModel(seed: 6)))
        XCTAssertEqual(SHA256.hash(data: a).map { String(format: "%02x", $0) }.joined(), Self.smallModelSHA256)

        // Written into two folders more than a second apart, so a timestamp of any resolution down to whole
        // seconds, or the folder's path, would differ between the two files.
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        try ModelFile.write(smallModel(), to: folder + "/first/m.safetensors")
        usleep(1_100_000)
        try ModelFile.write(smallModel(), to: folder + "/second/m.safetensors")
        for name in ["first", "second"] {
            XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder + "/\(name)/m.safetensors"))), a, name)
        }
    }

    func testTensorNamesShapesAndMetadataFollowTheDocumentedLayout() throws {
        let file = try SafeTensorsFile(bytes: ModelFile.serialize(smallModel()))
        XCTAssertEqual(file.tensors["conv1.weight"]?.shape, [3, 1, 3, 3])
        XCTAssertEqual(file.tensors["conv2.weight"]?.shape, [4, 3, 3, 3])
        XCTAssertEqual(file.tensors["fc.weight"]?.shape, [3, 4 * 4 * 3])
        XCTAssertEqual(file.tensors["fc.bias"]?.shape, [3])
        XCTAssertEqual(Set(file.tensors.keys), ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"])
        XCTAssertEqual(file.metadata["classes"], #"["jazz","metal","pop"]"#)
        XCTAssertEqual(file.metadata["feature.sample_rate"], "16000")
        XCTAssertEqual(file.metadata["normalization.std"], "17.5")
        XCTAssertEqual(file.metadata["format_version"], "2")
        XCTAssertEqual(file.metadata[ModelChecksum.key]?.count, 64)
    }

    func testModelLoadsWithPythonSafetensorsNumpy() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/m.safetensors"
        let model = smallModel()
        try ModelFile.write(model, to: path)
        let script = """
            import sys, json
            from safetensors.numpy import load_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="np") as f:
                meta = f.metadata()
            print(json.dumps({"shapes": {k: list(v.shape) for k, v in t.items()},
                              "dtypes": sorted({str(v.dtype) for v in t.values()}),
                              "fc_bias": [float(x) for x in t["fc.bias"]],
                              "conv1_sum": float(t["conv1.weight"].astype("float64").sum()),
                              "classes": json.loads(meta["classes"])}))
            """
        try Reference.requirePythonSafetensors()
        let run = try XCTUnwrap(Reference.runPython(script, arguments: [path]))
        XCTAssertEqual(run.status, 0, run.err)
        struct Out: Decodable { var shapes: [String: [Int]]; var dtypes: [String]; var fc_bias: [Float]; var conv1_sum: Double; var classes: [String] }
        let out = try JSONDecoder().decode(Out.self, from: Data(run.out.utf8))
        XCTAssertEqual(out.dtypes, ["float32"])
        XCTAssertEqual(out.shapes["conv1.weight"], [3, 1, 3, 3])
        XCTAssertEqual(out.shapes["fc.weight"], [3, 48])
        XCTAssertEqual(out.fc_bias, model.network.fc.bias.value)
        XCTAssertEqual(out.conv1_sum, model.network.convolutions[0].weight.value.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-9)
        XCTAssertEqual(out.classes, model.classNames)
    }

    func testReadRejectsMissingForeignTruncatedAndInconsistentFiles() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = folder + "/none.safetensors"
        XCTAssertThrowsError(try ModelFile.read(missing)) { XCTAssertEqual($0 as? ModelFileError, .notFound(path: missing)) }
        XCTAssertThrowsError(try ModelFile.read(folder)) { XCTAssertTrue("\($0)".contains("folder")) }

        let bytes = ModelFile.serialize(smallModel())
        // Truncated anywhere: header, tensor data, last byte.
        for cut in [0, 7, 8, 100, bytes.count / 2, bytes.count - 1] {
            let path = folder + "/cut\(cut).safetensors"
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes.prefix(cut))))
            XCTAssertThrowsError(try ModelFile.read(path), "cut at \(cut)") { error in
                XCTAssertTrue("\(error)".hasPrefix(path + ": "), "\(error)")
            }
        }

        // A valid safetensors file that is not a genre model.
        var foreign = SafeTensorsWriter(metadata: ["format": "pt"])
        foreign.add("weight", shape: [2], values: [1, 2])
        let foreignPath = folder + "/foreign.safetensors"
        try foreign.write(to: foreignPath)
        XCTAssertThrowsError(try ModelFile.read(foreignPath)) { error in
            guard case .notAGenreModel? = error as? ModelFileError else { return XCTFail("\(error)") }
        }

        // A training checkpoint given where a model belongs is named as one, with how to finish its run.
        var checkpoint = SafeTensorsWriter(metadata: ["format": "genre-checkpoint", "completed_epochs": "4"])
        checkpoint.add("net.fc.weight", shape: [2], values: [1, 2])
        let checkpointPath = folder + "/m.checkpoint.safetensors"
        try checkpoint.write(to: checkpointPath)
        XCTAssertThrowsError(try ModelFile.read(checkpointPath)) { error in
            XCTAssertEqual("\(error)", "\(checkpointPath): the checkpoint of an unfinished training run (after epoch 4), not a model; "
                           + "finish it with genre train DIR --model \(folder)/m.safetensors --resume")
        }

        // Metadata and tensors that disagree.
        func rewritten(_ edit: (inout [String: String], inout [(String, [Int], [Float])]) -> Void) throws -> String {
            let file = try SafeTensorsFile(bytes: bytes)
            var meta = file.metadata
            var tensors = try file.tensors.keys.sorted().map { ($0, file.tensors[$0]!.shape, try file.floats($0)) }
            edit(&meta, &tensors)
            let path = folder + "/edited-\(UUID().uuidString).safetensors"
            // Re-signed, so that the checks behind the checksum are reached.
            try signed(meta, tensors.map { (name: $0.0, shape: $0.1, values: $0.2) }).write(to: path)
            return path
        }
        // An edit that is not re-signed fails the checksum, naming the file.
        let unsigned = folder + "/unsigned.safetensors"
        var w = SafeTensorsWriter(metadata: try SafeTensorsFile(bytes: bytes).metadata.merging(["train.dataset": "other"]) { $1 })
        let original = try SafeTensorsFile(bytes: bytes)
        for name in original.tensors.keys.sorted() { w.add(name, shape: original.tensors[name]!.shape, values: try original.floats(name)) }
        try w.write(to: unsigned)
        XCTAssertThrowsError(try ModelFile.read(unsigned)) {
            XCTAssertEqual("\($0)", "\(unsigned): damaged model file: checksum mismatch: the file was damaged or altered after it was written")
        }
        let future = try rewritten { m, _ in m["format_version"] = "99" }
        XCTAssertThrowsError(try ModelFile.read(future)) { error in
            guard case .unsupportedVersion? = error as? ModelFileError else { return XCTFail("\(error)") }
        }
        let noFC = try rewritten { _, t in t.removeAll { $0.0 == "fc.bias" } }
        XCTAssertThrowsError(try ModelFile.read(noFC)) { XCTAssertTrue("\($0)".contains("fc.bias missing"), "\($0)") }
        let wrongShape = try rewritten { _, t in
            let i = t.firstIndex { $0.0 == "conv2.bias" }!
            t[i] = ("conv2.bias", [2, 2], t[i].2)
        }
        XCTAssertThrowsError(try ModelFile.read(wrongShape)) { XCTAssertTrue("\($0)".contains("conv2.bias has shape [2, 2]"), "\($0)") }
        let nan = try rewritten { _, t in
            let i = t.firstIndex { $0.0 == "fc.weight" }!
            t[i].2[3] = .nan
        }
        XCTAssertThrowsError(try ModelFile.read(nan)) { XCTAssertTrue("\($0)".contains("non-finite"), "\($0)") }
        let badClasses = try rewritten { m, _ in m["classes"] = "jazz,metal,pop" }
        XCTAssertThrowsError(try ModelFile.read(badClasses)) { XCTAssertTrue("\($0)".contains("classes"), "\($0)") }
        let badRate = try rewritten { m, _ in m["feature.sample_rate"] = "-5" }
        XCTAssertThrowsError(try ModelFile.read(badRate)) { XCTAssertTrue("\($0)".contains("feature.sample_rate"), "\($0)") }
        // A size that would need gigabytes per frame is refused at load, not attempted.
        let hugeFFT = try rewritten { m, _ in m["feature.n_fft"] = "1000000000" }
        XCTAssertThrowsError(try ModelFile.read(hugeFFT)) { XCTAssertTrue("\($0)".contains("nFFT must be at most 65536"), "\($0)") }
        // Finite but huge weights (flipped exponent bits) are refused, not loaded to predict nonsense.
        let huge = try rewritten { _, t in
            let i = t.firstIndex { $0.0 == "conv2.weight" }!
            t[i].2[7] = 8.46e37
        }
        XCTAssertThrowsError(try ModelFile.read(huge)) { XCTAssertTrue("\($0)".contains("conv2.weight holds values beyond ±1000000.0"), "\($0)") }
        for names in [#"["jazz",""]"#, #"["jazz","po\np"]"#, #"["jazz","a/b"]"#] {
            let bad = try rewritten { m, _ in m["classes"] = names }
            XCTAssertThrowsError(try ModelFile.read(bad), names) { XCTAssertTrue("\($0)".contains("impossible genre name"), "\($0)") }
        }
        let hugeMean = try rewritten { m, _ in m["normalization.mean"] = "1e38" }
        XCTAssertThrowsError(try ModelFile.read(hugeMean)) { XCTAssertTrue("\($0)".contains("outside ±1000 dB"), "\($0)") }
        let zeroStd = try rewritten { m, _ in m["normalization.std"] = "0" }
        XCTAssertThrowsError(try ModelFile.read(zeroStd)) { XCTAssertTrue("\($0)".contains("normalization.std"), "\($0)") }
    }

    func testWriteRefusesNonFiniteWeightsAndKeepsThePreviousFile() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/m.safetensors"
        try ModelFile.write(smallModel(), to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var broken = smallModel(seed: 9)
        broken.network.fc.weight.value[0] = .infinity
        XCTAssertThrowsError(try ModelFile.write(broken, to: path))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["m.safetensors"])
    }

    /// A model is read back from its temporary file before it replaces the previous one: one that the
    /// loader would refuse (here two class names Swift compares as equal, NFC and NFD "música") is not
    /// written, and the good model at the path stays.
    func testAModelThatWouldNotReadBackIsNotWrittenAndThePreviousFileStays() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/m.safetensors"
        try ModelFile.write(smallModel(), to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var clash = smallModel(seed: 9)
        clash.classNames = ["m\u{FA}sica", "mu\u{301}sica", "pop"]
        XCTAssertThrowsError(try ModelFile.write(clash, to: path)) {
            XCTAssertTrue("\($0)".hasPrefix("\(path): "), "\($0)")
            XCTAssertTrue("\($0)".contains("the new file does not read back: "), "\($0)")
            XCTAssertTrue("\($0)".contains("two or more distinct names"), "\($0)")
            XCTAssertFalse("\($0)".contains(".tmp-"), "the temporary file is not named: \($0)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["m.safetensors"])
    }

    /// Files of format version 1, written before the checksum existed, still load; a version 2 file must
    /// carry one, and a version 1 file that carries one has it checked.
    func testVersionOneFilesWithoutAChecksumStillLoad() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = smallModel()
        let file = try SafeTensorsFile(bytes: ModelFile.serialize(model))
        func write(_ change: (inout [String: String]) -> Void) throws -> String {
            var m = file.metadata
            change(&m)
            var w = SafeTensorsWriter(metadata: m)
            for name in file.tensors.keys.sorted() { w.add(name, shape: file.tensors[name]!.shape, values: try file.floats(name)) }
            let path = folder + "/\(UUID().uuidString).safetensors"
            try w.write(to: path)
            return path
        }
        XCTAssertEqual(try ModelFile.read(try write { $0["format_version"] = "1"; $0[ModelChecksum.key] = nil }), model)
        let v2 = try write { $0[ModelChecksum.key] = nil }
        XCTAssertThrowsError(try ModelFile.read(v2)) { XCTAssertTrue("\($0)".contains("no checksum.sha256 in its metadata"), "\($0)") }
        let v1Altered = try write { $0["format_version"] = "1"; $0["train.dataset"] = "other" }
        XCTAssertThrowsError(try ModelFile.read(v1Altered)) { XCTAssertTrue("\($0)".contains("checksum mismatch"), "\($0)") }
    }

    /// A training setting the file's version always carries must be there and readable: a missing or garbled
    /// one is an error naming the key, never a silent 0. Keys that older versions did not write keep the
    /// seed recipe's value when absent (what those versions trained with).
    func testTrainingSettingsKeysMissingOrGarbledAreNamed() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try SafeTensorsFile(bytes: ModelFile.serialize(smallModel()))
        func read(_ change: (inout [String: String]) -> Void) throws -> TrainedModel {
            var m = file.metadata
            change(&m)
            let path = folder + "/m.safetensors"
            try signed(m, file.tensors.keys.sorted().map { (name: $0, shape: file.tensors[$0]!.shape, values: try file.floats($0)) })
                .write(to: path)
            return try ModelFile.read(path)
        }
        func refused(_ expected: String, _ change: (inout [String: String]) -> Void) {
            XCTAssertThrowsError(try read(change)) { XCTAssertEqual("\($0)", "\(folder)/m.safetensors: damaged model file: \(expected)") }
        }
        refused("metadata 'training.epochs' missing or not an integer ≥ 1") { $0["training.epochs"] = nil }
        refused("metadata 'training.learning_rate' missing or not a finite number") { $0["training.learning_rate"] = "fast" }
        refused("metadata 'training.seed' missing or not an integer ≥ 0") { $0["training.seed"] = "-1" }
        refused("metadata 'training.optimizer' missing") { $0["training.optimizer"] = nil }
        refused("unknown training.optimizer \"rmsprop\"") { $0["training.optimizer"] = "rmsprop" }
        refused("unknown training.schedule \"linear\"") { $0["training.schedule"] = "linear" }
        refused("unknown training.random_crops \"yes\"") { $0["training.random_crops"] = "yes" }
        refused("metadata 'training.mixup' missing or not a finite number") { $0["training.mixup"] = nil }
        refused("unknown architecture.batch_norm \"1\"") { $0["architecture.batch_norm"] = "1" }
        // Version 2 files written before level augmentation lack its keys (the issue-12 fixture): 0 dB.
        XCTAssertEqual(try read { $0["training.gain_augment_db"] = nil; $0["training.tilt_augment_db"] = nil }, smallModel())
        var v3 = smallModel()
        v3.features.dcRemoval = true
        let v3File = try SafeTensorsFile(bytes: ModelFile.serialize(v3))
        XCTAssertEqual(v3File.metadata["format_version"], "3")
        XCTAssertThrowsError(try ModelFile.decode(try SafeTensorsFile(bytes: signed(v3File.metadata.filter { $0.key != "training.gain_augment_db" },
            v3File.tensors.keys.sorted().map { (name: $0, shape: v3File.tensors[$0]!.shape, values: try v3File.floats($0)) }).serialize()),
                                                 path: "v3")) {
            XCTAssertEqual("\($0)", "v3: damaged model file: metadata 'training.gain_augment_db' missing or not a finite number")
        }
        // Version 1 files written before Adam, schedules and augmentation: the seed recipe's values.
        var old = try read {
            $0["format_version"] = "1"
            for key in ["weight_decay", "schedule", "early_stopping", "random_crops", "time_mask", "frequency_mask", "mixup",
                        "label_smoothing", "gain_augment_db", "tilt_augment_db"] { $0["training." + key] = nil }
            for key in ["batch_norm", "dropout", "time_pooling"] { $0["architecture." + key] = nil }
        }
        XCTAssertEqual(old.training, smallModel().training)
        old = try read { $0["training.weight_decay"] = "0.25"; $0["training.schedule"] = "cosine"; $0["training.optimizer"] = "adamw" }
        XCTAssertEqual(old.training.weightDecay, 0.25)
        XCTAssertEqual(old.training.schedule, .cosine)
        XCTAssertEqual(old.training.optimizer, .adamw)
    }

    /// Companion files are named by one rule: `X.safetensors` → `X.<suffix>`.
    func testAnEmptyModelPathIsNamedAsSuch() {
        XCTAssertThrowsError(try ModelFile.read("")) {
            XCTAssertEqual("\($0)", "the model path is empty; give the path of a model file")
        }
    }

    func testCompanionPathsBesideTheModel() {
        XCTAssertEqual(ModelFile.splitPath(forModel: "out/m.safetensors"), "out/m.split.tsv")
        XCTAssertEqual(ModelFile.splitPath(forModel: "out/m"), "out/m.split.tsv")
        XCTAssertEqual(ModelFile.splitPath(forModel: "m.safetensors.bak"), "m.safetensors.bak.split.tsv")
    }

    /// Every truncation of a model file is refused, none crashes. (Single-byte changes:
    /// RobustnessTests.testEverySingleByteChangeIsRefusedNamingTheFileOrIsHarmlessSpacing.)
    func testEveryTruncationIsRefused() throws {
        let bytes = ModelFile.serialize(smallModel())
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try ModelFile.decode(SafeTensorsFile(bytes: Array(bytes.prefix(cut))), path: "m"), "cut at \(cut)")
        }
    }
}

/// `metadata` with a fresh `checksum.sha256` over it and `tensors`, as a writer ready to write.
func signed(_ metadata: [String: String], _ tensors: [(name: String, shape: [Int], values: [Float])]) -> SafeTensorsWriter {
    var m = metadata
    m[ModelChecksum.key] = ModelChecksum.digest(metadata: m, tensors: tensors)
    var writer = SafeTensorsWriter(metadata: m)
    for t in tensors { writer.add(t.name, shape: t.shape, values: t.values) }
    return writer
}
