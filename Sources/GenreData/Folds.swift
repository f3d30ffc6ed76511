import Foundation
import GenreNetwork
import GenreSupport

/// Which cross-validation fold (0..<K) each file of a dataset is tested in.
public struct FoldAssignment: Sendable, Equatable {
    /// Relative path (`<genre>/<file>`) → fold.
    public let foldOf: [String: Int]
    /// K ≥ 2; every fold in 0..<K holds at least one file.
    public let foldCount: Int
    /// Dataset files the assignment leaves out, one line each (they are not used).
    public let warnings: [String]

    /// The files of fold k, sorted.
    public func files(inFold k: Int) -> [String] {
        foldOf.filter { $0.value == k }.map(\.key).sorted(by: utf8Precedes)
    }

    package init(foldOf: [String: Int], foldCount: Int, warnings: [String]) {
        self.foldOf = foldOf
        self.foldCount = foldCount
        self.warnings = warnings
    }
}

/// Errors in a fold file; one line each, naming the file and the line.
public struct FoldFileError: Error, CustomStringConvertible, Equatable {
    /// `path:line: problem` (`path: problem` when no line applies).
    public let description: String
    init(_ path: String, _ line: Int?, _ problem: String) {
        description = "\(path)\(line.map { ":\($0)" } ?? ""): \(problem)"
    }
}

/// Cross-validation folds: read from a fold file, drawn stratified, and checked for leaks.
public enum Folds {
    /// Reads a fold file: UTF-8 TSV with the header `file<TAB>genre<TAB>fold`, then one line per file,
    /// `file` relative to the dataset folder (the format of `shared/datasets/gtzan-510/folds.tsv`).
    /// - Throws: `FoldFileError` for a missing or unreadable file, a wrong header, a line without three
    ///   fields, a file that is not in the dataset, a genre that is not the file's folder, a fold that is
    ///   not a non-negative integer, a file listed twice, or folds that are not exactly 0..<K with K ≥ 2.
    public static func read(_ path: String, dataset: Dataset) throws -> FoldAssignment {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            throw FoldFileError(path, nil, !exists ? "fold file not found" : isFolder.boolValue ? "is a folder, not a fold file"
                                : "fold file cannot be read (no permission, or not a regular file)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw FoldFileError(path, nil, "not UTF-8 text") }
        // "\r\n" is one Character in Swift, and a newline like "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.first == "file\tgenre\tfold" else {
            throw FoldFileError(path, 1, "header must be 'file<TAB>genre<TAB>fold'")
        }
        let known = Set(dataset.files.map(\.relativePath))
        var foldOf: [String: Int] = [:]
        for (i, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { throw FoldFileError(path, i + 1, "expected 3 tab-separated fields") }
            let (file, genre) = (fields[0], fields[1])
            guard known.contains(file) else {
                throw FoldFileError(path, i + 1, "'\(file)' is not an audio file of \(dataset.root)")
            }
            guard file.split(separator: "/").first.map(String.init) == genre else {
                throw FoldFileError(path, i + 1, "'\(file)' is listed as genre '\(genre)' but lies in another folder")
            }
            guard let fold = Int(fields[2]), fold >= 0 else {
                throw FoldFileError(path, i + 1, "fold '\(fields[2])' is not a non-negative integer")
            }
            guard foldOf.updateValue(fold, forKey: file) == nil else {
                throw FoldFileError(path, i + 1, "'\(file)' is listed twice")
            }
        }
        let folds = Set(foldOf.values)
        let k = (folds.max() ?? -1) + 1
        guard k >= 2, folds.count == k else {
            throw FoldFileError(path, nil, "folds must be numbered 0..<K with K ≥ 2 and none empty (found \(folds.sorted()))")
        }
        let missing = dataset.files.map(\.relativePath).filter { foldOf[$0] == nil }
        let warnings = missing.isEmpty ? [] : ["\(missing.count) file(s) of \(dataset.root) are in no fold of \(path); not used"]
        return FoldAssignment(foldOf: foldOf, foldCount: k, warnings: warnings)
    }

    /// A seeded stratified assignment: each genre's files (path order, shuffled as `Splitter` does with
    /// a generator seeded by `seed` and the genre) are dealt round-robin to folds 0..<k, so every fold
    /// gets ⌊n/k⌋ or ⌈n/k⌉ files of each genre.
    /// - Precondition: k ≥ 2.
    public static func stratified(_ dataset: Dataset, folds k: Int, seed: UInt64) -> FoldAssignment {
        precondition(k >= 2, "need at least two folds")
        var foldOf: [String: Int] = [:]
        var next = 0  // continue the deal across genres so small genres do not all start at fold 0
        for (label, name) in dataset.classNames.enumerated() {
            var files = dataset.files.filter { $0.label == label }.map(\.relativePath).sorted(by: utf8Precedes)
            var generator = SeededGenerator(seed: seed ^ FNV1a.hash(name.utf8))
            RandomDraw.shuffle(&files, using: &generator)
            for file in files {
                foldOf[file] = next
                next = (next + 1) % k
            }
        }
        return FoldAssignment(foldOf: foldOf, foldCount: k, warnings: [])
    }

    /// The no-leak rule of cross-validation: no test file may be among the files a fold trains, validates
    /// or standardises on. Called for every fold before training.
    /// - Throws: `RunError` naming the first leaked file.
    public static func checkNoLeak(training: [String], test: [String], fold: Int) throws {
        let seen = Set(training)
        if let leaked = test.first(where: seen.contains) {
            throw RunError("fold \(fold): test file '\(leaked)' is also in the training data")
        }
    }
}
