import Foundation
import XCTest

/// Where the tests find what lives outside the repository — `../shared` (read-only reference data beside
/// the clone), the built `genre` binary, a Python with numpy and safetensors — and what happens when one
/// is missing.
///
/// Without `GENRE_REQUIRE_REFERENCE=1` a missing reference skips the test (a developer's machine without
/// `../shared`). With it, as CI and the README's test command run, the same absence is a test failure that
/// names what is missing: XCTest on Linux counts a skip as a pass, so a CI run that silently skipped the
/// reference checks would look green.
public enum Reference {
    /// The repository root, found from this file's path (Tests/GenreTestSupport/Reference.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the repository.
    public static let sharedRoot: URL = repository.deletingLastPathComponent().appendingPathComponent("shared")

    /// True when `GENRE_REQUIRE_REFERENCE=1`: every missing reference is a failure, never a skip.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["GENRE_REQUIRE_REFERENCE"] == "1" }

    /// The error a test throws when `what` is missing: an `XCTSkip`, or under `GENRE_REQUIRE_REFERENCE=1`
    /// a `Missing` error that XCTest reports as a failure with `what` in its message.
    public static func unavailable(_ what: String) -> Error {
        isRequired ? Missing(what: what) : XCTSkip(what)
    }

    /// A required reference that is absent (thrown only under `GENRE_REQUIRE_REFERENCE=1`).
    public struct Missing: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "GENRE_REQUIRE_REFERENCE=1 but \(what)" }
    }

    /// `../shared/<relative>`; throws `unavailable` when it does not exist.
    public static func shared(_ relative: String) throws -> URL {
        let url = sharedRoot.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw unavailable("reference data not found at \(url.standardizedFileURL.path) (expected ../shared beside the repository)")
        }
        return url
    }

    /// The Python the interop tests run: `$GENRE_PYTHON`, else the repository's `.venv` (the README's test
    /// command makes it, so a stock Debian `python3` that refuses `pip install` is never asked to), else
    /// `python3` from the `PATH`.
    public static var python: [String] {
        if let explicit = ProcessInfo.processInfo.environment["GENRE_PYTHON"], !explicit.isEmpty { return [explicit] }
        let venv = repository.appendingPathComponent(".venv/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: venv) { return [venv] }
        return ["/usr/bin/env", "python3"]
    }

    /// What a Python run left.
    public struct PythonRun { public var status: Int32; public var out: String; public var err: String }

    /// Runs `script` (`python -c`) with `arguments`; nil when no Python can be started.
    public static func runPython(_ script: String, arguments: [String] = []) -> PythonRun? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python[0])
        process.arguments = Array(python.dropFirst()) + ["-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return nil }
        // Read both pipes before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return PythonRun(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                         err: String(decoding: errData, as: UTF8.self))
    }

    /// Throws `unavailable` unless the Python of `python` imports numpy and safetensors.
    public static func requirePythonSafetensors() throws {
        guard let run = runPython("import numpy, safetensors.numpy") else {
            throw unavailable("no Python could be started (\(python.joined(separator: " ")))")
        }
        guard run.status == 0 else {
            throw unavailable("\(python.joined(separator: " ")) cannot import numpy and safetensors "
                + "(the README's test command installs them into .venv): \(run.err.split(separator: "\n").last ?? "")")
        }
    }
}
