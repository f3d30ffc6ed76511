import Foundation
import GenreLibrary
import XCTest

/// Folder walks: recursion, hidden entries, symbolic-link loops, hard links, names that are not UTF-8; file lists;
/// shards.
final class LibraryInputsTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "genre-library-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func touch(_ relative: String) throws {
        let path = folder + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(relative.utf8)))
    }

    func testAWalkListsEachFileOnceInByteOrderWithPathsJoinedToTheArgument() throws {
        for name in ["b/2.wav", "b/10.wav", "a/x/deep.mp3", "top.flac", ".hidden.wav", "a/.git/obj", "cover.jpg"] { try touch(name) }
        // A hard link and a link back up the tree (a loop); a link to nothing.
        XCTAssertEqual(link(folder + "/top.flac", folder + "/b/hard.flac"), 0)
        try FileManager.default.createSymbolicLink(atPath: folder + "/a/x/loop", withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: folder + "/b/gone.wav", withDestinationPath: "/nonexistent/gone.wav")
        let (files, report) = LibraryInputs.collect([folder + "/", folder + "/top.flac"])
        // The walk meets b/hard.flac before top.flac (byte order): the first path of a file is the one listed.
        XCTAssertEqual(files.map(\.key), ["a/x/deep.mp3", "b/10.wav", "b/2.wav", "b/hard.flac", "cover.jpg"])
        XCTAssertEqual(files.map(\.path).first, folder + "/a/x/deep.mp3")
        XCTAssertEqual(files.map(\.named), [false, false, false, false, false])
        XCTAssertEqual(report.hidden, 2)
        XCTAssertEqual(report.repeated, 2, "top.flac is b/hard.flac, met again in the walk and named again")
        XCTAssertEqual(report.skipped.map(\.path), [folder + "/a/x/loop", folder + "/b/gone.wav"])
        XCTAssertTrue(report.skipped[1].reason.description.contains("symbolic link to nothing (/nonexistent/gone.wav)"), report.skipped[1].description)
        XCTAssertEqual(files[3].size, Int64("top.flac".utf8.count))
        XCTAssertTrue(files.allSatisfy { $0.problem == nil })
    }

    func testANameThatIsNotUTF8IsAFailureShownWithItsBytes() throws {
        let bytes = Array((folder + "/caf").utf8) + [0xE9] + Array(".wav".utf8) + [0]
        let fd = bytes.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        // Listed in its place, with its problem, and known by device and inode like any other file.
        let (files, _) = LibraryInputs.collect([folder])
        XCTAssertEqual(files.map(\.path), [folder + "/caf\\xe9.wav"])
        XCTAssertEqual(files.map(\.key), ["caf\\xe9.wav"])
        XCTAssertEqual(files[0].size, 0)
        XCTAssertTrue(files[0].problem?.contains("not valid UTF-8") == true)
    }

    func testAMissingFileIsListedAsNamedForDecodingToReport() {
        let (files, report) = LibraryInputs.collect(["no/such.wav"])
        XCTAssertEqual(files, [LibraryFile(path: "no/such.wav", key: "no/such.wav", size: nil, modified: nil, named: true)])
        XCTAssertEqual(report, InputReport())
    }

    func testFileListsSplitOnLineFeedsOrNULs() {
        let lines = FileList.parse(Array("a b.wav\n\n-dash.mp3\nline\r\n".utf8), nulSeparated: false)
        XCTAssertEqual(lines, [.path("a b.wav"), .path("-dash.mp3"), .path("line")], "a CRLF line's CR is dropped")
        let nul = FileList.parse(Array("two\nlines.wav\0x.wav\0".utf8) + [0x66, 0xFF, 0], nulSeparated: true)
        XCTAssertEqual(nul, [.path("two\nlines.wav"), .path("x.wav"), .unnamable(bytes: [0x66, 0xFF], shown: "f\\xff")])
    }

    func testShardsAreSHA256OfTheKeyModN() {
        // sha256("rock/a.mp3") = 0xb6331516…; the whole digest mod 7, computed independently with Python:
        // int(hashlib.sha256(b"rock/a.mp3").hexdigest(), 16) % 7 == 4
        XCTAssertEqual(Shard.of(key: "rock/a.mp3", count: 7), 4)
        XCTAssertEqual(Shard(parsing: "2/3"), Shard(index: 2, count: 3))
        for bad in ["3/3", "-1/3", "1/0", "1", "a/b", "1/2/3", ""] { XCTAssertNil(Shard(parsing: bad), bad) }
        let keys = (0..<300).map { "genre/\($0).mp3" }
        for n in [2, 3] {
            let owners = keys.map { key in (0..<n).filter { Shard(index: $0, count: n)!.contains(key: key) } }
            XCTAssertTrue(owners.allSatisfy { $0.count == 1 }, "every key in exactly one of \(n) shards")
            XCTAssertEqual(Set(owners.map { $0[0] }), Set(0..<n), "every shard gets some of 300 keys")
        }
    }
}
