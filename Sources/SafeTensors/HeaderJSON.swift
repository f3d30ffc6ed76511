/// A minimal, strict JSON reader for safetensors headers.
///
/// Why not JSONSerialization: it turns large integers into lossy Doubles, silently keeps one of
/// two duplicate keys, and its limits on hostile input differ across platforms. This reader keeps
/// numbers as text (converted exactly later), rejects duplicate keys, caps nesting depth, and never
/// traps: every failure is a thrown `HeaderJSON.Failure` with the byte offset.
/// Grammar: RFC 8259.
enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    struct Failure: Error {
        let message: String
    }

    /// Nesting deeper than this is refused (a real header nests three levels).
    static let maxDepth = 64

    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    /// - Throws: `Failure` on invalid UTF-8, invalid syntax, duplicate keys, depth > `maxDepth`.
    static func parse(_ bytes: ArraySlice<UInt8>) throws -> HeaderJSON {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw Failure(message: "not valid UTF-8")
        }
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.atEnd else { throw reader.failure("unexpected data after the value") }
        return value
    }

    /// The number as a non-negative Int, or nil if it is negative, fractional, exponent-form or too big.
    var nonNegativeInt: Int? {
        guard case .number(let text) = self, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.index = bytes.startIndex
        }

        var atEnd: Bool { index >= bytes.endIndex }

        func failure(_ message: String) -> Failure {
            Failure(message: "\(message) at header byte \(index - bytes.startIndex)")
        }

        func peek() -> UInt8? { atEnd ? nil : bytes[index] }

        mutating func skipWhitespace() {
            while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard peek() == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
            index += 1
        }

        mutating func literal(_ text: String, _ value: HeaderJSON) throws -> HeaderJSON {
            for b in text.utf8 {
                guard peek() == b else { throw failure("invalid literal") }
                index += 1
            }
            return value
        }

        mutating func value(depth: Int) throws -> HeaderJSON {
            guard depth < HeaderJSON.maxDepth else { throw failure("nesting deeper than \(HeaderJSON.maxDepth)") }
            guard let b = peek() else { throw failure("unexpected end") }
            switch b {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw failure("unexpected character")
            }
        }

        mutating func object(depth: Int) throws -> HeaderJSON {
            try expect(UInt8(ascii: "{"))
            var members: [(key: String, value: HeaderJSON)] = []
            var seen = Set<String>()
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                let key = try string()
                guard seen.insert(key).inserted else { throw failure("duplicate key '\(key)'") }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws -> HeaderJSON {
            try expect(UInt8(ascii: "["))
            var elements: [HeaderJSON] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(elements)
            }
        }

        /// Number text as written; grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
        mutating func number() throws -> String {
            let start = index
            func digits(_ r: inout Reader) -> Int {
                var n = 0
                while let b = r.peek(), b >= 0x30 && b <= 0x39 { r.index += 1; n += 1 }
                return n
            }
            if peek() == UInt8(ascii: "-") { index += 1 }
            if peek() == UInt8(ascii: "0") {
                index += 1
            } else if digits(&self) == 0 {
                throw failure("invalid number")
            }
            if peek() == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw failure("invalid number") }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                index += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw failure("invalid number") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func hex4() throws -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let b = peek() else { throw failure("unexpected end in \\u escape") }
                let d: UInt8
                switch b {
                case 0x30...0x39: d = b - 0x30
                case 0x41...0x46: d = b - 0x41 + 10
                case 0x61...0x66: d = b - 0x61 + 10
                default: throw failure("invalid \\u escape")
                }
                v = v << 4 | UInt32(d)
                index += 1
            }
            return v
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                guard let b = peek() else { throw failure("unterminated string") }
                index += 1
                switch b {
                case UInt8(ascii: "\""):
                    // Input was validated as UTF-8 and quotes/escapes are ASCII, so `out` is valid UTF-8.
                    return String(decoding: out, as: UTF8.self)
                case 0x00..<0x20:
                    throw failure("control character in string")
                case UInt8(ascii: "\\"):
                    guard let e = peek() else { throw failure("unterminated escape") }
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            // A high surrogate must be followed by an escaped low surrogate.
                            guard peek() == UInt8(ascii: "\\") else { throw failure("lone surrogate") }
                            index += 1
                            guard peek() == UInt8(ascii: "u") else { throw failure("lone surrogate") }
                            index += 1
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw failure("lone surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw failure("lone surrogate") }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        throw failure("invalid escape")
                    }
                default:
                    out.append(b)
                }
            }
        }
    }
}
