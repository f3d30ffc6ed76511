/// Builds a safetensors file in memory and writes it atomically.
///
/// Output is deterministic: the same tensors and metadata give the same bytes. The header lists
/// `__metadata__` first (omitted when empty), then tensors sorted by name (UTF-8 byte order), each
/// as {"dtype","shape","data_offsets"} in that key order, with sorted metadata keys; tensor bytes
/// are laid out in the same name order; the header is padded with spaces so the byte buffer
/// starts at a multiple of 8. Values are written little-endian whatever the host.
/// Source: huggingface/safetensors README, "Format".
public struct SafeTensorsWriter {
    /// String → string pairs stored as `__metadata__`.
    public var metadata: [String: String]

    private var entries: [String: (dtype: DType, shape: [Int], bytes: [UInt8])] = [:]

    /// - Parameter metadata: initial `__metadata__` pairs.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds an F32 tensor; a second `add` with the same name replaces the first.
    /// - Parameters:
    ///   - name: any string except `__metadata__`.
    ///   - shape: dimensions, each ≥ 0; `[]` for a scalar.
    ///   - values: flattened in C order; precondition `values.count == product(shape)`.
    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        append(name, .F32, shape, count: values.count) { out in
            for v in values { Self.put(UInt64(v.bitPattern), width: 4, into: &out) }
        }
    }

    /// Adds an F64 tensor; same rules as `add(_:shape:values:)`. (A distinct label, so that an
    /// array literal passed as `values:` is unambiguously F32.)
    public mutating func add(_ name: String, shape: [Int], doubles values: [Double]) {
        append(name, .F64, shape, count: values.count) { out in
            for v in values { Self.put(v.bitPattern, width: 8, into: &out) }
        }
    }

    /// Adds an I32 tensor (e.g. labels); same rules as `add(_:shape:values:)`.
    public mutating func add(_ name: String, shape: [Int], int32s values: [Int32]) {
        append(name, .I32, shape, count: values.count) { out in
            for v in values { Self.put(UInt64(UInt32(bitPattern: v)), width: 4, into: &out) }
        }
    }

    private mutating func append(_ name: String, _ dtype: DType, _ shape: [Int], count: Int, encode: (inout [UInt8]) -> Void) {
        precondition(name != "__metadata__", "'__metadata__' is reserved for metadata")
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == count, "tensor '\(name)': \(count) values do not fill shape \(shape)")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * dtype.byteSize)
        encode(&bytes)
        entries[name] = (dtype, shape, bytes)
    }

    @inline(__always)
    private static func put(_ value: UInt64, width: Int, into out: inout [UInt8]) {
        for i in 0..<width { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    /// The complete file: u64 LE header length, space-padded JSON header, tensor bytes.
    public func serialize() -> [UInt8] {
        let names = entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let entry = entries[name]!
            let end = offset + entry.bytes.count
            let shape = entry.shape.map(String.init).joined(separator: ",")
            fields.append("\(Self.quoted(name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        Self.put(UInt64(headerBytes.count), width: 8, into: &out)
        out.append(contentsOf: headerBytes)
        for name in names { out.append(contentsOf: entries[name]!.bytes) }
        return out
    }

    /// Writes `serialize()` to `path` atomically and durably (see `AtomicFile.write`).
    /// - Parameter check: reads the temporary file back before it replaces `path` (`AtomicFile.write`).
    /// - Throws: `SafeTensorsError.writeFailed(path:reason:)` (folder missing, parent not a folder,
    ///   disk full, `check` refusing the new file, ...); the previous file at `path`, if any, is then untouched
    ///   and no temporary file remains.
    public func write(to path: String, check: ((String) throws -> Void)? = nil) throws {
        do {
            try AtomicFile.write(serialize(), to: path, check: check)
        } catch let error as AtomicFile.WriteError {
            throw SafeTensorsError.writeFailed(path: error.path, reason: error.reason)
        }
    }

    /// A JSON string literal: quotes, backslash and control characters escaped, the rest as UTF-8.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
