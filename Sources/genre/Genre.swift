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
        subcommands: [Train.self, Predict.self, Evaluate.self, CrossValidate.self, Calibrate.self, Info.self, MakeDataset.self, Bench.self])

    /// ArgumentParser's entry, after asking for the peak-memory report `genre bench` and the tests read
    /// (`ChildProcess`).
    static func main() {
        ChildProcess.reportPeakAtExitIfAsked()
        // An argument whose bytes are not UTF-8 reaches ArgumentParser with U+FFFD in their place, which names
        // another file. predict reports each such file and classifies the rest; any other command stops here.
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.first != "predict",
           let problem = arguments.lazy.compactMap(FileName.invalidArgumentProblem).first {
            Console.error(problem)
            Foundation.exit(ExitCode.failure.rawValue)
        }
        main(nil)
    }
}

/// `genre --version`: genre's own and the libraries it runs on.
let versions = ["genre 0.1.0", AudioDecoder.libsndfileVersion, AudioDecoder.ffmpegVersion, Resampler.libsoxrVersion, Loudness.libebur128Version, LogMelExtractor.fftwVersion,
                BLAS.version].joined(separator: "\n")

/// Options every subcommand that computes shares.
struct RunOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads, 1–256.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .shortAndLong, help: "No progress output (bar on a terminal, periodic lines otherwise).")
    var quiet = false

    @Flag(help: "Per-file details on stderr: format, sample rate, channels, duration, segments.")
    var verbose = false

    /// The console these options ask for, once per run. More threads than cores are allowed but warned about: each
    /// holds a file and a network workspace, so the extra ones add memory, not speed (a newcomer's `--threads 256` on
    /// 2 cores took 1.8 GB where 2 threads took 129 MB).
    func startConsole() -> Console {
        let console = Console(quiet: quiet, verbose: verbose, spelling: flag)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if threads > cores {
            console.warn(Message(verbatim: "warning: --threads \(threads) is more than the \(cores) cores here: each extra "
                                 + "thread adds memory (a file and a network workspace), not speed"))
        }
        return console
    }

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
    }
}

/// `value` as the `--json` outputs print it: pretty, keys sorted, slashes as they are, on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// The flag that sets `setting`: how this command names the library's settings in what it prints.
@Sendable func flag(_ setting: Setting) -> String {
    switch setting {
    case .modelPath: "--model"
    case .resume: "--resume"
    case .splitFile: "--split-file"
    case .noTest: "--no-test"
    case .split: "--split"
    case .folds: "--folds"
    case .onlyFolds: "--only-folds"
    case .minDuration: "--min-duration"
    case .maxDuration: "--max-duration"
    case .strict: "--strict"
    case .nMels: "--n-mels"
    case .epochs: "--epochs"
    case .batchSize: "--batch-size"
    case .learningRate: "--learning-rate"
    case .weightDecay: "--weight-decay"
    case .learningRateStep: "--lr-step"
    case .learningRateGamma: "--lr-gamma"
    case .dropout: "--dropout"
    case .earlyStopping: "--early-stopping"
    case .mixup: "--mixup"
    case .labelSmoothing: "--label-smoothing"
    case .gainAugment: "--gain-augment"
    case .tiltAugment: "--tilt-augment"
    case .initModel: "--init"
    case .freeze: "--freeze"
    case .freezeBatchNorm: "--freeze-batchnorm"
    case .backboneLearningRateScale: "--backbone-lr-scale"
    case .minConfidence: "--min-confidence"
    }
}

/// Runs a subcommand body, turning any error into one line on stderr and exit code 1 (no stack trace).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as any MessageError {
        Console.error(error.message.rendered(flag))
        throw ExitCode.failure
    } catch {
        Console.error("\(error)")
        throw ExitCode.failure
    }
}
