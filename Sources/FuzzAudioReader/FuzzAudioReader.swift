import Foundation
import FuzzSupport
import GenreAudio
import GenreData
import GenreFeatures

/// libFuzzer entry: any bytes, written to a file and read through the audio wrapper (libsndfile or FFmpeg
/// decode, mono mixdown, libsoxr resampling) and the streaming log-mel pipeline, must give features or a
/// one-line error — never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudioReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: scratchPath, contents: Data(bytes: data, count: size)) else { return 0 }
    if forcedDecoder == nil {
        _ = try? ClipFeatureExtractor.segments(path: scratchPath, extractor: extractor)
    } else {
        // The fallback decoder alone, through the streaming path (downmix, libsoxr, SegmentStream).
        let stream = SegmentStream(extractor: extractor)
        _ = try? AudioDecoder.decode(path: scratchPath, sampleRate: 22050, downmix: .itu775, decoder: forcedDecoder) { block in
            stream.append(block) { _ in }
        }
        stream.finish { _ in }
    }
    return 0
}

/// `GENRE_FUZZ_DECODER=FFmpeg` fuzzes FFmpeg's reader alone (what libsndfile refuses reaches it otherwise).
let forcedDecoder = ProcessInfo.processInfo.environment["GENRE_FUZZ_DECODER"].flatMap(AudioInfo.Decoder.init(rawValue:))

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
