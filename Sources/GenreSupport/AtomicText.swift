import SafeTensors

/// Replaces a small text file atomically (temporary file, fsync, rename), as models are written.
public enum AtomicText {
    /// - Throws: `AtomicFile.WriteError` naming the path; the previous file, if any, is untouched.
    public static func write(_ text: String, to path: String) throws {
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}

extension AtomicText {
    /// `bytes` as they are (a file of records read back and trimmed), replaced atomically as `write(_:to:)`.
    /// - Throws: `AtomicFile.WriteError` naming the path; the previous file, if any, is untouched.
    public static func write(bytes: [UInt8], to path: String) throws {
        try AtomicFile.write(bytes, to: path)
    }
}
