import Foundation
import XCTest

/// File names as people have them (issue 15): names that are not UTF-8, names with a tab or a line break,
/// broken links and copies inside a dataset, and genre folders whose names differ only in Unicode normalisation.
final class FileNamesCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func testPredictSaysAFileNameIsNotValidUTF8AndClassifiesTheOthers() throws {
        let model = try trainSmallModel()
        let copy = try sh("cp data/beat/beat.00000.wav \"$(printf 'caf\\351.wav')\" && cp data/beat/beat.00000.wav good.wav")
        XCTAssertEqual(copy.status, 0, copy.stderr)
        let text = try sh("\"$GENRE\" predict --model \(model) \"$(printf 'caf\\351.wav')\" good.wav")
        XCTAssertEqual(text.status, 2, text.stderr)
        XCTAssertTrue(text.stderr.contains("genre: error: caf\\xe9.wav: file name is not valid UTF-8; genre cannot open it "
                                           + "(rename it, e.g. with convmv -f latin1 -t utf8)"), text.stderr)
        XCTAssertFalse(text.stderr.contains("no such file"), text.stderr)
        XCTAssertTrue(text.stdout.contains("good.wav  ("), text.stdout)
        // A line break in a name is escaped in what is printed: one line per file, one line per error.
        let lines = try sh("cp good.wav \"$(printf 'new\\nline.wav')\" && \"$GENRE\" predict --model \(model) \"$(printf 'new\\nline.wav')\" "
                           + "\"$(printf 'gone\\nfile.wav')\"")
        XCTAssertEqual(lines.status, 2, lines.stderr)
        XCTAssertTrue(lines.stdout.hasPrefix("new\\x0aline.wav  (3.5 s, 1 segment)\n"), lines.stdout)
        XCTAssertEqual(lines.stderr, "genre: error: gone\\x0afile.wav: no such file\n")
        let json = try sh("\"$GENRE\" predict --json --model \(model) \"$(printf 'caf\\351.wav')\" good.wav")
        XCTAssertEqual(json.status, 2, json.stderr)
        let results = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["results"]
            as? [[String: Any]])
        XCTAssertEqual(results.map { $0["file"] as? String }, ["caf\\xe9.wav", "good.wav"])
        XCTAssertTrue((results[0]["error"] as? String ?? "").contains("file name is not valid UTF-8"), "\(results[0])")
        XCTAssertNotNil(results[1]["top"])
        // Any other command given such a path says so instead of "not found".
        let train = try sh("mkdir \"$(printf 'd\\351')\" && \"$GENRE\" train \"$(printf 'd\\351')\"")
        XCTAssertEqual(train.status, 1, train.stderr)
        XCTAssertTrue(train.stderr.contains("genre: error: d\\xe9: file name is not valid UTF-8"), train.stderr)
        XCTAssertFalse(train.stderr.contains("not found"), train.stderr)
    }

    /// Every file of a genre folder that is not used is a skipped file: named with its reason, counted in
    /// "N file(s) skipped" and in JSON `skipped`, and fatal under --strict.
    func testEveryFileLeftOutIsCountedAndStrictRefusesThemAll() throws {
        let make = try genre(["make-dataset", "data", "--clips", "5", "--seconds", "3.5"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let odd = try sh("""
            cd data/beat && cp beat.00000.wav "$(printf 'caf\\351.wav')" && cp beat.00001.wav "$(printf 'tab\\tname.wav')" \
            && cp beat.00002.wav "$(printf 'new\\nline.wav')" && ln -s nowhere.wav gone.wav && cp beat.00003.wav ../noise/copy.wav
            """)
        XCTAssertEqual(odd.status, 0, odd.stderr)
        let train = try genre(["train", "data", "--epochs", "1", "--batch-size", "8"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("5 file(s) skipped (see warnings above)"), train.stdout)
        for expected in ["skipped data/beat/caf\\xe9.wav: file name is not valid UTF-8",
                         "skipped data/beat/tab\\x09name.wav: file name has a tab or line break",
                         "skipped data/beat/new\\x0aline.wav: file name has a tab or line break",
                         "skipped data/beat/gone.wav: not a regular file",
                         "skipped data/noise/copy.wav: same audio as 'beat/beat.00003.wav'"] {
            XCTAssertTrue(train.stderr.contains(expected), "\(expected)\n\(train.stderr)")
        }
        let strict = try genre(["train", "data", "--epochs", "1", "--model", "strict.safetensors", "--strict", "--verbose"], in: folder)
        XCTAssertEqual(strict.status, 1, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("genre: error: data/beat/caf\\xe9.wav: file name is not valid UTF-8 "
                                             + "(--strict: 4 file(s) cannot be used; nothing trained)"), strict.stderr)
        XCTAssertFalse(strict.stderr.contains("beat.00004.wav"), "refused before decoding: \(strict.stderr)")
        // Every file refused is named, not only the first, so that one run lists all there is to fix.
        for name in ["gone.wav: not a regular file", "tab\\x09name.wav: file name", "new\\x0aline.wav: file name"] {
            XCTAssertTrue(strict.stderr.contains("skipped data/beat/" + name), "\(name)\n\(strict.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/strict.safetensors"))
        let onlyCopy = try sh("cd data/beat && rm -f gone.wav \"$(printf 'caf\\351.wav')\" \"$(printf 'tab\\tname.wav')\" "
                              + "\"$(printf 'new\\nline.wav')\"")
        XCTAssertEqual(onlyCopy.status, 0, onlyCopy.stderr)
        let strictCopy = try genre(["train", "data", "--epochs", "1", "--model", "strict.safetensors", "--strict"], in: folder)
        XCTAssertEqual(strictCopy.status, 1, strictCopy.stderr)
        XCTAssertTrue(strictCopy.stderr.contains("genre: error: data/noise/copy.wav: same audio as 'beat/beat.00003.wav', "
                                                 + "which is filed under another genre (--strict: 1 file(s) cannot be used; nothing trained)"), strictCopy.stderr)
        let crossval = try genre(["crossval", "data", "--folds", "2", "--epochs", "1", "--batch-size", "8", "--json"], in: folder)
        XCTAssertEqual(crossval.status, 0, crossval.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(crossval.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((report["skipped"] as? [String])?.count, 1, "\(report["skipped"] ?? "none")")
    }

    /// Genre folders NFC "m\u{FA}sica" and NFD "mu\u{301}sica": kept apart by the file system, equal to Swift. The
    /// dataset is refused before decoding, naming both, and the model already at --model is untouched.
    func testGenreFoldersDifferingOnlyInNormalisationAreRefusedAndTheModelKept() throws {
        let make = try genre(["make-dataset", "data", "--clips", "5", "--seconds", "3.5"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let first = try genre(["train", "data", "--epochs", "1", "--batch-size", "8", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try Data(contentsOf: URL(fileURLWithPath: folder + "/m.safetensors"))
        let tree = try sh("""
            mkdir -p two && cp -r data/beat two/beat && cp -r data/drone "two/$(printf 'm\\303\\272sica')" \
            && cp -r data/noise "two/$(printf 'mu\\314\\201sica')"
            """)
        XCTAssertEqual(tree.status, 0, tree.stderr)
        let second = try genre(["train", "two", "--epochs", "1", "--batch-size", "8", "--model", "m.safetensors", "--verbose"],
                               in: folder)
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("genre: error: two: the genre folders 'mu\u{301}sica' (bytes mu\\xcc\\x81sica) and "
                                             + "'m\u{FA}sica' (bytes m\\xc3\\xbasica) differ only in Unicode normalisation"),
                      second.stderr)
        XCTAssertFalse(second.stderr.contains("beat.00000.wav"), "refused before decoding: \(second.stderr)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/m.safetensors")), before)
        let info = try genre(["info", "m.safetensors"], in: folder)
        XCTAssertEqual(info.status, 0, info.stderr)
    }

    /// A genre folder renamed from NFC to NFD after training (what a copy through macOS or some rsync setups
    /// does) is still the same genre to genre: evaluate finds every file of the model's test split in it.
    func testEvaluateFindsTheSplitsFilesAfterAGenreFolderChangedNormalisation() throws {
        let make = try genre(["make-dataset", "data", "--clips", "5", "--seconds", "3.5"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let nfc = try sh("mv data/drone \"data/$(printf 'm\\303\\272sica')\"")
        XCTAssertEqual(nfc.status, 0, nfc.stderr)
        let train = try genre(["train", "data", "--epochs", "1", "--batch-size", "8", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        let before = try genre(["evaluate", "data", "--model", "m.safetensors", "--json"], in: folder)
        XCTAssertEqual(before.status, 0, before.stderr)
        let nfd = try sh("mv \"data/$(printf 'm\\303\\272sica')\" \"data/$(printf 'mu\\314\\201sica')\"")
        XCTAssertEqual(nfd.status, 0, nfd.stderr)
        let after = try genre(["evaluate", "data", "--model", "m.safetensors", "--json"], in: folder)
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertFalse(after.stderr.contains("skipped"), after.stderr)
        XCTAssertFalse(after.stderr.contains("missing"), after.stderr)
        func clips(_ run: Run) throws -> Int? {
            (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["clips"] as? Int
        }
        XCTAssertEqual(try clips(after), try clips(before))
        XCTAssertEqual(try clips(after), 4, "one test clip per genre")
    }
}
