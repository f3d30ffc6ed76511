import ArgumentParser
import Foundation
import GenreMetrics
import GenreReports
import GenreSupport

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

    /// The CSV files `--csv` writes, with the header an earlier file of genre's starts with.
    func csvFiles(crossValidation: Bool) -> [(name: String, header: String)] {
        [("per_class.csv", ConfusionMatrix.perClassCSVHeader), ("confusion_matrix.csv", ConfusionMatrix.confusionCSVHeader)]
            + (crossValidation ? [("folds.csv", CrossValidationReport.foldsCSVHeader)] : [])
    }

    /// Fails fast, before decoding or training: every output must be writable (its folder may be made),
    /// outside the dataset, distinct from the others, and may replace only genre's own earlier file.
    /// - Throws: `RunError` starting with the option at fault.
    func check(dataset: String, crossValidation: Bool = false) throws {
        // Where genre puts its marker: the line after <!DOCTYPE html> or <svg ...>, a CSV file's header.
        var outputs: [(option: String, path: String, marker: String, line: Int, what: String)] = []
        if let report { outputs.append(("--report", report, HTMLReport.marker, 1, "a genre report")) }
        if let confusionSVG {
            outputs.append(("--confusion-svg", confusionSVG, ConfusionMatrix.heatmapMarker, 1, "a genre confusion matrix"))
        }
        if let csv {
            guard !csv.isEmpty else { throw RunError("--csv: output folder is empty; give a folder name") }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: csv, isDirectory: &isFolder), !isFolder.boolValue {
                throw RunError("--csv \(csv): exists and is not a folder")
            }
            if OutputPath.isInside(csv, folder: dataset) {
                throw RunError("--csv \(csv): inside the dataset folder \(dataset); choose a folder outside it")
            }
            for file in csvFiles(crossValidation: crossValidation) {
                outputs.append(("--csv", Self.join(csv, file.name), file.header, 0, "a genre \(file.name)"))
            }
        }
        var seen: [String: String] = [:]
        for output in outputs {
            do {
                if OutputPath.isInside(output.path, folder: dataset) {
                    throw RunError("\(output.path): inside the dataset folder \(dataset); choose a path outside it")
                }
                try OutputPath.checkWritable(output.path)
                try OutputPath.checkReplaceable(output.path, marker: output.marker, line: output.line, what: output.what,
                                                hint: "remove it or choose another path")
            } catch let error as RunError {
                throw RunError("\(output.option) \(error)")
            }
            let key = OutputPath.resolved(output.path) ?? output.path
            if let earlier = seen[key] {
                throw RunError("\(output.option) \(output.path): the same file as \(earlier); give each output its own path")
            }
            seen[key] = "\(output.option) \(output.path)"
        }
    }

    /// Writes what was asked for, each file atomically, making missing folders.
    /// - Returns: one line per file written, for the text output.
    func write(matrix: ConfusionMatrix, svgTitle: String, extraCSV: [(name: String, text: String)] = [],
               html: () -> String) throws -> [String] {
        var lines: [String] = []
        if let csv {
            let files = [("per_class.csv", matrix.perClassCSV()), ("confusion_matrix.csv", matrix.confusionCSV())] + extraCSV
            for (name, text) in files { try write(text, to: Self.join(csv, name)) }
            lines.append("CSV written to " + files.map { Self.join(csv, $0.0) }.joined(separator: ", "))
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

    /// Writes atomically (through a symbolic link to the file it names), making missing folders.
    private func write(_ text: String, to path: String) throws {
        let folder = OutputPath.parent(of: path)
        if !folder.isEmpty { try OutputPath.createFolder(folder) }
        do { try AtomicText.write(text, to: path) } catch { throw RunError("\(error)") }
    }

    /// `folder/name` without a doubled slash.
    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
