import Foundation
import GenreTestSupport
import XCTest
@testable import GenreData

/// Builds `files` (relative paths; a trailing "/" makes a folder) under a fresh temp folder that is
/// removed when the test ends; returns the folder.
func makeTree(_ test: XCTestCase, _ entries: [String]) throws -> String {
    let root = NSTemporaryDirectory() + "genre-training-tests-" + UUID().uuidString
    let fm = FileManager.default
    try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
    test.addTeardownBlock { try? fm.removeItem(atPath: root) }
    for entry in entries {
        let path = root + "/" + entry
        if entry.hasSuffix("/") {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        } else {
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            XCTAssertTrue(fm.createFile(atPath: path, contents: Data("x".utf8)))
        }
    }
    return root
}

/// Scanning `root/<genre>/<file>` folders: what counts, what is skipped or warned about, and errors.
final class DatasetTests: XCTestCase {
    func testScanKeepsVisibleRegularFilesAndWarnsAboutTheRest() throws {
        let root = try makeTree(self, [
            "blues/b.mp3", "blues/a.wav", "blues/noextension", "blues/.DS_Store", "blues/._a.wav", "blues/nested/deep.wav",
            "rock/x.au", "rock/tab\tname.wav", "esc\u{1B}[31mred/x.wav",
            ".hidden/y.wav",
            "empty/",
            "onlyhidden/.keep",
            "README.txt",
            ".DS_Store",
        ])
        try FileManager.default.createSymbolicLink(atPath: root + "/rock/link.wav", withDestinationPath: root + "/blues/a.wav")
        try FileManager.default.createSymbolicLink(atPath: root + "/rock/broken.wav", withDestinationPath: root + "/nowhere")
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.root, root)
        XCTAssertEqual(dataset.classNames, ["blues", "rock"])
        XCTAssertEqual(dataset.files, [
            DatasetFile(relativePath: "blues/a.wav", label: 0),
            DatasetFile(relativePath: "blues/b.mp3", label: 0),
            DatasetFile(relativePath: "blues/noextension", label: 0),
            DatasetFile(relativePath: "rock/link.wav", label: 1),
            DatasetFile(relativePath: "rock/x.au", label: 1),
        ])
        XCTAssertEqual(dataset.warnings, [
            "file 'README.txt' is directly in the dataset folder, not in a genre folder; ignored",
            "'blues/nested' is a folder; sub-folders of a genre are not searched",
            "genre folder 'empty' has no files; ignored",
            "'esc\\u{1B}[31mred' has a control character in its name; skipped",
            "genre folder 'onlyhidden' has no files; ignored",
            "'rock/broken.wav' is not a regular file; skipped",
            "'rock/tab\\tname.wav' has a tab or line break in its name; skipped",
        ])
        XCTAssertEqual(dataset.path(of: dataset.files[0]), root + "/blues/a.wav")
    }

    func testOrderIsByteWiseNotLocale() throws {
        // Byte order: "Zeta" < "alpha" < "alpha-x" < "é"; relative paths sort "alpha-x/…" before "alpha/…" ('-' < '/').
        let root = try makeTree(self, ["é/1.wav", "alpha/2.wav", "alpha/10.wav", "Zeta/b.wav", "Zeta/B.wav", "alpha-x/1.wav"])
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.classNames, ["Zeta", "alpha", "alpha-x", "é"])
        XCTAssertEqual(dataset.files.map(\.relativePath), ["Zeta/B.wav", "Zeta/b.wav", "alpha-x/1.wav", "alpha/10.wav", "alpha/2.wav", "é/1.wav"])
        XCTAssertEqual(dataset.files.map(\.label), [0, 0, 2, 1, 1, 3])
    }

    func testFewerThanTwoGenresIsAnErrorNamingThem() throws {
        let one = try makeTree(self, ["blues/a.wav", "empty/", "loose.wav"])
        XCTAssertThrowsError(try DatasetScanner.scan(one)) {
            XCTAssertEqual($0 as? DatasetError, .tooFewClasses(one, found: ["blues"]))
            XCTAssertEqual("\($0)", "\(one): need at least two genre folders with audio files, found 1 ('blues'); "
                           + "the layout is DIR/<genre>/<audio files>, and sub-folders of a genre folder are not searched")
        }
        let none = try makeTree(self, ["empty/"])
        XCTAssertThrowsError(try DatasetScanner.scan(none)) {
            XCTAssertEqual($0 as? DatasetError, .tooFewClasses(none, found: []))
        }
    }

    func testMissingPathAndFileInsteadOfFolder() throws {
        let root = try makeTree(self, ["file.wav"])
        XCTAssertThrowsError(try DatasetScanner.scan(root + "/missing")) {
            XCTAssertEqual($0 as? DatasetError, .notFound(root + "/missing"))
            XCTAssertTrue("\($0)".hasPrefix(root + "/missing: "))
        }
        XCTAssertThrowsError(try DatasetScanner.scan(root + "/file.wav")) {
            XCTAssertEqual($0 as? DatasetError, .notADirectory(root + "/file.wav"))
        }
    }

    func testTrailingSlashRootGivesSamePaths() throws {
        let root = try makeTree(self, ["a/1.wav", "b/2.wav"])
        let dataset = try DatasetScanner.scan(root + "/")
        XCTAssertEqual(dataset.files.map(\.relativePath), ["a/1.wav", "b/2.wav"])
        XCTAssertEqual(dataset.path(of: dataset.files[1]), root + "/b/2.wav")
    }
}

/// The real layout the project ships tests against.
final class SharedDatasetScanTests: XCTestCase {
    func testScansGTZANMini() throws {
        let root = try Reference.shared("datasets/gtzan-mini").path
        let dataset = try DatasetScanner.scan(root)
        XCTAssertEqual(dataset.classNames, ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"])
        XCTAssertEqual(dataset.files.count, 100)
        XCTAssertEqual(dataset.files.first, DatasetFile(relativePath: "blues/blues.00000.wav", label: 0))
        XCTAssertEqual(dataset.files.last, DatasetFile(relativePath: "rock/rock.00009.wav", label: 9))
        let (split, warnings) = Splitter.stratified(dataset, seed: 0)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual([split.train.count, split.validation.count, split.test.count], [60, 20, 20])
    }
}
