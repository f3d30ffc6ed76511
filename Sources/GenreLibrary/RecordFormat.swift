import Foundation
import GenreData
import GenreModel

/// How `predict` writes its results.
public enum LibraryFormat: String, CaseIterable, Sendable {
    /// Blocks of text per file, as a person reads them.
    case text
    /// One JSON document at the end: `{"model": path, "results": [record, ...]}`.
    case json
    /// One JSON object per file, written and flushed as soon as the file is done (JSON Lines).
    case jsonl
    /// One RFC 4180 row per file under a header row.
    case csv

    /// One complete line (or record) per file, which `--resume` can read back.
    public var isResumable: Bool { self == .jsonl || self == .csv }
}

/// How `predict --segments` prints a file's timeline as text (JSON always keeps every segment).
public enum TimelineView: String, CaseIterable, Sendable {
    /// Consecutive segments with the same top genre merged into one line (`TimelineRun.merging`).
    case merged
    /// One line per segment.
    case all
}

/// The options that shape each record: what `--resume` requires to be the same, and how records are written.
public struct RecordFormat: Sendable, Equatable {
    public var format: LibraryFormat
    /// Genres per file, ≥ 1, and never more than the model has (CSV's columns).
    public var top: Int
    /// Each segment's top genre is kept (`timeline`; not in CSV), printed as text this way; nil: no timeline.
    public var segments: TimelineView?
    /// `--max-duration`, seconds, or nil for all of each file.
    public var maxSeconds: Double?
    /// The shard written, if any: an output holds one shard's records.
    public var shard: Shard?
    /// `--min-confidence`, resolved to a probability: a record below it says `uncertain`; nil: no record says either.
    public var minConfidence: Double?

    public init(format: LibraryFormat, top: Int, segments: TimelineView?, maxSeconds: Double?, shard: Shard? = nil,
                minConfidence: Double? = nil) {
        self.minConfidence = minConfidence
        self.format = format
        self.top = top
        self.segments = segments
        self.maxSeconds = maxSeconds
        self.shard = shard
    }

    /// The options as recorded in every JSONL line and CSV row, e.g. `top=3 segments=no max-duration=all`, with
    /// ` shard=K/N` for a shard and ` min-confidence=P` with a threshold.
    public var summary: String {
        "top=\(top) segments=\(segments == nil ? "no" : "yes") max-duration=\(maxSeconds.map { "\($0)" } ?? "all")"
            + (shard.map { " shard=\($0)" } ?? "") + (minConfidence.map { " min-confidence=\($0)" } ?? "")
    }

    /// CSV's header row: `file`, then `genre1`, `probability1`, … `genreK`, `probabilityK`, then the file's figures.
    public var csvHeader: [String] {
        ["file"] + (1...top).flatMap { ["genre\($0)", "probability\($0)"] }
            + ["duration", "segments", "decoder", "size", "modified", "modelFileSHA256", "options", "relativePath", "warning", "error"]
            + (minConfidence == nil ? [] : ["uncertain"])
    }

    /// The text `record` is written as: a JSONL line, a CSV row (both with their line end), a text block (nil for a
    /// failed file, whose error goes to stderr), or nil for `json` (written whole at the end, `document`).
    public func render(_ record: LibraryRecord) throws -> String? {
        switch format {
        case .json: return nil
        case .jsonl: return String(decoding: try Self.lineEncoder.encode(record), as: UTF8.self) + "\n"
        case .csv: return CSV.record(csvFields(record))
        case .text: return record.error == nil ? textBlock(record) : nil
        }
    }

    /// `{"model": path, "results": [...]}`, pretty-printed with sorted keys, as `--json` always wrote it.
    public func document(model: String, modelFileSHA256: String, records: [LibraryRecord]) throws -> String {
        struct Document: Encodable { var model: String; var modelFileSHA256: String; var results: [LibraryRecord] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(Document(model: model, modelFileSHA256: modelFileSHA256, results: records))
        return String(decoding: json, as: UTF8.self) + "\n"
    }

    static let lineEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func csvFields(_ r: LibraryRecord) -> [String] {
        let top = r.top ?? []
        let genres = (0..<self.top).flatMap { i in i < top.count ? [top[i].genre, "\(top[i].probability)"] : ["", ""] }
        return [r.file] + genres + [r.duration.map { "\($0)" } ?? "", r.segments.map(String.init) ?? "", r.decoder ?? "",
                                    r.size.map(String.init) ?? "", r.modified ?? "", r.modelFileSHA256 ?? "", r.options ?? "",
                                    r.relativePath ?? "", r.warning ?? "", r.error ?? ""]
            + (minConfidence == nil ? [] : [r.uncertain.map { $0 ? "true" : "false" } ?? ""])
    }

    /// "FILE  (12.3 s, 5 segments)", the top genres with percentages, and with `segments` the timeline.
    func textBlock(_ r: LibraryRecord) -> String {
        let segments = r.segments ?? 0
        // Under a second, 0.1 s steps would hide the length (a 0.05 s clip read "0.0 s").
        let duration = r.duration ?? 0
        var lines = [String(format: duration < 1 ? "%@  (%.2f s, %d segment%@)" : "%@  (%.1f s, %d segment%@)",
                            Console.printable(r.file, lineBreaks: false), duration, segments, segments == 1 ? "" : "s")]
        let top = r.top ?? []
        if r.uncertain == true, let p = top.first?.probability, let t = minConfidence {
            lines.append(String(format: "  uncertain: the top probability %.1f %% is below --min-confidence %.1f %%", 100 * p, 100 * t))
        }
        let width = top.map(\.genre.count).max() ?? 0
        for e in top {
            lines.append("  " + e.genre.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "  %5.1f %%", 100 * e.probability))
        }
        if let timeline = r.timeline { lines += Self.timelineLines(timeline, view: self.segments ?? .merged) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "  0:00–1:17  metal  91.0 %" per run (`view`), times as `ClockTime`, columns aligned.
    static func timelineLines(_ timeline: [Prediction.SegmentTop], view: TimelineView) -> [String] {
        let runs = view == .all ? TimelineRun.unmerged(timeline) : TimelineRun.merging(timeline)
        let hours = ClockTime.needsHours(runs.map(\.end).max() ?? 0)
        // A run under a second (a clip that short) would read 0:00–0:00: then every time gets its tenths.
        let tenths = runs.contains { ClockTime.text($0.start, hours: hours) == ClockTime.text($0.end, hours: hours) }
        let spans = runs.map { ClockTime.text($0.start, hours: hours, tenths: tenths) + "–" + ClockTime.text($0.end, hours: hours, tenths: tenths) }
        let spanWidth = spans.map(\.count).max() ?? 0, nameWidth = runs.map(\.genre.count).max() ?? 0
        return zip(spans, runs).map { span, run in
            "  " + String(repeating: " ", count: spanWidth - span.count) + span + "  "
                + run.genre.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + String(format: "  %5.1f %%", 100 * run.probability)
        }
    }
}

/// Times in a timeline as people read them (`Console.duration`): m:ss, or h:mm:ss when the timeline goes past an hour.
enum ClockTime {
    /// Whether a timeline ending at `seconds` needs hours (it reaches 1:00:00 once rounded).
    static func needsHours(_ seconds: Double) -> Bool { seconds.rounded() >= 3600 }

    /// `seconds` rounded to the nearest whole second: "1:17", or with `hours` "0:01:17"; with `tenths` to the nearest
    /// tenth: "0:00.4".
    static func text(_ seconds: Double, hours: Bool, tenths: Bool = false) -> String {
        Console.duration(seconds, hours: hours, tenths: tenths)
    }
}
