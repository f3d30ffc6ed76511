#if canImport(Glibc)
import Glibc
#endif

/// File names as the file system holds them: bytes, which need not be UTF-8. A Swift `String` cannot carry
/// bytes that are not UTF-8 (Foundation and `CommandLine.arguments` replace them with U+FFFD, naming another
/// file), so such a name is shown with those bytes escaped and the file is reported, never opened by a wrong name.
public enum FileName {
    /// The name as text when `bytes` are valid UTF-8, else nil.
    public static func text(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// `bytes` for a person to read on one line: valid UTF-8 as text, every other byte and every ASCII control
    /// character (tab, line break, escape) as `\xNN` (e.g. Latin-1 "café" as `caf\xe9`).
    public static func shown(_ bytes: [UInt8]) -> String {
        // Nearly every name is plain UTF-8 without control characters: that one is its own text (a dataset scan
        // shows every name, and the byte-wise path below allocates per character).
        if !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }), let name = text(bytes) { return name }
        var out = "", i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let control = lead < 0x20 || lead == 0x7F
            let length = control ? 0 : lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
            if length > 0, i + length <= bytes.count, let scalar = text(Array(bytes[i..<i + length])) {
                out += scalar
                i += length
            } else {
                out += "\\x" + hex(lead)
                i += 1
            }
        }
        return out
    }

    /// `name`'s UTF-8 with every byte outside ASCII as `\xNN`: tells apart names that print alike
    /// (NFC "m\u{FA}sica" is `m\xc3\xbasica`, NFD "mu\u{301}sica" `mu\xcc\x81sica`).
    public static func bytesShown(_ name: String) -> String {
        name.utf8.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + hex($0) }.joined()
    }

    /// The command-line arguments that are not valid UTF-8, keyed by the `String` Swift made of each (bytes
    /// replaced by U+FFFD, as `CommandLine.arguments` and so ArgumentParser hold them), valued `shown`.
    /// Read once from the process's own argv.
    public static let invalidArguments: [String: String] = {
        var found: [String: String] = [:]
        for i in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[i] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                                  count: strlen(pointer)))
            if text(bytes) == nil { found[String(decoding: bytes, as: UTF8.self)] = shown(bytes) }
        }
        return found
    }()

    /// "NAME: file name is not valid UTF-8; …" for a path given on the command line whose bytes a `String`
    /// could not carry, else nil.
    public static func invalidArgumentProblem(_ argument: String) -> String? {
        invalidArguments[argument].map { "\($0): \(notUTF8Problem)" }
    }

    /// Why a file whose name is not UTF-8 is not read, and what to do about it.
    public static let notUTF8Problem = "file name is not valid UTF-8; genre cannot open it (rename it, e.g. with convmv -f latin1 -t utf8)"

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
