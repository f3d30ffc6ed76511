import ArgumentParser
import Foundation
import GenreData
import GenreSupport

struct MakeDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-dataset",
        abstract: "Generate a small synthetic dataset (4 genres of synthetic audio) for a first run.")

    @Argument(help: "Folder to create, e.g. datasets/demo.")
    var folder: String

    @Option(parsing: .unconditional, help: "Clips per genre, 3–1000.") var clips = 12
    @Option(parsing: .unconditional, help: "Seconds per clip, in (0, 600].") var seconds: Double = 6
    @Option(parsing: .unconditional, help: "Seed, 0–18446744073709551615.") var seed: UInt64 = 0

    func validate() throws {
        // A synthetic set is for trying the tool: 1000 clips × 4 genres × 600 s is already ~42 GB of WAV.
        guard (3...1000).contains(clips) else { throw ValidationError("--clips must be between 3 and 1000") }
        guard seconds > 0 && seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        // 16-bit mono at 22050 Hz, 4 genres: keep the whole set under 2 GB.
        let bytes = 4 * Double(clips) * seconds * 22050 * 2
        guard bytes <= 2e9 else {
            throw ValidationError(String(format: "--clips %d × --seconds %g would write %.1f GB; keep it under 2 GB", clips, seconds, bytes / 1e9))
        }
    }

    func run() throws {
        try reportingErrors {
            // An empty name is not "here": FileManager would resolve it against / and write there.
            guard !folder.isEmpty else { throw RunError("output folder is empty; give a folder name, e.g. datasets/demo") }
            // Never mix a new dataset into an old one (or write into a file's place).
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
                guard isFolder.boolValue else { throw RunError("\(folder): exists and is not a folder") }
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                guard entries.isEmpty else { throw RunError("\(folder): folder is not empty; give a new folder") }
            }
            let n = try DemoDataset.generate(at: folder, clipsPerGenre: clips, seconds: seconds, seed: seed)
            print("wrote \(n) clips in \(DemoDataset.genres.count) genres to \(folder)")
            if seconds < FileScreening().minDuration {
                // train would skip every clip: say so now, with the option that keeps them.
                Console.warning(String(format: "clips of %g s are shorter than train's default --min-duration %g s; "
                                       + "train on them with --min-duration %g", seconds, FileScreening().minDuration, seconds))
            }
        }
    }
}
