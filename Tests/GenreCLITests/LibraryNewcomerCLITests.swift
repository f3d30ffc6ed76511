import Foundation
import GenreTestSupport
import XCTest

/// What the newcomer pass of issue 16 found in library runs: resume keyed by names Swift calls equal, by the
/// spelling of the PATH, across shards; two runs on one output; failures out of order; file lists that are pipes.
final class LibraryNewcomerCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func records(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: folder + "/" + path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testResumeTellsApartNamesThatDifferOnlyInNormalisationAndSpellingsOfThePath() throws {
        let model = try trainSmallModel()
        let nfc = "caf\u{E9}.wav", nfd = "cafe\u{301}.wav"
        try FileManager.default.createDirectory(atPath: folder + "/lib/z", withIntermediateDirectories: true)
        for (i, name) in [nfc, nfd, "plain.wav"].enumerated() {
            try FileManager.default.copyItem(atPath: folder + "/data/beat/beat.0000\(i).wav", toPath: folder + "/lib/z/" + name)
        }
        let first = try genre(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try records("out.jsonl").count, 3)
        let again = try genre(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--resume"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        let names = try records("out.jsonl").map { Array(($0["file"] as! String).utf8) }
        XCTAssertEqual(names.count, 3, "both cafés keep their record")
        XCTAssertEqual(Set(names).count, 3)
        // The same library spelt another way (absolute, ./, ../) is the same files: nothing classified again.
        for spelling in [folder + "/lib", "./lib/", "../\(URL(fileURLWithPath: folder).lastPathComponent)/lib"] {
            let run = try genre(["predict", spelling, "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--resume"], in: folder)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stderr.contains("skipped: 3 already in the output (--resume)"), "\(spelling): \(run.stderr)")
            XCTAssertEqual(try records("out.jsonl").count, 3, spelling)
        }
    }

    func testAnOutputIsWrittenByOneRunAtATimeAndNeverAcrossShards() throws {
        let model = try trainSmallModel()
        let lock = try sh("exec 9> out.jsonl.lock && flock -n 9 && echo 4242 >&9 && \"$GENRE\" predict data --model \(model) --format jsonl --output out.jsonl --resume")
        XCTAssertEqual(lock.status, 1, lock.stderr)
        XCTAssertEqual(lock.stderr, "genre: error: out.jsonl: another genre predict (PID 4242) is writing it; wait for it to end or choose another --output\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out.jsonl"))
        let zero = try genre(["predict", "data", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--shard", "0/3"], in: folder)
        XCTAssertEqual(zero.status, 0, zero.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out.jsonl.lock"), "the lock goes with the run")
        let other = try genre(["predict", "data", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--shard", "1/3", "--resume"], in: folder)
        XCTAssertEqual(other.status, 1, other.stderr)
        XCTAssertTrue(other.stderr.contains("shard=0/3"), other.stderr)
    }

    func testFailuresKeepTheirPlaceAndMissingFilesHaveNoSizeOrTime() throws {
        let model = try trainSmallModel()
        let made = try sh("mkdir -p lib/a lib/z && cp data/beat/beat.00000.wav lib/a/first.wav && cp data/beat/beat.00001.wav \"lib/z/$(printf 'caf\\351.wav')\" "
                          + "&& cp data/beat/beat.00002.wav lib/z/last.wav")
        XCTAssertEqual(made.status, 0, made.stderr)
        let run = try genre(["predict", "lib", "nothere.wav", "--model", model, "--format", "jsonl"], in: folder)
        XCTAssertEqual(run.status, 2, run.stderr)
        let lines = try run.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(lines.map { $0["file"] as? String }, ["lib/a/first.wav", "lib/z/caf\\xe9.wav", "lib/z/last.wav", "nothere.wav"])
        XCTAssertNil(lines[3]["size"], "absent when it could not be read")
        XCTAssertNil(lines[3]["modified"])
        // A file list that is a pipe (as `--files-from <(find …)` gives), and one that is a folder.
        let fifo = try sh("mkfifo list && (printf 'lib/a/first.wav\\n' > list &) && \"$GENRE\" predict --files-from list --model \(model) --format jsonl")
        XCTAssertEqual(fifo.status, 0, fifo.stderr)
        XCTAssertTrue(fifo.stdout.contains("\"file\":\"lib/a/first.wav\""), fifo.stdout)
        let folderList = try genre(["predict", "--files-from", "lib", "--model", model], in: folder)
        XCTAssertEqual(folderList.stderr, "genre: error: lib: cannot read the file list: it is a folder\n")
    }

    func testResumeReadsCRLFLinesAndSaysWhatItDrops() throws {
        let model = try trainSmallModel()
        let first = try genre(["predict", "data/beat", "--model", model, "--format", "jsonl", "--output", "out.jsonl"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let crlf = try String(contentsOfFile: folder + "/out.jsonl", encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n") + "{\"file\":\"da"
        try crlf.write(toFile: folder + "/out.jsonl", atomically: false, encoding: .utf8)
        let again = try genre(["predict", "data/beat", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--resume"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("skipped: 5 already in the output (--resume)"), again.stderr)
        XCTAssertTrue(again.stderr.contains("warning: out.jsonl: its last record was cut short (a run stopped mid-write); dropped"), again.stderr)
        XCTAssertEqual(try records("out.jsonl").count, 5)
    }

    func testOutputsAndModelsAsAUserNamesThem() throws {
        let model = try trainSmallModel()
        let dash = try genre(["predict", "data/beat", "--model", model, "--format", "jsonl", "--output", "-"], in: folder)
        XCTAssertEqual(dash.status, 0, dash.stderr)
        XCTAssertEqual(dash.stdout.split(separator: "\n").count, 5, "--output - is standard output")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/-"))
        let nested = try genre(["predict", "data/beat", "--model", model, "--format", "csv", "--output", "new/dir/out.csv"], in: folder)
        XCTAssertEqual(nested.status, 0, nested.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/new/dir/out.csv"))
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        let empty = try genre(["predict", "empty", "--model", model], in: folder)
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("warning: no files to classify in empty"), empty.stderr)
        // An empty folder named beside others is said so (a wrong path, a mount not there), the others classified.
        let beside = try genre(["predict", "empty", "data/beat", "--model", model], in: folder)
        XCTAssertEqual(beside.status, 0, beside.stderr)
        XCTAssertTrue(beside.stderr.contains("warning: empty: no files in this folder"), beside.stderr)
        XCTAssertFalse(beside.stderr.contains("data/beat: no files"), beside.stderr)
        // Text and JSON outputs cannot be continued: an existing one is not met with advice to --resume it.
        for format in ["text", "json"] {
            FileManager.default.createFile(atPath: folder + "/old.\(format)", contents: Data("kept".utf8))
            let again = try genre(["predict", "data/beat", "--model", model, "--format", format, "--output", "old.\(format)"], in: folder)
            XCTAssertEqual(again.status, 1, again.stderr)
            XCTAssertEqual(again.stderr, "genre: error: old.\(format): already exists; remove it or choose another --output\n")
            XCTAssertEqual(try String(contentsOfFile: folder + "/old.\(format)", encoding: .utf8), "kept")
        }
        for (value, message) in [("", "$GENRE_MODEL is set but empty"), (folder + "/data", "\(folder)/data: named by $GENRE_MODEL, is a folder")] {
            let process = genreProcess(["predict", "data/beat/beat.00000.wav"], in: folder)
            process.environment!["GENRE_MODEL"] = value
            let run = try run(process)
            XCTAssertEqual(run.status, 1, run.stderr)
            XCTAssertTrue(run.stderr.contains(message), run.stderr)
        }
    }

    func testAnInterruptedRunSaysWhatIsWrittenAndHowToGoOn() throws {
        let model = try trainSmallModel()
        // 30 s files: the run lasts seconds, so the signal lands mid-run even when a loaded machine wakes this test's
        // polling late (with 3.5 s files a CI run once finished all 60 and died of the signal after its handler was gone).
        XCTAssertEqual(try genre(["make-dataset", "long", "--clips", "3", "--seconds", "30"], in: folder).status, 0)
        XCTAssertEqual(try sh("mkdir lib && for i in $(seq 60); do cp long/drone/drone.00000.wav lib/$i.wav; done").status, 0)
        let process = genreProcess(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--threads", "1"], in: folder)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: folder + "/out.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").count < 2 { usleep(2000) }
        kill(process.processIdentifier, SIGTERM)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(process.terminationStatus, SIGTERM)
        let written = try records("out.jsonl").count
        XCTAssertTrue(stderr.hasSuffix("genre: interrupted after \(written) of 60 files; out.jsonl holds every one finished: run the same "
                                       + "command with --resume to continue\n"), stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out.jsonl.lock"), "the lock is removed")
    }

    /// Second newcomer pass: what a walk cannot look at is a failure, not a link to nothing; resume knows files by what
    /// they are on disk (a copy of the library is another library; a failure of a file not asked for stays); counts
    /// on a resumed run; a full disk keeps complete records only; CRLF file lists.
    func testSecondPassFindingsAboutWalksResumeAndFullDisks() throws {
        let model = try trainSmallModel()
        let made = try sh("mkdir -p lib/a closed/inner && cp data/beat/beat.00000.wav lib/a/x.wav && cp data/beat/beat.00001.wav lib/y.wav "
                          + "&& cp data/beat/beat.00002.wav closed/inner/c.wav && chmod 644 closed/inner && cp -a lib copy")
        XCTAssertEqual(made.status, 0, made.stderr)
        defer { chmod(folder + "/closed/inner", 0o755) }
        // A folder that can be listed but not entered (no x bit): its file is a failure, exit 2 (root ignores the bits).
        if getuid() != 0 {
            let closed = try genre(["predict", "closed", "--model", model, "--format", "jsonl"], in: folder)
            XCTAssertEqual(closed.status, 2, closed.stderr)
            XCTAssertTrue(closed.stderr.contains("closed/inner/c.wav: cannot read: permission denied"), closed.stderr)
        }
        // Past PATH_MAX a path cannot be looked at (what root meets where others meet permissions): a failure, not a
        // link to nothing.
        let name = String(repeating: "d", count: 100)
        let deep = try sh("cp data/beat/beat.00000.wav /tmp/genre-deep-$$.wav && mkdir deep && cd -P deep && for i in $(seq 45); do mkdir \(name) && cd -P \(name) || exit 9; done "
                          + "&& mv /tmp/genre-deep-$$.wav song.wav")
        XCTAssertEqual(deep.status, 0, deep.stderr)
        let tooLong = try genre(["predict", "deep", "--model", model, "--format", "jsonl"], in: folder)
        XCTAssertEqual(tooLong.status, 2, tooLong.stderr)
        // Worded as a file that cannot be read (README: `cannot read: permission denied`), folder or not.
        XCTAssertTrue(tooLong.stderr.contains(": cannot read: file name too long"), tooLong.stderr)
        XCTAssertFalse(tooLong.stderr.contains("symbolic link to nothing"), tooLong.stderr)
        // Failures of files not asked for this time stay; a copy of the library (same relative paths, sizes, times) is
        // another library.
        let first = try genre(["predict", "lib", "missing.wav", "--model", model, "--format", "jsonl", "--output", "out.jsonl"], in: folder)
        XCTAssertEqual(first.status, 2, first.stderr)
        let copy = try genre(["predict", "copy", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--resume"], in: folder)
        XCTAssertEqual(copy.status, 0, copy.stderr)
        XCTAssertEqual(try records("out.jsonl").map { $0["file"] as! String }.sorted(),
                       ["copy/a/x.wav", "copy/y.wav", "lib/a/x.wav", "lib/y.wav", "missing.wav"])
        // Counts on a resumed run are of this run's files and what was there.
        XCTAssertTrue(copy.stderr.contains("classified 2 files"), copy.stderr)
        // A write that fails (here a file size limit standing in for a full disk) leaves complete records only.
        let full = try sh("trap '' XFSZ; ulimit -f 1; \"$GENRE\" predict data --model \(model) --format jsonl --output full.jsonl")
        XCTAssertEqual(full.status, 1, full.stderr)
        let kept = try String(contentsOfFile: folder + "/full.jsonl", encoding: .utf8)
        XCTAssertTrue(kept.isEmpty || kept.hasSuffix("}\n"), "no partial record")
        XCTAssertTrue(full.stderr.contains("full.jsonl: cannot write: File too large; the \(kept.split(separator: "\n").count) records before it are kept"),
                      full.stderr)
        // A file list with CRLF line ends, as Windows tools write it; blank lines in an output are no records.
        try "lib/y.wav\r\n\r\nlib/a/x.wav\r\n".write(toFile: folder + "/list.txt", atomically: true, encoding: .utf8)
        let listed = try genre(["predict", "--files-from", "list.txt", "--model", model, "--format", "jsonl"], in: folder)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertEqual(listed.stdout.split(separator: "\n").count, 2)
        let text = try String(contentsOfFile: folder + "/out.jsonl", encoding: .utf8)
        try text.replacingOccurrences(of: "}\n", with: "}\n\n").write(toFile: folder + "/out.jsonl", atomically: true, encoding: .utf8)
        let blank = try genre(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--resume"], in: folder)
        XCTAssertEqual(blank.status, 0, blank.stderr)
    }

    /// `genre predict lib` into out.jsonl on one thread, SIGTERM delivered by strace right after the third write to
    /// the output; `lib` holds 10 copies of a demo clip and, first, a text file when `withNotes`.
    func predictKilledAfterTheThirdRecord(withNotes: Bool) throws -> Run {
        let model = try trainSmallModel()
        let notes = withNotes ? "echo notes > lib/0-notes.txt && " : ""
        XCTAssertEqual(try sh("mkdir lib && \(notes)for i in $(seq 10); do cp data/drone/drone.00000.wav lib/$i.wav; done").status, 0)
        let process = genreProcess(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--threads", "1",
                                    "-q"], in: folder, signal: "SIGTERM", at: "write", count: 3, path: folder + "/out.jsonl")
        let run = try self.run(process)
        XCTAssertEqual(run.status, SIGTERM, run.stderr)
        XCTAssertEqual(try records("out.jsonl").count, 3)
        return run
    }

    /// A signal that lands just after a record's write waits until the count says so: the message matches the file
    /// exactly (the test above hit this window 1 run in many).
    func testASignalRightAfterARecordsWriteCountsThatRecord() throws {
        let run = try predictKilledAfterTheThirdRecord(withNotes: false)
        XCTAssertTrue(run.stderr.hasSuffix("genre: interrupted after 3 of 10 files; out.jsonl holds every one finished: run the same "
                                           + "command with --resume to continue\n"), run.stderr)
    }

    /// A folder's file that is not audio is counted among the files done but writes no record: the message says how
    /// many records the output holds (third newcomer pass: "after 126 of 132 files" over 124 records, every time).
    func testAnInterruptedWalkSaysHowManyRecordsWhenSomeFilesWereNotAudio() throws {
        let run = try predictKilledAfterTheThirdRecord(withNotes: true)
        XCTAssertTrue(run.stderr.hasSuffix("genre: interrupted after 4 of 11 files; out.jsonl holds every one finished (3 records; 1 was "
                                           + "not audio): run the same command with --resume to continue\n"), run.stderr)
    }

    /// Second newcomer pass: `--threads 256` on a 2-core machine ran, but took 1.8 GB where 2 threads took 129 MB,
    /// and said nothing. More threads than cores are allowed (a shared machine may want them) and warned about,
    /// once, by every command that takes `--threads`; as many as the cores get no warning.
    func testMoreThreadsThanCoresAreWarnedAbout() throws {
        let model = try trainSmallModel()
        let cores = ProcessInfo.processInfo.activeProcessorCount, many = min(256, cores * 4)
        let file = "data/beat/beat.00000.wav"
        let warned = try genre(["predict", file, "--model", model, "--threads", String(many)], in: folder)
        XCTAssertEqual(warned.status, 0, warned.stderr)
        let line = "warning: --threads \(many) is more than the \(cores) cores here: each extra thread adds memory (a file "
            + "and a network workspace), not speed"
        XCTAssertEqual(warned.stderr.components(separatedBy: "\n").filter { $0.contains("--threads") }, [line], warned.stderr)
        for args in [["evaluate", "data", "--model", model], ["train", "data", "--model", "m2.safetensors", "--epochs", "1"]] {
            let run = try genre(args + ["--threads", String(many), "-q"], in: folder)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stderr.contains(line), "\(args[0]): \(run.stderr)")
        }
        let fitting = try genre(["predict", file, "--model", model, "--threads", String(cores)], in: folder)
        XCTAssertEqual(fitting.status, 0, fitting.stderr)
        XCTAssertFalse(fitting.stderr.contains("--threads"), fitting.stderr)
    }
}
