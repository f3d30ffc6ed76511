import Foundation
import XCTest

/// Runs that meet (issue 15): a second `train` on a model another run is writing is refused at once, naming
/// that run's PID; Ctrl-C (SIGINT) or `kill` (SIGTERM) ends the progress line and says that `--resume`
/// continues; `--resume` warns only about options actually typed, naming them.
final class TrainingRunsCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    /// Waits until `path` exists in the test's folder (true), or `process` ends or `seconds` pass (false).
    func waitFor(_ path: String, while process: Process, seconds: Double = 300) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, process.isRunning {
            if FileManager.default.fileExists(atPath: folder + "/" + path) { return true }
            usleep(50_000)
        }
        return FileManager.default.fileExists(atPath: folder + "/" + path)
    }

    /// The `__metadata__` of a safetensors file (8-byte little-endian header length, then JSON).
    func metadata(_ path: String) throws -> [String: String] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<8 + length)) as? [String: Any])
        return try XCTUnwrap(header["__metadata__"] as? [String: String])
    }

    func testASecondRunIsRefusedNamingTheFirstAndCtrlCSaysHowToResume() throws {
        // Clips long enough that an epoch on one thread lasts a few seconds: the first run is still training when
        // the second starts and when it is interrupted.
        let make = try genre(["make-dataset", "data", "--clips", "10", "--seconds", "30"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        // An earlier model at the path, as when a model is retrained (a link to it is then not a broken link).
        let earlier = try genre(["train", "data", "--model", "m.safetensors", "--epochs", "1", "--quiet"], in: folder)
        XCTAssertEqual(earlier.status, 0, earlier.stderr)
        let first = genreProcess(["train", "data", "--model", "m.safetensors", "--epochs", "4", "--threads", "1"], in: folder)
        let out = Pipe(), err = Pipe()
        first.standardOutput = out
        first.standardError = err
        try first.run()
        XCTAssertTrue(waitFor("m.checkpoint.safetensors", while: first), "the first run wrote no checkpoint")
        XCTAssertTrue(first.isRunning, "the first run ended too early for this test")

        let second = try genre(["train", "data", "--model", "m.safetensors", "--epochs", "1"], in: folder)
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("genre: error: m.safetensors: another genre train (PID \(first.processIdentifier)) "
                                             + "is writing this model; wait for it to end or choose another --model"), second.stderr)
        XCTAssertEqual(try String(contentsOfFile: folder + "/m.lock", encoding: .utf8), "\(first.processIdentifier)\n")
        // The same model through a symbolic link is the same model: locked too.
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.safetensors", withDestinationPath: "m.safetensors")
        let viaLink = try genre(["train", "data", "--model", "link.safetensors", "--epochs", "1"], in: folder)
        XCTAssertEqual(viaLink.status, 1, viaLink.stderr)
        XCTAssertTrue(viaLink.stderr.contains("another genre train (PID \(first.processIdentifier))"), viaLink.stderr)
        XCTAssertTrue(try metadata("m.checkpoint.safetensors")["owner"]?.contains("PID \(first.processIdentifier)") ?? false)

        first.interrupt()  // SIGINT, as Ctrl-C sends
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        first.waitUntilExit()
        XCTAssertEqual(first.terminationReason, .uncaughtSignal, "dies of the signal, as the shell expects")
        XCTAssertEqual(first.terminationStatus, SIGINT)
        XCTAssertNotNil(stderr.range(of: #"genre: interrupted after epoch [1-3] of 4: its checkpoint m\.checkpoint\.safetensors is kept; "#
                                     + #"run the same command with --resume to continue\n$"#, options: .regularExpression), stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/m.checkpoint.safetensors"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/m.lock"), "the lock file goes with its run")

        let resumed = try genre(["train", "data", "--model", "m.safetensors", "--resume", "--threads", "2", "--epochs", "9",
                                 "--no-augment"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("warning: --resume continues with the checkpoint's training and feature settings; "
                                              + "ignored: --epochs 9, --no-augment"), resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming from m.checkpoint.safetensors"), resumed.stdout)
        for leftover in ["m.checkpoint.safetensors", "m.lock"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/" + leftover), leftover)
        }
    }

    /// Without a checkpoint, --resume has nothing to continue: one error line, no warning about the options typed
    /// beside it; a damaged checkpoint is named as such. The warning itself: `testASecondRun…` (typed) and
    /// `CLITests.testKillNine…` (none typed).
    func testResumeWithoutAUsableCheckpointIsOneLine() throws {
        let make = try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        for typed in [[], ["--epochs", "9", "--no-augment", "--n-mels", "64"]] {
            let run = try genre(["train", "data", "--model", "m.safetensors", "--resume"] + typed, in: folder)
            XCTAssertEqual(run.status, 1, run.stderr)
            XCTAssertEqual(run.stderr, "genre: error: m.checkpoint.safetensors: no checkpoint to resume from (a run writes one after "
                           + "each epoch and removes it when its model is written)\n")
        }
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: folder + "/m.checkpoint.safetensors"))
        let damaged = try genre(["train", "data", "--model", "m.safetensors", "--resume"], in: folder)
        XCTAssertEqual(damaged.status, 1, damaged.stderr)
        XCTAssertTrue(damaged.stderr.hasPrefix("genre: error: m.checkpoint.safetensors: not a usable checkpoint: "), damaged.stderr)
    }

    /// A run whose model could not be written after its last epoch keeps that epoch's checkpoint; --resume then
    /// writes the model and removes the checkpoint it resumed from (it had no epoch left to write one of its own).
    func testResumingTheLastEpochsCheckpointRemovesIt() throws {
        let make = try genre(["make-dataset", "data", "--clips", "10", "--seconds", "30"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let first = genreProcess(["train", "data", "--model", "m.safetensors", "--epochs", "2", "--threads", "1", "--quiet"], in: folder)
        let err = Pipe()
        first.standardOutput = FileHandle.nullDevice
        first.standardError = err
        try first.run()
        XCTAssertTrue(waitFor("m.checkpoint.safetensors", while: first), "the first run wrote no checkpoint")
        // A folder where the model goes: the last epoch's checkpoint is written, then the model cannot be.
        try FileManager.default.createDirectory(atPath: folder + "/m.safetensors", withIntermediateDirectories: false)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 1, stderr)
        XCTAssertTrue(stderr.contains("m.safetensors: cannot write: is a folder"), stderr)
        // The error says what it kept, instead of leaving the next plain run to find it.
        XCTAssertTrue(stderr.hasSuffix("; its checkpoint m.checkpoint.safetensors (after epoch 2 of 2) is kept: "
                                       + "run the same command with --resume once that is fixed\n"), stderr)
        XCTAssertEqual(try metadata("m.checkpoint.safetensors")["completed_epochs"], "2")
        try FileManager.default.removeItem(atPath: folder + "/m.safetensors")
        let resumed = try genre(["train", "data", "--model", "m.safetensors", "--resume", "--quiet"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(resumed.stderr, "", "no setting typed (--quiet is none): no warning")
        XCTAssertTrue(resumed.stdout.contains("model written to m.safetensors"), resumed.stdout)
        for leftover in ["m.checkpoint.safetensors", "m.lock"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/" + leftover), leftover)
        }
        let again = try genre(["train", "data", "--model", "m.safetensors", "--epochs", "1"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
    }

    /// A file of the user's at `<name>.lock` is not genre's to overwrite or delete.
    func testALockFileThatIsNotGenresIsLeftAlone() throws {
        let make = try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        try Data("my notes\n".utf8).write(to: URL(fileURLWithPath: folder + "/m.lock"))
        let run = try genre(["train", "data", "--model", "m.safetensors", "--epochs", "1"], in: folder)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(run.stderr, "genre: error: m.lock: exists and is not genre's lock file; not overwriting it "
                       + "(remove it or choose another --model)\n")
        XCTAssertEqual(try String(contentsOfFile: folder + "/m.lock", encoding: .utf8), "my notes\n")
    }

    /// Ctrl-C (SIGINT, delivered by strace at an exact system call) while a checkpoint or the model is being
    /// written waits for the write to finish, then says what is on disk; no temporary file is left.
    func testCtrlCWhileWritingWaitsForTheWriteAndSaysWhatIsOnDisk() throws {
        let make = try genre(["make-dataset", "data", "--clips", "4", "--seconds", "3"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        func interrupted(at call: String, _ count: Int, epochs: Int) throws -> Run {
            let process = genreProcess(["train", "data", "--model", "m.safetensors", "--epochs", "\(epochs)", "--quiet", "--no-cache"],
                                       in: folder, signal: "SIGINT", at: call, count: count)
            let run = try self.run(process)
            let hidden = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
            XCTAssertEqual(hidden, [], "\(call) #\(count): temporary files left")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/m.lock"), "\(call) #\(count)")
            return run
        }
        // fsync #1 and rename #1: the temporary file and the rename of the first checkpoint.
        for call in ["fsync", "rename"] {
            let run = try interrupted(at: call, 1, epochs: 2)
            XCTAssertEqual(run.status, SIGINT, run.stderr)
            XCTAssertTrue(run.stderr.hasSuffix("genre: interrupted after epoch 1 of 2: its checkpoint m.checkpoint.safetensors is kept; "
                                               + "run the same command with --resume to continue\n"), "\(call): \(run.stderr)")
            XCTAssertEqual(try metadata("m.checkpoint.safetensors")["completed_epochs"], "1")
            try FileManager.default.removeItem(atPath: folder + "/m.checkpoint.safetensors")
        }
        // rename #3 of a one-epoch run: the model's (after the checkpoint's and the staged split list's).
        let run = try interrupted(at: "rename", 3, epochs: 1)
        XCTAssertEqual(run.status, SIGINT, run.stderr)
        XCTAssertTrue(run.stderr.hasSuffix("genre: interrupted after the model was written: m.safetensors, with its split list "
                                           + "m.split.tsv; nothing is left to resume\n"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/m.checkpoint.safetensors"))
        let evaluate = try genre(["evaluate", "data", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(evaluate.status, 0, "the split list matches the model: \(evaluate.stderr)")
    }

    /// A --model that is a symbolic link to a model in another folder: every file of the run (split list, curves,
    /// checkpoint, lock) goes beside the model the link names, so the model and its split list stay a pair
    /// whichever path later commands are given.
    func testAModelReachedThroughALinkKeepsItsFilesBesideIt() throws {
        let make = try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let first = try genre(["train", "data", "--model", "real/m.safetensors", "--epochs", "1", "--quiet"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        try FileManager.default.createDirectory(atPath: folder + "/links", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/links/l.safetensors", withDestinationPath: folder + "/real/m.safetensors")
        let viaLink = try genre(["train", "data", "--model", "links/l.safetensors", "--epochs", "1", "--seed", "4", "--quiet"], in: folder)
        XCTAssertEqual(viaLink.status, 0, viaLink.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/links"), ["l.safetensors"])
        for model in ["real/m.safetensors", "links/l.safetensors"] {
            let evaluate = try genre(["evaluate", "data", "--model", model], in: folder)
            XCTAssertEqual(evaluate.status, 0, "\(model): \(evaluate.stderr)")
        }
    }

    /// The lock file is never reached through a symbolic link, and an empty file there is not genre's either.
    func testALinkOrAnEmptyFileAtTheLockPathIsRefused() throws {
        let make = try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        try FileManager.default.createSymbolicLink(atPath: folder + "/m.lock", withDestinationPath: folder + "/elsewhere.txt")
        let link = try genre(["train", "data", "--model", "m.safetensors", "--epochs", "1"], in: folder)
        XCTAssertEqual(link.status, 1, link.stderr)
        XCTAssertTrue(link.stderr.contains("m.lock: exists and is not genre's lock file"), link.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/elsewhere.txt"))
        try FileManager.default.removeItem(atPath: folder + "/m.lock")
        XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/m.lock", contents: Data()))
        let empty = try genre(["train", "data", "--model", "m.safetensors", "--epochs", "1"], in: folder)
        XCTAssertEqual(empty.status, 1, empty.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/m.lock"))
    }
}
