import Foundation
import GenreAudio
import GenreFeatures
import GenreSupport

/// A cache of decoded clips' log-mel segments on disk, so that a second `genre train` or `genre evaluate`
/// over the same files skips decoding, resampling and FFTs.
///
/// One file per clip, `<folder>/<16 hex digits>.logmel`, named by a 64-bit FNV-1a hash of its key. The key
/// covers the audio file's absolute path, size and modification time (ns), every feature and segment
/// parameter, the feature pipeline's version (`ClipFeatureExtractor.pipelineVersion`) and the versions of
/// libsndfile, libsoxr and FFTW; any change gives another key. The whole key is
/// stored in the entry and compared on reading, so a hash collision is a miss, never a wrong hit.
///
/// Entry layout (little-endian): `"GENRELM1"`, u32 key length, key (UTF-8), u32 segment count, u32 nMels,
/// u32 segment frames, f64 duration (s), u64 FNV-1a checksum of the values' bytes, then
/// `[count, nMels, frames]` F32 values. An entry that is short, long, foreign, or fails its checksum is
/// ignored and rewritten: a damaged entry is recomputed, never trusted. Entries are written to a
/// temporary file and renamed, so readers never see half an entry.
public final class FeatureCache: @unchecked Sendable {
    /// The cache folder (created on first store).
    public let folder: String
    private let lock = NSLock()
    private var hitCount = 0, missCount = 0
    private var writeProblem: String?

    /// A cache in `folder`; nothing is read or created until a clip is looked up or stored.
    public init(folder: String) {
        self.folder = folder
    }

    /// The default folder: `$XDG_CACHE_HOME/genre` when that is an absolute path, else `$HOME/.cache/genre`;
    /// nil when neither is set (no cache).
    public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/genre" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/genre" }
        return nil
    }

    /// Clips served from the cache since this object was made.
    public var hits: Int { lock.withLock { hitCount } }
    /// Clips computed (not found in the cache) since this object was made.
    public var misses: Int { lock.withLock { missCount } }
    /// The first reason an entry could not be written, if any (the run goes on without it).
    public var problem: String? { lock.withLock { writeProblem } }

    /// The key of `path` under `parameters`, or nil when the file cannot be stat'ed (it is then decoded,
    /// and fails, as without a cache).
    func key(path: String, parameters: FeatureParameters, maxSeconds: Double? = nil) -> String? {
        var info = stat()
        guard let absolute = realpath(path, nil) else { return nil }
        defer { free(absolute) }
        guard stat(absolute, &info) == 0 else { return nil }
        let p = parameters
        return ["genre log-mel cache 2", String(cString: absolute), "size \(info.st_size)",
                "mtime \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)",
                // ctime and inode too: a copy that restores size and mtime (cp -p, rsync -a, tar) still
                // changes them, and neither can be set back by hand.
                "ctime \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec) inode \(info.st_dev).\(info.st_ino)",
                "sample_rate \(p.sampleRate) n_fft \(p.nFFT) hop_length \(p.hopLength) n_mels \(p.nMels)",
                "f_min \(p.fMin) f_max \(p.resolvedFMax)",
                "segment_frames \(p.segmentFrames) min_last_frames \(p.minLastSegmentFrames)",
                "downmix \(p.downmix.rawValue) level \(p.level) dc_removal \(p.dcRemoval)",
                "pipeline \(ClipFeatureExtractor.pipelineVersion)",
                maxSeconds.map { "max_seconds \($0)" } ?? "", AudioDecoder.libsndfileVersion, AudioDecoder.ffmpegVersion,
                Resampler.libsoxrVersion, LogMelExtractor.fftwVersion,
                p.level == .none ? "" : Loudness.libebur128Version]
            .joined(separator: "\n")
    }

    func entryPath(key: String) -> String {
        folder + "/" + FNV1a.hex(FNV1a.hash(key.utf8)) + ".logmel"
    }

    /// The cached segments for `key`, or nil (a miss) when there is no valid entry.
    func load(key: String, nMels: Int, segmentFrames: Int) -> (values: [Float], count: Int, duration: Double)? {
        guard let data = FileManager.default.contents(atPath: entryPath(key: key)) else { return nil }
        var reader = ByteReader(data)
        let keyBytes = Array(key.utf8)
        guard reader.bytes(8) == Array("GENRELM1".utf8),
              let keyLength = reader.u32(), keyLength == keyBytes.count, reader.bytes(keyLength) == keyBytes,
              let count = reader.u32(), count >= 1, reader.u32() == nMels, reader.u32() == segmentFrames,
              let durationBits = reader.u64(), let checksum = reader.u64() else { return nil }
        let valueCount = count * nMels * segmentFrames
        guard reader.remaining == valueCount * 4, let payload = reader.bytes(valueCount * 4),
              FNV1a.hash(payload) == checksum else { return nil }
        let values = payload.withUnsafeBytes { raw in
            (0..<valueCount).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        let duration = Double(bitPattern: durationBits)
        guard duration.isFinite, values.allSatisfy(\.isFinite) else { return nil }
        return (values, count, duration)
    }

    /// Stores an entry; a failure is remembered in `problem`, never thrown (the cache is an optimisation).
    func store(key: String, values: [Float], count: Int, nMels: Int, segmentFrames: Int, duration: Double) {
        var payload = [UInt8](repeating: 0, count: values.count * 4)
        payload.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        var bytes = Array("GENRELM1".utf8)
        let keyBytes = Array(key.utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(UInt32(keyBytes.count)); bytes += keyBytes
        append(UInt32(count)); append(UInt32(nMels)); append(UInt32(segmentFrames))
        append(duration.bitPattern); append(FNV1a.hash(payload))
        bytes += payload
        do {
            try OutputPath.createFolder(folder)
            let path = entryPath(key: key)
            let temporary = path + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                throw RunError("cannot write \(temporary)")
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw RunError("cannot rename \(temporary): \(reason)")
            }
        } catch {
            lock.withLock { if writeProblem == nil { writeProblem = "\(error)" } }
        }
    }

    func recordHit() { lock.withLock { hitCount += 1 } }
    func recordMiss() { lock.withLock { missCount += 1 } }
}

/// Sequential little-endian reads over a byte buffer; every read returns nil past the end.
private struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0
    init(_ data: Data) { bytes = [UInt8](data) }
    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func u32() -> Int? {
        bytes(4).map { b in Int(b.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
    }

    mutating func u64() -> UInt64? {
        bytes(8).map { b in b.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }
}
