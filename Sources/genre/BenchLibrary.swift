import Foundation
import GenreData
import GenreLibrary
import GenreModel
import GenreSupport
import GenreTraining

/// `genre bench --library DIR`: the figures of README "Classifying a music library".
struct LibraryBenchReport: Codable {
    var date: String
    var machine: BenchmarkReport.Machine
    var versions: [String]
    var model: String
    var folder: String
    var throughput: [LibraryBenchmark.Throughput]
    var stages: LibraryBenchmark.Stages
}

extension Bench {
    func benchLibrary(_ folder: String) throws {
        let modelPath = try ShippedModel.locate(given: model)
        let trained = try ModelFile.read(modelPath)
        let (files, _) = LibraryInputs.collect([folder])
        guard !files.isEmpty else { throw RunError("\(folder): no files found to classify") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // A first pass reads every file into the page cache, so that neither timed run pays for the disk.
        _ = try LibraryBenchmark.throughput(files, model: trained, threads: cores)
        let throughput = try Set([1, cores]).sorted().map { try LibraryBenchmark.throughput(files, model: trained, threads: $0) }
        let stages = try LibraryBenchmark.stages(files.prefix(stageFiles).map(\.path), model: trained)
        let report = LibraryBenchReport(date: ISO8601DateFormatter().string(from: Date()), machine: .current,
                                        versions: versions.split(separator: "\n").map(String.init), model: modelPath, folder: folder,
                                        throughput: throughput, stages: stages)
        if json { return try printJSON(report) }
        for t in report.throughput {
            print(String(format: "%d thread(s): %d files, %.0f s of audio in %.2f s: %.1f files/s, %.0f× real time",
                         t.threads, t.files, t.audioSeconds, t.seconds, t.filesPerSecond, t.timesRealTime))
        }
        if report.throughput.count == 2 {
            print(String(format: "speed-up from 1 to %d threads: %.2f×", report.throughput[1].threads,
                         report.throughput[0].seconds / report.throughput[1].seconds))
        }
        let s = report.stages
        print("one thread, \(s.files) files, ms per file:")
        for (name, seconds) in [("decode", s.decode), ("resample (and downmix)", s.resample), ("features (log-mel, segments, level)", s.features),
                                ("network", s.network)] {
            print(String(format: "  %@ %7.2f  (%4.1f %%)", name.padding(toLength: 36, withPad: " ", startingAt: 0),
                         1000 * seconds / Double(s.files), 100 * seconds / s.total))
        }
    }
}
