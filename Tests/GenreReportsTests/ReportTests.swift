import Foundation
import FoundationXML
import GenreTestSupport
import XCTest
@testable import GenreMetrics
@testable import GenreReports
@testable import GenreSupport

/// The confusion heatmap SVG and the HTML report, read back as XML; the most confused pairs; the folds CSV.
final class ReportTests: XCTestCase {
    /// rows = true, columns = predicted, classes "r&b", "jazz", "<metal>" (names that need escaping):
    ///   r&b:     3 1 0   (support 4)
    ///   jazz:    2 5 1   (support 8)
    ///   <metal>: 0 0 0   (support 0: its row has no percentages)
    func knownMatrix() -> ConfusionMatrix {
        ConfusionMatrix(classNames: ["r&b", "jazz", "<metal>"], counts: [[3, 1, 0], [2, 5, 1], [0, 0, 0]])
    }

    func elements(_ document: XMLNode, _ xpath: String) throws -> [XMLElement] {
        try document.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    func attribute(_ e: XMLElement, _ name: String) -> String? { e.attributes?.first { $0.name == name }?.stringValue }

    /// Checks the heatmap cells inside `document`: one per matrix entry, with its count and row percentage.
    func checkCells(_ document: XMLDocument, _ m: ConfusionMatrix, file: StaticString = #filePath, line: UInt = #line) throws {
        let cells = try elements(document, "//*[local-name()='g'][@class='cell']")
        XCTAssertEqual(cells.count, 9, "one cell per entry", file: file, line: line)
        var seen = Set<String>()
        for cell in cells {
            let t = try XCTUnwrap(m.classNames.firstIndex(of: attribute(cell, "data-true") ?? ""), file: file, line: line)
            let p = try XCTUnwrap(m.classNames.firstIndex(of: attribute(cell, "data-predicted") ?? ""), file: file, line: line)
            seen.insert("\(t),\(p)")
            XCTAssertEqual(attribute(cell, "data-count"), String(m.counts[t][p]), file: file, line: line)
            let texts = try elements(cell, "*[local-name()='text']")
            XCTAssertEqual(texts.first { attribute($0, "class") == "count" }?.stringValue, String(m.counts[t][p]),
                           file: file, line: line)
            let percent = texts.first { attribute($0, "class") == "percent" }?.stringValue
            let expected = [[ "75 %", "25 %", ""], ["25 %", "63 %", "13 %"], ["", "", ""]][t][p]
            XCTAssertEqual(percent, expected, "cell \(t),\(p)", file: file, line: line)
        }
        XCTAssertEqual(seen.count, 9, "no entry twice", file: file, line: line)
    }

    func testHeatmapSVGHasOneCellPerEntryWithItsCountAndRowPercentage() throws {
        let m = knownMatrix()
        let svg = m.heatmapSVG(title: "a & b")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains(ConfusionMatrix.heatmapMarker))
        let document = try XMLDocument(data: Data(svg.utf8))
        try checkCells(document, m)
        // Class names on both axes, unescaped once parsed.
        let rows = try elements(document, "//*[@class='true-label']").map(\.stringValue)
        let columns = try elements(document, "//*[@class='predicted-label']").map(\.stringValue)
        XCTAssertEqual(rows, ["r&b", "jazz", "<metal>"])
        XCTAssertEqual(columns, ["r&b", "jazz", "<metal>"])
        // Shading follows the row fraction: an empty row and zero cells are the lightest, 5/8 is darker than 1/8.
        XCTAssertEqual(ConfusionMatrix.shade(0), "#f7fbff")
        XCTAssertEqual(ConfusionMatrix.shade(1), "#08306b")
    }

    /// The diagonal's outlines are drawn after every cell, so no later cell's fill covers half of one (issue 18).
    func testTheDiagonalOutlinesAreDrawnWholeOnTop() throws {
        let m = knownMatrix()
        let document = try XMLDocument(data: Data(m.heatmapSVG(title: "t").utf8))
        let root = try XCTUnwrap(document.rootElement())
        let children = (root.children ?? []).compactMap { $0 as? XMLElement }
        let lastCell = try XCTUnwrap(children.lastIndex { attribute($0, "class") == "cell" })
        let outlines = children.indices.filter { attribute(children[$0], "class") == "diagonal" }
        XCTAssertEqual(outlines.count, 3)
        XCTAssertTrue(outlines.allSatisfy { $0 > lastCell }, "outlines after the last cell")
        for (d, i) in outlines.enumerated() {
            let outline = children[i], cell = try elements(document, "//*[@class='cell']/*[local-name()='rect']")[d * 3 + d]
            for key in ["x", "y", "width", "height"] {
                XCTAssertEqual(attribute(outline, key), attribute(cell, key), key)
            }
            XCTAssertEqual(attribute(outline, "fill"), "none")
        }
    }

    /// Skipped files are listed by name and reason (escaped), not only counted (issue 18); none says so.
    func testTheReportListsSkippedFilesByName() throws {
        var report = HTMLReport(title: "t", summary: [], matrix: knownMatrix(), misclassified: [], curves: [])
        report.skipped = ["jazz/a&b.wav: not audio (format not recognised)", "rock/<x>.mp3: only 0.40 s, shorter than --min-duration 1"]
        let document = try XMLDocument(data: Data(report.html().utf8))
        let items = try elements(document, "//*[@id='skipped']/*").map(\.stringValue)
        XCTAssertEqual(items, report.skipped)
        XCTAssertTrue(try elements(document, "//*[local-name()='h2']").map(\.stringValue).contains("Skipped files (2)"))
        report.skipped = []
        XCTAssertTrue(report.html().contains("<h2>Skipped files (0)</h2>\n<p>None.</p>"))
    }

    /// The curves mark the epoch the run kept (the trainer's rule) and say what each accuracy counts (issue 18).
    func testTheCurvesMarkTheKeptEpochAndLabelTheAccuracies() throws {
        func epoch(_ e: Int, _ accuracy: Double?, _ loss: Float?) -> EpochReport {
            EpochReport(epoch: e, learningRate: 0.001, trainLoss: 1, trainAccuracy: 0.5, validationLoss: loss,
                        validationAccuracy: accuracy, seconds: 0)
        }
        // Epochs 2 and 3 tie on accuracy; 3 has the lower loss. Epoch 4 equals 3 exactly: the first stays.
        let history = [epoch(1, 0.5, 1), epoch(2, 0.8, 0.9), epoch(3, 0.8, 0.7), epoch(4, 0.8, 0.7), epoch(5, 0.6, 0.5)]
        XCTAssertEqual(TrainingCurves.keptEpoch(history), 3)
        XCTAssertEqual(TrainingCurves.keptEpoch(history.map { var r = $0; r.validationAccuracy = nil; r.validationLoss = nil; return r }), 5)
        XCTAssertNil(TrainingCurves.keptEpoch([]))
        let document = try XMLDocument(data: Data(TrainingCurves.svg(history, title: "t").utf8))
        let marks = try elements(document, "//*[local-name()='text'][@class='kept-epoch']").map(\.stringValue)
        XCTAssertEqual(marks, ["kept: epoch 3", "kept: epoch 3"], "one mark per panel")
        let legends = try elements(document, "//*[local-name()='text'][@class='legend']").map(\.stringValue)
        XCTAssertEqual(legends, ["train", "validation", "train segments", "validation clips"])
        // The mark is a legend entry of its panel (a screenshot showed it covering the legend when it sat by its line):
        // same column as the panel's legend, its own row.
        for panel in try elements(document, "//*[local-name()='g'][@class='panel']") {
            func position(_ e: XMLElement) -> (x: String?, y: Double) { (attribute(e, "x"), Double(attribute(e, "y") ?? "") ?? -1) }
            let mark = try XCTUnwrap(try elements(panel, "*[local-name()='text'][@class='kept-epoch']").first.map(position))
            let entries = try elements(panel, "*[local-name()='text'][@class='legend']").map(position)
            XCTAssertEqual(entries.count, 2)
            for entry in entries {
                XCTAssertEqual(mark.x, entry.x)
                XCTAssertGreaterThanOrEqual(abs(mark.y - entry.y), 14, "rows of 12 px text do not overlap")
            }
        }
    }

    func testMostConfusedPairsAreTheLargestOffDiagonalCounts() {
        let pairs = knownMatrix().mostConfusedPairs()
        XCTAssertEqual(pairs.map { "\($0.true)>\($0.predicted):\($0.count)" }, ["1>0:2", "0>1:1", "1>2:1"])
        XCTAssertEqual(knownMatrix().mostConfusedPairs(limit: 1).count, 1)
        XCTAssertTrue(ConfusionMatrix(classNames: ["a", "b"], counts: [[2, 0], [0, 3]]).mostConfusedPairs().isEmpty)
    }

    func testHTMLReportIsWellFormedAndCarriesTheNumbers() throws {
        let m = knownMatrix()
        let history = [EpochReport(epoch: 1, learningRate: 0.001, trainLoss: 1.5, trainAccuracy: 0.4, validationLoss: 1.2,
                                   validationAccuracy: 0.5, seconds: 0),
                       EpochReport(epoch: 2, learningRate: 0.001, trainLoss: 1.0, trainAccuracy: 0.6, validationLoss: 1.1,
                                   validationAccuracy: 0.55, seconds: 0)]
        let report = HTMLReport(title: "test <report>", summary: [("clips", "12")], matrix: m,
                                misclassified: [.init(file: "jazz/a&b.wav", genre: "jazz",
                                                      top: [("r&b", 0.6), ("jazz", 0.3), ("<metal>", 0.1)])],
                                curves: [("run", history)])
        let html = report.html()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n" + HTMLReport.marker))
        // Self-contained: nothing fetched, nothing run.
        for forbidden in ["<script", "src=", "href=", "@import", "url("] { XCTAssertFalse(html.contains(forbidden), forbidden) }
        let document = try XMLDocument(data: Data(html.utf8))
        XCTAssertEqual(try elements(document, "//*[local-name()='title']").first?.stringValue, "test <report>")
        try checkCells(document, m)
        let text = document.rootElement()?.stringValue ?? ""
        for name in m.classNames { XCTAssertTrue(text.contains(name), name) }

        // Per-class rows: precision r&b 3/5, jazz 5/6, <metal> 0/1; recall 3/4, 5/8, n/a; support 4, 8, 0.
        let perClass = try elements(document, "//*[local-name()='table'][@id='per-class']/*[local-name()='tr']")
            .map { try elements($0, "*[local-name()='td']").map(\.stringValue) }.filter { !$0.isEmpty }
        XCTAssertEqual(perClass.map { $0.compactMap { $0 } }, [["r&b", "0.600", "0.750", "0.667", "4"],
                                                               ["jazz", "0.833", "0.625", "0.714", "8"],
                                                               ["<metal>", "0.000", "n/a", "0.000", "0"]])
        let confused = try elements(document, "//*[local-name()='table'][@id='confused']/*[local-name()='tr']")
            .map { try elements($0, "*[local-name()='td']").compactMap(\.stringValue) }.filter { !$0.isEmpty }
        XCTAssertEqual(confused.first, ["jazz", "r&b", "2", "25.0 %"])
        XCTAssertEqual(confused.count, 3)
        let missed = try elements(document, "//*[local-name()='table'][@id='misclassified']/*[local-name()='tr']")
            .map { try elements($0, "*[local-name()='td']").compactMap(\.stringValue) }.filter { !$0.isEmpty }
        XCTAssertEqual(missed, [["jazz/a&b.wav", "jazz", "r&b 60.0 % · jazz 30.0 % · <metal> 10.0 %"]])
        // The curves: train and validation lines in both panels, 2 epochs each.
        let lines = try elements(document, "//*[local-name()='polyline']")
        XCTAssertEqual(lines.count, 4)
        for line in lines { XCTAssertEqual(attribute(line, "points")?.split(separator: " ").count, 2) }
    }

    func testTopThreeIsSortedWithTiesInClassOrder() {
        let top = HTMLReport.top([0.1, 0.3, 0.3, 0.2, 0.1], classNames: ["a", "b", "c", "d", "e"])
        XCTAssertEqual(top.map(\.genre), ["b", "c", "d"])
        XCTAssertEqual(top.map(\.probability), [0.3, 0.3, 0.2])
    }

    func testEvaluationAndCrossValidationReportsListEveryMiss() throws {
        let classes = ["a", "b"]
        let evaluation = EvaluationReport(
            model: "m.safetensors", dataset: "data", split: "test", classes: classes, clips: 3, segments: 9,
            clipAccuracy: 2.0 / 3, segmentAccuracy: 0.5, balancedAccuracy: 0.75, macroF1: 0.6,
            perClass: [], confusionMatrix: [[1, 1], [0, 1]], segmentConfusionMatrix: [[3, 3], [0, 3]],
            predictions: [.init(file: "a/1.wav", genre: "a", predicted: "a", probability: 0.9, probabilities: [0.9, 0.1]),
                          .init(file: "a/2.wav", genre: "a", predicted: "b", probability: 0.7, probabilities: [0.3, 0.7]),
                          .init(file: "b/1.wav", genre: "b", predicted: "b", probability: 0.8, probabilities: [0.2, 0.8])],
            skipped: [])
        let page = HTMLReport(evaluation: evaluation, history: [])
        XCTAssertEqual(page.misclassified.map(\.file), ["a/2.wav"])
        XCTAssertEqual(page.misclassified[0].top.map(\.genre), ["b", "a"])
        XCTAssertEqual(page.matrix.counts, [[1, 1], [0, 1]])
        XCTAssertTrue(page.curves.isEmpty)
        XCTAssertNoThrow(try XMLDocument(data: Data(page.html().utf8)))

        let fold = { (k: Int, predictions: [ClipPrediction]) in
            FoldResult(fold: k, trainFiles: 4, validationFiles: 1, testFiles: predictions.count, bestEpoch: 2,
                       clipAccuracy: 0.5, segmentAccuracy: 0.5, macroF1: 0.5, balancedAccuracy: 0.5, seconds: 1.25,
                       predictions: predictions, history: [])
        }
        let cv = CrossValidationReport(
            dataset: "data", classNames: classes,
            folds: [fold(0, [.init(file: "b/2.wav", genre: "b", predicted: "a", probabilities: [0.6, 0.4])]),
                    fold(1, [.init(file: "a/3.wav", genre: "a", predicted: "b", probabilities: [0.45, 0.55]),
                             .init(file: "a/4.wav", genre: "a", predicted: "a", probabilities: [1, 0])])],
            clipAccuracy: MeanStd([0.5]), segmentAccuracy: MeanStd([0.5]), macroF1: MeanStd([0.5]),
            balancedAccuracy: MeanStd([0.5]), confusion: ConfusionMatrix(classNames: classes, counts: [[1, 1], [1, 0]]),
            skipped: [])
        let cvPage = HTMLReport(crossValidation: cv, folds: "2, stratified by genre, seed 0")
        XCTAssertEqual(cvPage.misclassified.map(\.file), ["a/3.wav", "b/2.wav"], "every fold's misses, by true genre")
        XCTAssertEqual(cvPage.curves.map(\.caption), ["fold 0", "fold 1"])
        let document = try XMLDocument(data: Data(cvPage.html().utf8))
        let foldRows = try elements(document, "//*[local-name()='table']/*[local-name()='tr']")
            .map { try elements($0, "*[local-name()='td']").compactMap(\.stringValue) }.filter { $0.count == 10 }
        XCTAssertEqual(foldRows.map(\.first), ["0", "1"])
        XCTAssertTrue(cvPage.html().contains("clip accuracy (mean ± std over folds)"))
        // One fold (--only-folds) has no spread: its figures alone.
        var single = cv
        single.folds = [cv.folds[0]]
        let singlePage = HTMLReport(crossValidation: single, folds: "5, stratified by genre, seed 0; scored: 0 (--only-folds)").html()
        XCTAssertFalse(singlePage.contains("±"), singlePage)
        XCTAssertTrue(singlePage.contains("scored: 0 (--only-folds)"))
        XCTAssertEqual(cv.foldsCSV(), """
            fold,train,validation,test,best_epoch,clip_accuracy,macro_f1,balanced_accuracy,segment_accuracy,seconds
            0,4,1,1,2,0.5,0.5,0.5,0.5,1.2
            1,4,1,2,2,0.5,0.5,0.5,0.5,1.2

            """)
    }

    func testGenresOwnFilesAreRecognisedAsReplaceableAndOthersAreNot() throws {
        let folder = makeTemporaryFolder(); defer { try? FileManager.default.removeItem(atPath: folder) }
        let m = knownMatrix()
        let cv = CrossValidationReport(dataset: "d", classNames: m.classNames, folds: [], clipAccuracy: MeanStd([0.5]),
                                       segmentAccuracy: MeanStd([0.5]), macroF1: MeanStd([0.5]),
                                       balancedAccuracy: MeanStd([0.5]), confusion: m, skipped: [])
        let ours: [(String, String, String, Int)] = [
            ("per_class.csv", m.perClassCSV(), ConfusionMatrix.perClassCSVHeader, 0),
            ("confusion_matrix.csv", m.confusionCSV(), ConfusionMatrix.confusionCSVHeader, 0),
            ("folds.csv", cv.foldsCSV(), CrossValidationReport.foldsCSVHeader, 0),
            ("c.svg", m.heatmapSVG(title: "t"), ConfusionMatrix.heatmapMarker, 1),
            ("r.html", HTMLReport(title: "t", summary: [], matrix: m, misclassified: [], curves: []).html(), HTMLReport.marker, 1),
            ("x.curves.svg", TrainingCurves.svg([], title: "t"), TrainingCurves.marker, 1)]
        for (name, text, marker, line) in ours {
            let path = folder + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertNoThrow(try OutputPath.checkReplaceable(path, marker: marker, line: line, what: name, hint: ""), name)
            // The same marker anywhere else is someone's text quoting it.
            try ("notes\n\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try OutputPath.checkReplaceable(path, marker: marker, line: line, what: name, hint: ""), name)
        }
    }

    func testXMLEscapeCoversSpecialAndControlCharacters() {
        XCTAssertEqual(xmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;")
        XCTAssertEqual(xmlEscape("x\u{1}y\tz"), "x\u{FFFD}y\tz")
    }
}
