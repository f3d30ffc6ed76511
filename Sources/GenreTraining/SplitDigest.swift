/// A 64-bit FNV-1a digest of a split's file lists, stored in the model so `evaluate` can tell that the
/// split list beside a model is the one it was trained with (a consistency check, not a security one).
public enum SplitDigest {
    public static func of(_ split: DataSplit) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for name in SplitName.allCases {
            for path in split[name].sorted() {
                for byte in "\(name.rawValue)\t\(path)\n".utf8 {
                    hash ^= UInt64(byte)
                    hash = hash &* 0x0000_0100_0000_01B3
                }
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
