import Crypto

/// One of N disjoint parts of a library, for running a classification on N machines or processes at once (a Slurm
/// job array, GNU parallel): a file belongs to shard SHA-256(key) mod N, the key being its path relative to the
/// PATH argument it was found under (`LibraryFile.key`), so that every node agrees wherever the library is mounted.
/// The 32-byte digest is read as one big-endian number. Shards count from 0, as `sbatch --array=0-(N−1)` numbers tasks.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// 0 ≤ index < count.
    public let index: Int
    /// ≥ 1.
    public let count: Int

    /// - Returns: nil unless 0 ≤ index < count.
    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// "K/N", e.g. "0/4"; nil for anything else or K ∉ [0, N).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), (1...1_000_000).contains(n) else { return nil }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// SHA-256 of `key`'s UTF-8 bytes, mod `count`.
    public static func of(key: String, count: Int) -> Int {
        // (r · 256 + byte) mod n, byte by byte: the digest mod n without 256-bit arithmetic (n ≤ 10⁶ keeps it in range).
        SHA256.hash(data: Array(key.utf8)).reduce(0) { ($0 * 256 + Int($1)) % count }
    }

    /// Whether the file keyed `key` is in this shard.
    public func contains(key: String) -> Bool { Self.of(key: key, count: count) == index }
}
