import Foundation
import XCTest
@testable import GenreData

final class FoldsTests: XCTestCase {
    let dataset = Dataset(root: "/data", classNames: ["jazz", "rock"], files: [
        DatasetFile(relativePath: "jazz/a.wav", label: 0), DatasetFile(relativePath: "jazz/b.wav", label: 0),
        DatasetFile(relativePath: "jazz/c.wav", label: 0), DatasetFile(relativePath: "rock/d.wav", label: 1),
        DatasetFile(relativePath: "rock/e.wav", label: 1), DatasetFile(relativePath: "rock/f.wav", label: 1),
    ])

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "folds-\(UUID().uuidString).tsv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testAFoldFileIsReadWithItsFoldsAndUnlistedFilesAreReported() throws {
        let path = try write("file\tgenre\tfold\njazz/a.wav\tjazz\t0\njazz/b.wav\tjazz\t1\r\nrock/d.wav\trock\t1\nrock/e.wav\trock\t0\n\n")
        let folds = try Folds.read(path, dataset: dataset)
        XCTAssertEqual(folds.foldCount, 2)
        XCTAssertEqual(folds.files(inFold: 0), ["jazz/a.wav", "rock/e.wav"])
        XCTAssertEqual(folds.files(inFold: 1), ["jazz/b.wav", "rock/d.wav"])
        XCTAssertEqual(folds.warnings, ["2 file(s) of /data are in no fold of \(path); not used"])
    }

    func testBadFoldFilesAreRefusedNamingTheLine() throws {
        let cases: [(String, String)] = [
            ("file\tfold\njazz/a.wav\t0\n", ":1: header must be"),
            ("file\tgenre\tfold\njazz/a.wav\tjazz\n", ":2: expected 3 tab-separated fields"),
            ("file\tgenre\tfold\njazz/zz.wav\tjazz\t0\n", ":2: 'jazz/zz.wav' is not an audio file of /data"),
            ("file\tgenre\tfold\njazz/a.wav\trock\t0\n", ":2: 'jazz/a.wav' is listed as genre 'rock'"),
            ("file\tgenre\tfold\njazz/a.wav\tjazz\t-1\n", ":2: fold '-1' is not a non-negative integer"),
            ("file\tgenre\tfold\njazz/a.wav\tjazz\t0\njazz/b.wav\tjazz\t1\njazz/a.wav\tjazz\t1\n", ":4: 'jazz/a.wav' is listed twice"),
            ("file\tgenre\tfold\njazz/a.wav\tjazz\t0\njazz/b.wav\tjazz\t2\n", "folds must be numbered 0..<K with K ≥ 2 and none empty (found [0, 2])"),
            ("file\tgenre\tfold\njazz/a.wav\tjazz\t0\n", "found [0]"),
        ]
        for (text, expected) in cases {
            let path = try write(text)
            XCTAssertThrowsError(try Folds.read(path, dataset: dataset), expected) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error) should contain \(expected)")
            }
        }
        XCTAssertThrowsError(try Folds.read("/nonexistent/folds.tsv", dataset: dataset)) {
            XCTAssertEqual("\($0)", "/nonexistent/folds.tsv: fold file not found")
        }
        // It exists: not "not found" (a newcomer's /dev/null was called that).
        XCTAssertThrowsError(try Folds.read("/dev/null", dataset: dataset)) {
            XCTAssertEqual("\($0)", "/dev/null: fold file cannot be read (no permission, or not a regular file)")
        }
        XCTAssertThrowsError(try Folds.read(NSTemporaryDirectory(), dataset: dataset)) {
            XCTAssertTrue("\($0)".hasSuffix(": is a folder, not a fold file"), "\($0)")
        }
    }

    func testTheStratifiedAssignmentDealsEachGenreEvenlyAndIsSeeded() {
        var files: [DatasetFile] = []
        for (label, genre) in ["a", "b", "c"].enumerated() {
            for i in 0..<(7 + label) { files.append(DatasetFile(relativePath: "\(genre)/\(i).wav", label: label)) }
        }
        let big = Dataset(root: "/d", classNames: ["a", "b", "c"], files: files)
        let folds = Folds.stratified(big, folds: 3, seed: 4)
        XCTAssertEqual(folds.foldCount, 3)
        XCTAssertEqual(folds.foldOf.count, files.count)
        for (label, genre) in ["a", "b", "c"].enumerated() {
            let counts = (0..<3).map { k in folds.files(inFold: k).filter { $0.hasPrefix(genre + "/") }.count }
            XCTAssertEqual(counts.reduce(0, +), 7 + label)
            XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "genre \(genre): \(counts)")
        }
        XCTAssertEqual(Folds.stratified(big, folds: 3, seed: 4), folds)
        XCTAssertNotEqual(Folds.stratified(big, folds: 3, seed: 5), folds)
    }

    func testALeakedTestFileStopsTheFold() {
        XCTAssertNoThrow(try Folds.checkNoLeak(training: ["a/1.wav", "b/2.wav"], test: ["a/3.wav"], fold: 0))
        XCTAssertThrowsError(try Folds.checkNoLeak(training: ["a/1.wav", "b/2.wav"], test: ["a/3.wav", "b/2.wav"], fold: 3)) {
            XCTAssertEqual("\($0)", "fold 3: test file 'b/2.wav' is also in the training data")
        }
    }
}
