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

/// Creates an empty file (or folder) whose path is `bytes`, which need not be UTF-8.
func createFile(bytes: [UInt8], folder: Bool = false) throws {
    let path = bytes.map { CChar(bitPattern: $0) } + [0]
    if folder {
        guard mkdir(path, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
    } else {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        close(fd)
    }
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
        try FileManager.default.createSymbolicLink(atPath: root + "/ghost", withDestinationPath: "/nonexistent/genre-disk/ghost")
        try createFile(bytes: Array((root + "/rock/caf").utf8) + [0xE9] + Array(".wav".utf8))
        try createFile(bytes: Array((root + "/bad").utf8) + [0xFF] + Array("genre".utf8), folder: true)
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
            "genre folder 'onlyhidden' has no files; ignored",
        ])
        // Every entry of a genre folder left out is a skipped file (counted, and fatal under --strict), with its
        // name on one line: bytes that are not UTF-8, and ASCII control characters, as \xNN.
        XCTAssertEqual(dataset.skipped.map(\.description), [
            "\(root)/bad\\xffgenre: genre folder name is not valid UTF-8; its files are not read",
            "\(root)/esc\\x1b[31mred: genre folder name has a control character; its files are not read",
            "\(root)/ghost: a symbolic link to nothing (/nonexistent/genre-disk/ghost; a genre folder on a disk that is not mounted?)",
            "\(root)/rock/broken.wav: not a regular file: a symbolic link to nothing (\(root)/nowhere)",
            "\(root)/rock/caf\\xe9.wav: file name is not valid UTF-8",
            "\(root)/rock/tab\\x09name.wav: file name has a tab or line break",
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

    /// Two names that Swift compares as equal but the file system keeps apart (NFC "m\u{FA}sica", NFD
    /// "mu\u{301}sica") would become one class, or one file, of two: the dataset is refused, naming both (in byte order).
    func testNamesDifferingOnlyInUnicodeNormalisationAreRefused() throws {
        let genres = try makeTree(self, ["m\u{FA}sica/a.wav", "mu\u{301}sica/b.wav", "rock/c.wav"])
        XCTAssertThrowsError(try DatasetScanner.scan(genres)) {
            XCTAssertEqual("\($0)", "\(genres): the genre folders 'mu\u{301}sica' (bytes mu\\xcc\\x81sica) and 'm\u{FA}sica' "
                           + "(bytes m\\xc3\\xbasica) differ only in Unicode normalisation; genre cannot tell them apart: "
                           + "merge or rename one")
        }
        let files = try makeTree(self, ["jazz/caf\u{E9}.wav", "jazz/cafe\u{301}.wav", "rock/c.wav"])
        XCTAssertThrowsError(try DatasetScanner.scan(files)) {
            XCTAssertEqual("\($0)", "\(files): the files 'jazz/cafe\u{301}.wav' (bytes jazz/cafe\\xcc\\x81.wav) and 'jazz/caf\u{E9}.wav' "
                           + "(bytes jazz/caf\\xc3\\xa9.wav) differ only in Unicode normalisation; genre cannot tell them apart: "
                           + "merge or rename one")
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
