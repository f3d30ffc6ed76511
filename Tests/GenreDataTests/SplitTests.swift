import Foundation
import GenreNetwork
import XCTest
@testable import GenreData
@testable import GenreSupport

/// Stratified seeded splits: exact sizes, determinism, stability, and the TSV file form.
final class SplitTests: XCTestCase {
    /// `perClass[k]` files named "<class>/<class>.<i>.wav" for classes c0, c1, ...
    func dataset(_ perClass: [Int], names: [String]? = nil) -> Dataset {
        let classNames = names ?? perClass.indices.map { "c\($0)" }
        var files: [DatasetFile] = []
        for (label, n) in perClass.enumerated() {
            for i in 0..<n {
                files.append(DatasetFile(relativePath: "\(classNames[label])/\(classNames[label]).\(String(format: "%05d", i)).wav", label: label))
            }
        }
        return Dataset(root: "/nowhere", classNames: classNames, files: files.sorted { $0.relativePath.utf8.lexicographicallyPrecedes($1.relativePath.utf8) })
    }

    func count(_ paths: [String], inClass name: String) -> Int { paths.filter { $0.hasPrefix(name + "/") }.count }

    func testTenByTenGivesSixTwoTwoPerClass() {
        // 10 × 0.15 = 1.5 rounds half up to 2 for validation and for test, leaving 6 for training.
        let data = dataset(Array(repeating: 10, count: 10))
        let (split, warnings) = Splitter.stratified(data, seed: 0)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual([split.train.count, split.validation.count, split.test.count], [60, 20, 20])
        for name in data.classNames {
            XCTAssertEqual([count(split.train, inClass: name), count(split.validation, inClass: name), count(split.test, inClass: name)], [6, 2, 2])
        }
    }

    func testPartSizes() {
        // n: 3 → 1/1/1, 4 → 0.6 → max(1, 1), 7 → 1.05 → 1, 10 → 1.5 → 2, 30 → 4.5 → 5, 100 → 15.
        XCTAssertEqual([3, 4, 7, 10, 30, 100].map { Splitter.partSize($0, 0.15) }, [1, 1, 1, 2, 5, 15])
        XCTAssertEqual(Splitter.partSize(10, 0), 0)
        let (split, _) = Splitter.stratified(dataset([3, 4, 7, 30]), seed: 1)
        XCTAssertEqual((0..<4).map { count(split.train, inClass: "c\($0)") }, [1, 2, 5, 20])
        XCTAssertEqual((0..<4).map { count(split.validation, inClass: "c\($0)") }, [1, 1, 1, 5])
        XCTAssertEqual((0..<4).map { count(split.test, inClass: "c\($0)") }, [1, 1, 1, 5])
        // Large fractions still leave one training file: n = 4, 0.45 + 0.45 → 2 + 2, test reduced to 1.
        let (big, _) = Splitter.stratified(dataset([4, 4]), validationFraction: 0.45, testFraction: 0.45, seed: 1)
        XCTAssertEqual([big.train.count, big.validation.count, big.test.count], [2, 4, 2])
    }

    func testTinyClassesGoToTrainWithWarnings() {
        let (split, warnings) = Splitter.stratified(dataset([1, 2, 10]), seed: 3)
        XCTAssertEqual(count(split.train, inClass: "c0"), 1)
        XCTAssertEqual(count(split.train, inClass: "c1"), 2)
        XCTAssertEqual(count(split.validation, inClass: "c0") + count(split.test, inClass: "c0"), 0)
        XCTAssertEqual(count(split.validation, inClass: "c1") + count(split.test, inClass: "c1"), 0)
        XCTAssertEqual(warnings, [
            "class 'c0' has only 1 file; all go to train, none to validation or test",
            "class 'c1' has only 2 files; all go to train, none to validation or test",
        ])
    }

    func testDisjointCoveringAndSorted() {
        let data = dataset([13, 7, 21, 5, 3])
        let (split, _) = Splitter.stratified(data, seed: 42)
        let all = split.train + split.validation + split.test
        XCTAssertEqual(all.count, data.files.count)
        XCTAssertEqual(Set(all), Set(data.files.map(\.relativePath)))
        for part in [split.train, split.validation, split.test] {
            XCTAssertEqual(part, part.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
    }

    func testSeedDeterminesTheSplit() {
        let data = dataset(Array(repeating: 20, count: 5))
        XCTAssertEqual(Splitter.stratified(data, seed: 7).split, Splitter.stratified(data, seed: 7).split)
        XCTAssertNotEqual(Splitter.stratified(data, seed: 7).split, Splitter.stratified(data, seed: 8).split)
    }

    func testAddingAClassLeavesTheOthersAlone() {
        let before = Splitter.stratified(dataset([10, 10], names: ["blues", "rock"]), seed: 5).split
        let after = Splitter.stratified(dataset([10, 10, 10], names: ["blues", "jazz", "rock"]), seed: 5).split
        XCTAssertEqual(after.validation.filter { !$0.hasPrefix("jazz/") }, before.validation)
        XCTAssertEqual(after.test.filter { !$0.hasPrefix("jazz/") }, before.test)
    }

    func testSplitIsStableForever() {
        // Pinned output: a change here means every saved split and reported result moves.
        let (split, _) = Splitter.stratified(dataset([10], names: ["blues"]).withSecondClass(), seed: 0)
        XCTAssertEqual(split.validation.filter { $0.hasPrefix("blues/") }, PinnedSplit.validation)
        XCTAssertEqual(split.test.filter { $0.hasPrefix("blues/") }, PinnedSplit.test)
    }

    func testPrimitives() {
        // FNV-1a 64 test vectors (Fowler, Noll, Vo reference).
        XCTAssertEqual(FNV1a.hash("".utf8), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(FNV1a.hash("a".utf8), 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(FNV1a.hash("foobar".utf8), 0x8594_4171_F739_67E8)
        // Bounded draws stay in range and reach every value.
        var g = SeededGenerator(seed: 1)
        var seen = Set<UInt64>()
        for _ in 0..<1000 {
            let v = RandomDraw.uniform(below: 7, using: &g)
            XCTAssertLessThan(v, 7)
            seen.insert(v)
        }
        XCTAssertEqual(seen.count, 7)
        XCTAssertEqual(RandomDraw.uniform(below: 1, using: &g), 0)
        // The shuffle is a permutation.
        var items = Array(0..<50)
        RandomDraw.shuffle(&items, using: &g)
        XCTAssertEqual(items.sorted(), Array(0..<50))
        XCTAssertNotEqual(items, Array(0..<50))
    }

    // MARK: - TSV

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "genre-split-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testWriteReadRoundTripAndExactText() throws {
        let data = dataset([4, 3])
        let (split, _) = Splitter.stratified(data, seed: 9)
        let path = try folder() + "/split.tsv"
        try Splitter.write(split, to: path)
        XCTAssertEqual(try Splitter.read(path, dataset: data), split)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "file\tsplit")
        XCTAssertEqual(lines.count, 1 + 7)
        XCTAssertTrue(text.hasSuffix("\n"))
        let expected = split.train.map { "\($0)\ttrain" } + split.validation.map { "\($0)\tvalidation" } + split.test.map { "\($0)\ttest" }
        XCTAssertEqual(Array(lines.dropFirst()), expected)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent), ["split.tsv"])
    }

    /// A split list is read back from its temporary file before it replaces the previous one: a list that
    /// would not read back (two names Swift compares as equal, NFC and NFD "café") is not written.
    func testAListThatWouldNotReadBackIsNotWrittenAndThePreviousFileStays() throws {
        let folder = try folder(), path = folder + "/split.tsv"
        let good = DataSplit(train: ["a/1.wav"], validation: ["b/1.wav"], test: [])
        try Splitter.write(good, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let clash = DataSplit(train: ["a/caf\u{E9}.wav"], validation: ["b/1.wav"], test: ["a/cafe\u{301}.wav"])
        XCTAssertThrowsError(try Splitter.write(clash, to: path)) {
            XCTAssertTrue("\($0)".hasPrefix("\(path): "), "\($0)")
            XCTAssertTrue("\($0)".contains("the new file does not read back: "), "\($0)")
            XCTAssertTrue("\($0)".contains("already listed on line 2"), "\($0)")
            XCTAssertFalse("\($0)".contains(".tmp-"), "the temporary file is not named: \($0)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["split.tsv"])
    }

    func testReadAcceptsCRLFAndBlankLines() throws {
        let data = dataset([3, 3])
        let path = try folder() + "/split.tsv"
        try "file\tsplit\r\nc0/c0.00000.wav\ttest\r\n\r\nc1/c1.00002.wav\ttrain\r\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(try Splitter.read(path, dataset: data), DataSplit(train: ["c1/c1.00002.wav"], validation: [], test: ["c0/c0.00000.wav"]))
    }

    func testReadRejectsBadFilesNamingPathAndLine() throws {
        let data = dataset([3, 3])
        let path = try folder() + "/split.tsv"
        let cases: [(String, SplitError)] = [
            ("file,split\n", .badHeader(path: path, found: "file,split")),
            ("", .badHeader(path: path, found: "")),
            ("file\tsplit\nc0/c0.00000.wav\ttrain\nc0/nope.wav\ttest\n", .unknownFile(path: path, line: 3, file: "c0/nope.wav")),
            ("file\tsplit\nc0/c0.00000.wav\ttrain\nc0/c0.00000.wav\ttest\n", .duplicateFile(path: path, line: 3, file: "c0/c0.00000.wav", firstLine: 2)),
            ("file\tsplit\nc0/c0.00000.wav\ttrain\nc0/c0.00000.wav\ttrain\n", .duplicateFile(path: path, line: 3, file: "c0/c0.00000.wav", firstLine: 2)),
            ("file\tsplit\nc0/c0.00000.wav\tdev\n", .unknownSplit(path: path, line: 2, name: "dev")),
            ("file\tsplit\nc0/c0.00000.wav train\n", .malformedLine(path: path, line: 2, text: "c0/c0.00000.wav train")),
            ("file\tsplit\nc0/c0.00000.wav\ttrain\textra\n", .malformedLine(path: path, line: 2, text: "c0/c0.00000.wav\ttrain\textra")),
        ]
        for (text, expected) in cases {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            XCTAssertThrowsError(try Splitter.read(path, dataset: data)) {
                XCTAssertEqual($0 as? SplitError, expected)
                XCTAssertTrue("\($0)".hasPrefix(path + ":"), "\($0)")
            }
        }
        XCTAssertThrowsError(try Splitter.read(path + ".missing", dataset: data)) {
            XCTAssertEqual($0 as? SplitError, .readFailed(path: path + ".missing", reason: "no such file"))
        }
    }

    func testWriteFailuresAreClear() throws {
        let base = try folder()
        let split = DataSplit(train: ["a/1.wav"], validation: [], test: [])
        XCTAssertThrowsError(try Splitter.write(split, to: base + "/missing/split.tsv")) {
            XCTAssertEqual($0 as? SplitError, .writeFailed(path: base + "/missing/split.tsv", reason: "folder missing"))
        }
        XCTAssertThrowsError(try Splitter.write(DataSplit(train: ["a/x\ty.wav"], validation: [], test: []), to: base + "/s.tsv")) {
            XCTAssertEqual($0 as? SplitError, .unwritableName(path: base + "/s.tsv", file: "a/x\ty.wav"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: base), [])
    }
}

private extension Dataset {
    /// The same dataset plus a class "zz" of 3 files (a dataset needs two classes to be scanned;
    /// the pinned split only looks at the first class).
    func withSecondClass() -> Dataset {
        let extra = (0..<3).map { DatasetFile(relativePath: "zz/\($0).wav", label: classNames.count) }
        return Dataset(root: root, classNames: classNames + ["zz"], files: files + extra)
    }
}

/// Split of "blues/blues.0000{0…9}.wav" with seed 0, computed independently by a Python
/// re-implementation of SplitMix64 → xoshiro256**, FNV-1a, the rejection draw and Fisher–Yates.
private enum PinnedSplit {
    static let validation = ["blues/blues.00007.wav", "blues/blues.00008.wav"]
    static let test = ["blues/blues.00001.wav", "blues/blues.00006.wav"]
}
