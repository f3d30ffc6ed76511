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
        try write(samples, sampleRate: sampleRate, channels: channels, as: .wavPCM16, to: path)
    }

    /// The encodings `write` produces.
    public enum Encoding: Sendable, Equatable {
        /// 16-bit PCM WAV (samples beyond ±1 clipped).
        case wavPCM16
        /// 32-bit float WAV (values beyond ±1 kept).
        case wavFloat
        /// 32-bit float WAVE_FORMAT_EXTENSIBLE with the 5.1 channel mask L R C LFE Ls Rs.
        case wavexFloat51
        /// 24-bit FLAC.
        case flac24
        /// 16-bit FLAC.
        case flac16
        /// MP3 at a constant bit rate, kb/s.
        case mp3(kbps: Int)
        /// Ogg Vorbis at quality 0…10.
        case vorbis(quality: Int)
    }

    /// Writes `samples` in `encoding`, replacing `path` atomically (temporary file, then rename).
    /// - Parameters: as `writeWAV`; for MP3, `channels` ≤ 2 and `sampleRate` ≤ 48000 Hz.
    /// - Throws: `AudioError.writeFailed` with libsndfile's or the OS's reason; no partial file is left.
    public static func write(_ samples: [Float], sampleRate: Int, channels: Int, as encoding: Encoding,
                             to path: String) throws {
        precondition(channels >= 1 && samples.count % channels == 0, "samples must hold whole frames")
        try write(frames: samples.count / channels, sampleRate: sampleRate, channels: channels, as: encoding, to: path) {
            start, block in
            block.withUnsafeMutableBufferPointer { b in
                _ = b.initialize(from: samples[(start * channels)..<(start * channels + b.count)])
            }
        }
    }

    /// Writes `frames` frames that `fill` produces block by block (`fill(firstFrame, &block)`, the block
    /// `[blockFrames * channels]` interleaved, fewer at the end), so that long files are written in constant memory
    /// (the benchmark's 2-hour 7.1 files). Replaces `path` atomically, as `write`.
    /// - Throws: `AudioError.writeFailed` with libsndfile's or the OS's reason; no partial file is left.
    public static func write(frames: Int, sampleRate: Int, channels: Int, as encoding: Encoding, to path: String,
                             fill: (Int, inout [Float]) -> Void) throws {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        switch encoding {
        case .wavPCM16: info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wavFloat: info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .wavexFloat51: info.format = Int32(SF_FORMAT_WAVEX | SF_FORMAT_FLOAT)
        case .flac24: info.format = Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_24)
        case .flac16: info.format = Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .mp3: info.format = Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
        case .vorbis: info.format = Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        }
        let temporary = path + ".tmp-\(getpid())"
        guard let file = sf_open(temporary, Int32(SFM_WRITE), &info) else {
            throw AudioError.writeFailed(path: path, reason: "libsndfile: \(String(cString: sf_strerror(nil)))")
        }
        configure(file, encoding: encoding, sampleRate: sampleRate)
        // Clip instead of wrapping when converting floats beyond ±1 to integers.
        sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        var written = 0, block: [Float] = []
        while written < frames, sf_error(file) == 0 {
            let count = min(65536, frames - written)
            if block.count != count * channels { block = [Float](repeating: 0, count: count * channels) }
            fill(written, &block)
            written += Int(block.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(count)) })
        }
        let problem = sf_error(file) == 0 ? nil : String(cString: sf_strerror(file))
        sf_close(file)
        guard written == frames, problem == nil, rename(temporary, path) == 0 else {
            let reason = problem.map { "libsndfile: \($0)" } ?? String(cString: strerror(errno))
            unlink(temporary)
            throw AudioError.writeFailed(path: path, reason: reason)
        }
    }

    /// Channel map and encoder settings, before the first sample is written.
    private static func configure(_ file: OpaquePointer, encoding: Encoding, sampleRate: Int) {
        switch encoding {
        case .wavexFloat51:
            var map: [Int32] = [SF_CHANNEL_MAP_FRONT_LEFT, SF_CHANNEL_MAP_FRONT_RIGHT, SF_CHANNEL_MAP_FRONT_CENTER,
                                SF_CHANNEL_MAP_LFE, SF_CHANNEL_MAP_REAR_LEFT, SF_CHANNEL_MAP_REAR_RIGHT].map { Int32($0) }
            map.withUnsafeMutableBytes { _ = sf_command(file, Int32(SFC_SET_CHANNEL_MAP_INFO), $0.baseAddress, Int32($0.count)) }
        case .mp3(let kbps):
            var mode = Int32(SF_BITRATE_MODE_CONSTANT)
            sf_command(file, Int32(SFC_SET_BITRATE_MODE), &mode, Int32(MemoryLayout<Int32>.size))
            var level = mp3CompressionLevel(kbps: kbps, sampleRate: sampleRate)
            sf_command(file, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
        case .vorbis(let quality):
            var level = 1 - Double(quality) / 10
            sf_command(file, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
        default:
            break
        }
    }

    /// libsndfile 1.2 maps the compression level linearly onto the bit rates of the MPEG version the
    /// rate implies: level 0 is the highest (320 kb/s for MPEG-1 at 32–48 kHz, 160 for MPEG-2 at 16–24
    /// kHz, 64 for MPEG-2.5 below), level 1 the lowest (32, 8 and 8 kb/s); LAME rounds to a legal rate.
    static func mp3CompressionLevel(kbps: Int, sampleRate: Int) -> Double {
        let (high, low): (Double, Double) = sampleRate >= 32000 ? (320, 32) : sampleRate >= 16000 ? (160, 8) : (64, 8)
        return min(1, max(0, (high - Double(kbps)) / (high - low)))
    }
}
