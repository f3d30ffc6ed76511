import CSndfile
import Foundation
import GenreSupport
import GenreTestSupport
import XCTest

/// What the CLI says about decoding (issue 14): the decoder used, header versus decoded frame counts,
/// `--max-duration`, and memory that does not grow with the length, channels or rate of a file.
final class DecodingCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    var shippedModel: String { Reference.repository.appendingPathComponent("models/genre.safetensors").path }

    func results(_ run: Run) throws -> [[String: Any]] {
        let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(document?["results"] as? [[String: Any]], run.stdout)
    }

    func testTheDecoderIsNamedInVerboseJSONAndVersion() throws {
        let m4a = try Reference.shared("datasets/formats/stereo_sample.m4a").path
        let wav = try Reference.shared("datasets/formats/stereo_sample.wav").path
        let run = try genre(["predict", m4a, wav, "--model", shippedModel, "--json", "--verbose"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let items = try results(run)
        XCTAssertEqual(items.map { $0["decoder"] as? String }, ["FFmpeg", "libsndfile"])
        XCTAssertEqual(items.map { $0["format"] as? String }, ["MP4 AAC", "WAV PCM_16"])
        XCTAssertNotNil(run.stderr.range(of: "\(m4a): MP4 AAC, 44100 Hz, 2 channels, [0-9.]+ s, [0-9]+ segments?, decoded with FFmpeg",
                                         options: .regularExpression), run.stderr)
        XCTAssertNotNil(run.stderr.range(of: "\(wav): WAV PCM_16, 44100 Hz, 2 channels, [0-9.]+ s, [0-9]+ segments?, decoded with libsndfile",
                                         options: .regularExpression), run.stderr)
        let version = try genre(["--version"], in: folder)
        XCTAssertTrue(version.stdout.contains("FFmpeg libavformat "), version.stdout)
        XCTAssertTrue(version.stdout.contains("libsndfile-"), version.stdout)
    }

    func testHeaderAndDecodedFrameCountsAreReportedWhenTheyDiffer() throws {
        let mp3 = try Reference.shared("datasets/formats/house_lo.mp3").path
        let run = try genre(["predict", mp3, "--model", shippedModel, "--json", "--verbose"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let item = try XCTUnwrap(results(run).first)
        XCTAssertEqual(item["headerFrames"] as? Int, 80151)
        XCTAssertEqual(item["frames"] as? Int, 80064)
        XCTAssertEqual(item["note"] as? String, "the header says 80151 frames, 80064 decoded")
        XCTAssertTrue(run.stderr.contains("\(mp3): the header says 80151 frames, 80064 decoded"), run.stderr)
    }

    func testMaxDurationStopsReadingWithANote() throws {
        let url = URL(fileURLWithPath: folder).appendingPathComponent("five-seconds.wav")
        try Self.writeFLACorWAV(url, seconds: 5, rate: 22050, channels: 1, format: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16))
        let cut = try genre(["predict", url.path, "--model", shippedModel, "--json", "--max-duration", "2"], in: folder)
        XCTAssertEqual(cut.status, 0, cut.stderr)
        XCTAssertEqual(try results(cut).first?["duration"] as? Double, 2)
        XCTAssertTrue(cut.stderr.contains("\(url.path): only the first 2 s read (--max-duration)"), cut.stderr)
        let whole = try genre(["predict", url.path, "--model", shippedModel, "--json"], in: folder)
        XCTAssertEqual(try results(whole).first?["duration"] as? Double, 5)
        XCTAssertFalse(whole.stderr.contains("--max-duration"), whole.stderr)
        let huge = try genre(["predict", url.path, "--model", shippedModel, "--json", "--max-duration", "1e15"], in: folder)
        XCTAssertEqual(huge.status, 0, huge.stderr)
        XCTAssertEqual(try results(huge).first?["duration"] as? Double, 5)
        let bad = try genre(["predict", url.path, "--model", shippedModel, "--max-duration", "0"], in: folder)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--max-duration"), bad.stderr)
    }

    func testTrainReadsAtMostMaxDurationOfEachFile() throws {
        let make = try genre(["make-dataset", "data", "--clips", "3", "--seconds", "6"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let help = try genre(["train", "--help"], in: folder)
        XCTAssertTrue(help.stdout.contains("--max-duration"), help.stdout)
        // Lines wrapped at the terminal width: compare the words.
        XCTAssertTrue(help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains("default: 3600"), help.stdout)
        let run = try genre(["train", "data", "--epochs", "1", "--max-duration", "4"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("files longer than --max-duration 4 s: only their first 4 s are used"), run.stderr)
        // A limit beyond any file is no limit (it once trapped converting seconds × rate to Int).
        let huge = try genre(["train", "data", "--epochs", "1", "--max-duration", "1e15", "--model", "huge.safetensors"], in: folder)
        XCTAssertEqual(huge.status, 0, huge.stderr)
        XCTAssertFalse(huge.stderr.contains("--max-duration"), huge.stderr)
    }

    /// The memory bomb of issue 14, made small: 7.1 channels at 192 kHz, 1 and 3 minutes of silence in FLAC.
    /// Before, `predict` held every channel of the whole file (≈ 370 MiB per minute); now its peak must not grow
    /// with the audio's length beyond the segments it holds (≈ 1.3 MiB per minute).
    func testPredictMemoryDoesNotGrowWithDurationChannelsOrRate() throws {
        var peaks: [Double] = []
        for minutes in [1, 3] {
            let url = URL(fileURLWithPath: folder).appendingPathComponent("bomb-\(minutes).flac")
            try Self.writeFLACorWAV(url, seconds: 60 * minutes, rate: 192_000, channels: 8,
                                    format: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16))
            let measured = try ChildProcess.run(Self.binary.path, ["predict", url.path, "--model", shippedModel, "--threads", "1"])
            XCTAssertEqual(measured.status, 0)
            peaks.append(measured.peakResidentMiB)
        }
        let growthPerMinute = (peaks[1] - peaks[0]) / 2
        XCTAssertLessThan(growthPerMinute, 8, "peak RSS \(peaks) MiB for 1 and 3 minutes")
        XCTAssertLessThan(peaks[1], 150, "peak RSS \(peaks) MiB")
    }

    /// A child's peak memory is its own, not its parent's: glibc's posix_spawn runs the child on the parent's memory
    /// until exec, and wait4's ru_maxrss then counts the parent's high-water mark (CI's first run read 187.75 MiB for
    /// every predict, the test runner's size).
    func testAChildsPeakMemoryIsNotItsParents() throws {
        let ballast = UnsafeMutableRawBufferPointer.allocate(byteCount: 400 << 20, alignment: 4096)
        defer { ballast.deallocate() }
        for i in stride(from: 0, to: ballast.count, by: 4096) { ballast[i] = 1 }
        let measured = try ChildProcess.run(Self.binary.path, ["--version"])
        XCTAssertEqual(measured.status, 0)
        XCTAssertLessThan(measured.peakResidentMiB, 150, "genre --version")
        XCTAssertGreaterThan(measured.peakResidentMiB, 5, "genre --version")
    }

    /// Silence (`seconds` of it) in blocks, so the test itself holds little.
    static func writeFLACorWAV(_ url: URL, seconds: Int, rate: Int, channels: Int, format: Int32) throws {
        var info = SF_INFO()
        info.samplerate = Int32(rate)
        info.channels = Int32(channels)
        info.format = format
        let file = try XCTUnwrap(sf_open(url.path, Int32(SFM_WRITE), &info), String(cString: sf_strerror(nil)))
        defer { sf_close(file) }
        let block = [Float](repeating: 0, count: rate * channels)
        for s in 0..<seconds {
            // A quiet tone in the mono test so predict has something to hear; silence for the bomb.
            var samples = block
            if channels == 1 { for t in 0..<rate { samples[t] = Float(0.3 * sin(Double(s * rate + t) * 0.05)) } }
            XCTAssertEqual(samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(rate)) }, sf_count_t(rate))
        }
    }
}

/// A file genre may not read is reported as such, not as "not a recognised audio file (libsndfile: System error …)"
/// (issue 15). Tests run as root, which reads a mode-000 file, so the child runs as nobody, from copies of the binary
/// and model in a folder nobody can reach (a fresh clone lives under a 0700 temporary folder).
final class PermissionCLITests: XCTestCase, GenreCLIRunning {
    var folder = ""
    override func setUpWithError() throws { try makeFolder() }
    override func tearDown() { removeFolder() }

    func testAFileWithoutReadPermissionIsSaidToBeUnreadable() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to run the child as nobody") }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        try FileManager.default.copyItem(atPath: Self.binary.path, toPath: folder + "/genre")
        try FileManager.default.copyItem(atPath: Reference.repository.appendingPathComponent("models/genre.safetensors").path,
                                         toPath: folder + "/model.safetensors")
        let song = folder + "/locked.wav"
        try FileManager.default.copyItem(atPath: try Reference.shared("datasets/formats/stereo_sample.wav").path, toPath: song)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: song)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/model.safetensors")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", folder + "/genre", "predict", song,
                             "--model", folder + "/model.safetensors"]
        let result = try run(process)
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr, "genre: error: \(song): cannot read: permission denied\n")
    }
}
