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

        let resumed = try genre(["train", "data", "--model", "m.safetensors", "--resume", "--threads", "2"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertFalse(resumed.stderr.contains("warning: --resume"), "no option was typed: \(resumed.stderr)")
        XCTAssertTrue(resumed.stdout.contains("resuming from m.checkpoint.safetensors"), resumed.stdout)
        for leftover in ["m.checkpoint.safetensors", "m.lock"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/" + leftover), leftover)
        }
    }

    func testResumeNamesTheOptionsTypedThatItIgnores() throws {
        let make = try genre(["make-dataset", "data", "--clips", "3", "--seconds", "3"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let plain = try genre(["train", "data", "--model", "m.safetensors", "--resume"], in: folder)
        XCTAssertEqual(plain.status, 1, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("warning:"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("no checkpoint to resume from"), plain.stderr)
        let typed = try genre(["train", "data", "--model", "m.safetensors", "--resume", "--epochs", "9", "--no-augment",
                               "--n-mels", "64", "--threads", "1"], in: folder)
        XCTAssertEqual(typed.status, 1, typed.stderr)
        XCTAssertTrue(typed.stderr.contains("warning: --resume continues with the checkpoint's training and feature settings; "
                                            + "ignored: --n-mels 64, --epochs 9, --no-augment"), typed.stderr)
    }
}
