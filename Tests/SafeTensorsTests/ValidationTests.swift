import Foundation
import XCTest
@testable import SafeTensors

/// Hostile and malformed input is rejected with the right error, and never crashes.
final class ValidationTests: XCTestCase {
    /// A small valid file: two F32 tensors and metadata.
    func smallFile() -> [UInt8] {
        var writer = SafeTensorsWriter(metadata: ["a": "b"])
        writer.add("x", shape: [2], values: [1, 2])
        writer.add("y", shape: [1, 1], values: [3])
        return writer.serialize()
    }

    func error(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile(bytes: bytes)
            XCTFail("accepted invalid bytes", file: file, line: line)
            return nil
        } catch {
            guard let e = error as? SafeTensorsError else {
                XCTFail("not a SafeTensorsError: \(error)", file: file, line: line)
                return nil
            }
            XCTAssertFalse("\(e)".contains("\n"), "description must be one line", file: file, line: line)
            return e
        }
    }

    func testEveryTruncationIsRejected() throws {
        let bytes = smallFile()
        XCTAssertNoThrow(try SafeTensorsFile(bytes: bytes))
        for length in 0..<bytes.count {
            let e = error(Array(bytes[0..<length]))
            switch length {
            case 0..<8: XCTAssertEqual(e, .tooShort(path: nil, byteCount: length))
            case 8..<(bytes.count - 12): if case .headerBeyondFile = e {} else { XCTFail("length \(length): \(String(describing: e))") }
            default: if case .hole = e {} else if case .offsetsOutOfBounds = e {} else { XCTFail("length \(length): \(String(describing: e))") }
            }
        }
        // An extra trailing byte is a hole too.
        XCTAssertEqual(error(bytes + [0]), .hole(path: nil, range: 12..<13))
    }

    func testHeaderLengthLies() {
        var bytes = smallFile()
        let fileLength = bytes.count
        // One byte longer than the file holds.
        let real = UInt64(bytes[0]) | UInt64(bytes[1]) << 8
        let lie = UInt64(fileLength - 8 + 1)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: lie >> (8 * UInt64(i))) }
        XCTAssertEqual(error(bytes), .headerBeyondFile(path: nil, headerLength: lie, fileLength: fileLength))
        // Beyond 100 MB, and the u64 maximum (must not overflow into a small Int).
        for huge in [SafeTensorsFile.maxHeaderLength + 1, UInt64.max, UInt64(1) << 63] {
            for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: huge >> (8 * UInt64(i))) }
            XCTAssertEqual(error(bytes), .headerTooLarge(path: nil, headerLength: huge))
        }
        // Shorter than the real header: the JSON is cut.
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: (real - 10) >> (8 * UInt64(i))) }
        if case .invalidJSON = error(bytes) {} else { XCTFail("cut header accepted") }
        // Zero: an empty header is not JSON.
        if case .invalidJSON = error(handMade(header: "")) {} else { XCTFail("empty header accepted") }
    }

    func testOverlapsAndHoles() {
        let eight = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(error(handMade(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#, buffer: eight)),
                       .overlappingTensors(path: nil, first: "a", second: "b"))
        XCTAssertEqual(error(handMade(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, buffer: eight)),
                       .overlappingTensors(path: nil, first: "a", second: "b"))
        XCTAssertEqual(error(handMade(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, buffer: eight)),
                       .hole(path: nil, range: 0..<4))
        XCTAssertEqual(error(handMade(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, buffer: eight)),
                       .hole(path: nil, range: 4..<8))
        XCTAssertEqual(error(handMade(header: #"{}"#, buffer: [1])), .hole(path: nil, range: 0..<1))
        XCTAssertEqual(error(handMade(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, buffer: eight)),
                       .offsetsOutOfBounds(path: nil, name: "a", begin: 4, end: 12, bufferLength: 8))
        // Zero-size tensors may share an offset: they own no bytes.
        XCTAssertNoThrow(try SafeTensorsFile(bytes: handMade(
            header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"c":{"dtype":"I32","shape":[0,3],"data_offsets":[8,8]}}"#,
            buffer: eight)))
    }

    func testSizeAndDTypeProblems() {
        XCTAssertEqual(error(handMade(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, buffer: [UInt8](repeating: 0, count: 8))),
                       .sizeMismatch(path: nil, name: "a", dtype: .F32, shape: [3], byteLength: 8))
        // product(shape) × size overflows Int: a mismatch, not a trap.
        let huge = #"{"a":{"dtype":"F64","shape":[4611686018427387904,4611686018427387904,0],"data_offsets":[0,0]}}"#
        XCTAssertEqual(error(handMade(header: huge)),
                       .sizeMismatch(path: nil, name: "a", dtype: .F64, shape: [4_611_686_018_427_387_904, 4_611_686_018_427_387_904, 0], byteLength: 0))
        XCTAssertEqual(error(handMade(header: #"{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}"#, buffer: [0])),
                       .unknownDType(path: nil, name: "a", dtype: "Q7"))
    }

    func testMalformedHeaders() {
        let cases: [(String, String)] = [
            ("[]", "not object"),
            ("{\"a\":1,}", "json"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "json"),
            ("{\"a\":\"F32\"}", "entry"),
            ("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "entry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "entry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", "entry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "entry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "entry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}}", "entry"),
            ("{\"__metadata__\":{\"k\":1}}", "entry"),
            ("{\"__metadata__\":[]}", "entry"),
            ("{\"a\":\"\\ud800\"}", "json"),
            (String(repeating: "[", count: 10_000), "json"),
            ("{} x", "json"),
        ]
        for (header, kind) in cases {
            let e = error(handMade(header: header, buffer: [0, 0, 0, 0]))
            switch (kind, e) {
            case ("not object", .headerNotObject?), ("json", .invalidJSON?), ("entry", .badEntry?): break
            default: XCTFail("\(header.prefix(60)): expected \(kind), got \(String(describing: e))")
            }
        }
        // Invalid UTF-8 in the header.
        if case .invalidJSON? = error(handMade(header: "{}") .enumerated().map { $0.offset == 8 ? 0xFF : $0.element }) {} else { XCTFail("bad UTF-8 accepted") }
        // Whitespace padding and escapes are fine.
        XCTAssertEqual(try SafeTensorsFile(bytes: handMade(header: " {\"__metadata__\":{\"k\\u00e9\":\"\\ud83c\\udfb5\\n\"}} \n\t")).metadata, ["ké": "🎵\n"])
    }

    func testRandomCorruptionNeverCrashes() {
        // Flip bytes of a valid file many times; every outcome must be a value or a thrown error.
        let original = smallFile()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        // xorshift64: this test target depends on SafeTensors only, and any fixed stream will do.
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        for _ in 0..<5_000 {
            var bytes = original
            for _ in 0..<(1 + Int(next() % 4)) {
                bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
            }
            if let file = try? SafeTensorsFile(bytes: bytes) {
                for name in file.tensors.keys { _ = try? file.floats(name); _ = try? file.doubles(name); _ = try? file.int32s(name) }
            }
        }
    }

    func testFileErrorsNameThePath() throws {
        let folder = try temporaryFolder(self)
        XCTAssertThrowsError(try SafeTensorsFile(path: folder + "/missing.safetensors")) {
            XCTAssertEqual($0 as? SafeTensorsError, .fileMissing(path: folder + "/missing.safetensors"))
            XCTAssertEqual("\($0)", folder + "/missing.safetensors: no such file")
        }
        XCTAssertThrowsError(try SafeTensorsFile(path: folder)) {
            XCTAssertEqual($0 as? SafeTensorsError, .readFailed(path: folder, reason: "not a regular file"))
        }
        let short = folder + "/short.safetensors"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: short))
        XCTAssertThrowsError(try SafeTensorsFile(path: short)) {
            XCTAssertEqual("\($0)", short + ": too short for a safetensors file (3 bytes, need at least 8)")
        }
    }
}
