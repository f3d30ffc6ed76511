import Foundation
import GenreSupport

/// An `--output` file of JSONL lines or CSV rows and, with `--resume`, what it already holds.
///
/// Resuming recognises a record's file as the file system does: the file its path names now (device and inode), so a
/// library spelt another way on the command line is the same library, a copy of it is another, and names that differ
/// only in Unicode normalisation are two files. A record whose path names nothing from here (written from another
/// folder, or on another node) is recognised by its `relativePath` (the path below its PATH argument) instead,
/// compared byte for byte. A record is kept when its file is among this run's inputs with the same size and
/// modification time, and was classified (a failed one is tried again); a record of a file that changed since is
/// dropped and the file classified again; records of files not among the inputs, failures included, are kept as
/// they are. Every record must carry this run's model checksum and
/// options (the shard included), or the resume is refused: one output never mixes two models' answers. A last
/// record cut short (`kill -9` inside a write) is dropped. When anything is dropped the file is first rewritten
/// atomically with what is kept, so that each input ends up in it exactly once.
public struct ResumableOutput {
    /// The entries of this run's inputs (indices into `files`) whose records are kept: this run skips them.
    public var done: Set<Int> = []
    /// Records dropped because they failed or their file changed.
    public var dropped = 0
    /// The last record was cut short and dropped.
    public var cutShort = false
    /// The sink new records are appended to.
    public let sink: LineSink

    /// Opens `path` for this run.
    /// - Parameters:
    ///   - resume: continue a file that holds records; without it an existing, non-empty file is refused.
    ///   - format: `.jsonl`, `.csv`, or `.text` (never resumed).
    ///   - modelFileSHA256: what every kept record must carry (`LibraryRecord`), with `format.summary`.
    ///   - files: this run's inputs.
    /// - Throws: `RunError` naming `path`: it exists and `resume` is false; a record is not one `predict` writes,
    ///   or was written with another model or options; it cannot be read or written.
    public init(path: String, resume: Bool, format: RecordFormat, modelFileSHA256: String, files: [LibraryFile]) throws {
        let existing = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
        if !existing.isEmpty {
            guard resume else {
                // Only the one-record-per-line formats can be continued.
                throw RunError("\(path): already exists; " + (format.format.isResumable ? "add --resume to continue it, or remove it to start over"
                                                                : "remove it or choose another --output"))
            }
            let kept = try Self.keep(existing, path: path, format: format, modelFileSHA256: modelFileSHA256, files: files)
            (done, dropped, cutShort) = (kept.done, kept.dropped, kept.cutShort)
            if kept.bytes != existing { try AtomicText.write(bytes: kept.bytes, to: path) }
        }
        sink = try LineSink(appendingTo: path)
        if existing.isEmpty, format.format == .csv { try sink.write(CSV.record(format.csvHeader)) }
    }

    /// What a record says about its file, read back from a JSONL line or a CSV row.
    struct Written {
        var file: String, relativePath: String?, size: Int64?, modified: String?, modelFileSHA256: String?, options: String?
        var failed: Bool
    }

    /// The bytes to keep (complete records, in their order) and the inputs they cover.
    static func keep(_ bytes: [UInt8], path: String, format: RecordFormat, modelFileSHA256: String, files: [LibraryFile])
        throws -> (bytes: [UInt8], done: Set<Int>, dropped: Int, cutShort: Bool) {
        let (records, header, cutShort) = try parse(bytes, path: path, format: format)
        var byKey: [[UInt8]: [Int]] = [:], byIdentity: [FileIdentity: Int] = [:]
        for (i, file) in files.enumerated() {
            byKey[Array(file.key.utf8), default: []].append(i)
            if let identity = file.identity, byIdentity[identity] == nil { byIdentity[identity] = i }
        }
        var kept = header, done = Set<Int>(), dropped = 0
        for (number, record, raw) in records {
            guard record.modelFileSHA256 == modelFileSHA256, record.options == format.summary else {
                let what = record.modelFileSHA256 == modelFileSHA256
                    ? "options '\(record.options ?? "none")' (this run: '\(format.summary)')"
                    : "model file sha256 \(record.modelFileSHA256 ?? "none") (this run: \(modelFileSHA256))"
                throw RunError("\(path): record \(number) was written with \(what); resume with the same model and options, or write to another --output")
            }
            let match: Int?
            if let identity = FileIdentity.of(record.file) {
                match = byIdentity[identity]
            } else {
                let candidates = byKey[Array((record.relativePath ?? record.file).utf8)] ?? []
                match = candidates.count == 1 ? candidates.first : candidates.first { Array(files[$0].path.utf8) == Array(record.file.utf8) }
            }
            if let match {
                // A failed file is tried again, and a changed one classified again: their records go.
                let same = record.size == files[match].size && record.modified == files[match].modified?.description
                guard same, !record.failed, !done.contains(match) else { dropped += 1; continue }
                done.insert(match)
            }
            kept += raw
        }
        return (kept, done, dropped, cutShort)
    }

    /// Every complete record with its number and bytes, the header's bytes (CSV), and whether a record was cut short.
    static func parse(_ bytes: [UInt8], path: String, format: RecordFormat)
        throws -> (records: [(Int, Written, [UInt8])], header: [UInt8], cutShort: Bool) {
        let notOurs = { (n: Int) in RunError("\(path): record \(n) is not one 'genre predict --format \(format.format.rawValue)' writes; not resuming into it") }
        guard format.format == .csv else {
            // Lines split on LF bytes: a String would read CR LF as one character and find no line at all.
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            if format.format == .jsonl, bytes.first == UInt8(ascii: "f") { throw other(path, "CSV", format) }
            // Blank lines (an editor's) are no records; they are dropped.
            let records = try lines.dropLast().enumerated().filter { !$0.element.allSatisfy { $0 == 0x0D || $0 == 0x20 } }.map { i, line -> (Int, Written, [UInt8]) in
                guard let r = try? JSONDecoder().decode(LibraryRecord.self, from: Data(line)) else { throw notOurs(i + 1) }
                // A line kept is written back with the LF genre writes (a CR before it, from an editor, is dropped).
                let kept = line.last == 0x0D ? Array(line.dropLast()) : Array(line)
                return (i + 1, Written(file: r.file, relativePath: r.relativePath, size: r.size, modified: r.modified,
                                       modelFileSHA256: r.modelFileSHA256, options: r.options, failed: r.error != nil), kept + [0x0A])
            }
            return (records, [], !(lines.last ?? []).isEmpty)
        }
        if bytes.first == UInt8(ascii: "{") { throw other(path, "JSON Lines", format) }
        let (rows, complete) = CSV.records(String(decoding: bytes, as: UTF8.self))
        guard let header = rows.first, header == format.csvHeader else {
            throw RunError("\(path): its header is not the one this run writes (\(format.csvHeader.prefix(3).joined(separator: ","))…; --top changes it); resume with the same options, or write to another --output")
        }
        let columns = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let records = try rows.dropFirst().enumerated().map { i, row -> (Int, Written, [UInt8]) in
            guard row.count == header.count else { throw notOurs(i + 1) }
            let field = { (name: String) in row[columns[name]!] }
            return (i + 1, Written(file: field("file"), relativePath: field("relativePath"), size: Int64(field("size")),
                                   modified: field("modified"), modelFileSHA256: field("modelFileSHA256"), options: field("options"),
                                   failed: !field("error").isEmpty), Array(CSV.record(row).utf8))
        }
        return (records, Array(CSV.record(header).utf8), complete != bytes.count)
    }

    /// The refusal of an output that holds another format.
    static func other(_ path: String, _ holds: String, _ format: RecordFormat) -> RunError {
        RunError("\(path): holds \(holds), not \(format.format == .csv ? "CSV" : "JSON Lines"); resume with the --format that wrote it, or write to another --output")
    }
}
