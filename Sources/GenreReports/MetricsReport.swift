import Foundation
import GenreMetrics

/// Text and CSV renderings of a confusion matrix, for terminals and spreadsheets.
extension ConfusionMatrix {
    /// The matrix as aligned text: rows = true class, columns = predicted class, a header row of
    /// class names and a corner "true\pred". Columns use full names when the table fits in
    /// 100 columns (it does for GTZAN's ten genres), else the shortest unique prefixes of at least
    /// 3 characters that fit, else numbers 0..K-1 with the row labels prefixed by their number.
    public func textTable() -> String {
        let corner = "true\\pred"
        let k = classNames.count
        let numberWidth = counts.flatMap { $0 }.map { String($0).count }.max() ?? 1
        func layout(_ headers: [String], _ rowLabels: [String]) -> [String] {
            let labelWidth = ([corner] + rowLabels).map(\.count).max()!
            let widths = headers.map { max($0.count, numberWidth) }
            var lines = [pad(corner, labelWidth, left: true) + zip(headers, widths).map { "  " + pad($0, $1) }.joined()]
            for row in 0..<k {
                lines.append(pad(rowLabels[row], labelWidth, left: true)
                             + (0..<k).map { "  " + pad(String(counts[row][$0]), widths[$0]) }.joined())
            }
            return lines
        }
        func fits(_ lines: [String]) -> Bool { lines.allSatisfy { $0.count <= 100 } }

        var candidates: [[String]] = [classNames]
        let longest = classNames.map(\.count).max() ?? 0
        if longest > 3 {
            for length in stride(from: longest - 1, through: 3, by: -1) {
                let prefixes = classNames.map { String($0.prefix(length)) }
                if Set(prefixes).count == k { candidates.append(prefixes) }
            }
        }
        for headers in candidates {
            let lines = layout(headers, classNames)
            if fits(lines) { return lines.joined(separator: "\n") + "\n" }
        }
        let numbers = (0..<k).map(String.init)
        let labels = (0..<k).map { "\($0) \(classNames[$0])" }
        return layout(numbers, labels).joined(separator: "\n") + "\n"
    }

    /// Per-class precision, recall, F1 (3 decimals) and support, aligned, then accuracy, macro F1
    /// and balanced accuracy. Undefined values print as "n/a", never NaN.
    public func perClassTable() -> String {
        let header = ["class", "precision", "recall", "F1", "support"]
        var rows = classNames.indices.map { k in
            [classNames[k], Self.fixed(precision(k)), Self.fixed(recall(k)), Self.fixed(f1(k)), String(support(k))]
        }
        let nameWidth = (rows.map { $0[0].count } + [header[0].count, "balanced accuracy".count]).max()!
        let widths = [nameWidth] + (1..<header.count).map { c in (rows.map { $0[c].count } + [header[c].count]).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { pad($1, widths[$0], left: $0 == 0) }.joined(separator: "  ")
        }
        rows.insert(header, at: 0)
        var lines = rows.map(line)
        lines.append("")
        lines.append(pad("accuracy", nameWidth, left: true) + "  " + Self.fixed(accuracy) + "  (\(total) samples)")
        lines.append(pad("macro F1", nameWidth, left: true) + "  " + Self.fixed(macroF1))
        lines.append(pad("balanced accuracy", nameWidth, left: true) + "  " + Self.fixed(balancedAccuracy))
        return lines.joined(separator: "\n") + "\n"
    }

    /// CSV (RFC 4180, "\n" line ends): header "class,precision,recall,f1,support", one row per class;
    /// numbers in Swift's shortest round-trip form (e.g. "0.5", "0.6666666666666666"), "n/a" when
    /// undefined (pandas reads that as NaN).
    public func perClassCSV() -> String {
        var text = Self.perClassCSVHeader
        for k in classNames.indices {
            let cells = [Self.csvField(classNames[k]), Self.exact(precision(k)), Self.exact(recall(k)), Self.exact(f1(k)), String(support(k))]
            text += cells.joined(separator: ",") + "\n"
        }
        return text
    }

    /// CSV of the counts: header "true\predicted,<names...>", then "<true name>,<counts...>" per row.
    public func confusionCSV() -> String {
        var text = ([String(Self.confusionCSVHeader.dropLast())] + classNames.map(Self.csvField)).joined(separator: ",") + "\n"
        for k in classNames.indices {
            text += ([Self.csvField(classNames[k])] + counts[k].map(String.init)).joined(separator: ",") + "\n"
        }
        return text
    }

    /// The first line of `perClassCSV()`, by which an earlier file of genre's is recognised.
    public static let perClassCSVHeader = "class,precision,recall,f1,support\n"
    /// How `confusionCSV()` starts.
    public static let confusionCSVHeader = "true\\predicted,"

    private static func fixed(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return String(format: "%.3f", value)
    }

    private static func exact(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return "\(value)"
    }

    /// Quotes a field holding a comma, quote or line break; inner quotes are doubled.
    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// `text` padded with spaces to `width` characters: on the right when `left` (left-aligned), else on the left.
private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return left ? text + fill : fill + text
}
