import GenreSupport

/// A 64-bit FNV-1a digest of a split's file lists, stored in the model so `evaluate` can tell that the
/// split list beside a model is the one it was trained with (a consistency check, not a security one).
public enum SplitDigest {
    /// 16 lower-case hex digits over every `train`/`validation`/`test` entry, each list sorted, so
    /// the order of lines in the split file does not matter.
    public static func of(_ split: DataSplit) -> String {
        var hash = FNV1a()
        for name in SplitName.allCases {
            for path in split[name].sorted() { hash.combine("\(name.rawValue)\t\(path)\n".utf8) }
        }
        return FNV1a.hex(hash.value)
    }
}
