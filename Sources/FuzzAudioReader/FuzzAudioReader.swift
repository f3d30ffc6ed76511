import Foundation
import FuzzSupport
import GenreAudio
import GenreData
import GenreFeatures

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
/// The entry point SwiftPM names for this executable: libFuzzer's driver.
@_cdecl("FuzzAudioReader_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { fuzzAudioReader($0, $1) }
}
#else
@main
struct Replay {
    static func main() {
        replayArguments { fuzzAudioReader($0, $1) }
        unlink(scratchPath)
    }
}
#endif
