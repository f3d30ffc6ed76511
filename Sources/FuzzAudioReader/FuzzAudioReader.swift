import Foundation
import GenreAudio
import GenreFeatures
import GenreTraining

/// libFuzzer entry: any bytes, written to a file and read through the audio wrapper (libsndfile decode,
/// mono mixdown, libsoxr resampling) and the log-mel pipeline, must give features or a one-line error —
/// never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudioReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: scratchPath, contents: Data(bytes: data, count: size)) else { return 0 }
    _ = try? ClipFeatureExtractor.segments(path: scratchPath, extractor: extractor)
    return 0
}

/// The file each input is written to (libsndfile reads files), one per process.
let scratchPath = NSTemporaryDirectory() + "genre-fuzz-audio-\(getpid())"
let extractor = try! LogMelExtractor(parameters: FeatureParameters())

#if FUZZING
/// libFuzzer's driver (LLVM ≥ 11), run from the entry point SwiftPM names for this executable.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzAudioReader_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc, arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, { fuzzAudioReader($0, $1) })
}
#else
/// Without libFuzzer: replays each file named on the command line (e.g. a crash input).
@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { print("\(path): unreadable"); continue }
            let bytes = [UInt8](data)
            _ = bytes.withUnsafeBufferPointer { fuzzAudioReader($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
            print("\(path): ok")
        }
        unlink(scratchPath)
    }
}
#endif
