import ArgumentParser
import Foundation
import GenreTraining

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print throughput figures (build with -c release for meaningful numbers).")

    @Option(parsing: .unconditional, help: "Segments per batch.") var batchSize = 32
    @Option(parsing: .unconditional, help: "Timed runs per figure (the median is shown).") var runs = 10

    func validate() throws {
        guard (1...1024).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 1024") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be between 1 and 10000") }
    }

    func run() throws {
        try reportingErrors {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let threadCounts = Set([1, cores]).sorted()
            var figures: [Benchmark.Figure] = []
            for threads in threadCounts { figures += try Benchmark.logMel(threads: threads, runs: max(runs, 5)) }
            for threads in threadCounts {
                figures += Benchmark.network(batch: batchSize, threads: threads, runs: runs)
            }
            for f in figures {
                print(f.name.padding(toLength: 46, withPad: " ", startingAt: 0)
                      + String(format: "%9.1f %@/s   (median %.2f ms)", f.rate, f.unit, 1000 * f.seconds))
            }
            for threads in threadCounts {
                print("\nconvolutions, batch \(batchSize), \(threads) thread(s): forward ms (GFLOP/s), backward ms (GFLOP/s)")
                let rows = Benchmark.convolutionLayers(batch: batchSize, threads: threads)
                for row in rows {
                    print(row.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                          + String(format: "%8.2f (%5.1f)   %8.2f (%5.1f)", 1000 * row.forward, row.forwardGFLOPs,
                                   1000 * row.backward, row.backwardGFLOPs))
                }
                let seconds = rows.reduce(0) { $0 + $1.forward + $1.backward }
                let gflop = rows.reduce(0) { $0 + $1.forward * $1.forwardGFLOPs + $1.backward * $1.backwardGFLOPs }
                print("all four, fwd + bwd".padding(toLength: 24, withPad: " ", startingAt: 0)
                      + String(format: "%8.2f ms, %.1f GFLOP/s", 1000 * seconds, gflop / seconds))
            }
            print(String(format: "\npeak resident memory of this process: %.0f MiB",
                         Double(Benchmark.peakResidentBytes) / 1_048_576))
        }
    }
}
