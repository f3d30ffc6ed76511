import Foundation
import GenreTestSupport
import XCTest

/// A model written before level normalisation existed (`Tests/Fixtures/model-before-issue-12.safetensors`, the
/// shipped model of that time) predicts, with today's binary, exactly the probabilities and RMS levels that binary
/// printed (`genre predict --top 10 --json`, committed beside it). Remade with OpenBLAS (Haswell kernels) when it
/// replaced BLIS (issue 16): the probabilities moved by at most 6e-8, the levels, segments and rankings not at all.
/// Run as a child process so that the fixture's kernel set can be chosen (`fixtureKernels`).
final class OlderModelCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    struct Document: Decodable {
        struct Result: Decodable {
            struct Entry: Decodable, Equatable { var genre: String; var probability: Double }
            var file: String; var rmsDBFS: Double; var segments: Int; var top: [Entry]
        }
        var results: [Result]
    }

    func testAModelWrittenBeforeLevelNormalisationPredictsBitIdentically() throws {
        let fixtures = Reference.repository.appendingPathComponent("Tests/Fixtures")
        let data = try Data(contentsOf: fixtures.appendingPathComponent("model-before-issue-12.predictions.json"))
        let expected = try JSONDecoder().decode(Document.self, from: data).results
        XCTAssertEqual(expected.count, 5)
        // Written from the repository root as ../shared/datasets/gtzan-mini/<genre>/<file>.
        let files = try expected.map { try Reference.shared("datasets/" + $0.file.components(separatedBy: "datasets/").last!).path }
        let run = try genre(["predict"] + files + ["--model", fixtures.appendingPathComponent("model-before-issue-12.safetensors").path,
                                                   "--top", "10", "--json", "--threads", "1"],
                            in: folder, environment: try fixtureKernels())
        XCTAssertEqual(run.status, 0, run.stderr)
        let now = try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)).results
        XCTAssertEqual(now.count, expected.count)
        for (n, e) in zip(now, expected) {
            XCTAssertEqual(n.rmsDBFS, e.rmsDBFS, e.file)
            XCTAssertEqual(n.segments, e.segments, e.file)
            XCTAssertEqual(n.top, e.top, e.file)
        }
    }
}
