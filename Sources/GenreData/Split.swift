import Foundation
import GenreNetwork
import GenreSupport
import SafeTensors

/// The three parts of a train/validation/test split; raw values are the names used in split files.
public enum SplitName: String, Sendable, CaseIterable {
    /// Files the network is fitted on.
    case train
    /// Files for choosing epochs and hyper-parameters.
    case validation
    /// Files held out for the final report.
    case test
}

/// A split of a dataset by file (never by segment, so no track leaks across parts).
public struct DataSplit: Sendable, Equatable {
    /// Relative paths (as in `DatasetFile.relativePath`), sorted by UTF-8 bytes.
    public var train: [String]
    /// Relative paths of the validation part, sorted by UTF-8 bytes.
    public var validation: [String]
    /// Relative paths of the test part, sorted by UTF-8 bytes.
    public var test: [String]

    /// A split from its three parts (kept as given; `Splitter` always sorts them).
    public init(train: [String], validation: [String], test: [String]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// The paths of one part.
    public subscript(name: SplitName) -> [String] {
        switch name {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }
}

/// Why a split file cannot be read or written. Every case names the file; line numbers are 1-based.
public enum SplitError: Error, CustomStringConvertible, Equatable {
    /// The file is missing, unreadable or not UTF-8.
    case readFailed(path: String, reason: String)
    /// The atomic write failed (folder missing, disk full, ...); any previous file is untouched.
    case writeFailed(path: String, reason: String)
    /// Line 1 is not exactly "file<TAB>split".
    case badHeader(path: String, found: String)
    /// A line without exactly two tab-separated fields.
    case malformedLine(path: String, line: Int, text: String)
    /// The second field is not train, validation or test.
    case unknownSplit(path: String, line: Int, name: String)
    /// The file is not in the dataset.
    case unknownFile(path: String, line: Int, file: String)
    /// The file already appeared on `firstLine`.
    case duplicateFile(path: String, line: Int, file: String, firstLine: Int)
    /// A relative path holding a tab or a line break cannot be written as TSV.
    case unwritableName(path: String, file: String)

    /// One line, "<path>:<line>: <problem>" where a line is known.
    public var description: String {
        switch self {
        case .readFailed(let path, let reason): return "\(path): cannot read split file: \(reason)"
        case .writeFailed(let path, let reason): return "\(path): cannot write split file: \(reason)"
        case .badHeader(let path, let found): return "\(path):1: expected header 'file<TAB>split', found '\(found)'"
        case .malformedLine(let path, let line, let text): return "\(path):\(line): expected '<file><TAB><split>', found '\(text)'"
        case .unknownSplit(let path, let line, let name): return "\(path):\(line): unknown split '\(name)' (expected train, validation or test)"
        case .unknownFile(let path, let line, let file): return "\(path):\(line): '\(file)' is not in the dataset"
        case .duplicateFile(let path, let line, let file, let firstLine): return "\(path):\(line): '\(file)' already listed on line \(firstLine)"
        case .unwritableName(let path, let file): return "\(path): cannot write '\(file)': tab or line break in its name"
        }
    }
}

/// Seeded, stratified splitting of a dataset by file, and the TSV form of a split.
public enum Splitter {
    /// Splits each class separately so every part keeps the class proportions.
    ///
    /// Per class with n files (taken in path order, then shuffled by Fisher–Yates with an unbiased
    /// bounded draw from `SeededGenerator`): when n ≥ 3, nVal = max(1, round(n·validationFraction))
    /// and nTest = max(1, round(n·testFraction)), rounding halves up (a 1e-9 tolerance makes
    /// 10 × 0.15 and 30 × 0.15 round up despite binary fractions); a zero fraction gives 0. If that
    /// would leave no training file, nTest then nVal are reduced until one is left. The first nVal
    /// shuffled files go to validation, the next nTest to test, the rest to train. Classes with fewer
    /// than 3 files go entirely to train, with a warning.
    /// Each class draws from its own generator seeded by `seed` and the class name, so adding or
    /// removing a genre does not reshuffle the others; the result is the same on every platform and
    /// Swift version (no stdlib shuffling).
    /// - Parameters:
    ///   - validationFraction, testFraction: each in [0, 1), sum < 1 (precondition).
    ///   - seed: any value.
    /// - Returns: the split (each part sorted) and one warning per class kept whole in train.
    public static func stratified(_ dataset: Dataset, validationFraction: Double = 0.15, testFraction: Double = 0.15,
                                  seed: UInt64) -> (split: DataSplit, warnings: [String]) {
        precondition(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1,
                     "fractions must be ≥ 0 with a sum below 1")
        var split = DataSplit(train: [], validation: [], test: [])
        var warnings: [String] = []
        for (label, className) in dataset.classNames.enumerated() {
            var files = dataset.files.filter { $0.label == label }.map(\.relativePath).sorted(by: utf8Precedes)
            let n = files.count
            guard n >= 3 else {
                if n > 0 {
                    warnings.append("class '\(className)' has only \(n) file\(n == 1 ? "" : "s"); all go to train, none to validation or test")
                }
                split.train += files
                continue
            }
            var nVal = partSize(n, validationFraction)
            var nTest = partSize(n, testFraction)
            while nVal + nTest > n - 1 {
                if nTest >= nVal && nTest > 0 { nTest -= 1 } else { nVal -= 1 }
            }
            var generator = SeededGenerator(seed: seed ^ FNV1a.hash(className.utf8))  // stable forever, unlike Hasher
            RandomDraw.shuffle(&files, using: &generator)
            split.validation += files[0..<nVal]
            split.test += files[nVal..<(nVal + nTest)]
            split.train += files[(nVal + nTest)...]
        }
        split.train.sort(by: utf8Precedes)
        split.validation.sort(by: utf8Precedes)
        split.test.sort(by: utf8Precedes)
        return (split, warnings)
    }

    /// max(1, round-half-up(n·fraction)) for a positive fraction, 0 for a zero fraction.
    static func partSize(_ n: Int, _ fraction: Double) -> Int {
        guard fraction > 0 else { return 0 }
        return max(1, Int((Double(n) * fraction + 0.5 + 1e-9).rounded(.down)))
    }

    /// Writes `split` as UTF-8 TSV: header "file\tsplit", then one "<relative path>\t<split>" line
    /// per file, ordered by split (train, validation, test) then path; atomic (temp file + rename), the
    /// temporary file read back with `read` and compared with `split` before the rename.
    /// - Throws: `SplitError.unwritableName` for a path with a tab or line break,
    ///   `.writeFailed` (folder missing, disk full, a list that does not read back as `split`, ...) leaving
    ///   any previous file untouched.
    public static func write(_ split: DataSplit, to path: String) throws {
        var text = "file\tsplit\n"
        for name in SplitName.allCases {
            for file in split[name].sorted(by: utf8Precedes) {
                if file.contains(where: { $0 == "\t" || $0.isNewline }) {
                    throw SplitError.unwritableName(path: path, file: file)
                }
                text += "\(file)\t\(name.rawValue)\n"
            }
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: path, check: { temp in
                let back = try read(temp, dataset: Dataset(root: "", classNames: [], files: []), allowingMissing: true)
                let sorted = DataSplit(train: split.train.sorted(by: utf8Precedes), validation: split.validation.sorted(by: utf8Precedes),
                                       test: split.test.sorted(by: utf8Precedes))
                if back != sorted { throw SplitError.readFailed(path: temp, reason: "it lists other files than were written") }
            })
        } catch let error as AtomicFile.WriteError {
            throw SplitError.writeFailed(path: path, reason: error.reason)
        }
    }

    /// Reads a split written by `write(_:to:)` and checks it against `dataset`.
    ///
    /// Accepts CRLF line ends and skips empty lines. Dataset files absent from the file are simply
    /// not in any part (the dataset may have grown since).
    /// - Returns: the split, each part sorted by UTF-8 bytes.
    /// - Throws: `SplitError.readFailed`, `.badHeader`, `.malformedLine`, `.unknownSplit`,
    ///   `.unknownFile` (not in `dataset`, unless `allowingMissing`), `.duplicateFile` (listed twice, same or
    ///   different split); each names `path` and the line.
    /// - Parameter allowingMissing: keep files the dataset no longer has (`evaluate` names them and scores the rest).
    public static func read(_ path: String, dataset: Dataset, allowingMissing: Bool = false) throws -> DataSplit {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw SplitError.readFailed(path: path, reason: "is a folder, not a split list")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? (error as NSError).localizedDescription : "no such file"
            throw SplitError.readFailed(path: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SplitError.readFailed(path: path, reason: "not UTF-8 text")
        }
        let known = Set(dataset.files.map(\.relativePath))
        var split = DataSplit(train: [], validation: [], test: [])
        var firstLine: [String: Int] = [:]
        // Split on "\n" only, by scalars, so "\r\n" is not merged into one Character and stays visible.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { scalars -> String in
            var line = String(String.UnicodeScalarView(scalars))
            if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            return line
        }
        guard let header = lines.first, header == "file\tsplit" else {
            throw SplitError.badHeader(path: path, found: lines.first ?? "")
        }
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let number = index + 1
            let fields = line.unicodeScalars.split(separator: "\t", omittingEmptySubsequences: false)
                .map { String(String.UnicodeScalarView($0)) }
            guard fields.count == 2, !fields[0].isEmpty else {
                throw SplitError.malformedLine(path: path, line: number, text: line)
            }
            let file = fields[0]
            guard let name = SplitName(rawValue: fields[1]) else {
                throw SplitError.unknownSplit(path: path, line: number, name: fields[1])
            }
            guard allowingMissing || known.contains(file) else { throw SplitError.unknownFile(path: path, line: number, file: file) }
            if let first = firstLine[file] {
                throw SplitError.duplicateFile(path: path, line: number, file: file, firstLine: first)
            }
            firstLine[file] = number
            switch name {
            case .train: split.train.append(file)
            case .validation: split.validation.append(file)
            case .test: split.test.append(file)
            }
        }
        split.train.sort(by: utf8Precedes)
        split.validation.sort(by: utf8Precedes)
        split.test.sort(by: utf8Precedes)
        return split
    }
}
