/// Comma-separated values as RFC 4180 defines them: fields holding a comma, a double quote, CR or LF are quoted, a
/// quote inside doubled; records end with CRLF. The reader also accepts bare LF line ends.
public enum CSV {
    /// One record with its CRLF.
    public static func record(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The records of `text`, each with the offset (in UTF-8 bytes) just past its line end.
    /// - Returns: complete records only: a last record without its line end (a write cut short) is left out, and
    ///   `complete` is the byte count up to the end of the last complete record.
    public static func records(_ text: String) -> (records: [[String]], complete: Int) {
        var records: [[String]] = [], fields: [String] = [], field = "", quoted = false, fieldStarted = false
        var offset = 0, complete = 0
        var scalars = text.unicodeScalars.makeIterator(), pending: Unicode.Scalar?
        while let c = pending ?? scalars.next() {
            pending = nil
            offset += String(c).utf8.count
            if quoted {
                if c == "\"" {
                    let next = scalars.next()
                    if next == "\"" { field.unicodeScalars.append("\""); offset += 1 } else { quoted = false; pending = next }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where !fieldStarted: quoted = true; fieldStarted = true
            case ",": fields.append(field); field = ""; fieldStarted = false
            case "\r": continue  // part of CRLF; a bare CR inside an unquoted field is not written by `record`
            case "\n":
                fields.append(field)
                records.append(fields)
                fields = []; field = ""; fieldStarted = false
                complete = offset
            default: field.unicodeScalars.append(c); fieldStarted = true
            }
        }
        return (records, complete)
    }
}
