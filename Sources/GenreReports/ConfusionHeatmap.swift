import Foundation
import GenreMetrics

/// The confusion matrix as a colour heatmap in SVG: one cell per (true, predicted) entry, shaded by the
/// row-normalised fraction (the share of the true class's clips predicted as that column), labelled with the
/// count and that percentage; class names on both axes. Standalone (`svg`) or inline in HTML (`element`);
/// no scripts, no external references.
extension ConfusionMatrix {
    /// The comment a standalone picture starts with; `--confusion-svg` replaces only files that carry it.
    public static let heatmapMarker = "<!-- genre confusion matrix -->"

    /// A standalone SVG document (UTF-8 text) with a title above the matrix.
    public func heatmapSVG(title: String) -> String {
        element(title: title, standalone: true)
    }

    /// The `<svg>` element alone, for inline use in an HTML page.
    public func heatmapElement(title: String) -> String {
        element(title: title, standalone: false)
    }

    /// Row-normalised fraction of entry (t, p) in [0, 1]; nil when class t has no true samples.
    public func rowFraction(_ t: Int, _ p: Int) -> Double? {
        let n = support(t)
        return n == 0 ? nil : Double(counts[t][p]) / Double(n)
    }

    private func element(title: String, standalone: Bool) -> String {
        let k = classNames.count
        // Axis labels are cut to 32 characters in the middle, so names that differ only at the end (…
        // "Variant A", … "Variant B") stay apart; the full name stays in each cell's title and data.
        let labels = classNames.map { $0.count > 32 ? String($0.prefix(20)) + "…" + String($0.suffix(11)) : $0 }
        // 9 px a character at 12 px: room for wide letters ("W") as well as the usual ~7 px ones.
        let cell = 54.0, labelLength = 9 * Double(labels.map(\.count).max() ?? 4)
        let left = max(labelLength + 12, 60), top = max(0.65 * labelLength + 8, 50) + 40
        // Column labels slant up and to the right at 40°: the last one must fit, and so must the caption.
        let width = max(left + Double(k) * cell + 30, left + (Double(k) - 0.5) * cell + 0.77 * labelLength + 12, 380,
                        8 * Double(title.count) + 20)
        let height = top + Double(k) * cell + 50
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"confusion\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" "
            + "font-size=\"12\">\n"
        if standalone { out += Self.heatmapMarker + "\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" }
        out += "<text x=\"\(f(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">\(xmlEscape(title))</text>\n"
        // Column labels (predicted), slanted so long names do not collide.
        for p in 0..<k {
            let x = left + (Double(p) + 0.5) * cell
            out += "<text class=\"predicted-label\" x=\"\(f(x))\" y=\"\(f(top - 8))\" "
                + "transform=\"rotate(-40 \(f(x)) \(f(top - 8)))\">\(xmlEscape(labels[p]))</text>\n"
        }
        for t in 0..<k {
            let y = top + (Double(t) + 0.5) * cell
            out += "<text class=\"true-label\" x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">"
                + "\(xmlEscape(labels[t]))</text>\n"
        }
        for t in 0..<k {
            for p in 0..<k {
                let x = left + Double(p) * cell, y = top + Double(t) * cell
                let fraction = rowFraction(t, p)
                let share = fraction ?? 0
                let percent = counts[t][p] == 0 ? "" : fraction.map { "\(Int((100 * $0).rounded())) %" } ?? "–"
                // Zeros stay legible but step back, so the errors stand out.
                let ink = share > 0.5 ? "white" : counts[t][p] == 0 ? "#b0b0b0" : "#222"
                out += "<g class=\"cell\" data-true=\"\(xmlEscape(classNames[t]))\" "
                    + "data-predicted=\"\(xmlEscape(classNames[p]))\" data-count=\"\(counts[t][p])\">"
                    + "<title>true \(xmlEscape(classNames[t])), predicted \(xmlEscape(classNames[p])): "
                    + "\(counts[t][p]) of \(support(t))</title>"
                    + "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" "
                    + "fill=\"\(Self.shade(share))\" stroke=\"#ddd\"/>"
                    + "<text class=\"count\" x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2))\" text-anchor=\"middle\" "
                    + "font-size=\"14\" font-weight=\"bold\" fill=\"\(ink)\">\(counts[t][p])</text>"
                    + "<text class=\"percent\" x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 15))\" "
                    + "text-anchor=\"middle\" font-size=\"10\" fill=\"\(ink)\">\(percent)</text></g>\n"
            }
        }
        // The diagonal's outlines go on top of every cell: drawn with its own cell, half of each edge was covered by
        // the next cells' fills (a light cell's outline, e.g. a genre never predicted right, lost its right and lower edges).
        for d in 0..<k {
            let x = left + Double(d) * cell, y = top + Double(d) * cell
            out += "<rect class=\"diagonal\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" "
                + "fill=\"none\" stroke=\"#444\"/>\n"
        }
        let bottom = top + Double(k) * cell
        let captionX = min(max(left + Double(k) * cell / 2, 180), width - 180)
        out += "<text x=\"\(f(captionX))\" y=\"\(f(bottom + 22))\" text-anchor=\"middle\">"
            + "rows: true genre · columns: predicted · count and % of the row</text>\n"
        return out + "</svg>\n"
    }

    /// White (0) to dark blue (1), linear in each RGB channel: a sequential scale that prints in grey too.
    static func shade(_ fraction: Double) -> String {
        let s = min(max(fraction, 0), 1)
        let from = (247.0, 251.0, 255.0), to = (8.0, 48.0, 107.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * s).rounded()) }
        return String(format: "#%02x%02x%02x", mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
    }

    /// Off-diagonal entries, largest count first (ties: true class, then predicted class order), without
    /// zero counts; at most `limit`.
    public func mostConfusedPairs(limit: Int = 10) -> [(true: Int, predicted: Int, count: Int)] {
        var pairs: [(true: Int, predicted: Int, count: Int)] = []
        for t in counts.indices { for p in counts.indices where p != t && counts[t][p] > 0 { pairs.append((t, p, counts[t][p])) } }
        pairs.sort { $0.count != $1.count ? $0.count > $1.count : ($0.true, $0.predicted) < ($1.true, $1.predicted) }
        return Array(pairs.prefix(limit))
    }
}

private func f(_ v: Double) -> String { String(format: "%.1f", v) }

/// `text` with the five XML special characters replaced by entities (safe in content and attributes).
func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        // XML 1.0 has no place for other control characters, even as entities.
        case _ where c.unicodeScalars.count == 1 && c.unicodeScalars.first!.value < 0x20 && c != "\t" && c != "\n":
            out += "\u{FFFD}"
        default: out.append(c)
        }
    }
    return out
}
