import Foundation
import GenreTestSupport
import XCTest

/// `../shared` (read-only test data beside the repository).
enum SharedData {
    /// `../shared/<relative>`; a skip when absent, a failure under `GENRE_REQUIRE_REFERENCE=1`.
    static func url(_ relative: String) throws -> URL { try Reference.shared(relative) }
}

/// Minimal test-only reader for `.safetensors` files holding F32 tensors: 8-byte little-endian header
/// length, a JSON header mapping names to `dtype`, `shape` and `data_offsets` (relative to the bytes
/// after the header), then raw little-endian data.
enum ReferenceTensors {
    struct Tensor { let shape: [Int]; let values: [Float] }

    static func load(_ url: URL) throws -> [String: Tensor] {
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            let fields = entry as! [String: Any]
            guard fields["dtype"] as? String == "F32" else { continue }
            let shape = fields["shape"] as! [Int]
            let offsets = fields["data_offsets"] as! [Int]
            let bytes = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
            let values = bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            XCTAssertEqual(values.count, shape.reduce(1, *), "\(url.lastPathComponent): \(name) size")
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return tensors
    }
}
