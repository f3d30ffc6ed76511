/// Element types of a safetensors tensor, spelled as in the file's JSON header (`"dtype": "F32"`).
///
/// Only the byte-aligned types are listed; the sub-byte float formats of newer safetensors versions
/// (F4, F6_*) are reported as `SafeTensorsError.unknownDType`. All multi-byte values are stored
/// little-endian, C (row-major) order.
/// Source: the safetensors format description (huggingface/safetensors README, "Format").
public enum DType: String, Sendable, CaseIterable {
    case BOOL, U8, I8
    case F8_E5M2, F8_E4M3
    case I16, U16, F16, BF16
    case I32, U32, F32
    case I64, U64, F64

    /// Bytes per element (1, 2, 4 or 8).
    public var byteSize: Int {
        switch self {
        case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3: return 1
        case .I16, .U16, .F16, .BF16: return 2
        case .I32, .U32, .F32: return 4
        case .I64, .U64, .F64: return 8
        }
    }
}
