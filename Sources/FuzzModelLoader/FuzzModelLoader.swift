import Foundation
import GenreTraining
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
/// libFuzzer's driver (LLVM ≥ 11), run from the entry point SwiftPM names for this executable.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzModelLoader_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc, arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, { fuzzModelLoader($0, $1) })
}
#else
/// Without libFuzzer: replays each file named on the command line (e.g. a crash input), so a failure
/// found by the fuzzer can be rerun under a debugger.
@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("\(path): unreadable"); continue }
            let bytes = [UInt8](data)
            _ = bytes.withUnsafeBufferPointer { fuzzModelLoader($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            print("\(path): ok")
        }
    }
}
#endif
