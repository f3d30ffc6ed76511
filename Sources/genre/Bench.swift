import ArgumentParser
import Foundation
import GenreData
import GenreModel
import GenreSupport
import GenreTraining

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print throughput figures (build with -c release for meaningful numbers).")

    @Option(parsing: .unconditional, help: "Segments per batch, 1–1024.") var batchSize = 32
    @Option(parsing: .unconditional, help: "Timed runs per figure (the median is shown), 1–10000.") var runs = 10
    @Option(help: ArgumentHelp("Also time a real 'genre train' of this dataset in a child process and report its wall time and peak memory.",
                               valueName: "dataset"))
    var train: String?
    @Option(parsing: .unconditional, help: "Epochs for --train, 1–10000 (default: the default recipe's 60).") var epochs: Int?
    @Option(help: ArgumentHelp("Peak memory of 'genre predict' on 7.1 × 192 kHz and mono 22.05 kHz FLAC files of these lengths, minutes, each 0–1440, made in a temporary folder (0 or empty: skip).",
                               valueName: "minutes,..."))
    var decodeMinutes = "10,120"
    @Option(help: "Model for the --decode-minutes predictions (default: the shipped model, skipped with a note when absent).")
    var model: String?
    @Flag(help: "Measure only predict's peak memory (--decode-minutes), none of the speed figures.")
    var memoryOnly = false
    @Option(help: ArgumentHelp("Instead: time classifying every audio file under this folder as 'genre predict' does, with 1 thread and all cores (files/s, × real time), and where one thread's time goes (decode, resample, features, network).",
                               valueName: "folder"))
    var library: String?
    @Option(parsing: .unconditional, help: "How many of the --library files (the first) the stage breakdown uses, ≥ 1.") var stageFiles = 100
    @Flag(help: "Print one JSON document (every figure, the machine, the date and the library versions) instead of text.")
    var json = false

    func validate() throws {
        guard (1...1024).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 1024") }
        guard stageFiles >= 1 else { throw ValidationError("--stage-files must be at least 1") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be between 1 and 10000") }
        guard (1...10_000).contains(epochs ?? 60) else { throw ValidationError("--epochs must be between 1 and 10000") }
        guard minutes != nil else {
            throw ValidationError("--decode-minutes must be comma-separated minutes between 0 and 1440, e.g. 10,120")
        }
        if let train {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: train, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--train \(train): dataset folder not found")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            if let library { return try benchLibrary(library) }
            let report = try measure()
            if json {
                try printJSON(report)
            } else {
                printText(report)
            }
        }
    }

    /// Runs every figure: log-mel, both networks' training step and inference, the convolutions, each with
    /// 1 thread and all cores, then the optional real training run.
    func measure() throws -> BenchmarkReport {
        let date = ISO8601DateFormatter().string(from: Date())
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threadCounts = Set([1, cores]).sorted()
        var figures: [Benchmark.Figure] = []
        var convolutions: [String: [Benchmark.ConvolutionTiming]] = [:]
        // Each kind of figure for every thread count in turn: the order the text form prints.
        let speedThreads = memoryOnly ? [] : threadCounts
        for threads in speedThreads { figures += try Benchmark.logMel(threads: threads, runs: max(runs, 5)) }
        for threads in speedThreads { figures += Benchmark.network(batch: batchSize, threads: threads, runs: runs) }
        for threads in speedThreads {
            figures += Benchmark.network(batch: batchSize, threads: threads, recipe: .defaultRecipe, runs: runs)
        }
        for threads in speedThreads {
            convolutions[String(threads)] = Benchmark.convolutionLayers(batch: batchSize, threads: threads)
        }
        let peak = Double(Benchmark.peakResidentBytes) / 1_048_576
        let training = try train.map { dataset -> BenchmarkReport.TrainingTiming in
            let (seconds, bytes) = try timeTraining(dataset)
            return BenchmarkReport.TrainingTiming(dataset: dataset, epochs: epochs ?? TrainingSettings.defaultRecipe.epochs,
                                               seconds: seconds, peakResidentMiB: Double(bytes) / 1_048_576)
        }
        var report = BenchmarkReport(date: date, machine: .current, versions: versions.split(separator: "\n").map(String.init),
                                     batchSize: batchSize, runs: runs, figures: figures, convolutions: convolutions,
                                     peakResidentMiB: peak, train: training)
        report.decodeMemory = try measureDecodeMemory()
        return report
    }

    /// The lengths `--decode-minutes` names, nil if it does not parse.
    var minutes: [Double]? {
        let parts = decodeMinutes.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ $0 != nil && (0...1440).contains($0!) }) else { return nil }
        return parts.compactMap { $0 }.filter { $0 > 0 }
    }

    /// `Benchmark.decodeMemory` with this binary, in a temporary folder.
    func measureDecodeMemory() throws -> [Benchmark.DecodeMemory] {
        guard let minutes, !minutes.isEmpty else { return [] }
        // Without a model the speed figures still mean something: skip this part, and say so.
        guard let model = try? ShippedModel.locate(given: model) else {
            Console.warning("predict's memory not measured: no model found (pass --model, or see README \"Install\")")
            return []
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("genre-bench-decode-\(getpid())").path
        try OutputPath.createFolder(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return try Benchmark.decodeMemory(minutes: minutes, executable: executable, model: model, folder: folder)
    }

    /// The text form: one line per figure, the convolution table per thread count, memory, training.
    func printText(_ report: BenchmarkReport) {
        let width = max(46, (report.figures.map(\.name.count).max() ?? 0) + 2)
        for f in report.figures {
            print(f.name.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "%9.1f %@/s   (median %.2f ms)", f.rate, f.unit, 1000 * f.seconds))
        }
        for (threads, rows) in report.convolutions.sorted(by: { Int($0.key)! < Int($1.key)! }) {
            print("\nconvolutions, batch \(report.batchSize), \(threads) thread(s): forward ms (GFLOP/s), backward ms (GFLOP/s)")
            for row in rows {
                print(row.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                      + String(format: "%8.2f (%5.1f)   %8.2f (%5.1f)", 1000 * row.forwardSeconds, row.forwardGFLOPs,
                               1000 * row.backwardSeconds, row.backwardGFLOPs))
            }
            let seconds = rows.reduce(0) { $0 + $1.forwardSeconds + $1.backwardSeconds }
            let gflop = rows.reduce(0) { $0 + $1.forwardSeconds * $1.forwardGFLOPs + $1.backwardSeconds * $1.backwardGFLOPs }
            print("all four, fwd + bwd".padding(toLength: 24, withPad: " ", startingAt: 0)
                  + String(format: "%8.2f ms, %.1f GFLOP/s", 1000 * seconds, gflop / seconds))
        }
        print(String(format: "\npeak resident memory of this process: %.0f MiB", report.peakResidentMiB))
        for row in report.decodeMemory {
            print(String(format: "genre predict, %@ FLAC (%.0f MiB): %.1f s wall, peak resident memory %.0f MiB",
                         row.file, row.fileMiB, row.seconds, row.peakResidentMiB))
        }
        if let t = report.train {
            print(String(format: "genre train %@ --epochs %d: %.1f s wall, peak resident memory %.0f MiB",
                         t.dataset, t.epochs, t.seconds, t.peakResidentMiB))
        }
    }

    /// Runs `genre train DIR [--epochs N]` with the default recipe (no feature cache, model in a temporary folder) as a child
    /// process: its wall time (s) and peak resident memory (bytes, `getrusage(RUSAGE_CHILDREN)`).
    func timeTraining(_ dataset: String) throws -> (seconds: Double, peakBytes: Int) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("genre-bench-train-\(getpid())").path
        try OutputPath.createFolder(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["train", dataset, "--model", folder + "/model.safetensors", "--no-cache", "--quiet"]
            + (epochs.map { ["--epochs", String($0)] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard process.terminationStatus == 0 else {
            let last = String(decoding: message, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw RunError("bench --train \(dataset): training failed (exit \(process.terminationStatus)): \(last)")
        }
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return (seconds, usage.ru_maxrss * 1024)
    }
}
