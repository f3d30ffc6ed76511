/// Everything that can go wrong reading, validating, querying or writing a safetensors file.
///
/// `path` is the file's path when the bytes came from `SafeTensorsFile(path:)` or were being
/// written by `SafeTensorsWriter.write(to:)`, and `nil` for `SafeTensorsFile(bytes:)`.
/// `description` is one line and names the path when it is known.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// No file at `path`.
    case fileMissing(path: String)
    /// The file exists but could not be read (permission, a folder, an I/O error); `reason` is the OS's.
    case readFailed(path: String, reason: String)
    /// Fewer than the 8 bytes of the header-length prefix.
    case tooShort(path: String?, byteCount: Int)
    /// The header length prefix exceeds the 100 MB limit of the reference implementation.
    case headerTooLarge(path: String?, headerLength: UInt64)
    /// The header length prefix points past the end of the file.
    case headerBeyondFile(path: String?, headerLength: UInt64, fileLength: Int)
    /// The header is not valid UTF-8 JSON; `reason` names the first problem and its byte offset in the header.
    case invalidJSON(path: String?, reason: String)
    /// The header is valid JSON but not an object.
    case headerNotObject(path: String?)
    /// A header entry (a tensor, or `__metadata__`) lacks a field or has one of the wrong type.
    case badEntry(path: String?, name: String, reason: String)
    /// A tensor's `dtype` is not one of `DType`.
    case unknownDType(path: String?, name: String, dtype: String)
    /// product(shape) × dtype size ≠ end − begin of `data_offsets`.
    case sizeMismatch(path: String?, name: String, dtype: DType, shape: [Int], byteLength: Int)
    /// `data_offsets` reach past the end of the byte buffer (offsets are relative to the buffer).
    case offsetsOutOfBounds(path: String?, name: String, begin: Int, end: Int, bufferLength: Int)
    /// Two tensors share bytes.
    case overlappingTensors(path: String?, first: String, second: String)
    /// Bytes of the buffer in `range` belong to no tensor (the buffer must be covered exactly).
    case hole(path: String?, range: Range<Int>)
    /// No tensor of that name.
    case tensorMissing(path: String?, name: String)
    /// The tensor exists but its dtype does not fit the accessor; `requested` names the accessor's dtypes.
    case wrongDType(path: String?, name: String, actual: DType, requested: String)
    /// An I64 value does not fit the requested Int32.
    case valueOutOfRange(path: String?, name: String, index: Int, value: Int64)
    /// Writing failed (folder missing, disk full, ...); the previous file at `path`, if any, is untouched.
    case writeFailed(path: String, reason: String)

    /// One line: "<path>: <problem>" when the path is known, else "<problem>".
    public var description: String {
        switch self {
        case .fileMissing(let path):
            return "\(path): no such file"
        case .readFailed(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .tooShort(let path, let count):
            return "\(Self.where_(path))too short for a safetensors file (\(count) bytes, need at least 8)"
        case .headerTooLarge(let path, let length):
            return "\(Self.where_(path))header length \(length) exceeds the 100 MB limit"
        case .headerBeyondFile(let path, let length, let fileLength):
            return "\(Self.where_(path))header length \(length) runs past the end of the file (\(fileLength) bytes)"
        case .invalidJSON(let path, let reason):
            return "\(Self.where_(path))header is not valid JSON: \(reason)"
        case .headerNotObject(let path):
            return "\(Self.where_(path))header is not a JSON object"
        case .badEntry(let path, let name, let reason):
            return "\(Self.where_(path))entry '\(name)': \(reason)"
        case .unknownDType(let path, let name, let dtype):
            return "\(Self.where_(path))tensor '\(name)': unknown dtype '\(dtype)'"
        case .sizeMismatch(let path, let name, let dtype, let shape, let byteLength):
            return "\(Self.where_(path))tensor '\(name)': shape \(shape) of \(dtype.rawValue) does not fit its \(byteLength) bytes"
        case .offsetsOutOfBounds(let path, let name, let begin, let end, let bufferLength):
            return "\(Self.where_(path))tensor '\(name)': data_offsets [\(begin), \(end)] outside the \(bufferLength)-byte buffer"
        case .overlappingTensors(let path, let first, let second):
            return "\(Self.where_(path))tensors '\(first)' and '\(second)' overlap"
        case .hole(let path, let range):
            return "\(Self.where_(path))bytes \(range.lowerBound)..<\(range.upperBound) of the buffer belong to no tensor"
        case .tensorMissing(let path, let name):
            return "\(Self.where_(path))no tensor named '\(name)'"
        case .wrongDType(let path, let name, let actual, let requested):
            return "\(Self.where_(path))tensor '\(name)' is \(actual.rawValue), expected \(requested)"
        case .valueOutOfRange(let path, let name, let index, let value):
            return "\(Self.where_(path))tensor '\(name)': element \(index) = \(value) does not fit Int32"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write: \(reason)"
        }
    }

    /// "path: " or "" — the prefix that places a message.
    private static func where_(_ path: String?) -> String {
        path.map { "\($0): " } ?? ""
    }
}
