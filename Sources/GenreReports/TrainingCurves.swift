import Foundation
import GenreMetrics
import GenreSupport

/// The training curves of a run as a standalone SVG picture: per epoch, the training and validation
/// loss (left panel, nats) and accuracy (right panel, %: training segments, validation clips), with axes, ticks, a
/// legend and a dashed line at the epoch the run kept; no scripts or external references, so any browser or image
/// viewer shows it.
public enum TrainingCurves {
    /// The comment every picture starts with; `genre train` replaces only files that carry it.
    public static let marker = "<!-- genre training curves -->"

    /// `X.curves.svg` beside `X.safetensors` (or beside any other model path; `OutputPath.beside`).
    public static func path(forModel modelPath: String) -> String { OutputPath.beside(model: modelPath, suffix: "curves.svg") }

    /// The history as the model records it (`train.history`): JSON without the epochs' wall times, so
    /// that the same run writes the same bytes.
    public static func recorded(_ history: [EpochReport]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let timeless = history.map { r -> EpochReport in var r = r; r.seconds = 0; return r }
        return String(decoding: (try? encoder.encode(timeless)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// - Parameters:
    ///   - history: the run's epoch reports, in order (validation values may be absent; non-finite ones are
    ///     left out of the lines).
    ///   - title: the heading above both panels (escaped for XML here).
    /// - Returns: the SVG document (UTF-8 text), 1010 × 390 px.
    public static func svg(_ history: [EpochReport], title: String) -> String {
        let kept = keptEpoch(history)
        let panelWidth = 420.0, panelHeight = 260.0, margin = 50.0, gap = 70.0
        let width = 2 * panelWidth + gap + 2 * margin, height = panelHeight + 2 * margin + 30
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n\(marker)\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(Int(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(xmlEscape(title))</text>\n"
        let epochs = Double(max(history.count, 1))
        let losses = history.flatMap { [Double($0.trainLoss)] + ($0.validationLoss.map { [Double($0)] } ?? []) }
        let maxLoss = max(niceCeiling(losses.filter(\.isFinite).max() ?? 1), 0.1)
        let panels: [(name: String, x0: Double, top: Double, series: [(String, String, [Double?])])] = [
            ("loss (nats)", margin, maxLoss, [("train", "#1f77b4", history.map { Double($0.trainLoss) }),
                                              ("validation", "#d62728", history.map { $0.validationLoss.map(Double.init) })]),
            // What each accuracy counts: training segments (as the batches see them), validation clips (as the best
            // epoch is chosen).
            ("accuracy (%)", margin + panelWidth + gap, 100,
             [("train segments", "#1f77b4", history.map { 100 * $0.trainAccuracy }),
              ("validation clips", "#d62728", history.map { $0.validationAccuracy.map { 100 * $0 } })]),
        ]
        for panel in panels {
            let y0 = margin + 10, x0 = panel.x0
            func x(_ epoch: Int) -> Double { x0 + panelWidth * (epochs == 1 ? 0.5 : Double(epoch - 1) / (epochs - 1)) }
            func y(_ v: Double) -> Double { y0 + panelHeight * (1 - min(max(v / panel.top, 0), 1)) }
            out += "<g class=\"panel\">\n<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(panelWidth))\" height=\"\(f(panelHeight))\" "
                + "fill=\"none\" stroke=\"#888\"/>\n"
            out += "<text x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(y0 - 8))\" text-anchor=\"middle\">\(panel.name)</text>\n"
            for i in 0...4 {
                let v = panel.top * Double(i) / 4
                out += "<line x1=\"\(f(x0 - 4))\" y1=\"\(f(y(v)))\" x2=\"\(f(x0 + panelWidth))\" y2=\"\(f(y(v)))\" stroke=\"#eee\"/>"
                    + "<text x=\"\(f(x0 - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(label(v))</text>\n"
            }
            let step = max(1, Int((epochs / 6).rounded(.up)))
            for e in stride(from: 1, through: history.count, by: step) {
                out += "<text x=\"\(f(x(e)))\" y=\"\(f(y0 + panelHeight + 16))\" text-anchor=\"middle\">\(e)</text>\n"
            }
            out += "<text x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(y0 + panelHeight + 34))\" text-anchor=\"middle\">epoch</text>\n"
            if let kept {
                out += "<line class=\"kept-epoch\" x1=\"\(f(x(kept)))\" y1=\"\(f(y0))\" x2=\"\(f(x(kept)))\" "
                    + "y2=\"\(f(y0 + panelHeight))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n"
            }
            var legend: [(name: String, colour: String, dashed: Bool)] = []
            for (name, colour, values) in panel.series {
                let points = values.enumerated().compactMap { i, v in v.flatMap { $0.isFinite ? "\(f(x(i + 1))),\(f(y($0)))" : nil } }
                guard !points.isEmpty else { continue }
                // The class is the split ("train", "validation") whatever the legend says it counts.
                out += "<polyline class=\"\(name.split(separator: " ")[0])\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
                legend.append((name, colour, false))
            }
            // The kept epoch is named in the legend, not beside its line, where it would cover a curve or the legend.
            if let kept { legend.append(("kept: epoch \(kept)", "#555", true)) }
            // Loss falls and accuracy rises: the legend goes where the curves usually are not.
            let top = panel.top == 100 ? y0 + panelHeight - 2 - 16 * Double(legend.count) : y0 + 14
            for (k, entry) in legend.enumerated() {
                let ly = top + 16 * Double(k)
                out += "<line x1=\"\(f(x0 + panelWidth - 140))\" y1=\"\(f(ly - 4))\" x2=\"\(f(x0 + panelWidth - 120))\" y2=\"\(f(ly - 4))\" "
                    + "stroke=\"\(entry.colour)\" stroke-width=\"2\"\(entry.dashed ? " stroke-dasharray=\"4 3\"" : "")/>"
                    + "<text class=\"\(entry.dashed ? "kept-epoch" : "legend")\" x=\"\(f(x0 + panelWidth - 114))\" y=\"\(f(ly))\">"
                    + "\(entry.name)</text>\n"
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }

    /// The epoch a run keeps, by the trainer's rule (`TrainingLoop.keepIfBest`): the highest validation clip accuracy,
    /// ties to the lower validation loss, the first of equals; the last epoch without validation figures. nil for none.
    public static func keptEpoch(_ history: [EpochReport]) -> Int? {
        guard let last = history.last else { return nil }
        guard history.allSatisfy({ $0.validationAccuracy != nil }) else { return last.epoch }
        var best = history[0]
        for r in history.dropFirst() {
            let (a, b) = (r.validationAccuracy ?? 0, best.validationAccuracy ?? 0)
            if a > b || (a == b && (r.validationLoss ?? 0) < (best.validationLoss ?? 0)) { best = r }
        }
        return best.epoch
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    private static func label(_ v: Double) -> String { v >= 10 ? String(format: "%.0f", v) : String(format: "%.3g", v) }
    /// The smallest of 1, 2, 3, 4, 5, 6 or 8 times a power of ten that is at least `v` (a quarter of each is a
    /// short tick label).
    private static func niceCeiling(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let p = pow(10, floor(log10(v)))
        return [1.0, 2, 3, 4, 5, 6, 8, 10].map { $0 * p }.first { $0 >= v } ?? 10 * p
    }
}
