import Foundation
import GenreTestSupport
import XCTest

/// `--help` gives every numeric option's range, a value outside it is refused with exit 64 (README, "Exit codes"),
/// and the README's synopses list the options `--help` has, with the defaults it gives.
final class HelpTextTests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    /// Each option's help of `genre COMMAND --help`, by long name (`--augment/--no-augment` under `--augment`),
    /// wrapped lines joined and spaces collapsed.
    func helpBlocks(_ command: String) throws -> [String: String] {
        let help = try genre([command, "--help"], in: folder)
        XCTAssertEqual(help.status, 0, help.stderr)
        var blocks: [String: String] = [:], current: String?
        for line in help.stdout.components(separatedBy: "OPTIONS:").dropFirst().joined().split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("  -") {
                current = text.split(separator: " ").map(String.init).first { $0.hasPrefix("--") }?
                    .components(separatedBy: "/")[0]
            }
            if let current { blocks[current, default: ""] += " " + text }
        }
        return blocks.mapValues { $0.split(separator: " ").joined(separator: " ") }
    }

    /// command, option, the range its help gives, a command line outside it, the refusal.
    static let ranges: [(String, String, String, [String], String)] = [
        ("train", "--threads", "1–256", ["d", "--threads", "0"], "--threads must be between 1 and 256"),
        ("train", "--sample-rate", "1000–768000", ["d", "--sample-rate", "999"], "--sample-rate must be between 1000 and 768000 Hz"),
        ("train", "--n-fft", "an even number, 16–65536", ["d", "--n-fft", "2047"], "--n-fft must be an even number between 16 and 65536"),
        ("train", "--hop-length", "1 to --n-fft", ["d", "--hop-length", "4096"], "--hop-length must be between 1 and --n-fft (2048)"),
        ("train", "--n-mels", "1–1024", ["d", "--n-mels", "0"], "--n-mels must be between 1 and 1024"),
        ("train", "--freeze", "(0–4)", ["d", "--init", "m", "--freeze", "5"], "--freeze must be between 0 and 4"),
        ("train", "--backbone-lr-scale", "in (0, 10]", ["d", "--init", "m", "--backbone-lr-scale", "11"], "--backbone-lr-scale must be in (0, 10]"),
        ("train", "--epochs", "1–10000", ["d", "--epochs", "0"], "--epochs must be between 1 and 10000"),
        ("train", "--batch-size", "1–4096", ["d", "--batch-size", "4097"], "--batch-size must be between 1 and 4096"),
        ("train", "--learning-rate", "> 0", ["d", "--learning-rate", "0"], "--learning-rate must be a positive number"),
        ("train", "--lr-step", "1–10000", ["d", "--lr-step", "0"], "--lr-step must be between 1 and 10000"),
        ("train", "--lr-gamma", "in (0, 1]", ["d", "--lr-gamma", "1.5"], "--lr-gamma must be in (0, 1]"),
        ("train", "--early-stopping", "0–10000", ["d", "--early-stopping", "-1"], "--early-stopping must be between 0 and 10000"),
        ("train", "--weight-decay", "in [0, 1)", ["d", "--weight-decay", "1"], "--weight-decay must be in [0, 1)"),
        ("train", "--f-max", "in (0, --sample-rate / 2]", ["d", "--f-max", "12000"], "--f-max 12000.0 Hz is above half the sample rate"),
        ("train", "--gain-augment", "in [0, 40]", ["d", "--gain-augment", "41"], "--gain-augment must be in [0, 40] dB"),
        ("train", "--tilt-augment", "in [0, 20]", ["d", "--tilt-augment", "21"], "--tilt-augment must be in [0, 20] dB"),
        ("train", "--dropout", "in [0, 1)", ["d", "--dropout", "1"], "--dropout must be in [0, 1)"),
        ("train", "--mixup", "in [0, 1]", ["d", "--mixup", "1.5"], "--mixup must be in [0, 1]"),
        ("train", "--label-smoothing", "in [0, 1)", ["d", "--label-smoothing", "1"], "--label-smoothing must be in [0, 1)"),
        ("train", "--min-duration", "0–3600", ["d", "--min-duration", "3601"], "--min-duration must be between 0 and 3600 seconds"),
        ("train", "--max-duration", "> 0", ["d", "--max-duration", "0"], "--max-duration must be a positive number of seconds"),
        ("train", "--seed", "0–18446744073709551615", ["d", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
        ("make-dataset", "--seed", "0–18446744073709551615", ["d", "--seed", "-1"], "The value '-1' is invalid for '--seed <seed>'"),
        ("crossval", "--folds", "2–100", ["d", "--folds", "1"], "--folds must be between 2 and 100"),
        ("predict", "--top", "≥ 1", ["f", "--top", "0"], "--top must be at least 1"),
        ("predict", "--max-duration", "> 0", ["f", "--max-duration", "-1"], "--max-duration must be a positive number of seconds"),
        ("predict", "--shard", "0 ≤ K < N", ["f", "--shard", "4/4"], "--shard must be K/N with 0 ≤ K < N"),
        ("predict", "--shard", "0 ≤ K < N", ["f", "--shard", "-1/2"], "--shard must be K/N with 0 ≤ K < N"),
        ("predict", "--min-confidence", "in [0, 1]", ["f", "--min-confidence", "1.5"], "--min-confidence must be a probability in [0, 1]"),
        ("evaluate", "--min-confidence", "in [0, 1]", ["d", "--min-confidence", "-0.1"], "--min-confidence must be a probability in [0, 1]"),
        ("make-dataset", "--clips", "3–1000", ["d", "--clips", "2"], "--clips must be between 3 and 1000"),
        ("make-dataset", "--seconds", "in (0, 600]", ["d", "--seconds", "601"], "--seconds must be in (0, 600]"),
        ("bench", "--batch-size", "1–1024", ["--batch-size", "0"], "--batch-size must be between 1 and 1024"),
        ("bench", "--runs", "1–10000", ["--runs", "0"], "--runs must be between 1 and 10000"),
        ("bench", "--epochs", "1–10000", ["--epochs", "0"], "--epochs must be between 1 and 10000"),
        ("bench", "--decode-minutes", "each 0–1440", ["--decode-minutes", "2000"], "--decode-minutes must be comma-separated minutes between 0 and 1440"),
        ("bench", "--stage-files", "≥ 1", ["--stage-files", "0"], "--stage-files must be at least 1"),
    ]

    /// Options with a value but no range: names, paths, lists and choices (their help lists the values).
    static let unranged: Set<String> = ["--model", "--split-file", "--init", "--cache-dir", "--files-from", "--output",
                                        "--fold-file", "--perturb", "--only-folds", "--report", "--confusion-svg", "--csv",
                                        "--train", "--library", "--segments", "--recipe", "--level", "--downmix"]

    func testEveryNumericOptionsHelpGivesTheRangeOutsideWhichItIsRefused() throws {
        var blocks: [String: [String: String]] = [:]
        for command in ["train", "crossval", "predict", "evaluate", "calibrate", "make-dataset", "bench"] {
            blocks[command] = try helpBlocks(command)
        }
        for (command, option, range, arguments, refusal) in Self.ranges {
            let help = try XCTUnwrap(blocks[command]?[option], "\(command) \(option)")
            XCTAssertTrue(help.contains(range), "\(command) \(option) --help gives no range \(range): \(help)")
            let run = try genre([command] + arguments, in: folder)
            XCTAssertEqual(run.status, 64, "\(command) \(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix("Error: " + refusal), "\(command) \(arguments): \(run.stderr)")
        }
        // Every option that takes a value is in the table or is not a number.
        let covered = Set(Self.ranges.map { "\($0.0) \($0.1)" })
        for (command, options) in blocks {
            for (option, help) in options where help.contains(" <") && !help.contains("(values:") && !Self.unranged.contains(option) {
                // The options train shares (threads; recipe and screening with crossval) are checked there.
                let viaTrain = option == "--threads" || command == "crossval" && option != "--folds"
                XCTAssertTrue(covered.contains(viaTrain ? "train \(option)" : "\(command) \(option)"),
                              "\(command) \(option) takes a number but has no range here: \(help)")
            }
        }
    }

    func testInfoHelpGivesItsDefaultOnce() throws {
        let help = try genre(["info", "--help"], in: folder)
        XCTAssertEqual(help.stdout.components(separatedBy: "default").count - 1, 1, help.stdout)
    }

    /// The README's synopsis of `genre COMMAND`: its code block's text.
    func synopsis(_ command: String, in readme: String) throws -> String {
        let block = try XCTUnwrap(readme.components(separatedBy: "```\ngenre \(command) ").dropFirst().first, command)
        return block.components(separatedBy: "\n```")[0]
    }

    /// The long options a synopsis names (`--[no-]augment` as `--augment`), each with the value it shows, if any.
    func options(of synopsis: String) -> [String: String] {
        var found: [String: String] = [:]
        let pattern = try! NSRegularExpression(pattern: #"--(\[no-\])?([a-z][a-z-]*)( ([^\s\]\[|]+))?"#)
        for m in pattern.matches(in: synopsis, range: NSRange(synopsis.startIndex..., in: synopsis)) {
            let name = "--" + String(synopsis[Range(m.range(at: 2), in: synopsis)!])
            let value = Range(m.range(at: 4), in: synopsis).map { String(synopsis[$0]) } ?? ""
            found[name] = value.hasPrefix("--") ? "" : value
        }
        return found
    }

    func testTheREADMEsSynopsesListEveryOptionWithTheDefaultsHelpGives() throws {
        let readme = try String(contentsOf: Reference.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let train = options(of: try synopsis("train", in: readme))
        for command in ["train", "predict", "evaluate", "crossval", "calibrate"] {
            let help = try helpBlocks(command).filter { !["--version", "--help"].contains($0.key) }
            var listed = options(of: try synopsis(command, in: readme))
            // crossval's synopsis says "[the recipe options of train]".
            if command == "crossval" { listed.merge(train.filter { help[$0.key] != nil }) { a, _ in a } }
            XCTAssertEqual(Set(listed.keys), Set(help.keys), command)
            for (option, value) in listed where Double(value) != nil {
                let text = try XCTUnwrap(help[option], "\(command) \(option)")
                let number = #"(^|[^0-9.])"# + NSRegularExpression.escapedPattern(for: value) + #"(\.0)?([^0-9]|$)"#
                XCTAssertNotNil(text.range(of: number, options: .regularExpression),
                                "README: \(command) \(option) \(value); --help: \(text)")
            }
        }
    }
}
