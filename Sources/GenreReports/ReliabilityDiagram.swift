import Foundation
import GenreMetrics

/// Calibration as people read it: the before/after table (text and HTML) and the reliability diagram (inline SVG).
///
/// A reliability diagram (Guo et al. 2017, fig. 1; DeGroot & Fienberg 1983) plots, per bin of the top probability, the
/// fraction of clips that were right against the bin: a calibrated model's bars reach the diagonal. Each bin's bar is
/// its accuracy; a thin mark shows its mean confidence; the bar's shade says how many clips it holds.
public enum ReliabilityDiagram {
    /// Text lines: a header and one row per temperature (accuracy, NLL, ECE), e.g.
    /// `  T = 1 (uncalibrated)   71.2 %   0.912   8.4 %`.
    /// - Parameter calibrated: the second row's label; nil: the model's temperature, `T = 1.55 (the model's)`
    ///   (crossval's pooled figures come from each fold's own T, which no one number gives).
    public static func lines(_ c: CalibrationComparison, calibrated: String? = nil) -> [String] {
        let rows = [("T = 1 (uncalibrated)", c.before),
                    (calibrated ?? String(format: "T = %.3g (the model's)", c.after.temperature), c.after)]
        // The figures start after the longest label, or after the heading when it is longer (padding never cuts it).
        let heading = "calibration (\(c.after.clips) clips)"
        let width = max(rows.map(\.0.count).max() ?? 0, heading.count - 2)
        return [heading.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "  accuracy      NLL      ECE"]
            + rows.map { label, f in
                "  " + label.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "   %6.1f %%  %7.3f  %5.1f %%", 100 * f.accuracy, f.negativeLogLikelihood,
                             100 * f.expectedCalibrationError)
            }
    }

    /// One line on `--min-confidence`, e.g. `--min-confidence 0.62: 18 of 100 clips uncertain (18.0 %); accuracy on the
    /// other 82: 84.1 %`.
    public static func line(_ s: SelectiveFigures) -> String {
        let answered = s.clips - s.flagged
        return String(format: "--min-confidence %.3f: %d of %d clips uncertain (%.1f %%); ", s.threshold, s.flagged, s.clips,
                      100 * s.flaggedShare)
            + (s.answeredAccuracy.map { String(format: "accuracy on the other %d: %.1f %%", answered, 100 * $0) }
               ?? "no clip answered")
    }

    /// The diagram of one set of figures as an `<svg>` element (well-formed XML), `size` px square plus margins.
    public static func svg(_ f: CalibrationFigures, title: String, size: Double = 240) -> String {
        let left = 44.0, top = 28.0, bottom = 40.0
        let width = left + size + 12, height = top + size + bottom
        func x(_ p: Double) -> Double { left + p * size }
        func y(_ p: Double) -> Double { top + (1 - p) * size }
        let most = max(1, f.bins.map(\.clips).max() ?? 1)
        var out = String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
                         width, height, width, height)
        out += "<title>\(xmlEscape(title))</title>\n"
        out += String(format: "<text x=\"%.1f\" y=\"16\" font-size=\"12\" font-family=\"sans-serif\">%@</text>\n", left, xmlEscape(title))
        out += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>\n",
                      left, top, size, size)
        for b in f.bins {
            guard let accuracy = b.accuracy, let confidence = b.confidence else { continue }
            // Darker for fuller bins, never invisible.
            let shade = 0.3 + 0.7 * Double(b.clips) / Double(most)
            out += String(format: "<rect class=\"bin\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b6fb6\" "
                          + "fill-opacity=\"%.2f\" stroke=\"#234\"><title>%@</title></rect>\n",
                          x(b.lower), y(accuracy), x(b.upper) - x(b.lower), y(0) - y(accuracy), shade,
                          String(format: "%.2f–%.2f: %d clips, %.0f %% right, mean confidence %.0f %%", b.lower, b.upper,
                                 b.clips, 100 * accuracy, 100 * confidence))
            out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c33\" stroke-width=\"2\"/>\n",
                          x(b.lower), y(confidence), x(b.upper), y(confidence))
        }
        out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#777\" stroke-dasharray=\"4 3\"/>\n",
                      x(0), y(0), x(1), y(1))
        for tick in [0.0, 0.5, 1.0] {
            out += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" font-family=\"sans-serif\" text-anchor=\"middle\">%g</text>\n",
                          x(tick), top + size + 14, tick)
            out += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" font-family=\"sans-serif\" text-anchor=\"end\">%g</text>\n",
                          left - 4, y(tick) + 3, tick)
        }
        out += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" font-family=\"sans-serif\" text-anchor=\"middle\">"
                      + "top probability (red: mean per bin)</text>\n", x(0.5), top + size + 32)
        out += String(format: "<text x=\"12\" y=\"%.1f\" font-size=\"11\" font-family=\"sans-serif\" text-anchor=\"middle\" "
                      + "transform=\"rotate(-90 12 %.1f)\">fraction right</text>\n", y(0.5), y(0.5))
        return out + "</svg>\n"
    }

    /// The HTML section: the table, then the diagram before and after, side by side.
    static func section(_ c: CalibrationComparison, caption: String) -> String {
        var out = "<h2>Calibration</h2>\n<p>\(xmlEscape(caption))</p>\n"
        out += "<table id=\"calibration\">\n<tr><th>temperature</th><th>clips</th><th>accuracy</th><th>NLL</th><th>ECE (15 bins)</th></tr>\n"
        for (label, f) in [("T = 1 (uncalibrated)", c.before), (String(format: "T = %.3g", c.after.temperature), c.after)] {
            out += "<tr><td>\(xmlEscape(label))</td><td class=\"num\">\(f.clips)</td>"
                + String(format: "<td class=\"num\">%.1f %%</td><td class=\"num\">%.3f</td><td class=\"num\">%.1f %%</td></tr>\n",
                         100 * f.accuracy, f.negativeLogLikelihood, 100 * f.expectedCalibrationError)
        }
        out += "</table>\n<div class=\"figure\" id=\"reliability\">\n"
        out += svg(c.before, title: "reliability, T = 1") + svg(c.after, title: String(format: "reliability, T = %.3g", c.after.temperature))
        return out + "</div>\n"
    }
}
