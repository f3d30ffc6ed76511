import Foundation
import GenreData

/// What a library run did, counted as results are written: for the progress line and the summary on stderr.
public struct LibraryTally: Sendable {
    /// Files classified, and how many had each top genre.
    public private(set) var classified = 0
    public private(set) var byGenre: [String: Int] = [:]
    /// Seconds of audio classified.
    public private(set) var audioSeconds = 0.0
    /// Files that failed, by reason (the error without its path, up to its first " (" or ";").
    public private(set) var failed = 0
    public private(set) var failuresByReason: [String: Int] = [:]
    /// Files a folder walk found that are not audio.
    public private(set) var notAudio = 0
    /// Files an `--output` already held (`--resume`).
    public var alreadyDone = 0

    public init() {}

    /// Counts a classified file: its top genre and duration (s).
    public mutating func classified(genre: String, seconds: Double) {
        classified += 1
        byGenre[genre, default: 0] += 1
        audioSeconds += seconds
    }

    /// Counts a failure: `error` is the one-line "PATH: reason", `path` the path it starts with.
    public mutating func failed(path: String, error: String) {
        failed += 1
        var reason = error.hasPrefix(path + ": ") ? String(error.dropFirst(path.count + 2)) : error
        if let cut = reason.range(of: " (") ?? reason.range(of: ";") { reason = String(reason[..<cut.lowerBound]) }
        failuresByReason[reason, default: 0] += 1
    }

    public mutating func skippedNotAudio() { notAudio += 1 }

    /// Files dealt with so far (classified, failed or skipped).
    public var done: Int { classified + failed + notAudio }

    /// The summary lines: what was classified and how fast, the files per top genre (most first), failures by reason,
    /// and what was left out.
    /// - Parameters:
    ///   - seconds: wall time of the run.
    ///   - left: skipped before classifying (hidden, repeated, links to nothing, other shards) with their counts.
    public func summary(seconds: Double, left: [(count: Int, what: String)]) -> [String] {
        var lines = [String(format: "classified %d file%@ (%@ of audio) in %.1f s: %.1f files/s, %.0f× real time", classified,
                            classified == 1 ? "" : "s", Self.hours(audioSeconds), seconds, Double(classified) / max(seconds, 1e-9),
                            audioSeconds / max(seconds, 1e-9))]
        if !byGenre.isEmpty {
            let genres = byGenre.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            lines.append("top genres: " + genres.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if failed > 0 {
            let reasons = failuresByReason.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            lines.append("failed \(failed): " + reasons.map { "\($0.value) \($0.key)" }.joined(separator: "; "))
        }
        let skipped = [(alreadyDone, "already in the output (--resume)"), (notAudio, "not audio")] + left
        let shown = skipped.filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        if !shown.isEmpty { lines.append("skipped: " + shown.joined(separator: ", ")) }
        return lines
    }

    /// "1:02:03 h" from an hour on, else "16:41 min" (`Console.duration` with its unit).
    static func hours(_ seconds: Double) -> String {
        Console.duration(seconds) + (seconds.rounded() >= 3600 ? " h" : " min")
    }
}
