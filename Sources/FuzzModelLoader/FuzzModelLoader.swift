import Foundation
import FuzzSupport
import GenreModel
import SafeTensors

/// libFuzzer entry: any bytes, read as a genre model file, must load or be refused with an error —
/// never crash, hang or allocate without bound.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let file = try? SafeTensorsFile(bytes: bytes) {
        _ = try? ModelFile.decode(file, path: "fuzz.safetensors")
    }
    return 0
}

#if FUZZING
/// The entry point SwiftPM names for this executable: libFuzzer's driver.
@_cdecl("FuzzModelLoader_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { fuzzModelLoader($0, $1) }
}
#else
@main
struct Replay {
    static func main() {
        replayArguments { fuzzModelLoader($0, $1) }
    }
}
#endif
