import Foundation
import FoundationXML
import GenreAudio
import GenreMetrics
import GenreModel
import GenreReports
import GenreTestSupport
import GenreTraining
import XCTest

/// End-to-end: the built `genre` binary on a small generated dataset, its outputs and its error paths.
final class CLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func testTrainEvaluatePredictOnAGeneratedDataset() throws {
        let model = try trainSmallModel()
        let loaded = try ModelFile.read(folder + "/" + model)
        XCTAssertEqual(loaded.classNames, ["arpeggio", "beat", "drone", "noise"])

        // Evaluate, text: the headline figures, both tables with class names on both axes.
        let text = try genre(["evaluate", "data", "--model", model, "--split", "test"], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("clip accuracy"), text.stdout)
        XCTAssertTrue(text.stdout.contains("true\\pred"), text.stdout)
        for name in loaded.classNames { XCTAssertGreaterThanOrEqual(text.stdout.components(separatedBy: name).count - 1, 3, name) }

        // Evaluate, JSON and CSV: the test split is one file per genre (5 clips: 3/1/1).
        let json = try genre(["evaluate", "data", "--model", model, "--json", "--csv", "out"], in: folder)
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(report.clips, 4)
        XCTAssertEqual(report.split, "test")
        XCTAssertEqual(report.confusionMatrix.flatMap { $0 }.reduce(0, +), 4)
        XCTAssertEqual(report.confusionMatrix.map { $0.reduce(0, +) }, [1, 1, 1, 1])
        let correct = (0..<4).reduce(0) { $0 + report.confusionMatrix[$1][$1] }
        XCTAssertEqual(report.clipAccuracy, Double(correct) / 4)
        XCTAssertEqual(report.predictions.count, 4)
        let csv = try String(contentsOfFile: folder + "/out/confusion_matrix.csv", encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("true\\predicted,arpeggio,beat,drone,noise"), csv)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/out/per_class.csv"))

        let all = try genre(["evaluate", "data", "--model", model, "--split", "all", "--json"], in: folder)
        XCTAssertEqual(try JSONDecoder().decode(EvaluationReport.self, from: Data(all.stdout.utf8)).clips, 20)

        // Predict: text and JSON, probabilities summing to 1.
        let file = "data/beat/beat.00002.wav"
        let predicted = try genre(["predict", file, "--model", model, "--top", "2"], in: folder)
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertEqual(predicted.stdout.split(separator: "\n").count, 3, predicted.stdout)
        let pj = try genre(["predict", file, "--model", model, "--top", "4", "--json"], in: folder)
        struct Output: Decodable { struct Item: Decodable { var file: String; var top: [Prediction.Entry]?; var error: String? }; var results: [Item] }
        let items = try JSONDecoder().decode(Output.self, from: Data(pj.stdout.utf8)).results
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items[0].top?.count, 4)
        XCTAssertEqual(items[0].top!.reduce(0) { $0 + $1.probability }, 1, accuracy: 1e-5)
        XCTAssertEqual(items[0].top!.map(\.probability), items[0].top!.map(\.probability).sorted(by: >))
    }

    func testBadInputGivesOneLineErrorsAndNonZeroExit() throws {
        let model = try trainSmallModel()
        FileManager.default.createFile(atPath: folder + "/notes.mp3", contents: Data("just some text\n".utf8))
        FileManager.default.createFile(atPath: folder + "/empty.wav", contents: Data())
        FileManager.default.createFile(atPath: folder + "/broken.safetensors", contents: Data([1, 2, 3, 4, 5, 6, 7, 8, 9]))

        func expectError(_ args: [String], mentions: [String]) throws {
            let run = try genre(args, in: folder)
            XCTAssertNotEqual(run.status, 0, "\(args) should fail")
            let lines = run.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(args): \(run.stderr)")
            for m in mentions { XCTAssertTrue(run.stderr.contains(m), "\(args): \(run.stderr) lacks \(m)") }
            XCTAssertFalse(run.stderr.contains("Fatal error"), run.stderr)
        }
        try expectError(["predict", "missing.wav", "--model", model], mentions: ["missing.wav", "no such file"])
        try expectError(["predict", "notes.mp3", "--model", model], mentions: ["notes.mp3", "not a recognised audio file"])
        try expectError(["predict", "empty.wav", "--model", model], mentions: ["empty.wav"])
        try expectError(["predict", "data/beat/beat.00001.wav", "--model", "broken.safetensors"], mentions: ["broken.safetensors"])
        try expectError(["predict", "data/beat/beat.00001.wav", "--model", "nope.safetensors"], mentions: ["nope.safetensors", "not found"])
        try expectError(["predict", "data/beat/beat.00001.wav"], mentions: ["no model found", "models/genre.safetensors", "--model PATH"])
        try expectError(["evaluate", "nowhere", "--model", model], mentions: ["nowhere"])
        try expectError(["train", "nowhere"], mentions: ["nowhere"])

        // One genre is not a classification problem.
        try FileManager.default.createDirectory(atPath: folder + "/one/beat", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/data/beat/beat.00000.wav", toPath: folder + "/one/beat/a.wav")
        try expectError(["train", "one", "--model", model], mentions: ["one"])
        XCTAssertNoThrow(try ModelFile.read(folder + "/" + model), "a failed run must leave the previous model loadable")

        // A good file among bad ones is still predicted; the exit code (2, not 1: the run itself worked) reports the failure.
        let mixed = try genre(["predict", "data/beat/beat.00001.wav", "missing.wav", "--model", model], in: folder)
        XCTAssertEqual(mixed.status, 2)
        XCTAssertTrue(mixed.stdout.contains("beat.00001.wav"), mixed.stdout)
        XCTAssertTrue(mixed.stderr.contains("missing.wav"), mixed.stderr)
    }

    /// `--recipe` picks every setting and each given option overrides one; the model file records the result.
    func testRecipesAndTheirOverridesAreRecordedInTheModel() throws {
        let model = try trainSmallModel()
        let defaults = try ModelFile.read(folder + "/" + model)
        XCTAssertEqual(defaults.training, TrainingSettings.defaultRecipe.with { $0.epochs = 3; $0.batchSize = 8 })
        XCTAssertEqual(defaults.network.configuration.batchNorm, true)
        XCTAssertEqual(defaults.network.configuration.timePooling, true)
        XCTAssertEqual(defaults.network.fc.weight.shape, [4, 64 * 8])
        let meta = ModelFile.metadata(for: defaults)
        XCTAssertEqual(meta["training.optimizer"], "adam")
        XCTAssertEqual(meta["training.schedule"], "cosine")
        XCTAssertEqual(meta["architecture.time_pooling"], "mean")

        let seed = try genre(["train", "data", "--recipe", "seed", "--epochs", "1", "--model", "seed.safetensors"], in: folder)
        XCTAssertEqual(seed.status, 0, seed.stderr)
        let seedModel = try ModelFile.read(folder + "/seed.safetensors")
        XCTAssertEqual(seedModel.training, TrainingSettings.seedRecipe.with { $0.epochs = 1 })
        XCTAssertEqual(seedModel.network.fc.weight.shape, [4, 64 * 8 * 8], "the reference network flattens the whole map")

        let mixed = try genre(["train", "data", "--recipe", "seed", "--epochs", "1", "--batch-norm", "--no-augment",
                               "--mixup", "0.2", "--label-smoothing", "0.1", "--model", "mixed.safetensors"], in: folder)
        XCTAssertEqual(mixed.status, 0, mixed.stderr)
        let mixedModel = try ModelFile.read(folder + "/mixed.safetensors")
        XCTAssertEqual(mixedModel.training, TrainingSettings.seedRecipe.with {
            $0.epochs = 1; $0.batchNorm = true; $0.targets = SoftTargets(mixup: 0.2, labelSmoothing: 0.1)
        })
        let off = try genre(["train", "data", "--epochs", "1", "--no-batch-norm", "--no-time-pooling", "--no-augment",
                             "--model", "off.safetensors"], in: folder)
        XCTAssertEqual(off.status, 0, off.stderr)
        let offModel = try ModelFile.read(folder + "/off.safetensors")
        XCTAssertEqual(offModel.training, TrainingSettings.defaultRecipe.with {
            $0.epochs = 1; $0.batchNorm = false; $0.timePooling = false; $0.augmentation = .none
        })
        for (args, message) in [(["--mixup", "1.5"], "--mixup must be in [0, 1]"),
                                (["--label-smoothing", "1"], "--label-smoothing must be in [0, 1)"),
                                (["--recipe", "best"], "best")] {
            let run = try genre(["train", "data"] + args, in: folder)
            XCTAssertEqual(run.status, 64, args.joined(separator: " "))
            XCTAssertTrue(run.stderr.contains(message), run.stderr)
        }
    }

    /// Files shorter than --min-duration (default 1 s) are skipped with their path and reason and counted;
    /// --strict refuses the run and writes nothing; silent files train without NaN and predict with a warning.
    func testShortFilesAreSkippedStrictRefusesAndSilenceTrainsAndWarns() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "5", "--seconds", "3"], in: folder).status, 0)
        let short = try genre(["make-dataset", "short", "--clips", "3", "--seconds", "0.5", "--seed", "4"], in: folder)
        XCTAssertEqual(short.status, 0, short.stderr)
        try FileManager.default.moveItem(atPath: folder + "/short/beat/beat.00000.wav", toPath: folder + "/data/beat/short.wav")
        // Digital silence and near silence (−80 dBFS noise) in two genres.
        var g = SystemRandomNumberGenerator()
        try AudioWriter.writeWAV([Float](repeating: 0, count: 3 * 22050), sampleRate: 22050, to: folder + "/data/drone/silence.wav")
        try AudioWriter.writeWAV((0..<(3 * 22050)).map { _ in Float.random(in: -1e-4...1e-4, using: &g) }, sampleRate: 22050,
                                 to: folder + "/data/noise/quiet.wav")

        let run = try genre(["train", "data", "--epochs", "2", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("skipped data/beat/short.wav: 0.50 s of audio, shorter than --min-duration 1 s"), run.stderr)
        XCTAssertTrue(run.stdout.contains("1 file(s) skipped"), run.stdout)
        XCTAssertTrue(run.stdout.contains("22 files"), "20 clips, silence and near silence: \(run.stdout)")
        XCTAssertFalse(run.stdout.lowercased().contains("nan"), run.stdout)
        let model = try ModelFile.read(folder + "/m.safetensors")
        XCTAssertTrue(model.network.parameters.allSatisfy { $0.value.allSatisfy(\.isFinite) })

        let strict = try genre(["train", "data", "--epochs", "1", "--strict", "--model", "strict.safetensors"], in: folder)
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("data/beat/short.wav: 0.50 s of audio, shorter than --min-duration 1 s (--strict"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/strict.safetensors"))
        let all = try genre(["train", "data", "--epochs", "1", "--min-duration", "0", "--strict", "--model", "all.safetensors"], in: folder)
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stdout.contains("23 files"), all.stdout)
        XCTAssertEqual(try genre(["train", "data", "--min-duration", "-1"], in: folder).status, 64)

        for (file, level) in [("data/drone/silence.wav", "-200.0"), ("data/noise/quiet.wav", "-8")] {
            let p = try genre(["predict", file, "--model", "m.safetensors"], in: folder)
            XCTAssertEqual(p.status, 0, p.stderr)
            XCTAssertTrue(p.stderr.contains("warning: \(file): near-silent (RMS \(level)"), p.stderr)
            XCTAssertEqual(p.stdout.split(separator: "\n").count, 4, p.stdout)
        }
        let brief = try genre(["predict", "data/beat/short.wav", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(brief.status, 0, brief.stderr)
        XCTAssertTrue(brief.stderr.contains("warning: data/beat/short.wav: only 0.50 s of audio, mostly padding"), brief.stderr)
        let loud = try genre(["predict", "data/beat/beat.00000.wav", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(loud.stderr, "")
    }

    /// `kill -9` of `genre train` once it has written a checkpoint leaves the previous model untouched and
    /// loadable, and `--resume` then ends with the model an uninterrupted run writes, byte for byte (README,
    /// "Checkpoints"). The kill waits for the checkpoint rather than a random delay, so every run of the test
    /// checks the resume: once right after the first checkpoint, once late in the run.
    func testKillNineLeavesALoadableModelAndResumeFinishesTheSameModel() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "6", "--seconds", "3"], in: folder).status, 0)
        let args = ["train", "data", "--epochs", "8", "--threads", "1", "--quiet"]
        XCTAssertEqual(try genre(args + ["--model", "whole.safetensors"], in: folder).status, 0)
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder + "/whole.safetensors"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/whole.checkpoint.safetensors"),
                       "a finished run removes its checkpoint")
        // The previous model at the path the killed run writes: an earlier, shorter run.
        XCTAssertEqual(try genre(args + ["--epochs", "2", "--model", "m.safetensors"], in: folder).status, 0)
        let previous = try Data(contentsOf: URL(fileURLWithPath: folder + "/m.safetensors"))
        XCTAssertNotEqual(previous, whole, "the two outcomes must be told apart")
        let checkpoint = folder + "/m.checkpoint.safetensors"
        // Kill once the checkpoint holds at least this many epochs: the first one, then one late in the run
        // (epoch 5 of 8 leaves the kill three epochs to land before the run would finish on its own).
        for atLeast in [1, 5] {
            let process = genreProcess(args + ["--model", "m.safetensors"], in: folder)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let seen = waitForCheckpoint(checkpoint, atLeast: atLeast, of: process)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "killed, not finished on its own")
            let done = try XCTUnwrap(seen, "the run ended without a checkpoint of \(atLeast) epoch(s)")
            // The run may have finished one more epoch between the poll and the kill: read what it left.
            let kept = try Checkpoint.read(checkpoint).state.completedEpochs
            XCTAssertTrue((done...7).contains(kept), "checkpoint after epoch \(kept), seen after \(done)")
            try checkKilledRun(args: args, previous: previous, whole: whole, checkpointEpochs: kept)
            try previous.write(to: URL(fileURLWithPath: folder + "/m.safetensors"))
        }
        let none = try genre(args + ["--model", "m.safetensors", "--resume"], in: folder)
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("m.checkpoint.safetensors: no checkpoint to resume from"), none.stderr)
    }

    /// Polls (no time limit: the run's own end stops it) until `path` holds a readable checkpoint of at least
    /// `epochs` completed epochs; nil if `process` exits first.
    private func waitForCheckpoint(_ path: String, atLeast epochs: Int, of process: Process) -> Int? {
        while process.isRunning {
            // Written atomically (rename), so a file that exists is whole.
            if let done = try? Checkpoint.read(path).state.completedEpochs, done >= epochs { return done }
            usleep(5_000)
        }
        return nil
    }

    /// After a kill: the previous model is still there and loadable, nothing half-written is visible, a run
    /// without --resume refuses to throw the checkpoint away, and --resume writes `whole`.
    private func checkKilledRun(args: [String], previous: Data, whole: Data, checkpointEpochs: Int) throws {
        let model = folder + "/m.safetensors", checkpoint = folder + "/m.checkpoint.safetensors"
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model)), previous, "the model is written only at the end")
        XCTAssertNoThrow(try ModelFile.read(model))
        // A kill inside a write can leave only a hidden temporary file, never a half-written model; and the run's
        // lock file, unlocked by the kernel when the process died, which the next run takes over.
        let visible = Set(try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") })
        XCTAssertEqual(visible, ["data", "xdg-cache", "whole.safetensors", "whole.split.tsv", "whole.curves.svg",
                                 "m.safetensors", "m.split.tsv", "m.checkpoint.safetensors", "m.curves.svg", "m.lock"])
        // Forgetting --resume does not throw the progress away.
        let saved = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let fresh = try genre(args + ["--model", "m.safetensors"], in: folder)
        XCTAssertEqual(fresh.status, 1)
        XCTAssertEqual(fresh.stderr, "genre: error: m.checkpoint.safetensors: holds an unfinished run (after epoch \(checkpointEpochs)); "
                       + "continue it with --resume, or delete it to start afresh\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: checkpoint)), saved, "the refused run left the checkpoint alone")
        let resumed = try genre(args + ["--model", "m.safetensors", "--resume"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        // The first command's --epochs 8, typed again, is named as ignored (the checkpoint's 8 are used).
        XCTAssertTrue(resumed.stderr.contains("warning: --resume continues with the checkpoint's training and feature settings; "
                                              + "ignored: --epochs 8\n"), resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming from m.checkpoint.safetensors after epoch \(checkpointEpochs) of 8"),
                      resumed.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model)), whole,
                       "after epoch \(checkpointEpochs): the resumed run writes the uninterrupted run's model")
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), "a finished run removes its checkpoint")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/m.lock"), "and its lock file")
    }

    /// Found by newcomers: a dataset named "genre" must not replace the shipped model unasked; a cache
    /// folder inside the dataset is never written; evaluate ignores a genre train ignored, and says so
    /// plainly when the model's split list belongs to another dataset.
    func testShippedModelCacheInsideDatasetAndEvaluateOnOtherData() throws {
        XCTAssertEqual(try genre(["make-dataset", "genre", "--clips", "3", "--seconds", "2"], in: folder).status, 0)
        let shipped = try genre(["train", "genre", "--epochs", "1"], in: folder)
        XCTAssertEqual(shipped.status, 1)
        XCTAssertTrue(shipped.stderr.contains("models/genre.safetensors is the shipped default model"), shipped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/models/genre.safetensors"))

        // $XDG_CACHE_HOME inside the dataset: warned about and left unused.
        let process = genreProcess(["train", "genre", "--epochs", "1", "--model", "g.safetensors"], in: folder)
        process.environment?["XDG_CACHE_HOME"] = folder + "/genre/xdg"
        let xdg = try run(process)
        let message = xdg.stderr
        XCTAssertEqual(xdg.status, 0, message)
        XCTAssertTrue(message.contains("is inside the dataset folder genre; not using it"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/genre/xdg"))

        // A genre whose only file is not audio: train ignores it, and so does evaluate.
        try FileManager.default.createDirectory(atPath: folder + "/genre/zzz", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: folder + "/genre/zzz/text.wav", contents: Data("not audio".utf8))
        let train = try genre(["train", "genre", "--epochs", "1", "--model", "h.safetensors"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("genre 'zzz' has no decodable audio file; ignored"), train.stderr)
        let all = try genre(["evaluate", "genre", "--model", "h.safetensors", "--split", "all"], in: folder)
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stderr.contains("genre(s) zzz unknown to model h.safetensors; their 1 file(s) are not scored"), all.stderr)
        XCTAssertTrue(all.stdout.contains("12 clips"), all.stdout)
        // ... and lists its files as skipped, with the reason, as the report and JSON list every skipped file.
        let allJSON = try genre(["evaluate", "genre", "--model", "h.safetensors", "--split", "all", "--json"], in: folder)
        let skipped = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(allJSON.stdout.utf8)) as? [String: Any])["skipped"] as? [String]
        XCTAssertEqual(skipped, ["genre/zzz/text.wav: genre 'zzz' is unknown to the model"])
        XCTAssertEqual(try genre(["evaluate", "genre", "--model", "h.safetensors"], in: folder).status, 0)

        // The model's split list names files of another dataset: none of its test files is there. (A dataset that
        // lacks only some of them is the model's own with files deleted since: SplitMissingFileCLITests.)
        XCTAssertEqual(try genre(["make-dataset", "other", "--clips", "3", "--seconds", "2", "--seed", "9"], in: folder).status, 0)
        let list = try String(contentsOfFile: folder + "/h.split.tsv", encoding: .utf8)
        for row in list.split(separator: "\n").map({ $0.split(separator: "\t").map(String.init) }) where row.count == 2 && row[1] == "test" {
            try? FileManager.default.removeItem(atPath: folder + "/other/" + row[0])
        }
        let other = try genre(["evaluate", "other", "--model", "h.safetensors"], in: folder)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("every file of the test split of h.safetensors is missing from other")
                      && other.stderr.contains("was trained on another dataset"), other.stderr)
    }

    /// `genre info` describes a model (text and JSON agree with the file); `predict --segments` shows each
    /// segment's top genre; `--version` names the libraries.
    func testInfoSegmentsAndVersion() throws {
        let model = try trainSmallModel()
        let loaded = try ModelFile.read(folder + "/" + model)
        let text = try genre(["info", model], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("classes (4): arpeggio, beat, drone, noise"), text.stdout)
        XCTAssertTrue(text.stdout.contains("trained parameters: \(loaded.network.parameterCount)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("conv16-bn-conv32-bn-conv64-bn-conv64-bn-timemean-fc4 on 1×128×128, dropout 0.3"), text.stdout)
        XCTAssertTrue(text.stdout.contains("fc.weight         4×512"), text.stdout)
        let json = try genre(["info", model, "--json"], in: folder)
        XCTAssertEqual(json.status, 0, json.stderr)
        let info = try JSONDecoder().decode(ModelInfo.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(info.classes, loaded.classNames)
        XCTAssertEqual(info.training, loaded.training)
        XCTAssertEqual(info.features, loaded.features)
        XCTAssertEqual(info.parameterCount, loaded.network.parameterCount)
        XCTAssertEqual(info.layers.filter(\.trained).map(\.count).reduce(0, +), loaded.network.parameterCount)
        XCTAssertEqual(info.layers.filter { !$0.trained }.count, 8, "running mean and variance of four BatchNorms")
        XCTAssertEqual(info.notes["best_epoch"], loaded.notes["best_epoch"])
        FileManager.default.createFile(atPath: folder + "/bad.safetensors", contents: Data("not a model".utf8))
        let bad = try genre(["info", "bad.safetensors"], in: folder)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("genre: error: bad.safetensors: "), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1)

        // The training curves: an SVG document beside the model with a train and a validation line in each
        // panel, one point per epoch; the model records the same history.
        let svg = try XMLDocument(contentsOf: URL(fileURLWithPath: folder + "/models/data.curves.svg"))
        let polylines = try svg.nodes(forXPath: "//*[local-name()='polyline']").compactMap { $0 as? XMLElement }
        func attribute(_ e: XMLElement, _ name: String) -> String? { e.attributes?.first { $0.name == name }?.stringValue }
        XCTAssertEqual(polylines.map { attribute($0, "class") ?? "" }, ["train", "validation", "train", "validation"])
        for line in polylines {
            XCTAssertEqual(attribute(line, "points")?.split(separator: " ").count, 3, "3 epochs")
        }
        let history = try JSONDecoder().decode([EpochReport].self, from: Data(loaded.notes["history"]!.utf8))
        XCTAssertEqual(history.map(\.epoch), [1, 2, 3])
        XCTAssertTrue(history.allSatisfy { $0.seconds == 0 }, "no wall times: the same run writes the same bytes")
        XCTAssertTrue(text.stdout.contains("history: 3 epochs"), text.stdout)
        FileManager.default.createFile(atPath: folder + "/notes.curves.svg", contents: Data("my notes".utf8))
        let foreign = try genre(["train", "data", "--epochs", "1", "--model", "notes.safetensors"], in: folder)
        XCTAssertEqual(foreign.status, 1)
        XCTAssertTrue(foreign.stderr.contains("notes.curves.svg: exists and is not genre's training curves; not overwriting it "
                                              + "(remove it or choose another --model)"), foreign.stderr)

        // predict --segments: each segment's top genre over time, in text and JSON.
        let file = "data/beat/beat.00001.wav"
        let segmentsJSON = try genre(["predict", file, "--model", model, "--segments", "--json"], in: folder)
        XCTAssertEqual(segmentsJSON.status, 0, segmentsJSON.stderr)
        struct Output: Decodable { struct Item: Decodable { var segments: Int; var timeline: [Prediction.SegmentTop] }; var results: [Item] }
        let item = try JSONDecoder().decode(Output.self, from: Data(segmentsJSON.stdout.utf8)).results[0]
        XCTAssertEqual(item.segments, 1, "3.5 s: one 128-frame segment (the 0.5 s remainder is under 64 frames)")
        XCTAssertEqual(item.timeline.count, item.segments)
        XCTAssertEqual(item.timeline[0].start, 0)
        XCTAssertEqual(item.timeline[0].end, 128.0 * 512 / 22050, accuracy: 1e-12)
        XCTAssertTrue(loaded.classNames.contains(item.timeline[0].genre))
        XCTAssertTrue(item.timeline[0].probability > 0.25 && item.timeline[0].probability <= 1)
        let segmentsText = try genre(["predict", file, "--model", model, "--segments"], in: folder)
        XCTAssertTrue(segmentsText.stdout.contains("  0:00–0:03  \(item.timeline[0].genre)"), segmentsText.stdout)

        let version = try genre(["--version"], in: folder)
        XCTAssertEqual(version.status, 0)
        let lines = version.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7, version.stdout)
        XCTAssertEqual(lines[0], "genre 0.1.0")
        for (line, prefix) in zip(lines.dropFirst(), ["libsndfile-1.", "FFmpeg libavformat 59.", "libsoxr-0.", "libebur128 1.",
                                                      "fftw-3.", "OpenBLAS "]) {
            XCTAssertTrue(line.hasPrefix(prefix), "\(line) starts with \(prefix)")
        }
        // The kernel set OpenBLAS chose is named: it sets the convolutions' speed and rounding.
        XCTAssertNotNil(lines[6].range(of: #"^OpenBLAS [0-9]+\.[0-9]+\.[0-9]+ \([A-Za-z0-9]+ kernels, pthreads build\)$"#, options: .regularExpression), lines[6])
    }

    func testDivergenceStopsTheRunAndKeepsThePreviousModel() throws {
        let model = try trainSmallModel()
        let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + model))
        let splitBefore = try Data(contentsOf: URL(fileURLWithPath: folder + "/models/data.split.tsv"))
        let run = try genre(["train", "data", "--recipe", "seed", "--epochs", "6", "--learning-rate", "50", "--seed", "3"], in: folder)
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("training diverged"), run.stderr)
        XCTAssertTrue(run.stderr.contains("no model written"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + model)), before)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/models/data.split.tsv")), splitBefore)
        // The epochs before the divergence were checkpointed; resuming them would diverge the same way.
        XCTAssertTrue(run.stdout.contains("epoch 1/6"), run.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/models/data.checkpoint.safetensors"))
    }

    /// A run whose loss stays finite while its weights run away (Adam at learning rate 1e9) stops at the
    /// first epoch that leaves a weight no model file may hold, names it, writes no model and leaves no
    /// checkpoint behind: the next run is not blocked by an unfinished run it could only repeat.
    func testRunawayWeightsStopTheRunAndLeaveNoCheckpoint() throws {
        let model = try trainSmallModel()
        let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + model))
        let run = try genre(["train", "data", "--epochs", "3", "--learning-rate", "1e9", "--seed", "3"], in: folder)
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("training diverged: conv1.weight holds values beyond ±1000000.0 after epoch 1"), run.stderr)
        XCTAssertTrue(run.stderr.contains("no model written"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").filter { $0.hasPrefix("genre: error:") }.count, 1, run.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + model)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/models/data.checkpoint.safetensors"))
        // Runaway BatchNorm statistics (running variances beyond what a model file may hold) are divergence too,
        // found by a newcomer at --learning-rate 0.5 on gtzan-mini: the run stops, naming the buffer, and
        // leaves no checkpoint that every later run would trip over.
        let buffers = try genre(["train", "data", "--epochs", "3", "--learning-rate", "10", "--seed", "3"], in: folder)
        XCTAssertEqual(buffers.status, 1, buffers.stdout + buffers.stderr)
        XCTAssertNotNil(buffers.stderr.range(of: #"genre: error: training diverged: bn\d\.running_(var|mean) holds values beyond ±1000000\.0 "#
                                             + #"after epoch \d \(try a smaller --learning-rate\); no model written"#,
                                             options: .regularExpression), buffers.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + model)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/models/data.checkpoint.safetensors"))
        let again = try genre(["train", "data", "--epochs", "1", "--seed", "3"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
    }

    func testAGenreWithoutDecodableFilesIsIgnoredWithAWarning() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3"], in: folder).status, 0)
        try FileManager.default.createDirectory(atPath: folder + "/data/broken", withIntermediateDirectories: true)
        for name in ["a.mp3", "b.wav", "c.flac"] {
            FileManager.default.createFile(atPath: folder + "/data/broken/" + name, contents: Data("not audio at all".utf8))
        }
        let run = try genre(["train", "data", "--epochs", "1", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("genre 'broken' has no decodable audio file; ignored"), run.stderr)
        XCTAssertEqual(try ModelFile.read(folder + "/m.safetensors").classNames, ["arpeggio", "beat", "drone", "noise"])
    }

    func testOptionsAreValidatedBeforeAnyWork() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "3", "--seconds", "1"], in: folder).status, 0)
        let again = try genre(["make-dataset", "data"], in: folder)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("data: folder is not empty"), again.stderr)
        // An empty name once resolved to / and wrote four genre folders there.
        let unnamed = try genre(["make-dataset", ""], in: folder)
        XCTAssertEqual(unnamed.status, 1)
        XCTAssertTrue(unnamed.stderr.contains("output folder is empty; give a folder name"), unnamed.stderr)
        XCTAssertTrue(unnamed.stdout.isEmpty, unnamed.stdout)
        // Each is a usage error: exit 64 (EX_USAGE), nothing on stdout, and ArgumentParser's two-part message —
        // the reason on the first line, then the usage of the command that refused it (its option list is
        // left unpinned: it grows with every new option).
        for (args, reason) in [(["bench", "--runs", "0"], "--runs must be between 1 and 10000"),
                               (["bench", "--batch-size", "0"], "--batch-size must be between 1 and 1024"),
                               (["train", "data", "--threads", "0"], "--threads must be between 1 and 256"),
                               (["train", "data", "--hop-length", "0"], "--hop-length must be between 1 and --n-fft (2048)"),
                               (["train", "data", "--sample-rate", "100"], "--sample-rate must be between 1000 and 768000 Hz"),
                               (["train", "data", "--epochs", "0"], "--epochs must be between 1 and 10000"),
                               (["make-dataset", "big", "--clips", "100000000"], "--clips must be between 3 and 1000"),
                               (["bench", "--train", "nowhere"], "--train nowhere: dataset folder not found"),
                               (["bench", "--epochs", "0"], "--epochs must be between 1 and 10000")] {
            let run = try genre(args, in: folder)
            XCTAssertEqual(run.status, 64, "\(args): \(run.stderr)")
            XCTAssertEqual(run.stdout, "", "\(args): refused before any output")
            let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(lines.first, "Error: \(reason)", "\(args)")
            XCTAssertTrue(lines.count > 1 && lines[1].hasPrefix("Usage: genre \(args[0]) "), "\(args): \(run.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/big"), "refused before writing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/models"), "no train run got as far as its output folder")
        // Negative numbers are values, checked like any other (not "missing value").
        for (args, message) in [(["train", "data", "--epochs", "-1"], "--epochs must be between 1 and 10000"),
                                (["predict", "x.wav", "--top", "-2"], "--top must be at least 1"),
                                (["train", "data", "--threads", "-3"], "--threads must be between 1 and 256")] {
            let run = try genre(args, in: folder)
            XCTAssertEqual(run.status, 64, "\(args)")
            XCTAssertTrue(run.stderr.contains(message), "\(args): \(run.stderr)")
        }
        // --model may replace an earlier model, never another file, and never inside the dataset.
        let notes = folder + "/notes.txt"
        try "keep me".write(toFile: notes, atomically: true, encoding: .utf8)
        let overwrite = try genre(["train", "data", "--model", "notes.txt"], in: folder)
        XCTAssertEqual(overwrite.status, 1)
        XCTAssertTrue(overwrite.stderr.contains("notes.txt: exists and is not a readable genre model"), overwrite.stderr)
        XCTAssertEqual(try String(contentsOfFile: notes, encoding: .utf8), "keep me")
        let audio = "data/beat/beat.00000.wav"
        let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + audio))
        let intoData = try genre(["train", "data", "--model", audio], in: folder)
        XCTAssertEqual(intoData.status, 1)
        XCTAssertTrue(intoData.stderr.contains("inside the dataset folder"), intoData.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + audio)), before)
        let tooLong = try genre(["train", "data", "--model", String(repeating: "m", count: 300)], in: folder)
        XCTAssertEqual(tooLong.status, 1)
        XCTAssertTrue(tooLong.stderr.contains("file name too long"), tooLong.stderr)
        XCTAssertFalse(tooLong.stdout.contains("epoch"), "refused before training")
        let folderModel = try genre(["train", "data", "--model", "data"], in: folder)
        XCTAssertEqual(folderModel.status, 1)
        XCTAssertTrue(folderModel.stderr.contains("data: is a folder"), folderModel.stderr)
        XCTAssertFalse(folderModel.stdout.contains("epoch"), "refused before training")
    }

    func testTrainSkipsUndecodableFilesAndReportsThem() throws {
        let make = try genre(["make-dataset", "data", "--clips", "4", "--seconds", "3"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        FileManager.default.createFile(atPath: folder + "/data/beat/readme.txt", contents: Data("not audio".utf8))
        FileManager.default.createFile(atPath: folder + "/data/noise/.DS_Store", contents: Data([0, 1, 2]))
        // A 0-byte WAV, text named .mp3, a valid header with zero frames, and a header promising 30 s
        // whose data stops after 100 bytes (libsndfile reports the 50 frames present).
        FileManager.default.createFile(atPath: folder + "/data/drone/empty.wav", contents: Data())
        FileManager.default.createFile(atPath: folder + "/data/drone/notes.mp3", contents: Data("ID3? no, text".utf8))
        func wavHeader(dataBytes: UInt32) -> Data {
            var d = Data("RIFF".utf8)
            func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
            func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
            u32(36 + dataBytes); d.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(1); u32(22050); u32(44100); u16(2); u16(16)
            d.append(contentsOf: Array("data".utf8)); u32(dataBytes)
            return d
        }
        FileManager.default.createFile(atPath: folder + "/data/drone/zero.wav", contents: wavHeader(dataBytes: 0))
        FileManager.default.createFile(atPath: folder + "/data/noise/cut.wav",
                                       contents: wavHeader(dataBytes: 30 * 44100) + Data(repeating: 7, count: 100))
        let run = try genre(["train", "data", "--epochs", "1", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("readme.txt"), run.stderr)
        XCTAssertFalse(run.stderr.contains(".DS_Store"), "hidden files are ignored silently: \(run.stderr)")
        for line in ["skipped data/drone/empty.wav: not a recognised audio file", "skipped data/drone/notes.mp3: not a recognised audio file",
                     "skipped data/drone/zero.wav: no audio frames",
                     "skipped data/noise/cut.wav: 0.00 s of audio, shorter than --min-duration 1 s"] {
            XCTAssertTrue(run.stderr.contains(line), "\(line) in \(run.stderr)")
        }
        XCTAssertTrue(run.stdout.contains("5 file(s) skipped"), run.stdout)
        // predict: the cut file has frames and is classified; zero frames is one line and exit 2 (a file failed).
        let cut = try genre(["predict", "data/noise/cut.wav", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(cut.status, 0, cut.stderr)
        XCTAssertTrue(cut.stdout.contains("(0.00 s, 1 segment)"), cut.stdout)
        let zero = try genre(["predict", "data/drone/zero.wav", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(zero.status, 2)
        XCTAssertEqual(zero.stderr, "genre: error: data/drone/zero.wav: no audio frames (the file holds no samples)\n")
    }

    func testTheSecondRunReadsFeaturesFromTheCache() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "4", "--seconds", "3.5"], in: folder).status, 0)
        let args = ["train", "data", "--epochs", "1", "--model", "m.safetensors"]
        let first = try genre(args, in: folder), second = try genre(args, in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("(0 from cache \(folder)/xdg-cache/genre)"), first.stdout)
        XCTAssertTrue(second.stdout.contains("(16 from cache"), second.stdout)
        // Same features, same training: identical epoch lines apart from the timing.
        func losses(_ text: String) -> [String] {
            text.split(separator: "\n").filter { $0.hasPrefix("epoch") }.map { String($0.split(separator: " ").dropLast(2).joined(separator: " ")) }
        }
        XCTAssertEqual(losses(first.stdout), losses(second.stdout))
        XCTAssertFalse(losses(first.stdout).isEmpty)

        let none = try genre(args + ["--no-cache"], in: folder)
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertFalse(none.stdout.contains("from cache"), none.stdout)
        let inside = try genre(["evaluate", "data", "--model", "m.safetensors", "--cache-dir", "data/cache"], in: folder)
        XCTAssertEqual(inside.status, 1)
        XCTAssertTrue(inside.stderr.contains("inside the dataset folder"), inside.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/data/cache"))
    }

    func testCrossValidationTestsEveryFileOnceAndRefusesABadFoldFile() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3.5"], in: folder).status, 0)
        let run = try genre(["crossval", "data", "--folds", "3", "--epochs", "1", "--batch-size", "8", "--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(CrossValidationReport.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(report.folds.map(\.fold), [0, 1, 2])
        // 12 clips, each tested exactly once: 4 per fold, and the summed matrix counts all of them.
        XCTAssertEqual(report.folds.map(\.testFiles), [4, 4, 4])
        XCTAssertEqual(report.confusion.total, 12)
        for f in report.folds { XCTAssertEqual(f.trainFiles + f.validationFiles, 8) }
        let accuracies = report.folds.map(\.clipAccuracy)
        XCTAssertEqual(report.clipAccuracy.mean, accuracies.reduce(0, +) / 3, accuracy: 1e-12)

        try "file\tgenre\tfold\nbeat/beat.00000.wav\tdrone\t0\n".write(toFile: folder + "/folds.tsv", atomically: true, encoding: .utf8)
        let bad = try genre(["crossval", "data", "--fold-file", "folds.tsv", "--epochs", "1"], in: folder)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("folds.tsv:2: 'beat/beat.00000.wav' is listed as genre 'drone'"), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").filter { $0.hasPrefix("genre: error") }.count, 1, bad.stderr)
        // The fold file and --only-folds are checked before any file is decoded: nothing reaches a fresh cache.
        for (foldFile, message) in [("folds.tsv", "is listed as genre 'drone'"), ("missing.tsv", "missing.tsv: fold file not found"),
                                    ("/dev/null", "/dev/null: fold file cannot be read")] {
            let early = try genre(["crossval", "data", "--epochs", "1", "--cache-dir", "early-cache", "--fold-file", foldFile], in: folder)
            XCTAssertEqual(early.status, 1, early.stderr)
            XCTAssertTrue(early.stderr.contains(message), early.stderr)
            XCTAssertEqual(try logMelFiles("early-cache"), [], foldFile)
        }

        // A fold file that puts a whole genre in one fold leaves that fold nothing to learn it from.
        var lines = ["file\tgenre\tfold"]
        for genre in ["arpeggio", "beat", "drone", "noise"] {
            for i in 0..<3 { lines.append("\(genre)/\(genre).0000\(i).wav\t\(genre)\t\(genre == "drone" ? 1 : i % 2)") }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/lopsided.tsv", atomically: true, encoding: .utf8)
        let lopsided = try genre(["crossval", "data", "--fold-file", "lopsided.tsv", "--epochs", "1"], in: folder)
        XCTAssertEqual(lopsided.status, 1)
        XCTAssertTrue(lopsided.stderr.contains("fold 1: genre 'drone' has no training file outside this fold"), lopsided.stderr)
        XCTAssertEqual(try genre(["crossval", "data", "--fold-file", "lopsided.tsv", "--folds", "3"], in: folder).status, 64)
        let pastTheFolds = try genre(["crossval", "data", "--fold-file", "lopsided.tsv", "--only-folds", "2", "--epochs", "1",
                                      "--cache-dir", "late-cache"], in: folder)
        XCTAssertEqual(pastTheFolds.status, 1, pastTheFolds.stderr)
        XCTAssertTrue(pastTheFolds.stderr.contains("--only-folds 2: there are 2 folds, numbered 0 to 1"), pastTheFolds.stderr)
        XCTAssertEqual(try logMelFiles("late-cache"), [], "nothing decoded")
    }

    /// The feature-cache entries under `cacheDir` (none when it was never made).
    func logMelFiles(_ cacheDir: String) throws -> [String] {
        let all = (try? FileManager.default.subpathsOfDirectory(atPath: folder + "/" + cacheDir)) ?? []
        return all.filter { $0.hasSuffix(".logmel") }
    }

    /// A fold file kept in the dataset folder, as gtzan-510 keeps folds.tsv, is the file in use, not a
    /// stray: crossval does not warn that it is ignored (another stray file still gets the warning).
    func testTheFoldFileInUseIsNotWarnedAboutAsAStrayFile() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3.5"], in: folder).status, 0)
        var lines = ["file\tgenre\tfold"]
        for genre in ["arpeggio", "beat", "drone", "noise"] {
            for i in 0..<3 { lines.append("\(genre)/\(genre).0000\(i).wav\t\(genre)\t\(i)") }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/data/folds.tsv", atomically: true, encoding: .utf8)
        try "notes".write(toFile: folder + "/data/notes.txt", atomically: true, encoding: .utf8)
        for foldFile in ["data/folds.tsv", folder + "/data/folds.tsv", "./data/../data/folds.tsv"] {
            let run = try genre(["crossval", "data", "--fold-file", foldFile, "--only-folds", "0", "--epochs", "1",
                                 "--batch-size", "8", "--quiet"], in: folder)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertFalse(run.stderr.contains("'folds.tsv' is directly in the dataset folder"), "\(foldFile): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("'notes.txt' is directly in the dataset folder"), run.stderr)
            // One fold of three: named as such, no spread over folds, no time left after it.
            XCTAssertTrue(run.stdout.contains("\nfold 0 of a 3-fold cross-validation on data:\nclip accuracy "), run.stdout)
            XCTAssertFalse(run.stdout.contains("±") || run.stdout.contains("ETA"), run.stdout)
        }
    }

    func testOutputsNeverLandInTheDatasetOrOverAnotherFile() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3"], in: folder).status, 0)
        let fm = FileManager.default
        // A one-letter missing folder is created (Foundation's own path code crashed on it).
        let short = try genre(["train", "data", "--epochs", "1", "--model", "o/x.safetensors"], in: folder)
        XCTAssertEqual(short.status, 0, short.stderr)
        XCTAssertTrue(fm.fileExists(atPath: folder + "/o/x.safetensors"))
        // A symbolic link into the dataset does not smuggle the model or the cache inside it.
        try fm.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/data")
        for args in [["train", "data", "--model", "link/m.safetensors"], ["train", "link", "--model", "data/m.safetensors"],
                     ["train", "data", "--cache-dir", "link/cache"],
                     ["evaluate", "data", "--model", "o/x.safetensors", "--split", "all", "--csv", "link/out"]] {
            let run = try genre(args + ["--epochs", "1"].filter { _ in args[0] == "train" }, in: folder)
            XCTAssertEqual(run.status, 1, "\(args): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("inside the dataset folder"), "\(args): \(run.stderr)")
        }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: folder + "/data").sorted(), ["arpeggio", "beat", "drone", "noise"])
        // The split list beside a model replaces only an earlier split list.
        try "precious".write(toFile: folder + "/q.split.tsv", atomically: true, encoding: .utf8)
        let split = try genre(["train", "data", "--epochs", "1", "--model", "q.safetensors"], in: folder)
        XCTAssertEqual(split.status, 1)
        XCTAssertTrue(split.stderr.contains("q.split.tsv: exists and is not a split list"), split.stderr)
        XCTAssertEqual(try String(contentsOfFile: folder + "/q.split.tsv", encoding: .utf8), "precious")
        XCTAssertFalse(fm.fileExists(atPath: folder + "/q.safetensors"))
        let trailing = try genre(["train", "data", "--epochs", "1", "--model", "nope/deeper/x.safetensors/"], in: folder)
        XCTAssertEqual(trailing.status, 1)
        XCTAssertTrue(trailing.stderr.contains("is a folder name"), trailing.stderr)
        let huge = try genre(["make-dataset", "big", "--clips", "1000", "--seconds", "600"], in: folder)
        XCTAssertEqual(huge.status, 64)
        XCTAssertTrue(huge.stderr.contains("keep it under 2 GB"), huge.stderr)
    }

    func testACopiedSongIsUsedOnceWithAWarning() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "4", "--seconds", "3"], in: folder).status, 0)
        try FileManager.default.copyItem(atPath: folder + "/data/beat/beat.00001.wav", toPath: folder + "/data/noise/copy.wav")
        let run = try genre(["train", "data", "--epochs", "1", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("skipped data/noise/copy.wav: same audio as 'beat/beat.00001.wav'"), run.stderr)
        XCTAssertTrue(run.stdout.contains("1 file(s) skipped"), run.stdout)
        let split = try String(contentsOfFile: folder + "/m.split.tsv", encoding: .utf8)
        XCTAssertFalse(split.contains("copy.wav"))
        XCTAssertTrue(split.contains("beat/beat.00001.wav"))
    }

    func testNoTestTrainsOnEveryFileBesidesValidation() throws {
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "5", "--seconds", "3"], in: folder).status, 0)
        let run = try genre(["train", "data", "--epochs", "1", "--no-test", "--model", "final.safetensors"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        // Said as what it is, not as "test 0 (held out)".
        XCTAssertTrue(run.stdout.contains("validation 4, no test files; features in "), run.stdout)
        let split = try String(contentsOfFile: folder + "/final.split.tsv", encoding: .utf8)
        let parts = split.split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[1] }
        XCTAssertEqual(parts.filter { $0 == "train" }.count, 16)
        XCTAssertEqual(parts.filter { $0 == "validation" }.count, 4)
        XCTAssertEqual(parts.filter { $0 == "test" }.count, 0)
        let evaluate = try genre(["evaluate", "data", "--model", "final.safetensors", "--split", "test"], in: folder)
        XCTAssertEqual(evaluate.status, 1)
        XCTAssertTrue(evaluate.stderr.contains("the test split of final.safetensors has no files (a model trained with --no-test); use --split validation or all"), evaluate.stderr)
        XCTAssertEqual(try genre(["train", "data", "--no-test", "--split-file", "final.split.tsv"], in: folder).status, 64)
    }

    /// From the repository root, predict needs no --model: the shipped model answers.
    func testPredictUsesTheShippedModelFromTheRepositoryRoot() throws {
        let root = Reference.repository.path
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "3", "--seconds", "4"], in: folder).status, 0)
        let run = try genre(["predict", folder + "/data/beat/beat.00000.wav", "--json"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("\"model\" : \"models/genre.safetensors\""), run.stdout)
        XCTAssertEqual(run.stdout.components(separatedBy: "\"genre\" : ").count - 1, 3, run.stdout)  // top 3 of 10 GTZAN genres
    }
}

extension TrainingSettings {
    /// A copy with `change` applied, for expected values.
    func with(_ change: (inout TrainingSettings) -> Void) -> TrainingSettings {
        var copy = self
        change(&copy)
        return copy
    }
}
