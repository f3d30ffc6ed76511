import ArgumentParser
import Foundation
import GenreData
import GenreSupport

/// `--cache-dir` / `--no-cache` for the commands that featurise whole datasets.
struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Feature cache folder (default: $XDG_CACHE_HOME/genre or ~/.cache/genre).",
                               valueName: "path"))
    var cacheDir: String?

    @Flag(help: "Decode every file and compute its features afresh; read and write no cache.")
    var noCache = false

    func validate() throws {
        if noCache, cacheDir != nil { throw ValidationError("--cache-dir and --no-cache exclude each other") }
        if cacheDir?.isEmpty == true { throw ValidationError("--cache-dir is empty; give a folder, or --no-cache") }
    }

    /// The cache to use for `dataset`, or nil. A folder inside the dataset is refused when given, and
    /// left unused with a warning when it is the default: the dataset may be read-only, and its scan
    /// would meet the cache's files.
    func cache(for dataset: String) throws -> FeatureCache? {
        if noCache { return nil }
        guard let folder = cacheDir ?? FeatureCache.defaultFolder() else { return nil }
        if OutputPath.isInside(folder, folder: dataset) {
            if cacheDir != nil {
                throw RunError("--cache-dir \(folder): inside the dataset folder \(dataset); choose a folder outside it")
            }
            // The default folder ($XDG_CACHE_HOME/genre) may lie inside the dataset too: never write there.
            Console.warning("the feature cache \(folder) is inside the dataset folder \(dataset); not using it")
            return nil
        }
        return FeatureCache(folder: folder)
    }
}
