import ArgumentParser
import Foundation
import GenreAudio
import GenreData
import GenreModel
import GenreSupport

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the most likely genres of audio files.")

    @Argument(help: "Audio files (what libsndfile reads, and MP4/M4A, CAF and the rest through FFmpeg).")
    var files: [String]

    @Option(help: "Model file.") var model: String = ShippedModel.path
    @Option(parsing: .unconditional, help: "How many genres to show per file.") var top = 3
    @Flag(help: "Print one JSON document on stdout instead of text.") var json = false
    @Flag(help: "Also show each ≈3 s segment's top genre and probability over time.") var segments = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Read at most this much of each file, seconds (default: all of it).", valueName: "seconds"))
    var maxDuration: Double?
    @OptionGroup var common: RunOptions

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
        if let maxDuration, !(maxDuration > 0 && maxDuration.isFinite) {
            throw ValidationError("--max-duration must be a positive number of seconds")
        }
    }

    struct Output: Encodable {
        struct Item: Encodable {
            var file: String
            var top: [Prediction.Entry]?
            var segments: Int?
            var duration: Double?
            /// RMS level, dBFS; present with `warning` for a near-silent file.
            var rmsDBFS: Double?
            /// How the file was decoded: "libsndfile" or "FFmpeg", its format, rate (Hz), channels.
            var decoder: String?
            var format: String?
            var sampleRate: Int?
            var channels: Int?
            /// Frames decoded, and what the header promised (absent when it says nothing).
            var frames: Int?
            var headerFrames: Int?
            /// Seconds read when --max-duration cut the file.
            var stoppedAtSeconds: Double?
            /// Decoding notes: the header's frame count differing from the decoded one, a cut at --max-duration.
            var note: String?
            var warning: String?
            /// With --segments: each segment's top genre.
            var timeline: [Prediction.SegmentTop]?
            var error: String?
        }
        var model: String
        var results: [Item]
    }

    func run() throws {
        var failures = 0
        try reportingErrors {
            if let problem = FileName.invalidArgumentProblem(model) { throw RunError("\(problem)") }
            try requireModel(model)
            let trained = try ModelFile.read(model)
            let predictor = try Predictor(model: trained, threads: common.threads, maxSeconds: maxDuration)
            var items: [Output.Item] = []
            for file in files {
                if let problem = FileName.invalidArgumentProblem(file) {
                    failures += 1
                    items.append(.init(file: FileName.invalidArguments[file]!, error: problem))
                    Console.error(problem)
                    continue
                }
                do {
                    let p = try predictor.predict(path: file)
                    let audio = p.audio!
                    if common.verbose {
                        Console.note(ClipFeatureExtractor.describe(file, audio: audio, duration: p.duration, segments: p.segments,
                                                                   cached: false))
                    }
                    let note = Self.notes(audio)
                    if let note, common.verbose || audio.stoppedAtSeconds != nil { Console.note("\(file): \(note)") }
                    let shown = Array(p.ranking.prefix(top))
                    var warning: String?
                    if p.duration < 1 {
                        // train skips such clips (--min-duration 1 s): most of the one segment is padding.
                        warning = String(format: "only %.2f s of audio, mostly padding; the prediction means little", p.duration)
                        Console.warning("\(file): \(warning!)")
                    } else if p.isNearSilent {
                        warning = String(format: "near-silent (RMS %.1f dBFS, below %.0f dBFS); the prediction means little",
                                         p.rmsDBFS, Prediction.nearSilentDBFS)
                        Console.warning("\(file): \(warning!)")
                    }
                    let timeline = segments ? p.timeline(classNames: trained.classNames, features: trained.features) : nil
                    items.append(.init(file: file, top: shown, segments: p.segments, duration: p.duration,
                                       rmsDBFS: p.rmsDBFS, decoder: audio.decoder.name, format: audio.format,
                                       sampleRate: audio.sampleRate, channels: audio.channels, frames: audio.frames,
                                       headerFrames: audio.headerFrames, stoppedAtSeconds: audio.stoppedAtSeconds, note: note,
                                       warning: warning, timeline: timeline))
                    if !json {
                        print(String(format: "%@  (%.1f s, %d segment%@)", Console.printable(file, lineBreaks: false), p.duration, p.segments, p.segments == 1 ? "" : "s"))
                        let width = shown.map(\.genre.count).max() ?? 0
                        for e in shown {
                            print("  " + e.genre.padding(toLength: width, withPad: " ", startingAt: 0)
                                  + String(format: "  %5.1f %%", 100 * e.probability))
                        }
                        if let timeline {
                            let names = timeline.map(\.genre.count).max() ?? 0
                            for t in timeline {
                                print(String(format: "  %6.1f – %6.1f s  ", t.start, t.end)
                                      + t.genre.padding(toLength: names, withPad: " ", startingAt: 0)
                                      + String(format: "  %5.1f %%", 100 * t.probability))
                            }
                        }
                    }
                } catch {
                    failures += 1
                    items.append(.init(file: file, error: "\(error)"))
                    Console.error("\(error)")
                }
                fflush(stdout)
            }
            if json {
                try printJSON(Output(model: model, results: items))
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }

    /// The decoding notes for one file: where --max-duration cut it, or the header's frame count when it differs
    /// from the decoded one.
    static func notes(_ audio: AudioInfo) -> String? {
        if let seconds = audio.stoppedAtSeconds { return String(format: "only the first %g s read (--max-duration)", seconds) }
        return audio.frameCountNote
    }
}
