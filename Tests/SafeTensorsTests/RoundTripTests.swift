import Foundation
import XCTest
@testable import SafeTensors

/// Writer → bytes → reader keeps every bit, the metadata and the shapes; output is deterministic.
final class RoundTripTests: XCTestCase {
    /// Values that a careless encoder would change: signed zero, infinities, NaN payloads, subnormals.
    let awkwardFloats: [Float] = [
        0, -0.0, 1, -1, .pi, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        Float(bitPattern: 0x7FC0_0001), Float(bitPattern: 0xFFA0_0000), Float(bitPattern: 0x0000_1234), 123456.789,
    ]

    func testValuesMetadataAndShapesRoundTripBitForBit() throws {
        var writer = SafeTensorsWriter(metadata: ["epoch": "3", "note": "tab\there \"quoted\" é ✓ \u{01}"])
        writer.add("weights", shape: [13], values: awkwardFloats)
        writer.add("grid", shape: [2, 3], values: [1, 2, 3, 4, 5, 6].map(Float.init))
        writer.add("scalar", shape: [], values: [Float(42)])
        writer.add("empty", shape: [0, 5], values: [Float]())
        writer.add("doubles", shape: [3], doubles: [0.1, -.infinity, Double(bitPattern: 0x7FF8_0000_0000_0123)])
        writer.add("labels", shape: [4], int32s: [Int32.min, -1, 0, .max])
        let file = try SafeTensorsFile(bytes: writer.serialize())

        XCTAssertEqual(file.metadata, writer.metadata)
        XCTAssertEqual(Set(file.tensors.keys), ["weights", "grid", "scalar", "empty", "doubles", "labels"])
        XCTAssertEqual(try file.floats("weights").map(\.bitPattern), awkwardFloats.map(\.bitPattern))
        XCTAssertEqual(file.tensors["grid"]?.shape, [2, 3])
        XCTAssertEqual(file.tensors["grid"]?.dtype, .F32)
        XCTAssertEqual(try file.floats("grid"), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(file.tensors["scalar"]?.shape, [])
        XCTAssertEqual(try file.floats("scalar"), [42])
        XCTAssertEqual(file.tensors["empty"]?.shape, [0, 5])
        XCTAssertEqual(try file.floats("empty"), [])
        XCTAssertEqual(try file.doubles("doubles").map(\.bitPattern), [0.1, -.infinity, Double(bitPattern: 0x7FF8_0000_0000_0123)].map(\.bitPattern))
        XCTAssertEqual(try file.int32s("labels"), [Int32.min, -1, 0, .max])
        // doubles() widens F32 exactly.
        XCTAssertEqual(try file.doubles("grid"), [1, 2, 3, 4, 5, 6])
    }

    func testLayoutIsNameOrderedLittleEndianAndPadded() throws {
        var writer = SafeTensorsWriter(metadata: ["k": "v"])
        writer.add("b", shape: [1], values: [Float(1)])   // 0x3F800000
        writer.add("a", shape: [1], int32s: [Int32(0x0102_0304)])
        let bytes = writer.serialize()
        let header = #"{"__metadata__":{"k":"v"},"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        XCTAssertEqual(bytes, handMade(header: padded, buffer: [0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x80, 0x3F]))
        XCTAssertEqual(bytes.count % 8, 0)
    }

    func testSerializationIsDeterministicWhateverTheInsertionOrder() {
        var first = SafeTensorsWriter(metadata: ["z": "1", "a": "2", "m": "3"])
        var second = SafeTensorsWriter()
        second.metadata = ["m": "3", "z": "1", "a": "2"]
        let names = ["conv1.weight", "fc.bias", "Conv0", "a", "ä", "b.1", "b.10", "b.2"]
        for (i, name) in names.enumerated() { first.add(name, shape: [2], values: [Float(i), Float(-i)]) }
        for (i, name) in names.enumerated().reversed() { second.add(name, shape: [2], values: [Float(i), Float(-i)]) }
        XCTAssertEqual(first.serialize(), second.serialize())
        XCTAssertEqual(first.serialize(), first.serialize())
        // Re-adding a name replaces the earlier tensor.
        var third = second
        third.add("a", shape: [1], values: [Float(9)])
        XCTAssertEqual(try SafeTensorsFile(bytes: third.serialize()).floats("a"), [9])
    }

    func testEmptyWriterGivesAValidFile() throws {
        let bytes = SafeTensorsWriter().serialize()
        XCTAssertEqual(bytes, handMade(header: "{}      "))
        let file = try SafeTensorsFile(bytes: bytes)
        XCTAssertTrue(file.tensors.isEmpty)
        XCTAssertTrue(file.metadata.isEmpty)
    }

    func testAccessorsRejectMissingNamesAndWrongDTypes() throws {
        var writer = SafeTensorsWriter()
        writer.add("f", shape: [1], values: [Float(1)])
        writer.add("d", shape: [1], doubles: [Double(1)])
        writer.add("i", shape: [1], int32s: [Int32(1)])
        let file = try SafeTensorsFile(bytes: writer.serialize())
        XCTAssertThrowsError(try file.floats("nope")) { XCTAssertEqual($0 as? SafeTensorsError, .tensorMissing(path: nil, name: "nope")) }
        XCTAssertThrowsError(try file.floats("d")) {
            XCTAssertEqual($0 as? SafeTensorsError, .wrongDType(path: nil, name: "d", actual: .F64, requested: "F32"))
        }
        XCTAssertThrowsError(try file.floats("i"))
        XCTAssertThrowsError(try file.doubles("i"))
        XCTAssertThrowsError(try file.int32s("f"))
        XCTAssertThrowsError(try file.int32s("d"))
    }

    func testInt32sNarrowsI64AndRejectsOutOfRangeValues() throws {
        func i64(_ values: [Int64]) -> [UInt8] {
            values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (8 * UInt64($0))) } }
        }
        let fits = try SafeTensorsFile(bytes: handMade(
            header: #"{"x":{"dtype":"I64","shape":[3],"data_offsets":[0,24]}}"#, buffer: i64([-2_147_483_648, 7, 2_147_483_647])))
        XCTAssertEqual(try fits.int32s("x"), [Int32.min, 7, Int32.max])
        let tooBig = try SafeTensorsFile(bytes: handMade(
            header: #"{"x":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, buffer: i64([1, 1 << 40])))
        XCTAssertThrowsError(try tooBig.int32s("x")) {
            XCTAssertEqual($0 as? SafeTensorsError, .valueOutOfRange(path: nil, name: "x", index: 1, value: 1 << 40))
        }
    }

    func testFileRoundTripThroughDisk() throws {
        let folder = try temporaryFolder(self)
        let path = folder + "/model.safetensors"
        var writer = SafeTensorsWriter(metadata: ["classes": "blues,rock"])
        writer.add("w", shape: [2, 2], values: [Float(1), 2, 3, 4])
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(try file.floats("w"), [1, 2, 3, 4])
        XCTAssertEqual(file.metadata, ["classes": "blues,rock"])
        XCTAssertEqual(try Array(Data(contentsOf: URL(fileURLWithPath: path))), writer.serialize())
        // Errors from a file loaded by path name the path.
        XCTAssertThrowsError(try file.floats("missing")) { XCTAssertTrue("\($0)".hasPrefix(path + ": ")) }
    }
}
