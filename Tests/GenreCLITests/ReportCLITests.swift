import Foundation
import FoundationXML
import GenreModel
import GenreReports
import GenreTestSupport
import XCTest

/// The report files of `evaluate` and `crossval`, the JSON documents against the README's schema tables,
/// and progress output on a terminal, in a pipe and under --quiet.
final class ReportCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func elements(_ node: XMLNode, _ xpath: String) throws -> [XMLElement] {
        try node.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    func attribute(_ e: XMLElement, _ name: String) -> String? { e.attributes?.first { $0.name == name }?.stringValue }

    /// (true, predicted) → count, read from the heatmap cells of an SVG or HTML document.
    func cellCounts(_ document: XMLDocument) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for cell in try elements(document, "//*[local-name()='g'][@class='cell']") {
            let key = "\(attribute(cell, "data-true") ?? "?")>\(attribute(cell, "data-predicted") ?? "?")"
            XCTAssertNil(counts[key], "one cell per entry: \(key)")
            let shown = try elements(cell, "*[local-name()='text'][@class='count']").first?.stringValue
            counts[key] = Int(shown ?? "")
        }
        return counts
    }

    func expectedCells(_ classes: [String], _ matrix: [[Int]]) -> [String: Int] {
        var expected: [String: Int] = [:]
        for (t, row) in matrix.enumerated() { for (p, c) in row.enumerated() { expected["\(classes[t])>\(classes[p])"] = c } }
        return expected
    }

    func testEvaluateAndCrossvalWriteTheReportThePictureAndTheCSVFiles() throws {
        let model = try trainSmallModel()
        let run = try genre(["evaluate", "data", "--model", model, "--split", "all", "--json", "--report", "out/r.html",
                             "--confusion-svg", "out/c.svg", "--csv", "out/csv"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(run.stdout.utf8))
        let expected = expectedCells(report.classes, report.confusionMatrix)

        let svg = try XMLDocument(contentsOf: URL(fileURLWithPath: folder + "/out/c.svg"))
        XCTAssertEqual(try cellCounts(svg), expected)
        XCTAssertEqual(try elements(svg, "//*[@class='true-label']").map(\.stringValue), report.classes)
        XCTAssertEqual(try elements(svg, "//*[@class='predicted-label']").map(\.stringValue), report.classes)

        let html = try String(contentsOfFile: folder + "/out/r.html", encoding: .utf8)
        XCTAssertFalse(html.contains("<script"))
        let page = try XMLDocument(data: Data(html.utf8))
        XCTAssertEqual(try cellCounts(page), expected)
        let text = page.rootElement()?.stringValue ?? ""
        for name in report.classes { XCTAssertTrue(text.contains(name), name) }
        XCTAssertTrue(text.contains(String(format: "%.1f %%", 100 * report.clipAccuracy)), "summary accuracy")
        let misses = report.predictions.filter { $0.genre != $0.predicted }
        let missRows = try elements(page, "//*[local-name()='table'][@id='misclassified']/*[local-name()='tr']").dropFirst()
        XCTAssertEqual(missRows.count, misses.count)
        // The model's 3-epoch history drawn: train and validation, loss and accuracy, 3 points each.
        let lines = try elements(page, "//*[local-name()='polyline']")
        XCTAssertEqual(lines.count, 4)
        for line in lines { XCTAssertEqual(attribute(line, "points")?.split(separator: " ").count, 3) }
        let csv = try String(contentsOfFile: folder + "/out/csv/confusion_matrix.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 1 + report.classes.count)

        // Text mode names what it wrote; a second run replaces genre's own files.
        let again = try genre(["evaluate", "data", "--model", model, "--split", "all", "--report", "out/r.html",
                               "--confusion-svg", "out/c.svg", "--csv", "out/csv"], in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("report out/r.html"), again.stdout)
        XCTAssertTrue(again.stdout.contains("confusion matrix picture out/c.svg"), again.stdout)

        // Someone else's file is not replaced, and nothing is scored before saying so.
        try "my notes".write(toFile: folder + "/notes.html", atomically: true, encoding: .utf8)
        for (option, path, message) in [("--report", "notes.html", "notes.html: exists and is not a genre report"),
                                        ("--confusion-svg", "notes.html", "notes.html: exists and is not a genre confusion matrix"),
                                        ("--report", "data/r.html", "inside the dataset folder")] {
            let refused = try genre(["evaluate", "data", "--model", model, "--split", "all", option, path], in: folder)
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
            XCTAssertEqual(refused.stdout, "")
        }
        XCTAssertEqual(try String(contentsOfFile: folder + "/notes.html", encoding: .utf8), "my notes")
        // A CSV file of someone else's, and two options naming one file (through "./" or --csv's folder).
        try FileManager.default.createDirectory(atPath: folder + "/mine", withIntermediateDirectories: true)
        try "my table".write(toFile: folder + "/mine/per_class.csv", atomically: true, encoding: .utf8)
        for (arguments, message) in [(["--csv", "mine"], "--csv mine/per_class.csv: exists and is not a genre per_class.csv"),
                                     (["--report", "s.html", "--confusion-svg", "./s.html"],
                                      "--confusion-svg ./s.html: the same file as --report s.html"),
                                     (["--csv", "fresh", "--report", "fresh/per_class.csv"],
                                      "--csv fresh/per_class.csv: the same file as --report fresh/per_class.csv")] {
            let refused = try genre(["evaluate", "data", "--model", model, "--split", "all"] + arguments, in: folder)
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
            XCTAssertEqual(refused.stdout, "", "refused before scoring")
        }
        XCTAssertEqual(try String(contentsOfFile: folder + "/mine/per_class.csv", encoding: .utf8), "my table")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/s.html"))
        // An empty --csv, broken links on the way, and a page that only quotes genre's marker are refused
        // before any work too.
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: folder + "/dangling", withDestinationPath: folder + "/nowhere/dir")
        try fm.createSymbolicLink(atPath: folder + "/dangling.html", withDestinationPath: folder + "/nowhere.html")
        try "<html><body>\n<p>how genre marks its pages: <!-- genre report --></p>\n".write(
            toFile: folder + "/quoted.html", atomically: true, encoding: .utf8)
        for (arguments, message) in [(["--csv", ""], "--csv: output folder is empty"),
                                     (["--report", "dangling/r.html"], "dangling is a broken symbolic link"),
                                     (["--csv", "dangling/csv"], "dangling is a broken symbolic link"),
                                     (["--report", "dangling.html"], "dangling.html is a broken symbolic link"),
                                     (["--report", "quoted.html"], "quoted.html: exists and is not a genre report")] {
            let refused = try genre(["evaluate", "data", "--model", model, "--split", "all"] + arguments, in: folder)
            XCTAssertEqual(refused.status, 1, "\(arguments): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
            XCTAssertEqual(refused.stdout, "", "refused before scoring")
        }
        XCTAssertTrue(try String(contentsOfFile: folder + "/quoted.html", encoding: .utf8).hasPrefix("<html><body>\n<p>how genre"))
        // A link to one of genre's reports is written through; the link stays a link.
        try fm.createSymbolicLink(atPath: folder + "/latest.html", withDestinationPath: "out/r.html")
        let through = try genre(["evaluate", "data", "--model", model, "--split", "test", "--report", "latest.html"], in: folder)
        XCTAssertEqual(through.status, 0, through.stderr)
        XCTAssertEqual(try fm.destinationOfSymbolicLink(atPath: folder + "/latest.html"), "out/r.html")
        XCTAssertTrue(try String(contentsOfFile: folder + "/out/r.html", encoding: .utf8).contains("<td>test</td>"),
                      "the target now holds the test-split report")
        // Folders that do not exist yet are made.
        let deep = try genre(["evaluate", "data", "--model", model, "--split", "all", "--report", "new/a/r.html",
                              "--confusion-svg", "other/c.svg"], in: folder)
        XCTAssertEqual(deep.status, 0, deep.stderr)
        XCTAssertNoThrow(try XMLDocument(contentsOf: URL(fileURLWithPath: folder + "/new/a/r.html")))
        XCTAssertNoThrow(try XMLDocument(contentsOf: URL(fileURLWithPath: folder + "/other/c.svg")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/data/r.html"))

        // Cross-validation: the summed matrix, every fold's curves and folds.csv.
        let cv = try genre(["crossval", "data", "--folds", "2", "--epochs", "2", "--batch-size", "8", "--json",
                            "--report", "cv.html", "--confusion-svg", "cv.svg", "--csv", "cv"], in: folder)
        XCTAssertEqual(cv.status, 0, cv.stderr)
        let cvReport = try JSONDecoder().decode(CrossValidationReport.self, from: Data(cv.stdout.utf8))
        let cvPage = try XMLDocument(contentsOf: URL(fileURLWithPath: folder + "/cv.html"))
        let cvExpected = expectedCells(cvReport.classNames, cvReport.confusion.counts)
        XCTAssertEqual(try cellCounts(cvPage), cvExpected)
        XCTAssertEqual(try cellCounts(try XMLDocument(contentsOf: URL(fileURLWithPath: folder + "/cv.svg"))), cvExpected)
        XCTAssertEqual(try elements(cvPage, "//*[local-name()='polyline'][@class='train']").count, 2 * 2, "2 folds × 2 panels")
        XCTAssertEqual(cvReport.folds.map(\.history.count), [2, 2])
        let folds = try String(contentsOfFile: folder + "/cv/folds.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(folds.count, 3)
        XCTAssertEqual(folds[1].split(separator: ",").first, "0")
        XCTAssertEqual(Double(folds[1].split(separator: ",")[5]), cvReport.folds[0].clipAccuracy)
    }

    // MARK: JSON against the README

    /// The README's table under the heading line "`genre <command> --json`:": documented paths and whether
    /// each is optional or an open object.
    func documentedSchema(_ command: String) throws -> (paths: Set<String>, optional: Set<String>, open: Set<String>) {
        let readme = Reference.repository.appendingPathComponent("README.md")
        let lines = try String(contentsOf: readme, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try XCTUnwrap(lines.firstIndex(of: "`genre \(command) --json`:"), "README documents \(command) --json")
        var paths = Set<String>(), optional = Set<String>(), open = Set<String>()
        for line in lines[(start + 1)...].drop(while: { !$0.hasPrefix("|") }).prefix(while: { $0.hasPrefix("|") }) {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, cells[1] != "field", !cells[1].hasPrefix("---") else { continue }
            let names = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            for name in names {
                paths.insert(name)
                if cells[2].contains("optional") { optional.insert(name) }
                if cells[2].contains("(open)") { open.insert(name) }
            }
        }
        XCTAssertFalse(paths.isEmpty)
        return (paths, optional, open)
    }

    /// Every path in a JSON value: `a.b` for object members, `a[]` for array elements (arrays of arrays and
    /// of scalars add nothing below `a`).
    func jsonPaths(_ value: Any, _ prefix: String = "", into paths: inout Set<String>) {
        if let object = value as? [String: Any] {
            for (key, member) in object {
                let path = prefix.isEmpty ? key : prefix + "." + key
                paths.insert(path)
                jsonPaths(member, path, into: &paths)
            }
        } else if let array = value as? [Any] {
            for element in array where element is [String: Any] {
                paths.insert(prefix + "[]")
                jsonPaths(element, prefix + "[]", into: &paths)
            }
        }
    }

    /// Every field printed is documented (or inside an open object), and every required documented field is
    /// printed.
    func checkAgainstREADME(_ command: String, _ json: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let schema = try documentedSchema(command)
        var actual = Set<String>()
        jsonPaths(try JSONSerialization.jsonObject(with: Data(json.utf8)), into: &actual)
        let undocumented = actual.filter { path in
            !schema.paths.contains(path) && !schema.paths.contains(path + "[]") && !schema.open.contains { path.hasPrefix($0 + ".") }
                && !(path.hasSuffix("[]") && schema.paths.contains { $0.hasPrefix(path + ".") })
        }
        XCTAssertEqual(undocumented.sorted(), [], "\(command): printed but not in the README", file: file, line: line)
        // A documented "a[]" row names the array's elements: present when "a" has an object element.
        let required = schema.paths.subtracting(schema.optional).filter { path in
            !schema.optional.contains { path.hasPrefix($0 + ".") || path.hasPrefix($0 + "[]") }
        }
        let missing = required.filter { !actual.contains($0) }
        XCTAssertEqual(missing.sorted(), [], "\(command): in the README but not printed", file: file, line: line)
    }

    func testJSONOutputsMatchTheSchemasInTheREADME() throws {
        let model = try trainSmallModel()
        try "not audio".write(toFile: folder + "/bad.wav", atomically: true, encoding: .utf8)
        let predict = try genre(["predict", "data/beat/beat.00001.wav", "bad.wav", "--model", model, "--segments", "--json",
                                 "--min-confidence", "0.5"], in: folder)
        XCTAssertEqual(predict.status, 2, "one file failed")
        try checkAgainstREADME("predict", predict.stdout)
        let evaluate = try genre(["evaluate", "data", "--model", model, "--split", "all", "--json", "--min-confidence", "0.5"], in: folder)
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        try checkAgainstREADME("evaluate", evaluate.stdout)
        let crossval = try genre(["crossval", "data", "--folds", "2", "--epochs", "1", "--batch-size", "8", "--json"], in: folder)
        XCTAssertEqual(crossval.status, 0, crossval.stderr)
        try checkAgainstREADME("crossval", crossval.stdout)
        let info = try genre(["info", model, "--json"], in: folder)
        XCTAssertEqual(info.status, 0, info.stderr)
        try checkAgainstREADME("info", info.stdout)
        let bench = try genre(["bench", "--runs", "1", "--batch-size", "4", "--json"], in: folder)
        XCTAssertEqual(bench.status, 0, bench.stderr)
        try checkAgainstREADME("bench", bench.stdout)
        // Both commands carry the class list under both names (issue 18), the same list.
        let evaluated = try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as! [String: Any]
        let crossvalidated = try JSONSerialization.jsonObject(with: Data(crossval.stdout.utf8)) as! [String: Any]
        for object in [evaluated, crossvalidated] {
            XCTAssertEqual(object["classes"] as? [String], ["arpeggio", "beat", "drone", "noise"])
            XCTAssertEqual(object["classNames"] as? [String], object["classes"] as? [String])
        }
        // crossval --help says what the folds train on (it once read as training on 15 % of them).
        let help = try genre(["crossval", "--help"], in: folder)
        XCTAssertTrue(help.stdout.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
                        .contains("85 % of their files train it and 15 % (stratified) pick its best epoch"), help.stdout)
        // And each decodes into its Swift type.
        XCTAssertNoThrow(try JSONDecoder().decode(EvaluationReport.self, from: Data(evaluate.stdout.utf8)))
        XCTAssertNoThrow(try JSONDecoder().decode(CrossValidationReport.self, from: Data(crossval.stdout.utf8)))
        XCTAssertNoThrow(try JSONDecoder().decode(ModelInfo.self, from: Data(info.stdout.utf8)))
    }

    // MARK: Progress

    // Glibc's module map hides the pseudo-terminal calls (they need _XOPEN_SOURCE); bind them by name.
    @_silgen_name("posix_openpt") private static func openPTY(_ flags: Int32) -> Int32
    @_silgen_name("grantpt") private static func grantPTY(_ fd: Int32) -> Int32
    @_silgen_name("unlockpt") private static func unlockPTY(_ fd: Int32) -> Int32
    @_silgen_name("ptsname") private static func nameOfPTY(_ fd: Int32) -> UnsafeMutablePointer<CChar>?

    /// Runs genre with stderr on a pseudo-terminal (stdout a pipe); returns what the terminal received.
    func genreOnTerminal(_ arguments: [String]) throws -> Run {
        let master = Self.openPTY(O_RDWR | O_NOCTTY)
        guard master >= 0, Self.grantPTY(master) == 0, Self.unlockPTY(master) == 0, let name = Self.nameOfPTY(master) else {
            throw Reference.unavailable("no pseudo-terminal here")
        }
        defer { close(master) }
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw Reference.unavailable("cannot open \(String(cString: name))") }
        let process = genreProcess(arguments, in: folder)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        try process.run()
        close(slave)
        // The terminal is read while the child writes (its buffer is small); read() fails with EIO once the
        // child has exited and no one holds the slave side.
        final class Box: @unchecked Sendable { var data = Data() }
        let received = Box()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { break }
                received.data.append(contentsOf: buffer[0..<n])
            }
            done.signal()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        done.wait()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                   stderr: String(decoding: received.data, as: UTF8.self))
    }

    func testProgressIsABarOnATerminalPlainInAPipeAndAbsentUnderQuiet() throws {
        // Enough work for the bar to be redrawn with a measured rate: 80 clips of 10 s.
        XCTAssertEqual(try genre(["make-dataset", "data", "--clips", "20", "--seconds", "10"], in: folder).status, 0)
        let train = ["train", "data", "--epochs", "2", "--batch-size", "8", "--no-cache", "--model", "m.safetensors"]

        let terminal = try genreOnTerminal(train)
        XCTAssertEqual(terminal.status, 0, terminal.stderr)
        XCTAssertTrue(terminal.stderr.contains("\r"), "redrawn in place")
        XCTAssertTrue(terminal.stderr.contains("\u{1B}[K"), "erases the rest of the line")
        XCTAssertTrue(terminal.stderr.contains("batches/s  ETA "), terminal.stderr)
        XCTAssertTrue(terminal.stderr.contains("training, epoch 1/2 ["), "the bar names the epoch: \(terminal.stderr)")
        XCTAssertTrue(terminal.stderr.contains("training, epoch 2/2 ["), "one bar over the whole run: \(terminal.stderr)")
        XCTAssertTrue(terminal.stdout.contains("epoch 1/2"), "results still on stdout")

        let quiet = try genreOnTerminal(train + ["--quiet"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("\u{1B}"), quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("ETA"), quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("[#"), quiet.stderr)

        // Not a terminal: no control characters (plain lines come every 10 s, longer than this run).
        let piped = try genre(train, in: folder)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertFalse(piped.stderr.contains("\r"), piped.stderr)
        XCTAssertFalse(piped.stderr.contains("\u{1B}"), piped.stderr)
        XCTAssertTrue(piped.stdout.contains("epoch 1/2"), piped.stdout)
        XCTAssertTrue(piped.stdout.contains("ETA "), "the epoch line says how long the run has left")

        // A file name cannot drive the terminal: its control characters are printed escaped.
        try FileManager.default.copyItem(atPath: folder + "/data/beat/beat.00001.wav", toPath: folder + "/esc\u{1B}[31mred.wav")
        let escaped = try genre(["predict", "esc\u{1B}[31mred.wav", "--model", "m.safetensors"], in: folder)
        XCTAssertEqual(escaped.status, 0, escaped.stderr)
        XCTAssertTrue(escaped.stdout.hasPrefix("esc\\x1b[31mred.wav  (10.0 s"), escaped.stdout)
        XCTAssertFalse(escaped.stdout.contains("\u{1B}"))

        // --verbose: one line per file with what its header says.
        let verbose = try genre(["evaluate", "data", "--model", "m.safetensors", "--split", "test", "--verbose", "--quiet"], in: folder)
        XCTAssertEqual(verbose.status, 0, verbose.stderr)
        let details = verbose.stderr.split(separator: "\n").filter { $0.contains(": WAV PCM_16, 22050 Hz, 1 channel, 10.00 s") }
        XCTAssertEqual(details.count, try JSONDecoder().decode(EvaluationReport.self, from: Data(
            try genre(["evaluate", "data", "--model", "m.safetensors", "--json"], in: folder).stdout.utf8)).clips, verbose.stderr)
    }
}
