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
        var promised = sfInfo.frames >= 0 && sfInfo.frames < sf_count_t(Int64.max / 4) ? Int(sfInfo.frames) : nil
        if let frames = promised, let claimed = Self.framesClaimedBeyondTheFile(file, sfInfo, holds: frames) { promised = claimed }
        info = AudioInfo(path: path, sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels), frames: 0,
                         format: FormatNames.describe(format: sfInfo.format), decoder: .libsndfile, headerFrames: promised,
                         channelRoles: Self.channelRoles(file, sfInfo))
    }

    deinit { sf_close(file) }

    /// Bytes per frame of the PCM encodings whose audio chunk size gives the frame count exactly.
    private static let pcmWidths: [Int32: Int] = [
        Int32(SF_FORMAT_PCM_S8): 1, Int32(SF_FORMAT_PCM_U8): 1, Int32(SF_FORMAT_PCM_16): 2, Int32(SF_FORMAT_PCM_24): 3,
        Int32(SF_FORMAT_PCM_32): 4, Int32(SF_FORMAT_FLOAT): 4, Int32(SF_FORMAT_DOUBLE): 8, Int32(SF_FORMAT_ULAW): 1,
        Int32(SF_FORMAT_ALAW): 1,
    ]

    /// The frame count a WAV or AIFF header claimed when the file holds less (a download or copy cut short):
    /// libsndfile then reports only the frames present, and its log (`SFC_GET_LOG_INFO`) keeps the claim, e.g.
    /// `data : 799046 (should be 399956)` — bytes of the audio chunk (`SSND` in AIFF, whose first 8 bytes are its
    /// offset and block size). nil when the log claims nothing more than `frames`, or the encoding is not PCM. (W64's
    /// log gives its data chunk's size without the claim, padded to 8 bytes: not read here.)
    private static func framesClaimedBeyondTheFile(_ file: OpaquePointer, _ sfInfo: SF_INFO, holds frames: Int) -> Int? {
        guard let width = pcmWidths[sfInfo.format & Int32(SF_FORMAT_SUBMASK)] else { return nil }
        var log = [CChar](repeating: 0, count: 8192)
        _ = sf_command(file, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        for line in String(cString: log).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 6, words[0] == "data" || words[0] == "SSND", words[1] == ":", words[3] == "(should",
                  let claimedBytes = Int(words[2]) else { continue }
            let claimed = (claimedBytes - (words[0] == "SSND" ? 8 : 0)) / (width * Int(sfInfo.channels))
            return claimed > frames ? claimed : nil
        }
        return nil
    }

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
