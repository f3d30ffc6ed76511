import ArgumentParser
import Foundation
import GenreTraining

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print throughput figures (build with -c release for meaningful numbers).")

    @Option(help: "Segments per batch.") var batchSize = 32
    @Option(help: "Timed runs per figure (the median is shown).") var runs = 10

    func validate() throws {
        guard (1...1024).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 1024") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be between 1 and 10000") }
    }

    func run() throws {
        try reportingErrors {
            var figures = [try Benchmark.logMel(runs: max(runs, 5))]
            let cores = ProcessInfo.processInfo.activeProcessorCount
            for threads in Set([1, cores]).sorted() {
                figures += Benchmark.network(batch: batchSize, threads: threads, runs: runs)
            }
            for f in figures {
                print(f.name.padding(toLength: 40, withPad: " ", startingAt: 0)
                      + String(format: "%10.1f %@/s   (median %.2f ms)", f.rate, f.unit, 1000 * f.seconds))
            }
            for threads in Set([1, cores]).sorted() {
                print("\nconvolutions, batch \(batchSize), \(threads) thread(s): forward ms (GFLOP/s), backward ms (GFLOP/s)")
                for row in Benchmark.convolutionLayers(batch: batchSize, threads: threads) {
                    print(row.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                          + String(format: "%8.2f (%5.1f)   %8.2f (%5.1f)", 1000 * row.forward, row.forwardGFLOPs,
                                   1000 * row.backward, row.backwardGFLOPs))
                }
            }
        }
    }
}
