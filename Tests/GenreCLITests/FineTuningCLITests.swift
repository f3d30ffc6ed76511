import Foundation
import GenreModel
import XCTest

/// `genre train DIR --init MODEL`: fine-tuning a trained model on new genres (a new head) and on its own genres (its
/// head kept), what is frozen staying bit for bit, what the new model records of its source, and the refusals.
final class FineTuningCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    /// A base model on the demo set's four genres, and a folder with two of them.
    func baseAndTwoGenres() throws -> (base: String, subset: String) {
        let base = try trainSmallModel()
        let subset = folder + "/two"
        try FileManager.default.createDirectory(atPath: subset, withIntermediateDirectories: true)
        for g in ["beat", "drone"] { try FileManager.default.createSymbolicLink(atPath: "\(subset)/\(g)", withDestinationPath: "\(folder)/data/\(g)") }
        return (base, "two")
    }

    func testNewGenresGetANewHeadOnTheFrozenBackboneAndTheModelRecordsItsSource() throws {
        let (base, subset) = try baseAndTwoGenres()
        let run = try genre(["train", subset, "--init", base, "--freeze", "4", "--freeze-batchnorm", "--epochs", "2",
                             "--model", "ft.safetensors"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("fine-tuning data.safetensors (4 genres; new head for 2 genres; first 4 block(s) frozen; BatchNorm frozen)"),
                      run.stdout)
        let source = try ModelFile.read(folder + "/" + base), tuned = try ModelFile.read(folder + "/ft.safetensors")
        XCTAssertEqual(tuned.classNames, ["beat", "drone"])
        // Features and standardisation are the source's, not refitted on the two genres.
        XCTAssertEqual(tuned.features, source.features)
        XCTAssertEqual(tuned.normalization, source.normalization)
        // Every convolution and BatchNorm tensor, running statistics included, is the source's bit for bit.
        for (a, b) in zip(tuned.network.convolutions, source.network.convolutions) {
            XCTAssertEqual(a.weight.value, b.weight.value)
            XCTAssertEqual(a.bias.value, b.bias.value)
        }
        for (a, b) in zip(tuned.network.batchNorms, source.network.batchNorms) {
            XCTAssertEqual([a.weight.value, a.bias.value, a.runningMean, a.runningVar], [b.weight.value, b.bias.value, b.runningMean, b.runningVar])
        }
        XCTAssertEqual(tuned.network.fc.weight.shape, [2, source.network.fc.weight.shape[1]])
        let record = try XCTUnwrap(InitialModelRecord(tuned.notes["init"]))
        XCTAssertEqual(record.checksum, try metadata(folder + "/" + base)["checksum.sha256"])
        XCTAssertEqual(record.fileSHA256, try ModelChecksum.fileSHA256(folder + "/" + base))
        XCTAssertEqual(record.classes, source.classNames)
        XCTAssertEqual(record.headReused, false)
        XCTAssertEqual(try metadata(folder + "/ft.safetensors")["training.init"], "fine-tuned (see train.init)")
        let info = try genre(["info", "ft.safetensors"], in: folder)
        XCTAssertTrue(info.stdout.contains("init {\"checksum\":\"\(record.checksum)\""), info.stdout)
    }

    func testTheSameGenresKeepTheHeadAndAFreeBackboneMoves() throws {
        let (base, _) = try baseAndTwoGenres()
        let run = try genre(["train", "data", "--init", base, "--backbone-lr-scale", "0.5", "--epochs", "1",
                             "--model", "more.safetensors"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("(4 genres; its head reused; backbone learning rate ×0.5)"), run.stdout)
        let source = try ModelFile.read(folder + "/" + base), tuned = try ModelFile.read(folder + "/more.safetensors")
        XCTAssertEqual(tuned.classNames, source.classNames)
        XCTAssertEqual(InitialModelRecord(tuned.notes["init"])?.headReused, true)
        XCTAssertNotEqual(tuned.network.convolutions[0].weight.value, source.network.convolutions[0].weight.value)
        // One epoch of small steps from the source's head, not from a fresh one: the head moved only a little.
        let moved = zip(tuned.network.fc.weight.value, source.network.fc.weight.value).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(moved, 0.05)
    }

    func testRefusals() throws {
        let (base, subset) = try baseAndTwoGenres()
        func refused(_ arguments: [String], _ message: String, status: Int32) throws {
            let run = try genre(["train", subset, "--model", "x.safetensors"] + arguments, in: folder)
            XCTAssertEqual(run.status, status, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.safetensors"))
        }
        try refused(["--init", base, "--n-mels", "64", "--no-batch-norm"],
                    "--init takes the features and architecture of its model; leave out --n-mels, --[no-]batch-norm", status: 64)
        try refused(["--freeze", "2"], "--freeze, --freeze-batchnorm and --backbone-lr-scale fine-tune a trained model: give it with --init MODEL",
                    status: 64)
        try refused(["--init", base, "--freeze", "5"], "--freeze must be between 0 and 4", status: 64)
        try refused(["--init", base, "--backbone-lr-scale", "0"], "--backbone-lr-scale must be in (0, 10]", status: 64)
        try refused(["--init", base, "--freeze", "4", "--backbone-lr-scale", "0.5"],
                    "--backbone-lr-scale has nothing to scale: --freeze 4 fixes every convolution block", status: 64)
        try refused(["--init", "nothing.safetensors"], "genre: error: nothing.safetensors: model file not found", status: 1)
        try refused(["--init", "data/beat"], "data/beat: not a readable model file", status: 1)
        try refused(["--init", ""], "genre: error: --init: the path is empty; give the trained model to start from", status: 1)
        // Writing the fine-tuned model over its source is refused (the source stays, bit for bit).
        let source = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + base))
        let over = try genre(["train", subset, "--init", base, "--model", "./" + base], in: folder)
        XCTAssertEqual(over.status, 1)
        XCTAssertEqual(over.stderr, "genre: error: \(base): is both the model to start from (--init) and the one to write (--model); "
                       + "write the fine-tuned model elsewhere\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + base)), source)
        // A model without BatchNorm (the seed recipe) has none to freeze.
        let seed = try genre(["train", "data", "--recipe", "seed", "--epochs", "1", "--model", "seed.safetensors"], in: folder)
        XCTAssertEqual(seed.status, 0, seed.stderr)
        try refused(["--init", "seed.safetensors", "--freeze-batchnorm"],
                    "genre: error: --freeze-batchnorm: seed.safetensors has no BatchNorm layers", status: 1)
    }
}

/// The `__metadata__` of a safetensors file (8-byte little-endian header length, then the JSON header).
func metadata(_ path: String) throws -> [String: String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any]
    return header?["__metadata__"] as? [String: String] ?? [:]
}

/// `train.init` as the tests read it (the JSON object `InitialModel.recorded` writes).
struct InitialModelRecord: Decodable {
    var checksum: String
    var fileSHA256: String
    var classes: [String]
    var headReused: Bool
    var file: String

    init?(_ text: String?) {
        guard let text, let decoded = try? JSONDecoder().decode(Self.self, from: Data(text.utf8)) else { return nil }
        self = decoded
    }
}
