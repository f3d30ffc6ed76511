#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one tensor lives in a safetensors file.
public struct TensorInfo: Sendable, Equatable {
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first (C order); `[]` is a scalar of one element.
    public let shape: [Int]
    /// The tensor's bytes as `data_offsets` gives them: relative to the start of the byte buffer
    /// (the first byte after the header), not to the start of the file.
    public let byteRange: Range<Int>

    /// Number of elements, product(shape) (1 for a scalar). Validation guarantees it does not overflow.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A fully read and validated safetensors file.
///
/// Layout: 8-byte little-endian u64 N, N bytes of UTF-8 JSON object (name → {"dtype", "shape",
/// "data_offsets"}, plus optional "__metadata__": {string: string}), then the byte buffer.
/// Validation (all arithmetic overflow-checked, nothing traps on hostile bytes): N ≤ 100 MB and
/// within the file; strict JSON without duplicate keys; every entry well-formed with a known dtype;
/// product(shape) × dtype size = end − begin; offsets inside the buffer; tensors neither overlap
/// nor leave holes (the buffer is covered exactly). These are the reference implementation's rules.
/// Source: huggingface/safetensors README, "Format".
public struct SafeTensorsFile: Sendable {
    /// The `__metadata__` map; empty when the header has none.
    public let metadata: [String: String]
    /// Every tensor by name.
    public let tensors: [String: TensorInfo]

    /// The whole file; tensor bytes start at `bufferStart`.
    private let bytes: [UInt8]
    private let bufferStart: Int
    /// The path the bytes came from, for error messages.
    private let path: String?

    /// The header length limit of the reference implementation (100 MB).
    public static let maxHeaderLength: UInt64 = 100_000_000

    /// Reads and validates the whole file at `path`.
    /// - Throws: `SafeTensorsError.fileMissing`, `.readFailed`, or any validation error (see the type).
    public init(path: String) throws {
        try self.init(bytes: try Self.readWholeFile(path), path: path)
    }

    /// Validates `bytes` as a safetensors file.
    /// - Throws: a `SafeTensorsError` validation case, with `path` nil.
    public init(bytes: [UInt8]) throws {
        try self.init(bytes: bytes, path: nil)
    }

    private init(bytes: [UInt8], path: String?) throws {
        guard bytes.count >= 8 else { throw SafeTensorsError.tooShort(path: path, byteCount: bytes.count) }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= Self.maxHeaderLength else {
            throw SafeTensorsError.headerTooLarge(path: path, headerLength: headerLength)
        }
        // headerLength ≤ 1e8 so the Int conversion and the addition cannot overflow.
        guard Int(headerLength) <= bytes.count - 8 else {
            throw SafeTensorsError.headerBeyondFile(path: path, headerLength: headerLength, fileLength: bytes.count)
        }
        let bufferStart = 8 + Int(headerLength)
        let json: HeaderJSON
        do {
            json = try HeaderJSON.parse(bytes[8..<bufferStart])
        } catch let failure as HeaderJSON.Failure {
            throw SafeTensorsError.invalidJSON(path: path, reason: failure.message)
        }
        guard case .object(let members) = json else { throw SafeTensorsError.headerNotObject(path: path) }

        let bufferLength = bytes.count - bufferStart
        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        // Sorted so that the first error reported does not depend on header order.
        for (name, value) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            if name == "__metadata__" {
                metadata = try Self.parseMetadata(value, path: path)
            } else {
                tensors[name] = try Self.parseEntry(name, value, bufferLength: bufferLength, path: path)
            }
        }
        try Self.checkCoverage(tensors, bufferLength: bufferLength, path: path)
        self.metadata = metadata
        self.tensors = tensors
        self.bytes = bytes
        self.bufferStart = bufferStart
        self.path = path
    }

    private static func parseMetadata(_ value: HeaderJSON, path: String?) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw SafeTensorsError.badEntry(path: path, name: "__metadata__", reason: "not an object")
        }
        var result: [String: String] = [:]
        for (key, item) in members {
            guard case .string(let text) = item else {
                throw SafeTensorsError.badEntry(path: path, name: "__metadata__", reason: "value of '\(key)' is not a string")
            }
            result[key] = text
        }
        return result
    }

    private static func parseEntry(_ name: String, _ value: HeaderJSON, bufferLength: Int, path: String?) throws -> TensorInfo {
        func bad(_ reason: String) -> SafeTensorsError { .badEntry(path: path, name: name, reason: reason) }
        guard case .object(let members) = value else { throw bad("not an object") }
        func field(_ key: String) -> HeaderJSON? { members.first(where: { $0.key == key })?.value }

        guard case .string(let dtypeName)? = field("dtype") else { throw bad("missing or non-string \"dtype\"") }
        guard case .array(let shapeItems)? = field("shape") else { throw bad("missing or non-array \"shape\"") }
        guard case .array(let offsetItems)? = field("data_offsets") else { throw bad("missing or non-array \"data_offsets\"") }
        var shape: [Int] = []
        for item in shapeItems {
            guard let d = item.nonNegativeInt else { throw bad("shape entries must be non-negative integers") }
            shape.append(d)
        }
        guard offsetItems.count == 2, let begin = offsetItems[0].nonNegativeInt, let end = offsetItems[1].nonNegativeInt else {
            throw bad("data_offsets must be two non-negative integers")
        }
        guard begin <= end else { throw bad("data_offsets begin \(begin) > end \(end)") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(path: path, name: name, dtype: dtypeName)
        }
        guard end <= bufferLength else {
            throw SafeTensorsError.offsetsOutOfBounds(path: path, name: name, begin: begin, end: end, bufferLength: bufferLength)
        }
        var expected = dtype.byteSize
        for d in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw SafeTensorsError.sizeMismatch(path: path, name: name, dtype: dtype, shape: shape, byteLength: end - begin)
            }
            expected = product
        }
        guard expected == end - begin else {
            throw SafeTensorsError.sizeMismatch(path: path, name: name, dtype: dtype, shape: shape, byteLength: end - begin)
        }
        return TensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// The tensors must tile the buffer: sorted by offset, each begins where the previous ended.
    private static func checkCoverage(_ tensors: [String: TensorInfo], bufferLength: Int, path: String?) throws {
        let ordered = tensors.sorted {
            ($0.value.byteRange.lowerBound, $0.value.byteRange.upperBound) < ($1.value.byteRange.lowerBound, $1.value.byteRange.upperBound)
                || ($0.value.byteRange == $1.value.byteRange && $0.key.utf8.lexicographicallyPrecedes($1.key.utf8))
        }
        var cursor = 0
        var previous: String?
        for (name, info) in ordered {
            if info.byteRange.lowerBound < cursor, let previous {
                throw SafeTensorsError.overlappingTensors(path: path, first: previous, second: name)
            }
            if info.byteRange.lowerBound > cursor {
                throw SafeTensorsError.hole(path: path, range: cursor..<info.byteRange.lowerBound)
            }
            cursor = info.byteRange.upperBound
            previous = name
        }
        if cursor < bufferLength { throw SafeTensorsError.hole(path: path, range: cursor..<bufferLength) }
    }

    // MARK: - Typed access

    private func info(_ name: String, accepting accepted: [DType], requested: String) throws -> TensorInfo {
        guard let info = tensors[name] else { throw SafeTensorsError.tensorMissing(path: path, name: name) }
        guard accepted.contains(info.dtype) else {
            throw SafeTensorsError.wrongDType(path: path, name: name, actual: info.dtype, requested: requested)
        }
        return info
    }

    /// Little-endian unsigned integer of `width` bytes at buffer offset `offset` (validated in range).
    @inline(__always)
    private func word(at offset: Int, width: Int) -> UInt64 {
        var v: UInt64 = 0
        let base = bufferStart + offset
        for i in 0..<width { v |= UInt64(bytes[base + i]) << (8 * UInt64(i)) }
        return v
    }

    /// The values of an F32 tensor, flattened in C order; count = product(shape).
    /// - Throws: `.tensorMissing`, or `.wrongDType` for any other dtype.
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name, accepting: [.F32], requested: "F32")
        return (0..<info.elementCount).map { Float(bitPattern: UInt32(truncatingIfNeeded: word(at: info.byteRange.lowerBound + 4 * $0, width: 4))) }
    }

    /// The values of an F64 tensor, or of an F32 tensor widened exactly; flattened in C order.
    /// - Throws: `.tensorMissing`, or `.wrongDType` for other dtypes.
    public func doubles(_ name: String) throws -> [Double] {
        let info = try info(name, accepting: [.F64, .F32], requested: "F64 or F32")
        let start = info.byteRange.lowerBound
        if info.dtype == .F64 {
            return (0..<info.elementCount).map { Double(bitPattern: word(at: start + 8 * $0, width: 8)) }
        }
        return (0..<info.elementCount).map { Double(Float(bitPattern: UInt32(truncatingIfNeeded: word(at: start + 4 * $0, width: 4)))) }
    }

    /// The values of an I32 tensor, or of an I64 tensor narrowed when every value fits; C order.
    /// - Throws: `.tensorMissing`, `.wrongDType` for other dtypes, `.valueOutOfRange` for an I64
    ///   value outside Int32.
    public func int32s(_ name: String) throws -> [Int32] {
        let info = try info(name, accepting: [.I32, .I64], requested: "I32 or I64")
        let start = info.byteRange.lowerBound
        if info.dtype == .I32 {
            return (0..<info.elementCount).map { Int32(bitPattern: UInt32(truncatingIfNeeded: word(at: start + 4 * $0, width: 4))) }
        }
        var result: [Int32] = []
        result.reserveCapacity(info.elementCount)
        for i in 0..<info.elementCount {
            let value = Int64(bitPattern: word(at: start + 8 * i, width: 8))
            guard let narrowed = Int32(exactly: value) else {
                throw SafeTensorsError.valueOutOfRange(path: path, name: name, index: i, value: value)
            }
            result.append(narrowed)
        }
        return result
    }

    /// The tensor's raw bytes (little-endian elements), for dtypes without a typed accessor.
    /// - Throws: `.tensorMissing`.
    public func rawBytes(_ name: String) throws -> [UInt8] {
        guard let info = tensors[name] else { throw SafeTensorsError.tensorMissing(path: path, name: name) }
        return Array(bytes[(bufferStart + info.byteRange.lowerBound)..<(bufferStart + info.byteRange.upperBound)])
    }

    // MARK: - File reading

    /// The whole content of `path`, with errno turned into a one-line reason.
    private static func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { throw SafeTensorsError.fileMissing(path: path) }
            throw SafeTensorsError.readFailed(path: path, reason: systemMessage(code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SafeTensorsError.readFailed(path: path, reason: systemMessage(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SafeTensorsError.readFailed(path: path, reason: "not a regular file") }
        var result: [UInt8] = []
        result.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SafeTensorsError.readFailed(path: path, reason: systemMessage(errno))
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }
}

/// The OS's text for an errno value, e.g. "No space left on device".
func systemMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}
