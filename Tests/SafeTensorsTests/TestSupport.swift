import Foundation
import XCTest

/// A safetensors file assembled by hand: u64 LE header length, `header` bytes as given, `buffer`.
func handMade(header: String, buffer: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64($0))) }
    out += h
    out += buffer
    return out
}

/// A fresh empty folder under the system temp folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "safetensors-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Runs python3 with `script`; returns (exit status, stdout, stderr), or nil if python3 cannot start.
func runPython(_ script: String, arguments: [String] = []) -> (status: Int32, out: String, err: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch { return nil }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Skips the test unless python3 with numpy and safetensors is available.
func requirePythonSafetensors() throws {
    guard let result = runPython("import numpy, safetensors.numpy"), result.status == 0 else {
        throw XCTSkip("python3 with numpy and safetensors is not available")
    }
}
