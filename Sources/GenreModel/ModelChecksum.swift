import Crypto
import Foundation
import GenreSupport
import SafeTensors

/// The integrity checksum a model file carries in its metadata (`checksum.sha256`): SHA-256 (FIPS 180-4,
/// through swift-crypto) over a canonical byte stream of everything the file says, so any change to a
/// weight, a shape, a tensor name or a metadata entry is caught, while changes that alter nothing (the
/// JSON header's spacing or key order) are not.
///
/// The stream: each metadata entry but the checksum, in byte order of the keys, as `key NUL value NUL`;
/// then each tensor, in byte order of the names, as `name NUL dtype NUL shape NUL` (shape as decimal
/// numbers joined by commas) followed by its values as little-endian F32 bytes.
public enum ModelChecksum {
    /// The metadata key holding the lowercase hex digest.
    public static let key = "checksum.sha256"

    /// - Parameters: metadata (the checksum entry, if any, is ignored); tensors by name, each with its
    ///   shape and values.
    /// - Returns: 64 lowercase hex digits.
    public static func digest(metadata: [String: String], tensors: [(name: String, shape: [Int], values: [Float])]) -> String {
        var hasher = SHA256()
        let nul: [UInt8] = [0]
        for k in metadata.keys.filter({ $0 != key }).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            hasher.update(data: Array(k.utf8) + nul + Array(metadata[k]!.utf8) + nul)
        }
        for t in tensors.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            hasher.update(data: Array(t.name.utf8) + nul + Array("F32".utf8) + nul
                          + Array(t.shape.map(String.init).joined(separator: ",").utf8) + nul)
            var littleEndian = t.values.map { $0.bitPattern.littleEndian }
            littleEndian.withUnsafeMutableBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The digest of a file as read: every tensor must be F32 (genre writes nothing else).
    /// - Throws: `SafeTensorsError` when a tensor is not F32.
    package static func digest(of file: SafeTensorsFile) throws -> String {
        let tensors = try file.tensors.keys.map { name in (name: name, shape: file.tensors[name]!.shape, values: try file.floats(name)) }
        return digest(metadata: file.metadata, tensors: tensors)
    }
}

extension ModelChecksum {
    /// SHA-256 of a file's bytes, as `sha256sum` prints it: what a library run records beside each result, so that a
    /// resumed run can tell whether the same model file wrote them (any model, checksummed or not).
    /// - Throws: `RunError` "PATH: cannot read: reason".
    public static func fileSHA256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunError("\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
