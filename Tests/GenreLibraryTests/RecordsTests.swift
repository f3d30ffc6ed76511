import Foundation
import GenreLibrary
@testable import GenreModel
import XCTest

/// CSV quoting and reading back, and what `--resume` keeps of an output file.
final class RecordsTests: XCTestCase {
    func testCSVQuotesWhatRFC4180AsksAndReadsItBack() {
        let fields = ["plain", "a,b", "say \"hi\"", "two\nlines", "", "ünï"]
        let text = CSV.record(fields)
        XCTAssertEqual(text, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,ünï\r\n")
        let (records, complete) = CSV.records(text + "x,\"cut sh")
        XCTAssertEqual(records, [fields])
        XCTAssertEqual(complete, text.utf8.count)
        XCTAssertEqual(CSV.records("a,b\nc,d\n").records, [["a", "b"], ["c", "d"]])
    }

    var path = ""
    override func setUp() { path = NSTemporaryDirectory() + "genre-records-\(UUID().uuidString).jsonl" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: path) }

    let format = RecordFormat(format: .jsonl, top: 2, segments: nil, maxSeconds: nil)
    func file(_ name: String, size: Int64 = 10) -> LibraryFile {
        LibraryFile(path: name, key: name, size: size, modified: FileTime(seconds: 1_700_000_000, nanoseconds: 5), named: false)
    }
    func line(_ f: LibraryFile, sha: String = "abc", error: String? = nil) throws -> String {
        var r = error.map { LibraryRecord(file: f.path, error: $0) } ?? LibraryRecord(file: f.path, error: "")
        if error == nil { r.error = nil; r.top = [Prediction.Entry(genre: "rock", probability: 0.5)] }
        r.size = f.size
        r.modified = f.modified?.description
        r.relativePath = f.key
        r.modelFileSHA256 = sha
        r.options = format.summary
        return try format.render(r)!
    }

    func testResumeKeepsDoneFilesAndDropsCutFailedAndChangedOnes() throws {
        let a = file("a.wav"), b = file("b.wav"), c = file("c.wav"), gone = file("elsewhere.wav")
        let text = try line(a) + line(b, error: "b.wav: no such file") + line(c) + line(gone) + "{\"file\":\"d.w"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let changedC = file("c.wav", size: 11)
        let output = try ResumableOutput(path: path, resume: true, format: format, modelFileSHA256: "abc", files: [a, b, changedC])
        XCTAssertEqual(output.done, [0], "a.wav")
        XCTAssertEqual(output.dropped, 2, "the failed b, the changed c")
        XCTAssertTrue(output.cutShort, "the last line")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), try line(a) + line(gone))
        XCTAssertEqual(FileTime(seconds: 1_700_000_000, nanoseconds: 5).description, "2023-11-14T22:13:20.000000005Z")
    }

    func testResumeRefusesAnotherModelOrOptionsAndAnExistingFileWithoutIt() throws {
        try (try line(file("a.wav"), sha: "other")).write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try ResumableOutput(path: path, resume: true, format: format, modelFileSHA256: "abc", files: [])) {
            XCTAssertTrue("\($0)".contains("record 1 was written with model file sha256 other (this run: abc)"), "\($0)")
        }
        XCTAssertThrowsError(try ResumableOutput(path: path, resume: false, format: format, modelFileSHA256: "other", files: [])) {
            XCTAssertTrue("\($0)".contains("already exists; add --resume"), "\($0)")
        }
        let top3 = RecordFormat(format: .jsonl, top: 3, segments: nil, maxSeconds: nil)
        XCTAssertThrowsError(try ResumableOutput(path: path, resume: true, format: top3, modelFileSHA256: "other", files: [])) {
            XCTAssertTrue("\($0)".contains("options 'top=2 segments=no max-duration=all' (this run: 'top=3"), "\($0)")
        }
        try "not json\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try ResumableOutput(path: path, resume: true, format: format, modelFileSHA256: "abc", files: [])) {
            XCTAssertTrue("\($0)".contains("record 1 is not one 'genre predict --format jsonl' writes"), "\($0)")
        }
    }
}
