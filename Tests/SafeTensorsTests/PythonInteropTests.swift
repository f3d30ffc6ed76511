import Foundation
import GenreTestSupport
import XCTest
@testable import SafeTensors

/// Files cross the boundary with the reference implementation (Python `safetensors` 0.8) both ways.
final class PythonInteropTests: XCTestCase {
    func testPythonLoadsOurFileWithEqualValuesAndMetadata() throws {
        try Reference.requirePythonSafetensors()
        let path = try temporaryFolder(self) + "/ours.safetensors"
        var writer = SafeTensorsWriter(metadata: ["format": "genre", "classes": "blues,jazz", "ü": "✓"])
        let values: [Float] = [0, -0.0, 1.5, -2.25, .infinity, .leastNonzeroMagnitude, 3.4e38, Float(bitPattern: 0x7FC0_0001)]
        writer.add("w", shape: [2, 4], values: values)
        writer.add("labels", shape: [3], int32s: [Int32(-5), 0, 9])
        writer.add("d", shape: [1], doubles: [Double.pi])
        try writer.write(to: path)

        let script = """
        import json, sys
        from safetensors import safe_open
        from safetensors.numpy import load_file
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="np") as f:
            meta = f.metadata()
        print(json.dumps({
            "meta": meta,
            "w_shape": list(t["w"].shape), "w_dtype": str(t["w"].dtype), "w_bits": t["w"].view("<u4").ravel().tolist(),
            "labels": t["labels"].tolist(), "labels_dtype": str(t["labels"].dtype),
            "d_bits": t["d"].view("<u8").tolist(),
        }))
        """
        let result = try XCTUnwrap(Reference.runPython(script, arguments: [path]))
        XCTAssertEqual(result.status, 0, result.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        XCTAssertEqual(json["meta"] as? [String: String], writer.metadata)
        XCTAssertEqual(json["w_shape"] as? [Int], [2, 4])
        XCTAssertEqual(json["w_dtype"] as? String, "float32")
        XCTAssertEqual((json["w_bits"] as? [NSNumber])?.map(\.uint32Value), values.map(\.bitPattern))
        XCTAssertEqual(json["labels"] as? [Int], [-5, 0, 9])
        XCTAssertEqual(json["labels_dtype"] as? String, "int32")
        XCTAssertEqual((json["d_bits"] as? [NSNumber])?.map(\.uint64Value), [Double.pi.bitPattern])
    }

    func testWeLoadAFileWrittenByPython() throws {
        try Reference.requirePythonSafetensors()
        let path = try temporaryFolder(self) + "/theirs.safetensors"
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({
            "f32": np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7,
            "f64": np.array([1e-300, -2.5], dtype=np.float64),
            "i32": np.array([[1, -2], [3, -4]], dtype=np.int32),
            "i64": np.array([5, -6, 2**31 - 1], dtype=np.int64),
            "u8": np.array([1, 2, 3], dtype=np.uint8),
        }, sys.argv[1], metadata={"source": "python", "n": "5"})
        """
        let result = try XCTUnwrap(Reference.runPython(script, arguments: [path]))
        XCTAssertEqual(result.status, 0, result.err)
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(file.metadata, ["source": "python", "n": "5"])
        XCTAssertEqual(file.tensors["f32"]?.shape, [2, 3, 4])
        XCTAssertEqual(try file.floats("f32"), (0..<24).map { Float($0) / 7 })
        XCTAssertEqual(try file.doubles("f64"), [1e-300, -2.5])
        XCTAssertEqual(file.tensors["i32"]?.shape, [2, 2])
        XCTAssertEqual(try file.int32s("i32"), [1, -2, 3, -4])
        XCTAssertEqual(file.tensors["i64"]?.dtype, .I64)
        XCTAssertEqual(try file.int32s("i64"), [5, -6, Int32.max])
        XCTAssertEqual(file.tensors["u8"]?.dtype, .U8)
        XCTAssertEqual(try file.rawBytes("u8"), [1, 2, 3])
    }

    func testSharedPyTorchReferenceLoads() throws {
        let path = try Reference.shared("reference/torch/default_seed0_f32.safetensors").path
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(file.tensors["labels"]?.dtype, .I32)
        XCTAssertEqual(file.tensors["labels"]?.shape, [4])
        let labels = try file.int32s("labels")
        XCTAssertEqual(labels.count, 4)
        XCTAssertTrue(labels.allSatisfy { (0..<10).contains($0) })
        XCTAssertEqual(file.tensors["input"]?.dtype, .F32)
        XCTAssertEqual(file.tensors["input"]?.shape, [4, 1, 128, 128])
        let input = try file.floats("input")
        XCTAssertEqual(input.count, 4 * 128 * 128)
        XCTAssertTrue(input.allSatisfy(\.isFinite))
        XCTAssertEqual(file.metadata["seed"], "0")

        // Same values as numpy reads.
        try Reference.requirePythonSafetensors()
        let result = try XCTUnwrap(Reference.runPython("""
            import sys, json
            from safetensors.numpy import load_file
            t = load_file(sys.argv[1])
            print(json.dumps({"labels": t["labels"].tolist(), "sum": float(t["input"].astype("float64").sum()), "first": t["input"].ravel()[:5].view("<u4").tolist()}))
            """, arguments: [path]))
        XCTAssertEqual(result.status, 0, result.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        XCTAssertEqual(json["labels"] as? [Int], labels.map(Int.init))
        XCTAssertEqual((json["first"] as? [NSNumber])?.map(\.uint32Value), input.prefix(5).map(\.bitPattern))
        let sum = input.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(sum, try XCTUnwrap(json["sum"] as? Double), accuracy: 1e-6 * max(1, abs(sum)))
    }
}
