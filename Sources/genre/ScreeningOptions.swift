import ArgumentParser
import GenreData

/// `--min-duration` / `--strict` for the commands that train.
struct ScreeningOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Skip files with less audio than this, seconds, 0–3600.", valueName: "seconds"))
    var minDuration: Double = 1
    @Option(parsing: .unconditional, help: ArgumentHelp("Read at most this much of each file, seconds, > 0 (longer files are cut there, with a note).", valueName: "seconds"))
    var maxDuration: Double = 3600
    @Flag(help: "Stop, training nothing, if any file cannot be decoded or is shorter than --min-duration.")
    var strict = false

    func validate() throws {
        guard minDuration >= 0, minDuration <= 3600 else { throw ValidationError("--min-duration must be between 0 and 3600 seconds") }
        guard maxDuration > 0, maxDuration.isFinite else { throw ValidationError("--max-duration must be a positive number of seconds") }
        // Files are cut at --max-duration before --min-duration is checked: every file would be skipped.
        guard minDuration <= maxDuration else {
            throw ValidationError("--min-duration \(minDuration) is above --max-duration \(maxDuration): every file would be skipped")
        }
    }

    var screening: FileScreening { FileScreening(minDuration: minDuration, maxDuration: maxDuration, strict: strict) }
}
