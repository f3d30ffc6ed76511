import ArgumentParser
import Foundation
import GenreTraining

/// `--cache-dir` / `--no-cache` for the commands that featurise whole datasets.
struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Feature cache folder (default: $XDG_CACHE_HOME/genre or ~/.cache/genre).",
                               valueName: "path"))
    var cacheDir: String?

    @Flag(help: "Decode every file and compute its features afresh; read and write no cache.")
    var noCache = false

    func validate() throws {
        if noCache, cacheDir != nil { throw ValidationError("--cache-dir and --no-cache exclude each other") }
    }

    /// The cache to use for `dataset`, or nil. An explicit folder inside the dataset is refused: the
    /// dataset may be read-only, and its scan would meet the cache's files.
    func cache(for dataset: String) throws -> FeatureCache? {
        if noCache { return nil }
        guard let folder = cacheDir ?? FeatureCache.defaultFolder() else { return nil }
        if cacheDir != nil, OutputPath.isInside(folder, folder: dataset) {
            throw RunError("--cache-dir \(folder): inside the dataset folder \(dataset); choose a folder outside it")
        }
        return FeatureCache(folder: folder)
    }
}
