import Foundation
import XCTest
@testable import SafeTensors
#if canImport(Glibc)
import Glibc
#endif

/// A failed write leaves the previous file as it was and no temporary file behind.
final class AtomicWriteTests: XCTestCase {
    func writer(_ value: Float, count: Int = 4) -> SafeTensorsWriter {
        var w = SafeTensorsWriter(metadata: ["v": "\(value)"])
        w.add("x", shape: [count], values: [Float](repeating: value, count: count))
        return w
    }

    func entries(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func testOverwriteReplacesContentAndLeavesNoTemporaryFile() throws {
        let folder = try temporaryFolder(self)
        let path = folder + "/m.safetensors"
        try writer(1).write(to: path)
        try writer(2).write(to: path)
        XCTAssertEqual(try SafeTensorsFile(path: path).floats("x"), [2, 2, 2, 2])
        XCTAssertEqual(try entries(folder), ["m.safetensors"])
    }

    func testALinkIsWrittenThroughAndStaysALink() throws {
        let folder = try temporaryFolder(self)
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        try writer(1).write(to: folder + "/real/m.safetensors")
        try FileManager.default.createSymbolicLink(atPath: folder + "/m.safetensors", withDestinationPath: "real/m.safetensors")
        try writer(2).write(to: folder + "/m.safetensors")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/m.safetensors"), "real/m.safetensors")
        XCTAssertEqual(try SafeTensorsFile(path: folder + "/real/m.safetensors").floats("x"), [2, 2, 2, 2])
        XCTAssertEqual(try entries(folder + "/real"), ["m.safetensors"], "no temporary file left in the target's folder")
    }

    func testMissingFolderAndFileAsParentGiveClearErrors() throws {
        let folder = try temporaryFolder(self)
        let missing = folder + "/no-such-folder/m.safetensors"
        XCTAssertThrowsError(try writer(1).write(to: missing)) {
            XCTAssertEqual($0 as? SafeTensorsError, .writeFailed(path: missing, reason: "folder missing"))
            XCTAssertEqual("\($0)", missing + ": cannot write: folder missing")
        }
        let plain = folder + "/plain"
        _ = FileManager.default.createFile(atPath: plain, contents: Data("keep".utf8))
        let underFile = plain + "/m.safetensors"
        XCTAssertThrowsError(try writer(1).write(to: underFile)) {
            XCTAssertEqual($0 as? SafeTensorsError, .writeFailed(path: underFile, reason: "parent is not a folder"))
        }
        XCTAssertEqual(FileManager.default.contents(atPath: plain), Data("keep".utf8))
        XCTAssertEqual(try entries(folder), ["plain"])
    }

    func testRenameFailureLeavesTargetAndNoTemporaryFile() throws {
        // The target is a non-empty folder: everything succeeds up to rename(2), which must fail.
        let folder = try temporaryFolder(self)
        let target = folder + "/m.safetensors"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: target + "/inside", contents: Data("old".utf8))
        XCTAssertThrowsError(try writer(1).write(to: target)) {
            guard case .writeFailed(let path, _)? = $0 as? SafeTensorsError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, target)
        }
        XCTAssertEqual(try entries(folder), ["m.safetensors"])
        XCTAssertEqual(FileManager.default.contents(atPath: target + "/inside"), Data("old".utf8))
    }

    func testFailedWriteMidwayKeepsTheOldFile() throws {
        // Tests run as root, so permissions cannot make a write fail; a file-size limit can
        // (write(2) then fails with EFBIG instead of raising SIGXFSZ, which we ignore here).
        let folder = try temporaryFolder(self)
        let path = folder + "/m.safetensors"
        try writer(1).write(to: path)
        let old = try Data(contentsOf: URL(fileURLWithPath: path))

        var saved = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &saved), 0)
        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = 4096
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limited), 0)
        defer {
            var restore = saved
            setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &restore)
            signal(SIGXFSZ, oldHandler)
        }
        XCTAssertThrowsError(try writer(2, count: 10_000).write(to: path)) {
            XCTAssertEqual($0 as? SafeTensorsError, .writeFailed(path: path, reason: "file too large"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), old)
        XCTAssertEqual(try entries(folder), ["m.safetensors"])
    }

    func testBareFileNameWritesIntoTheCurrentFolder() throws {
        let folder = try temporaryFolder(self)
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        try writer(3).write(to: "bare.safetensors")
        XCTAssertEqual(try entries(folder), ["bare.safetensors"])
        XCTAssertEqual(AtomicFile.parentFolder(of: "bare"), ".")
        XCTAssertEqual(AtomicFile.parentFolder(of: "/bare"), "/")
        XCTAssertEqual(AtomicFile.parentFolder(of: "a/b/c"), "a/b")
    }
}
