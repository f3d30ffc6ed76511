import ArgumentParser
import Foundation
import GenreAudio
import GenreData
import GenreFeatures
import GenreModel
import GenreNetwork
import GenreSupport

@main
struct Genre: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genre",
        abstract: "Music-genre classifier: train a CNN on log-mel spectrograms, predict, evaluate.",
        version: versions,
        subcommands: [Train.self, Predict.self, Evaluate.self, CrossValidate.self, Info.self, MakeDataset.self, Bench.self])
}

/// `genre --version`: genre's own and the libraries it runs on.
let versions = ["genre 0.1.0", AudioDecoder.libsndfileVersion, Resampler.libsoxrVersion, Loudness.libebur128Version, LogMelExtractor.fftwVersion,
                BLAS.version].joined(separator: "\n")

/// Options every subcommand that computes shares.
struct RunOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .shortAndLong, help: "No progress output (bar on a terminal, periodic lines otherwise).")
    var quiet = false

    @Flag(help: "Per-file details on stderr: format, sample rate, channels, duration, segments.")
    var verbose = false

    /// The console these options ask for.
    var console: Console { Console(quiet: quiet, verbose: verbose) }

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
    }
}

/// Runs a subcommand body, turning any error into one line on stderr and exit code 1 (no stack trace).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Console.error("\(error)")
        throw ExitCode.failure
    }
}

/// The shipped model lives at a path relative to the repository root: say so when it is not found.
func requireModel(_ path: String) throws {
    if path == ShippedModel.path && !FileManager.default.fileExists(atPath: path) {
        throw RunError("\(path): not found; run from the repository root (the model ships there) or pass "
                       + "--model PATH, e.g. a model from 'genre train DIR'")
    }
}
