import Foundation
import GenreTestSupport
import XCTest

/// A processor without AVX2, where the fixtures' OpenBLAS Haswell kernels cannot run (`fixtureKernels`).
struct NoAVX2: Error, CustomStringConvertible {
    var description: String { "this processor has no AVX2: the fixtures' OpenBLAS Haswell kernels cannot run here" }
}

/// What a run of the binary left: exit status, stdout and stderr.
struct Run { var status: Int32; var stdout: String; var stderr: String }

/// Runs the built `genre` binary in a fresh temporary folder per test. A protocol, not a base class:
/// SwiftPM's test discovery on Linux finds only direct subclasses of XCTestCase.
protocol GenreCLIRunning: XCTestCase {
    var folder: String { get set }
}

extension GenreCLIRunning {
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["GENRE_BINARY"] { return URL(fileURLWithPath: path) }
        // The test bundle lives beside the products in .build/<config>/.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("genre")
    }

    /// The binary with `arguments`, to run in `folder`, its feature cache inside the test's folder (never
    /// in the user's ~/.cache), with `extra` added to the environment.
    func genreProcess(_ arguments: [String], in folder: String, environment extra: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = self.folder + "/xdg-cache"
        process.environment = environment.merging(extra) { _, new in new }
        return process
    }

    /// The environment under which the committed bit-exact fixtures were made: OpenBLAS picks its kernels by
    /// processor, and other kernels round the GEMM sums differently (by ~1e-7), so a fixture's bits hold only with
    /// the kernel set it was made with, OpenBLAS's Haswell (AVX2) kernels, which `OPENBLAS_CORETYPE` selects on any
    /// processor with AVX2. Fails the test on a processor without AVX2, where those kernels cannot run.
    func fixtureKernels() throws -> [String: String] {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = cpu.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
        guard flags.contains("avx2") else { throw NoAVX2() }
        return ["OPENBLAS_CORETYPE": "Haswell"]
    }

    /// `genreProcess` under strace, which delivers `signal` at the `count`-th call of the system call `call` (with `path`,
    /// only calls on that file count): an interruption at an exact point of a write.
    func genreProcess(_ arguments: [String], in folder: String, signal: String, at call: String, count: Int,
                      path: String? = nil) -> Process {
        let process = genreProcess([], in: folder)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-qq", "-o", "/dev/null"] + (path.map { ["-P", $0] } ?? [])
            + ["-e", "trace=\(call)", "-e", "inject=\(call):signal=\(signal):when=\(count)", Self.binary.path] + arguments
        return process
    }

    @discardableResult
    func genre(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> Run {
        try run(genreProcess(arguments, in: folder, environment: environment))
    }

    /// Runs `process` (set up but not started) to its end, capturing stdout and stderr.
    func run(_ process: Process) throws -> Run {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a full pipe cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                   stderr: String(decoding: e, as: UTF8.self))
    }

    /// Call from setUpWithError: skips without a built binary (fails under GENRE_REQUIRE_REFERENCE=1),
    /// else makes `folder`.
    func makeFolder() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw Reference.unavailable("genre binary not built at \(Self.binary.path)")
        }
        folder = NSTemporaryDirectory() + "genre-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Runs `script` with /bin/sh in the test's folder, "$GENRE" naming the binary: the shell passes argument
    /// bytes that a Swift `String` (and so `Process`) cannot carry.
    func sh(_ script: String) throws -> Run {
        let process = genreProcess([], in: folder)
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.environment!["GENRE"] = Self.binary.path
        return try run(process)
    }

    func removeFolder() { try? FileManager.default.removeItem(atPath: folder) }

    /// One trained model shared by the tests that only read it (training takes a few seconds).
    func trainSmallModel() throws -> String {
        let make = try genre(["make-dataset", "data", "--clips", "5", "--seconds", "3.5"], in: folder)
        XCTAssertEqual(make.status, 0, make.stderr)
        let train = try genre(["train", "data", "--epochs", "3", "--batch-size", "8", "--threads", "2"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("epoch 1/3"), train.stdout)
        XCTAssertTrue(train.stdout.contains("epoch 3/3"), train.stdout)
        XCTAssertTrue(train.stdout.contains("model written to models/data.safetensors"), train.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/models/data.split.tsv"))
        XCTAssertTrue(train.stdout.contains("training curves models/data.curves.svg"), train.stdout)
        return "models/data.safetensors"
    }
}
