import Foundation

/// A libFuzzer entry point: one input, return 0.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

#if FUZZING
/// libFuzzer's driver (LLVM ≥ 11).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: FuzzCallback) -> CInt

/// Runs libFuzzer on `callback` with the process's arguments (`-max_total_time=600 CORPUS`, …).
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                      _ callback: FuzzCallback) -> CInt {
    var count = argc, arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, callback)
}
#endif

/// Without libFuzzer: feeds each file named on the command line to `callback` (to rerun a crash input).
public func replayArguments(_ callback: FuzzCallback) {
    for path in CommandLine.arguments.dropFirst() {
        guard let data = FileManager.default.contents(atPath: path) else { print("\(path): unreadable"); continue }
        let bytes = [UInt8](data) + [0]  // never an empty buffer, whose base address would be nil
        _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress!, $0.count - 1) }
        print("\(path): ok")
    }
}
