import Foundation
import GenreTestSupport
import XCTest

/// `genre predict` over a music library: folder walks, file lists, JSONL and CSV read back, resuming after
/// `kill -9`, shards, threads, and where the default model is found.
final class LibraryCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    /// `lib/`: audio in nested folders, a hard link, a cover picture and a text file, hidden entries, a link loop.
    func makeLibrary() throws -> String {
        let model = try trainSmallModel()
        let setUp = try sh("""
            mkdir -p lib/a/b lib/.git && cp data/beat/beat.00000.wav lib/a/x.wav && cp data/drone/drone.00001.wav lib/a/b/y.wav \
            && cp data/noise/noise.00002.wav lib/z.wav && ln lib/z.wav lib/hard.wav && printf '\\377\\330\\377\\340JFIF' > lib/cover.jpg \
            && echo 'FILE "x.wav" WAVE' > lib/a/album.cue && cp lib/a/x.wav lib/a/.hidden.wav && cp lib/a/x.wav lib/.git/obj.wav \
            && ln -s .. lib/a/b/loop
            """)
        XCTAssertEqual(setUp.status, 0, setUp.stderr)
        return model
    }

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func testAFolderIsWalkedWithEachAudioFileOnceAndTheRestCounted() throws {
        let model = try makeLibrary()
        let run = try genre(["predict", "lib", "--model", model, "--format", "jsonl"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        // Byte order; lib/hard.wav comes before lib/z.wav, the same file; the loop is not followed.
        XCTAssertEqual(try jsonLines(run.stdout).map { $0["file"] as? String }, ["lib/a/b/y.wav", "lib/a/x.wav", "lib/hard.wav"])
        XCTAssertTrue(run.stderr.contains("classified 3 files"), run.stderr)
        XCTAssertTrue(run.stderr.contains("skipped: 2 not audio, 2 hidden, 1 repeated (a hard link or a path given twice), "
                                          + "1 links to nothing, devices or folders already walked (--verbose names them)"), run.stderr)
        let verbose = try genre(["predict", "lib", "--model", model, "--format", "jsonl", "--verbose"], in: folder)
        XCTAssertEqual(verbose.stderr.split(separator: "\n").filter { $0.hasPrefix("skipped lib/") && $0.contains("already walked") }.count, 1,
                       verbose.stderr)
        XCTAssertFalse(run.stderr.contains("error"), run.stderr)
        // Named on its own, a file that is not audio is an error: exit 2, the others still written.
        let named = try genre(["predict", "lib/cover.jpg", "lib/a/x.wav", "--model", model], in: folder)
        XCTAssertEqual(named.status, 2, named.stderr)
        XCTAssertTrue(named.stderr.contains("genre: error: lib/cover.jpg: not a recognised audio file"), named.stderr)
        XCTAssertTrue(named.stdout.hasPrefix("lib/a/x.wav  ("), named.stdout)
    }

    /// The text blocks: file → [(genre, percent as printed)].
    func textResults(_ text: String) -> [(String, [(String, String)])] {
        var results: [(String, [(String, String)])] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("  ") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                results[results.count - 1].1.append((String(parts[0]), String(parts[1])))
            } else {
                results.append((String(line[..<line.range(of: "  (")!.lowerBound]), []))
            }
        }
        return results
    }

    func testJSONLAndCSVReadBackAgreeWithTheText() throws {
        let model = try makeLibrary()
        XCTAssertEqual(try sh("cp lib/a/x.wav 'lib/say \"hi\", twice.wav'").status, 0)
        let text = try genre(["predict", "lib", "--model", model, "--top", "2"], in: folder)
        let jsonl = try genre(["predict", "lib", "--model", model, "--top", "2", "--format", "jsonl"], in: folder)
        let csv = try genre(["predict", "lib", "--model", model, "--top", "2", "--format", "csv", "--output", "out.csv"], in: folder)
        let piped = try genre(["predict", "lib", "--model", model, "--top", "2", "--format", "csv"], in: folder)
        for run in [text, jsonl, csv, piped] { XCTAssertEqual(run.status, 0, run.stderr) }
        XCTAssertEqual(piped.stdout, try String(contentsOfFile: folder + "/out.csv", encoding: .utf8), "header and rows on stdout too")
        let expected = textResults(text.stdout)
        XCTAssertEqual(expected.map(\.0), ["lib/a/b/y.wav", "lib/a/x.wav", "lib/hard.wav", "lib/say \"hi\", twice.wav"])
        let lines = try jsonLines(jsonl.stdout)
        XCTAssertEqual(lines.map { $0["file"] as? String }, expected.map(\.0))
        for (line, (_, top)) in zip(lines, expected) {
            let entries = try XCTUnwrap(line["top"] as? [[String: Any]])
            XCTAssertEqual(entries.map { $0["genre"] as? String }, top.map(\.0))
            XCTAssertEqual(entries.map { String(format: "%.1f", 100 * ($0["probability"] as! Double)) }, top.map(\.1))
            XCTAssertEqual((line["modelFileSHA256"] as? String)?.count, 64)
            XCTAssertEqual(line["options"] as? String, "top=2 segments=no max-duration=all")
            XCTAssertEqual(line["decoder"] as? String, "libsndfile")
        }
        // CSV read by Python's csv module (RFC 4180), not by genre's own reader.
        try Reference.requirePythonSafetensors()
        let parsed = try XCTUnwrap(Reference.runPython("import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))",
                                                       arguments: [folder + "/out.csv"]))
        XCTAssertEqual(parsed.status, 0, parsed.err)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(parsed.out.utf8)) as? [[String]])
        XCTAssertEqual(rows.first, ["file", "genre1", "probability1", "genre2", "probability2", "duration", "segments", "decoder", "size",
                                    "modified", "modelFileSHA256", "options", "relativePath", "warning", "error"])
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, expected.map(\.0))
        for (row, (line, (_, top))) in zip(rows.dropFirst(), zip(lines, expected)) {
            XCTAssertEqual([row[1], row[3]], top.map(\.0))
            XCTAssertEqual([row[2], row[4]].map { String(format: "%.1f", 100 * Double($0)!) }, top.map(\.1))
            let entries = line["top"] as! [[String: Any]]
            // Every digit: the probability is a Float, the same in both (JSONSerialization may round the Double's last digit).
            XCTAssertEqual(Float(row[2]), (entries[0]["probability"] as? Double).map(Float.init), "CSV keeps every digit")
            XCTAssertEqual(row[8], "\(line["size"]!)")
            XCTAssertEqual(row[9], line["modified"] as? String)
        }
    }

    func testFilesFromReadsOddNamesOneEachFromAFileOrStandardInput() throws {
        let model = try trainSmallModel()
        let names = ["-dash.wav", "sp ace.wav", "ünï cödé.wav", "quote\"comma,.wav", "new\nline.wav"]
        for name in names { try FileManager.default.copyItem(atPath: folder + "/data/beat/beat.00000.wav", toPath: folder + "/" + name) }
        try (names.joined(separator: "\0") + "\0").write(toFile: folder + "/list0", atomically: true, encoding: .utf8)
        let nul = try genre(["predict", "--files-from", "list0", "--null", "--model", model, "--format", "jsonl"], in: folder)
        XCTAssertEqual(nul.status, 0, nul.stderr)
        XCTAssertEqual(try jsonLines(nul.stdout).map { $0["file"] as? String }, names)
        // One per line (the name with a line break cannot be listed so), from standard input.
        let piped = try sh("printf '%s\\n' '-dash.wav' 'sp ace.wav' 'ünï cödé.wav' 'missing.wav' "
                           + "| \"$GENRE\" predict --files-from - --model \(model) --format jsonl")
        XCTAssertEqual(piped.status, 2, "missing.wav failed: \(piped.stderr)")
        let lines = try jsonLines(piped.stdout)
        XCTAssertEqual(lines.map { $0["file"] as? String }, ["-dash.wav", "sp ace.wav", "ünï cödé.wav", "missing.wav"])
        XCTAssertEqual(lines[3]["error"] as? String, "missing.wav: no such file")
        XCTAssertTrue(piped.stderr.contains("failed 1: 1 no such file"), piped.stderr)
    }

    func testAResumeAfterKill9HasEachFileExactlyOnce() throws {
        let model = try trainSmallModel()
        let copies = try sh("mkdir lib && for i in $(seq 40); do cp data/drone/drone.00000.wav lib/$i.wav; done")
        XCTAssertEqual(copies.status, 0, copies.stderr)
        let process = genreProcess(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--threads", "1"],
                                   in: folder)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let out = folder + "/out.jsonl"
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").count < 3 { usleep(2000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "killed mid-run")
        var written = try String(contentsOfFile: out, encoding: .utf8)
        let before = written.split(separator: "\n").count
        XCTAssertLessThan(before, 40)
        // A write cut short by the kill: the line's first half.
        written += "{\"file\":\"lib/9.wav\",\"top\":[{\"gen"
        try written.write(toFile: out, atomically: false, encoding: .utf8)
        let again = try genre(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--resume"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("\(before) already in the output (--resume)"), again.stderr)
        let final = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(final.hasSuffix("}\n"), "no partial line")
        let files = try jsonLines(final).map { $0["file"] as! String }
        XCTAssertEqual(files.count, 40)
        XCTAssertEqual(Set(files), Set((1...40).map { "lib/\($0).wav" }))
        // Done: nothing is classified again, the file is unchanged.
        let third = try genre(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl", "--resume"], in: folder)
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), final)
        // Without --resume an existing output is not overwritten.
        let refused = try genre(["predict", "lib", "--model", model, "--format", "jsonl", "--output", "out.jsonl"], in: folder)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "genre: error: out.jsonl: already exists; add --resume to continue it, or remove it to start over\n")
    }

    func testShardsCoverTheInputExactlyOnceBySHA256OfTheRelativePath() throws {
        let model = try trainSmallModel()
        let all = try genre(["predict", "data", "--model", model, "--format", "jsonl"], in: folder)
        XCTAssertEqual(all.status, 0, all.stderr)
        let files = try jsonLines(all.stdout).map { $0["file"] as! String }
        XCTAssertEqual(files.count, 20)
        try Reference.requirePythonSafetensors()
        for n in [2, 3] {
            var seen: [String] = []
            for k in 0..<n {
                let shard = try genre(["predict", "data/", "--model", model, "--format", "jsonl", "--shard", "\(k)/\(n)"], in: folder)
                XCTAssertEqual(shard.status, 0, shard.stderr)
                let mine = try jsonLines(shard.stdout).map { $0["file"] as! String }
                seen += mine
                // The key is the path below the PATH argument: "beat/beat.00000.wav" for data/beat/beat.00000.wav.
                let python = try XCTUnwrap(Reference.runPython(
                    "import hashlib, sys; print('\\n'.join(f for f in sys.argv[3:] if int(hashlib.sha256(f[5:].encode()).hexdigest(), 16) % int(sys.argv[2]) == int(sys.argv[1])))",
                    arguments: ["\(k)", "\(n)"] + files))
                XCTAssertEqual(mine, python.out.split(separator: "\n").map { "data/" + $0.dropFirst(5) }, "shard \(k)/\(n)")
            }
            XCTAssertEqual(seen.sorted(), files.sorted(), "\(n) shards: each file exactly once")
        }
        let wrong = try genre(["predict", "data", "--model", model, "--shard", "3/3"], in: folder)
        XCTAssertEqual(wrong.status, 64)
    }

    func testParallelOutputIsTheSingleThreadedOutputBitForBit() throws {
        let model = try trainSmallModel()
        let long = try sh("mkdir lib && cp data/*/*.wav lib/ && \"$GENRE\" make-dataset long --clips 3 --seconds 40 > /dev/null")
        XCTAssertEqual(long.status, 0, long.stderr)
        let one = try genre(["predict", "lib", "long", "--model", model, "--format", "jsonl", "--segments", "--threads", "1"], in: folder)
        let three = try genre(["predict", "lib", "long", "--model", model, "--format", "jsonl", "--segments", "--threads", "3"], in: folder)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(three.stdout, one.stdout, "order and every digit")
        XCTAssertEqual(try jsonLines(one.stdout).count, 32)
        let unordered = try genre(["predict", "lib", "long", "--model", model, "--format", "jsonl", "--segments", "--unordered"], in: folder)
        XCTAssertEqual(Set(unordered.stdout.split(separator: "\n")), Set(one.stdout.split(separator: "\n")))
        // One file left: its threads work within it, to the same bits.
        let file = "long/arpeggio/arpeggio.00000.wav"
        let single = try genre(["predict", file, "--model", model, "--json", "--threads", "1", "--segments"], in: folder)
        let split = try genre(["predict", file, "--model", model, "--json", "--threads", "2", "--segments"], in: folder)
        XCTAssertEqual(split.stdout, single.stdout)
    }

    func testTheDefaultModelIsFoundInTheDocumentedOrder() throws {
        let trained = try trainSmallModel()
        // An installed copy: PREFIX/bin/genre and PREFIX/share/genre/genre.safetensors.
        let install = try sh("""
            install -D "$GENRE" prefix/bin/genre && install -D -m 644 \(trained) prefix/share/genre/genre.safetensors \
            && install -D -m 644 \(trained) xdg/genre/genre.safetensors && install -D -m 644 \(trained) cwd/models/genre.safetensors \
            && install -D -m 644 \(trained) env.safetensors && install -D -m 644 \(trained) given.safetensors && mkdir home elsewhere
            """)
        XCTAssertEqual(install.status, 0, install.stderr)
        func modelUsed(_ environment: [String: String], in directory: String, arguments: [String] = []) throws -> String {
            let process = genreProcess(["predict", folder + "/data/beat/beat.00000.wav", "--json"] + arguments, in: folder + "/" + directory)
            process.executableURL = URL(fileURLWithPath: folder + "/prefix/bin/genre")
            process.environment = ["HOME": folder + "/home", "PATH": "/usr/bin:/bin"].merging(environment) { $1 }
            let run = try run(process)
            guard run.status == 0 else { return "exit \(run.status): \(run.stderr)" }
            return try XCTUnwrap((JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["model"] as? String)
        }
        let all = ["GENRE_MODEL": folder + "/env.safetensors", "XDG_DATA_HOME": folder + "/xdg"]
        XCTAssertEqual(try modelUsed(all, in: "cwd", arguments: ["--model", folder + "/given.safetensors"]), folder + "/given.safetensors")
        XCTAssertEqual(try modelUsed(all, in: "cwd"), folder + "/env.safetensors")
        XCTAssertEqual(try modelUsed(["XDG_DATA_HOME": folder + "/xdg"], in: "cwd"), "models/genre.safetensors")
        XCTAssertEqual(try modelUsed(["XDG_DATA_HOME": folder + "/xdg"], in: "elsewhere"), folder + "/xdg/genre/genre.safetensors")
        XCTAssertEqual(try modelUsed([:], in: "elsewhere"), folder + "/prefix/share/genre/genre.safetensors")
        // $XDG_DATA_HOME unset: $HOME/.local/share.
        XCTAssertEqual(try sh("install -D -m 644 \(trained) home/.local/share/genre/genre.safetensors").status, 0)
        XCTAssertEqual(try modelUsed([:], in: "elsewhere"), folder + "/home/.local/share/genre/genre.safetensors")
        // $GENRE_MODEL naming nothing is an error, not passed over.
        let missing = try modelUsed(["GENRE_MODEL": folder + "/nothing.safetensors"], in: "cwd")
        XCTAssertTrue(missing.hasPrefix("exit 1: genre: error: \(folder)/nothing.safetensors: not found (named by $GENRE_MODEL)"), missing)
        try FileManager.default.removeItem(atPath: folder + "/prefix/share")
        try FileManager.default.removeItem(atPath: folder + "/home/.local")
        let none = try modelUsed([:], in: "elsewhere")
        XCTAssertTrue(none.hasPrefix("exit 1: genre: error: no model found"), none)
        XCTAssertTrue(none.contains(folder + "/prefix/share/genre/genre.safetensors (the install prefix)"), none)
    }

    /// The README's GNU parallel and Slurm recipes, run as written with local processes standing in for nodes: the
    /// merged JSON Lines hold each file of the library exactly once, as one process would write them.
    func testTheREADMEsClusterRecipesCoverTheLibraryOnce() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else {
            throw Reference.unavailable("GNU parallel (Debian package parallel, in the README's first command)")
        }
        let model = try trainSmallModel()
        let readme = try String(contentsOf: Reference.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "### Shards: the same job across a cluster").dropFirst().first)
            .components(separatedBy: "\n### ")[0]
        let blocks = section.components(separatedBy: "```sh\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        let parallel = try XCTUnwrap(blocks.first { $0.hasPrefix("parallel ") })
        let sbatch = try XCTUnwrap(blocks.first { $0.hasPrefix("#!/bin/bash\n#SBATCH --array=0-15") })
        let one = try genre(["predict", "data", "--model", model, "--format", "jsonl"], in: folder)
        XCTAssertEqual(one.status, 0, one.stderr)
        // Each shard's records say which shard they hold in `options`; the rest is what one process writes.
        func withoutOptions(_ text: String) throws -> [String] {
            try text.split(separator: "\n").map { line in
                var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                object["options"] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }.sorted()
        }
        let expected = try withoutOptions(one.stdout)
        XCTAssertEqual(expected.count, 20)
        // `genre` on the PATH, the model from $GENRE_MODEL; the library is data/ (Music/ for GNU parallel's ~/Music).
        let environment = "export PATH=\"$(dirname \"$GENRE\"):$PATH\" GENRE_MODEL=\(folder)/\(model); "
        let viaParallel = try sh("mkdir p && cd p && ln -s ../data Music && " + environment
                                 + parallel.replacingOccurrences(of: "~/Music", with: "Music"))
        XCTAssertEqual(viaParallel.status, 0, viaParallel.stderr)
        XCTAssertEqual(try withoutOptions(try String(contentsOfFile: folder + "/p/genres.jsonl", encoding: .utf8)),
                       expected.map { $0.replacingOccurrences(of: "\"file\":\"data\\/", with: "\"file\":\"Music\\/") }.sorted())
        try sbatch.replacingOccurrences(of: "/shared/music", with: "data").write(toFile: folder + "/classify.sbatch", atomically: true, encoding: .utf8)
        // Sixteen array tasks at once, as Slurm would start them, each with its own environment.
        let viaSlurm = try sh(environment + "for t in $(seq 0 15); do SLURM_ARRAY_TASK_ID=$t SLURM_ARRAY_TASK_COUNT=16 "
                              + "SLURM_CPUS_PER_TASK=1 bash classify.sbatch & done; wait && cat genres.*.jsonl > genres.jsonl")
        XCTAssertEqual(viaSlurm.status, 0, viaSlurm.stderr)
        XCTAssertEqual(try withoutOptions(try String(contentsOfFile: folder + "/genres.jsonl", encoding: .utf8)), expected)
    }
}
