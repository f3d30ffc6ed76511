import CSndfile
import Foundation

/// A decoder open on one file, read block by block (`AudioDecoder.open` picks the library).
///
/// Samples come back interleaved at the file's rate, float scale: integer PCM mapped to [-1, 1) (value / 2^(bits−1)),
/// float files unchanged. A source is used by one thread at a time.
public protocol AudioSource: AnyObject {
    /// What the header says: rate (Hz), channels, format, decoder, `headerFrames`; `frames` is 0 until decoded.
    var info: AudioInfo { get }
    /// Reads up to `maxFrames` frames into `buffer` `[maxFrames * info.channels]`.
    /// - Returns: frames read; 0 at the end of the file.
    /// - Throws: `AudioError.unreadable` when the decoder fails mid-file.
    func read(into buffer: UnsafeMutablePointer<Float>, maxFrames: Int) throws -> Int
}

/// libsndfile's reader: `sf_readf_float` under its default scaling (`SFC_SET_NORM_FLOAT` on), which is what
/// python-soundfile's `read(dtype=float32)` returns and what librosa and the reference tensors use.
final class SndfileSource: AudioSource {
    let info: AudioInfo
    /// libsndfile's `SF_FORMAT_*` major type, e.g. to tell an Ogg file.
    let majorFormat: Int
    private let file: OpaquePointer
    private var framesRead = 0

    /// libsndfile's global error slot (`sf_strerror(NULL)`) is shared by all threads, so a failing `sf_open` and
    /// the read of its message happen under one lock: `StandardError.lock`, because the probe also runs with
    /// stderr silenced (see `StandardError`).
    private static var openLock: NSLock { StandardError.lock }

    /// libsndfile's message for a file too short to probe; untrue of a file we have just seen exists.
    private static let misleadingOpenError = "File does not exist or is not a regular file"

    /// Opens `path`.
    /// - Throws: `AudioError.notAudio` ("not a recognised audio file (libsndfile: …)", without libsndfile's
    ///   untrue "File does not exist" for tiny files) when libsndfile refuses it, or reports no channels or rate.
    init(path: String) throws {
        var sfInfo = SF_INFO()
        let (handle, openError) = Self.openLock.withLock { () -> (OpaquePointer?, String) in
            let opened = StandardError.silenced { sf_open(path, Int32(SFM_READ), &sfInfo) }
            return (opened, opened == nil ? String(cString: sf_strerror(nil)) : "")
        }
        guard let file = handle else {
            let detail = openError.hasPrefix(Self.misleadingOpenError) ? "" : " (libsndfile: \(openError))"
            throw AudioError.notAudio(path: path, reason: "not a recognised audio file\(detail)")
        }
        guard sfInfo.channels > 0, sfInfo.samplerate > 0 else {
            sf_close(file)
            throw AudioError.unreadable(path: path, reason: "libsndfile reports \(sfInfo.channels) channels at \(sfInfo.samplerate) Hz")
        }
        self.file = file
        majorFormat = Int(sfInfo.format) & SF_FORMAT_TYPEMASK
        // libsndfile says SF_COUNT_MAX when it cannot tell the length (e.g. Ogg links of changing rate).
        let promised = sfInfo.frames >= 0 && sfInfo.frames < sf_count_t(Int64.max / 4) ? Int(sfInfo.frames) : nil
        info = AudioInfo(path: path, sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels), frames: 0,
                         format: FormatNames.describe(format: sfInfo.format), decoder: .libsndfile, headerFrames: promised,
                         channelRoles: Self.channelRoles(file, sfInfo))
    }

    deinit { sf_close(file) }

    func read(into buffer: UnsafeMutablePointer<Float>, maxFrames: Int) throws -> Int {
        let got = sf_readf_float(file, buffer, sf_count_t(maxFrames))
        // A decoder error on the first block is a file we cannot read; later ones end the file where it broke, as
        // libsndfile's own readers do.
        if got <= 0, framesRead == 0, sf_error(file) != 0 {
            throw AudioError.unreadable(path: info.path, reason: "cannot decode audio (libsndfile: \(String(cString: sf_strerror(file))))")
        }
        framesRead += max(0, Int(got))
        return max(0, Int(got))
    }

    /// The channel roles of an open file: its channel map when libsndfile reports one, else its codec's order for
    /// the channel count (`ChannelLayout.roles`). Mono and stereo need none.
    private static func channelRoles(_ file: OpaquePointer, _ sfInfo: SF_INFO) -> [ChannelRole]? {
        let channels = Int(sfInfo.channels)
        guard channels > 2 else { return nil }
        var map = [Int32](repeating: 0, count: channels)
        let reported = map.withUnsafeMutableBytes { bytes in
            sf_command(file, Int32(SFC_GET_CHANNEL_MAP_INFO), bytes.baseAddress, Int32(bytes.count)) == SF_TRUE
        }
        return ChannelLayout.roles(format: sfInfo.format, channels: channels, map: reported ? map : nil)
    }
}
