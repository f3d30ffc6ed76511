import GenreSupport

/// Duplicate audio inside a dataset: the same decoded samples under two names. Identical audio gives
/// bit-identical log-mel segments (the pipeline is deterministic), so clips are grouped by a hash of their
/// segments and confirmed by comparing them whole.
public enum Duplicates {
    /// Each later copy of an earlier clip (clips in the given order, e.g. sorted paths).
    /// - Returns: (duplicate's path, the path of the first clip with the same audio).
    public static func find(_ clips: [ClipFeatures]) -> [(duplicate: String, of: String)] {
        var firstByHash: [UInt64: [Int]] = [:]
        var found: [(String, String)] = []
        for (i, clip) in clips.enumerated() {
            let hash = clip.segments.withUnsafeBytes { FNV1a.hash($0) }
            let candidates = firstByHash[hash, default: []]
            if let original = candidates.first(where: { clips[$0].segments == clip.segments && clips[$0].segmentCount == clip.segmentCount }) {
                found.append((clip.relativePath, clips[original].relativePath))
            } else {
                firstByHash[hash, default: []].append(i)
            }
        }
        return found
    }

    /// `clips` without the later copies, and each copy dropped as a skipped file (`root` joined with its relative
    /// path; the reason names the clip kept). Keeping one copy keeps every copy on the same side of any split:
    /// no song is both trained on and tested.
    public static func removing(from clips: [ClipFeatures], root: String) -> (clips: [ClipFeatures], skipped: [SkippedFile]) {
        let copies = find(clips)
        let dropped = Set(copies.map(\.duplicate))
        let folder = root.hasSuffix("/") ? root : root + "/"
        let label = Dictionary(uniqueKeysWithValues: clips.map { ($0.relativePath, $0.label) })
        return (clips.filter { !dropped.contains($0.relativePath) }, copies.map {
            // The same song under two genres is a labelling mistake the user will want to fix.
            let elsewhere = label[$0.duplicate] != label[$0.of] ? ", which is filed under another genre" : ""
            return SkippedFile(path: folder + $0.duplicate, reason: "same audio as '\($0.of)'\(elsewhere)")
        })
    }
}
