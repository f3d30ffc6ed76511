import Foundation
import GenreMetrics
import GenreSupport

/// One self-contained HTML page about a scored model: a summary, the confusion matrix as an inline SVG
/// heatmap (counts and row-normalised %), per-class precision/recall/F1/support, the most confused class
/// pairs, the misclassified clips with their top-3 predictions and the training curves. Inline CSS and SVG
/// only: no scripts, fonts or other fetches, so it opens offline and can be mailed. The markup is
/// well-formed XML (XHTML syntax served as HTML5), which is how the tests read it.
public struct HTMLReport: Sendable {
    /// A clip the model got wrong, with the top of its distribution.
    public struct Miss: Sendable, Equatable {
        /// Path relative to the dataset folder.
        public var file: String
        /// The true genre.
        public var genre: String
        /// Most probable first, at most 3, probabilities in [0, 1].
        public var top: [(genre: String, probability: Double)]

        /// Same file, genre and top entries (tuples are not `Equatable`, hence by hand).
        public static func == (a: Miss, b: Miss) -> Bool {
            a.file == b.file && a.genre == b.genre && a.top.map(\.genre) == b.top.map(\.genre)
                && a.top.map(\.probability) == b.top.map(\.probability)
        }
    }

    /// A plain table: a caption, a header row and rows of cells (text, escaped when written).
    public struct Table: Sendable {
        /// Heading above the table; empty for none.
        public var caption: String
        /// Column names.
        public var header: [String]
        /// Cells, row by row; a cell starting with a number character, or `n/a`, is right-aligned.
        public var rows: [[String]]
    }

    /// The comment every report carries; `--report` replaces only files that have it.
    public static let marker = "<!-- genre report -->"

    /// Page title, also its first heading.
    public var title: String
    /// Label–value lines shown first (model, data, split or folds, accuracy, …).
    public var summary: [(String, String)]
    /// The confusion matrix shown as the heatmap and the per-class table (rows true, columns predicted;
    /// clip-level on the `evaluate` and `crossval` pages).
    public var matrix: ConfusionMatrix
    /// Extra tables after the summary (e.g. one row per cross-validation fold).
    public var tables: [Table] = []
    /// The wrongly predicted clips, listed in this order (the `evaluate` and `crossval` pages sort them by true
    /// genre, then file).
    public var misclassified: [Miss]
    /// Training histories to draw, each with its caption (the model's own, or one per fold).
    public var curves: [(caption: String, history: [EpochReport])]
    /// The clips without and with temperature scaling, and what the figures are of; nil leaves the section out.
    public var calibration: (figures: CalibrationComparison, caption: String)?
    /// The files that could not be scored, each `path: reason`, listed by name (the summary only counts them).
    public var skipped: [String] = []

    /// Member-wise; see the properties.
    public init(title: String, summary: [(String, String)], matrix: ConfusionMatrix, tables: [Table] = [],
                misclassified: [Miss], curves: [(caption: String, history: [EpochReport])]) {
        self.title = title
        self.summary = summary
        self.matrix = matrix
        self.tables = tables
        self.misclassified = misclassified
        self.curves = curves
    }

    /// The top `n` (genre, probability) pairs of a distribution over `classNames`, most probable first
    /// (ties: class order, `topIndices`).
    public static func top(_ probabilities: [Double], classNames: [String], n: Int = 3) -> [(genre: String, probability: Double)] {
        topIndices(probabilities, n).map { (classNames[$0], probabilities[$0]) }
    }

    /// The page as UTF-8 text.
    public func html() -> String {
        var out = """
            <!DOCTYPE html>
            \(Self.marker)
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(xmlEscape(title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <h1>\(xmlEscape(title))</h1>

            """
        out += "<table class=\"summary\">\n"
        for (label, value) in summary {
            out += "<tr><th>\(xmlEscape(label))</th><td>\(xmlEscape(value))</td></tr>\n"
        }
        out += "</table>\n"
        for table in tables { out += render(table) }

        out += "<h2>Confusion matrix</h2>\n<div class=\"figure\">\n"
        out += matrix.heatmapElement(title: "clips: \(matrix.total)")
        out += "</div>\n"

        out += render(Table(caption: "Per class", header: ["genre", "precision", "recall", "F1", "support"],
                            rows: matrix.classNames.indices.map { k in
                                [matrix.classNames[k], fixed(matrix.precision(k)), fixed(matrix.recall(k)),
                                 fixed(matrix.f1(k)), String(matrix.support(k))]
                            }), id: "per-class")

        let pairs = matrix.mostConfusedPairs()
        out += "<h2>Most confused pairs</h2>\n"
        if pairs.isEmpty {
            out += "<p>No clip was misclassified.</p>\n"
        } else {
            out += render(Table(caption: "", header: ["true genre", "predicted as", "clips", "% of the true genre"],
                                rows: pairs.map { p in
                                    [matrix.classNames[p.true], matrix.classNames[p.predicted], String(p.count),
                                     String(format: "%.1f %%", 100 * (matrix.rowFraction(p.true, p.predicted) ?? 0))]
                                }), id: "confused")
        }

        if let calibration { out += ReliabilityDiagram.section(calibration.figures, caption: calibration.caption) }

        out += "<h2>Misclassified clips (\(misclassified.count))</h2>\n"
        if misclassified.isEmpty {
            out += "<p>None.</p>\n"
        } else {
            out += "<table id=\"misclassified\">\n<tr><th>file</th><th>true genre</th><th>top 3 predictions</th></tr>\n"
            for m in misclassified {
                let top = m.top.map { "\(xmlEscape($0.genre)) \(String(format: "%.1f %%", 100 * $0.probability))" }
                out += "<tr><td class=\"file\">\(xmlEscape(m.file))</td><td>\(xmlEscape(m.genre))</td><td>"
                    + top.joined(separator: " · ") + "</td></tr>\n"
            }
            out += "</table>\n"
        }

        out += "<h2>Skipped files (\(skipped.count))</h2>\n"
        if skipped.isEmpty {
            out += "<p>None.</p>\n"
        } else {
            out += "<ul id=\"skipped\">\n" + skipped.map { "<li class=\"file\">\(xmlEscape($0))</li>\n" }.joined() + "</ul>\n"
        }

        out += "<h2>Training curves</h2>\n"
        if curves.isEmpty {
            out += "<p>No training history recorded (a model from before histories were kept).</p>\n"
        }
        for c in curves {
            out += "<div class=\"figure\">\n" + TrainingCurves.svg(c.history, title: c.caption) + "</div>\n"
        }
        out += "<p class=\"footer\">Written by genre. Precision is n/a where a genre was never predicted; "
            + "recall is n/a where it has no clips.</p>\n</body>\n</html>\n"
        return out
    }

    private func render(_ table: Table, id: String? = nil) -> String {
        var out = table.caption.isEmpty ? "" : "<h2>\(xmlEscape(table.caption))</h2>\n"
        out += "<table" + (id.map { " id=\"\($0)\"" } ?? "") + ">\n<tr>"
            + table.header.map { "<th>\(xmlEscape($0))</th>" }.joined() + "</tr>\n"
        for row in table.rows {
            out += "<tr>" + row.map { cell in
                // Numbers right-aligned so their digits line up; names and text left.
                let numeric = cell.first.map { $0.isNumber } ?? false || cell == "n/a"
                return (numeric ? "<td class=\"num\">" : "<td>") + xmlEscape(cell) + "</td>"
            }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }

    private func fixed(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "n/a" }

    // No "<" or "&" in here: the page must stay well-formed XML.
    private static let css = """
        body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; overflow-wrap: anywhere; }
        td { max-width: 28em; }
        th { background: #f3f5f8; overflow-wrap: normal; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.file { font-family: monospace; }
        .figure svg { max-width: 100%; height: auto; }
        .footer { color: #666; font-size: 0.9em; margin-top: 2em; }
        li.file { font-family: monospace; overflow-wrap: anywhere; }
        """
}

extension HTMLReport {
    /// The page for `genre evaluate`: `history` is the model's recorded training history (may be empty).
    public init(evaluation r: EvaluationReport, history: [EpochReport]) {
        let matrix = r.clipConfusion
        let misses = r.predictions.filter { $0.genre != $0.predicted }.sorted { ($0.genre, $0.file) < ($1.genre, $1.file) }.map {
            Miss(file: $0.file, genre: $0.genre,
                 top: HTMLReport.top($0.probabilities, classNames: r.classes))
        }
        self.init(title: "genre evaluation: \(OutputPath.fileName(of: r.model)) on \(OutputPath.fileName(of: r.dataset))",
                  summary: [("model", r.model), ("dataset", r.dataset), ("split", r.split),
                            ("clips", "\(r.clips) (\(r.segments) segments)"),
                            ("clip accuracy", String(format: "%.1f %%", 100 * r.clipAccuracy)),
                            ("balanced accuracy", String(format: "%.3f", r.balancedAccuracy)),
                            ("macro-F1", String(format: "%.3f", r.macroF1)),
                            ("segment accuracy", String(format: "%.1f %%", 100 * r.segmentAccuracy)),
                            ("skipped files", String(r.skipped.count))],
                  matrix: matrix, misclassified: misses,
                  curves: history.isEmpty ? [] : [("training history of \(OutputPath.fileName(of: r.model))", history)])
        skipped = r.skipped
        if let selective = r.selective {
            summary.append(("--min-confidence", ReliabilityDiagram.line(selective)))
        }
        calibration = r.calibration.map {
            ($0, "The scored clips' top probability against how often it was right, without temperature scaling and with "
                + "the model's temperature (what predict answers; the figures above). ECE: expected calibration error.")
        }
    }

    /// The page for `genre crossval`: `folds` describes where the folds came from (a fold file or a seed).
    public init(crossValidation r: CrossValidationReport, folds: String) {
        // One fold (crossval --only-folds) has no spread to give.
        let one = r.folds.count == 1
        func pm(_ m: MeanStd, percent: Bool) -> String { m.text(percent: percent, spread: !one) }
        let misses = r.folds.flatMap(\.predictions).filter { $0.genre != $0.predicted }
            .sorted { ($0.genre, $0.file) < ($1.genre, $1.file) }.map {
                Miss(file: $0.file, genre: $0.genre, top: HTMLReport.top($0.probabilities.map(Double.init), classNames: r.classNames))
            }
        let perFold = Table(caption: "Folds", header: ["fold", "train", "validation", "test", "best epoch",
                                                       "clip accuracy", "macro-F1", "balanced accuracy", "segment accuracy", "seconds"],
                            rows: r.folds.map { f in
                                [String(f.fold), String(f.trainFiles), String(f.validationFiles), String(f.testFiles),
                                 String(f.bestEpoch), String(format: "%.1f %%", 100 * f.clipAccuracy),
                                 String(format: "%.3f", f.macroF1), String(format: "%.3f", f.balancedAccuracy),
                                 String(format: "%.1f %%", 100 * f.segmentAccuracy), String(format: "%.0f", f.seconds)]
                            })
        self.init(title: "genre cross-validation on \(OutputPath.fileName(of: r.dataset))",
                  summary: [("dataset", r.dataset), ("folds", folds),
                            ("clips tested", String(r.confusion.total)),
                            (one ? "clip accuracy" : "clip accuracy (mean ± std over folds)", pm(r.clipAccuracy, percent: true)),
                            ("balanced accuracy", pm(r.balancedAccuracy, percent: false)),
                            ("macro-F1", pm(r.macroF1, percent: false)),
                            ("segment accuracy", pm(r.segmentAccuracy, percent: true)),
                            ("skipped files", String(r.skipped.count))],
                  matrix: r.confusion, tables: [perFold], misclassified: misses,
                  curves: r.folds.map { ("fold \($0.fold)", $0.history) })
        skipped = r.skipped
        calibration = r.calibration.map {
            ($0, "Every fold's test clips, without temperature scaling (the figures above) and at the temperature fitted on "
                + "that fold's validation files (T in the table: the folds' mean). ECE: expected calibration error.")
        }
    }
}
