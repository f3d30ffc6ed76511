import Foundation
import GenreSupport

/// An `--output` file of JSONL lines or CSV rows and, with `--resume`, what it already holds.
///
/// Resuming keeps a record when its file is among this run's inputs with the same size and modification time, and
/// the file was classified (failed files are tried again); a record of a file that changed since is dropped and the
/// file classified again; records of files not among the inputs are kept as they are. Every record must carry this
/// run's model checksum and options, or the resume is refused: one output never mixes two models' answers. A last
/// record cut short (`kill -9` inside a write) is dropped. When anything is dropped the file is first rewritten
/// atomically with what is kept, so that each input ends up in it exactly once.
public struct ResumableOutput {
    /// The paths (`LibraryFile.path`) whose records are kept: this run skips them.
    public var done: Set<String> = []
    /// Records dropped: cut short, failed, or of a file that changed.
    public var dropped = 0
    /// The sink new records are appended to.
    public let sink: LineSink

    /// Opens `path` for this run.
    /// - Parameters:
    ///   - resume: continue a file that holds records; without it an existing, non-empty file is refused.
    ///   - format: `.jsonl` or `.csv`.
    ///   - modelFileSHA256, options: what every kept record must carry (`LibraryRecord`).
    ///   - files: this run's inputs.
    /// - Throws: `RunError` naming `path`: it exists and `resume` is false; a record is not one `predict` writes,
    ///   or was written with another model or options; it cannot be read or written.
    public init(path: String, resume: Bool, format: RecordFormat, modelFileSHA256: String, files: [LibraryFile]) throws {
        let existing = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        if !existing.isEmpty {
            guard resume else {
                throw RunError("\(path): already exists; add --resume to continue it, or remove it to start over")
            }
            let inputs = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            let kept = try Self.keep(existing, path: path, format: format, modelFileSHA256: modelFileSHA256, inputs: inputs)
            done = kept.done
            dropped = kept.dropped
            if kept.text.utf8.count != existing.utf8.count { try AtomicText.write(kept.text, to: path) }
        }
        sink = try LineSink(appendingTo: path)
        if existing.isEmpty, format.format == .csv { try sink.write(CSV.record(format.csvHeader)) }
    }

    /// What a record says about its file, read back from a JSONL line or a CSV row.
    struct Written {
        var file: String, size: Int64?, modified: String?, modelFileSHA256: String?, options: String?, failed: Bool
    }

    /// The text to keep (complete records, in their order) and the files it covers.
    static func keep(_ text: String, path: String, format: RecordFormat, modelFileSHA256: String,
                     inputs: [String: LibraryFile]) throws -> (text: String, done: Set<String>, dropped: Int) {
        let (records, header, cutShort) = try parse(text, path: path, format: format)
        var kept = header, done = Set<String>(), dropped = cutShort ? 1 : 0
        for (number, record, raw) in records {
            guard record.modelFileSHA256 == modelFileSHA256, record.options == format.summary else {
                let what = record.modelFileSHA256 == modelFileSHA256
                    ? "options '\(record.options ?? "none")' (this run: '\(format.summary)')"
                    : "model file sha256 \(record.modelFileSHA256 ?? "none") (this run: \(modelFileSHA256))"
                throw RunError("\(path): record \(number) was written with \(what); resume with the same model and options, or write to another --output")
            }
            // A failed file is tried again, so its record goes, whether or not it is among the inputs now.
            guard !record.failed else { dropped += 1; continue }
            if let input = inputs[record.file] {
                let same = record.size == input.size && record.modified == input.modified.description
                guard same, !done.contains(record.file) else { dropped += 1; continue }
                done.insert(record.file)
            }
            kept += raw
        }
        return (kept, done, dropped)
    }

    /// Every complete record with its number and text, the header text (CSV), and whether a record was cut short.
    static func parse(_ text: String, path: String, format: RecordFormat)
        throws -> (records: [(Int, Written, String)], header: String, cutShort: Bool) {
        let notOurs = { (n: Int) in RunError("\(path): record \(n) is not one 'genre predict --format \(format.format.rawValue)' writes; not resuming into it") }
        if format.format == .jsonl {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            var records: [(Int, Written, String)] = []
            for (i, line) in lines.dropLast().enumerated() {
                guard let r = try? JSONDecoder().decode(LibraryRecord.self, from: Data(line.utf8)) else { throw notOurs(i + 1) }
                records.append((i + 1, Written(file: r.file, size: r.size, modified: r.modified, modelFileSHA256: r.modelFileSHA256,
                                               options: r.options, failed: r.error != nil), String(line) + "\n"))
            }
            return (records, "", !(lines.last ?? "").isEmpty)
        }
        let (rows, complete) = CSV.records(text)
        guard let header = rows.first, header == format.csvHeader else {
            throw RunError("\(path): its header is not the one this run writes (\(format.csvHeader.prefix(3).joined(separator: ","))…; --top changes it); resume with the same options, or write to another --output")
        }
        let columns = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let records = try rows.dropFirst().enumerated().map { i, row -> (Int, Written, String) in
            guard row.count == header.count else { throw notOurs(i + 1) }
            let field = { (name: String) in row[columns[name]!] }
            return (i + 1, Written(file: field("file"), size: Int64(field("size")), modified: field("modified"),
                                   modelFileSHA256: field("modelFileSHA256"), options: field("options"),
                                   failed: !field("error").isEmpty), CSV.record(row))
        }
        return (records, CSV.record(header), complete != text.utf8.count)
    }
}
