import CSndfile
import Foundation

/// Writes audio files with libsndfile (used to generate the demo dataset and test fixtures).
public enum AudioWriter {
    /// Writes `samples` as a 16-bit PCM WAV file, replacing `path` atomically (temporary file in the
    /// same folder, then rename).
    /// - Parameters:
    ///   - samples: `[frames, channels]` interleaved, float scale, clipped to [−1, 1] by libsndfile's
    ///     conversion.
    ///   - sampleRate: Hz, > 0.
    ///   - channels: ≥ 1; `samples.count` must be a multiple of it.
    /// - Throws: `AudioError.writeFailed` with libsndfile's or the OS's reason; no partial file is left.
    public static func writeWAV(_ samples: [Float], sampleRate: Int, channels: Int = 1, to path: String) throws {
        precondition(channels >= 1 && samples.count % channels == 0, "samples must hold whole frames")
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        let temporary = path + ".tmp-\(getpid())"
        guard let file = sf_open(temporary, Int32(SFM_WRITE), &info) else {
            throw AudioError.writeFailed(path: path, reason: "libsndfile: \(String(cString: sf_strerror(nil)))")
        }
        // Clip instead of wrapping when converting floats beyond ±1 to integers.
        sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        let written = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t($0.count / channels)) }
        sf_write_sync(file)
        sf_close(file)
        guard written == samples.count / channels, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AudioError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
