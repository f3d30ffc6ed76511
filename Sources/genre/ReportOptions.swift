import ArgumentParser
import Foundation
import GenreTraining

/// The files `evaluate` and `crossval` can write besides their text or JSON: an HTML report, the confusion
/// matrix as an SVG heatmap, and CSV tables. Every path is checked before the work starts.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write a self-contained HTML report: summary, confusion heatmap, per-class table, "
                               + "most confused pairs, misclassified clips, training curves.", valueName: "report.html"))
    var report: String?

    @Option(name: .customLong("confusion-svg"), help: ArgumentHelp("Write the confusion matrix as a standalone SVG heatmap.",
                                                                   valueName: "path.svg"))
    var confusionSVG: String?

    @Option(help: ArgumentHelp("Write per_class.csv and confusion_matrix.csv (crossval: also folds.csv) into this folder.",
                               valueName: "outdir"))
    var csv: String?

    func validate() throws {
        if let csv {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: csv, isDirectory: &isFolder), !isFolder.boolValue {
                throw ValidationError("--csv \(csv): exists and is not a folder")
            }
        }
        if let report, let confusionSVG, report == confusionSVG {
            throw ValidationError("--report and --confusion-svg name the same file \(report)")
        }
    }

    /// Fails fast, before decoding or training: outputs must be writable, outside the dataset, and replace
    /// only genre's own earlier reports.
    func check(dataset: String) throws {
        for (option, path, marker, what) in [("--report", report, HTMLReport.marker, "a genre report"),
                                             ("--confusion-svg", confusionSVG, ConfusionMatrix.heatmapMarker, "a genre confusion matrix")] {
            guard let path else { continue }
            if OutputPath.isInside(path, folder: dataset) {
                throw RunError("\(option) \(path): inside the dataset folder \(dataset); choose a path outside it")
            }
            try OutputPath.checkWritable(path)
            try OutputPath.checkReplaceable(path, marker: marker, what: what, hint: "remove it or choose another path")
        }
        if let csv, OutputPath.isInside(csv, folder: dataset) {
            throw RunError("--csv \(csv): inside the dataset folder \(dataset); choose a folder outside it")
        }
    }

    /// Writes what was asked for, each file atomically.
    /// - Returns: one line per file written, for the text output.
    func write(matrix: ConfusionMatrix, svgTitle: String, extraCSV: [(name: String, text: String)] = [],
               html: () -> String) throws -> [String] {
        var lines: [String] = []
        if let csv {
            try OutputPath.createFolder(csv)
            let files = [("per_class.csv", matrix.perClassCSV()), ("confusion_matrix.csv", matrix.confusionCSV())] + extraCSV
            for (name, text) in files { try write(text, to: csv + "/" + name) }
            lines.append("CSV written to " + files.map { "\(csv)/\($0.0)" }.joined(separator: ", "))
        }
        if let confusionSVG {
            try write(matrix.heatmapSVG(title: svgTitle), to: confusionSVG)
            lines.append("confusion matrix picture \(confusionSVG)")
        }
        if let report {
            try write(html(), to: report)
            lines.append("report \(report)")
        }
        return lines
    }

    private func write(_ text: String, to path: String) throws {
        do { try AtomicText.write(text, to: path) } catch { throw RunError("\(path): cannot write: \(error)") }
    }
}
