import Foundation
import GenreSupport

/// Which decoded files a training or cross-validation run may use: files shorter than `minDuration`
/// are left out like undecodable ones, each reported with its path and reason; with `strict` any file
/// left out stops the run before training.
public struct FileScreening: Sendable, Equatable {
    /// Seconds of audio a file needs (0: any length with at least one frame).
    public var minDuration: Double
    /// Seconds read of each file at most (nil: all of it); longer files are cut there, with one note per run.
    public var maxDuration: Double?
    /// Refuse the whole run when any file is undecodable or too short.
    public var strict: Bool

    /// Member-wise; the defaults leave out files shorter than 1 s, read at most an hour of each file, and go on
    /// without the files left out.
    public init(minDuration: Double = 1, maxDuration: Double? = 3600, strict: Bool = false) {
        self.maxDuration = maxDuration
        self.minDuration = minDuration
        self.strict = strict
    }

    /// With `strict`, refuses the run before any decoding when the dataset's scan already left files out.
    /// - Throws: `RunError` naming the first of `skipped` and how many there are (each is warned about first).
    public func refuseEarly(_ skipped: [SkippedFile], reporter: any Reporter) throws {
        if strict, !skipped.isEmpty { throw refusal(skipped, reporter: reporter) }
    }

    /// Every file of `left` warned about, so that one run lists all there is to fix, and the error naming the first.
    private func refusal(_ left: [SkippedFile], reporter: any Reporter) -> RunError {
        for s in left { reporter.warn("skipped \(s.message)") }
        return RunError("\(left[0].message) (\(Setting.strict): \(left.count) file(s) cannot be used; nothing trained)")
    }

    /// - Parameters:
    ///   - decoded: the clips that decoded, paths relative to `root`.
    ///   - skipped: the files already left out (the scan's, those that did not decode, copies).
    /// - Returns: the clips to use and every file left out (`skipped` first, then too short), each
    ///   already warned about on `reporter`.
    /// - Throws: `RunError` naming the first file left out, when `strict` (each is warned about first).
    public func apply(_ decoded: [ClipFeatures], skipped: [SkippedFile], root: String,
                      reporter: any Reporter) throws -> (clips: [ClipFeatures], skipped: [SkippedFile]) {
        var left = skipped
        var kept: [ClipFeatures] = []
        for clip in decoded {
            if clip.duration < minDuration {
                let path = (root.hasSuffix("/") ? root : root + "/") + clip.relativePath
                let seconds = String(format: "%.2f", clip.duration), limit = String(format: "%g", minDuration)
                left.append(SkippedFile(path: path, reason: "\(seconds) s of audio, shorter than \(Setting.minDuration) \(limit) s"))
            } else {
                kept.append(clip)
            }
        }
        if strict, !left.isEmpty { throw refusal(left, reporter: reporter) }
        for s in left { reporter.warn("skipped \(s.message)") }
        let cut = kept.filter { $0.stoppedAtSeconds != nil }.count
        if cut > 0, let maxDuration {
            let limit = String(format: "%g", maxDuration)
            let files = cut == 1 ? "1 file" : "\(cut) files", their = cut == 1 ? "its" : "their", are = cut == 1 ? "is" : "are"
            reporter.warn("note: \(files) longer than \(Setting.maxDuration) \(limit) s: only \(their) first \(limit) s \(are) used")
        }
        return (kept, left)
    }
}
