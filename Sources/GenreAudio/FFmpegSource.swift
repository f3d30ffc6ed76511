import CFFmpeg
import Foundation

/// FFmpeg's reader (libavformat demuxes, libavcodec decodes, libswresample converts to interleaved Float): the
/// fallback for what libsndfile cannot read (`AudioDecoder.open`).
///
/// Only the demuxers of `allowedDemuxers` are used and only plain files are opened, so that a file no music
/// library holds is "not a recognised audio file" rather than decoded by some exotic demuxer. Every frame comes
/// out at the rate and channel layout of the first one: a chained Ogg whose later links change rate or channels
/// is converted to the first link's by libswresample (the usual case, links of one rate, is a plain copy).
final class FFmpegSource: AudioSource {
    /// FFmpeg demuxer names (`AVInputFormat.name` entries): MP4/MOV/M4A, Ogg, WAV/RF64, Wave64, AIFF, FLAC, MP3, CAF.
    static let allowedDemuxers: Set<String> = ["mov", "ogg", "wav", "w64", "aiff", "flac", "mp3", "caf"]
    /// Bytes read to recognise a file's container: FFmpeg's own largest probe (`PROBE_BUF_MAX`).
    private static let probeBytes = 1 << 20

    /// Thrown by `init` when no allowed demuxer recognises the file: the caller keeps libsndfile's reason.
    struct NotRecognised: Error {}
    /// Container names for `AudioInfo.format`, by demuxer.
    private static let containerNames = ["mov": "MP4", "ogg": "OGG", "wav": "WAV", "w64": "W64", "aiff": "AIFF",
                                         "flac": "FLAC", "mp3": "MP3", "caf": "CAF"]

    /// Set by `AudioDecoder.open` where libsndfile's header count is the one to report (or none, for a chain).
    var info: AudioInfo
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var converter: OpaquePointer?
    /// The input `converter` was set up for: rate, format, channel layout.
    private var converterInput: (rate: Int32, format: Int32, layout: AVChannelLayout)?
    private var outputLayout = AVChannelLayout()
    private let streamIndex: Int32
    /// Converted samples not yet returned, interleaved; `pendingStart` is the next one to return.
    private var pending: [Float] = []
    private var pendingStart = 0
    private var draining = false, finished = false

    /// Opens `path`: its container is recognised from its first MiB by content alone (no extension, no protocol),
    /// and only an allowed demuxer may open it. `ignoreLength` makes the WAV demuxer read the data chunk to the end
    /// of the file whatever its header says (streaming writers leave sizes of 0 or 0xFFFFFFFF).
    /// - Throws: `NotRecognised` when no allowed demuxer recognises the file; `AudioError.unreadable` naming the
    ///   container and FFmpeg's reason when one does but the file cannot be opened or its codec cannot be opened;
    ///   `AudioError.notAudio` when the container has no audio stream.
    init(path: String, ignoreLength: Bool = false) throws {
        Self.silenceLogging
        info = AudioInfo(path: path, sampleRate: 0, channels: 0, frames: 0, format: "", decoder: .ffmpeg)
        guard let demuxer = Self.recognise(path) else { throw NotRecognised() }
        let container = Self.containerName(demuxer)
        var options: OpaquePointer?
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        if ignoreLength { av_dict_set(&options, "ignore_length", "1", 0) }
        defer { av_dict_free(&options) }
        // "file:" so that a name with a colon is never read as a protocol.
        var opened = avformat_open_input(&format, "file:" + path, demuxer, &options)
        if opened >= 0 { opened = avformat_find_stream_info(format, nil) }
        guard opened >= 0, let format else {
            throw AudioError.unreadable(path: path, reason: "cannot decode audio (FFmpeg, \(container): \(Self.message(opened)))")
        }
        streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard streamIndex >= 0 else {
            close()
            throw AudioError.notAudio(path: path, reason: "no audio stream (FFmpeg, \(container))")
        }
        try openCodec(path: path)
    }

    /// The demuxer FFmpeg's probe picks for the file's first `probeBytes`, if it is an allowed one.
    private static func recognise(_ path: String) -> UnsafePointer<AVInputFormat>? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var bytes = [UInt8]((try? handle.read(upToCount: probeBytes)) ?? Data())
        let count = bytes.count
        guard count > 0 else { return nil }
        bytes += [UInt8](repeating: 0, count: Int(AVPROBE_PADDING_SIZE))
        var score: Int32 = 0
        let found = bytes.withUnsafeMutableBufferPointer { buffer in
            "".withCString { noName in
                var probe = AVProbeData(filename: noName, buf: buffer.baseAddress, buf_size: Int32(count), mime_type: nil)
                return av_probe_input_format3(&probe, 1, &score)
            }
        }
        // FFmpeg's own bar: at or below AVPROBE_SCORE_RETRY it warns "misdetection possible" (text that begins with
        // "ID3" scores 12 as MP3); a real container scores 100.
        guard let found, score > AVPROBE_SCORE_MAX / 4 else { return nil }
        let names = String(cString: found.pointee.name).split(separator: ",").map(String.init)
        return names.contains(where: allowedDemuxers.contains) ? found : nil
    }

    /// `"MP4"`, `"OGG"`, …: the container's name in `AudioInfo.format`.
    private static func containerName(_ demuxer: UnsafePointer<AVInputFormat>) -> String {
        let name = String(cString: demuxer.pointee.name).split(separator: ",").first.map(String.init) ?? ""
        return containerNames[name] ?? name.uppercased()
    }

    deinit { close() }

    private func openCodec(path: String) throws {
        let stream = format!.pointee.streams[Int(streamIndex)]!
        let parameters = stream.pointee.codecpar!
        guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id),
              let context = avcodec_alloc_context3(decoder) else {
            close()
            throw AudioError.unreadable(path: path, reason: "not a recognised audio file (FFmpeg: no decoder for its codec)")
        }
        codec = context
        let status = avcodec_parameters_to_context(context, parameters) >= 0 ? avcodec_open2(context, decoder, nil) : -1
        let rate = context.pointee.sample_rate, channels = context.pointee.ch_layout.nb_channels
        guard status >= 0, rate > 0, channels > 0, let packet = av_packet_alloc(), let frame = av_frame_alloc() else {
            close()
            throw AudioError.unreadable(path: path, reason: "cannot decode audio (FFmpeg: \(Self.message(status)))")
        }
        self.packet = packet
        self.frame = frame
        av_channel_layout_copy(&outputLayout, &context.pointee.ch_layout)
        let codecName = Self.codecName(String(cString: avcodec_get_name(parameters.pointee.codec_id)))
        info = AudioInfo(path: path, sampleRate: Int(rate), channels: Int(channels), frames: 0,
                         format: "\(Self.containerName(format!.pointee.iformat)) \(codecName)", decoder: .ffmpeg,
                         headerFrames: Self.headerFrames(stream.pointee, rate: Int(rate)),
                         channelRoles: Self.roles(&outputLayout))
    }

    func read(into buffer: UnsafeMutablePointer<Float>, maxFrames: Int) throws -> Int {
        let channels = info.channels
        while pending.count - pendingStart < maxFrames * channels, !finished {
            try decodeMore()
        }
        let frames = min(maxFrames, (pending.count - pendingStart) / channels)
        pending.withUnsafeBufferPointer { p in
            buffer.update(from: p.baseAddress! + pendingStart, count: frames * channels)
        }
        pendingStart += frames * channels
        if pendingStart > 1 << 16 || pendingStart == pending.count {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        return frames
    }

    /// Decodes at least one more frame into `pending`, or sets `finished`.
    private func decodeMore() throws {
        let received = avcodec_receive_frame(codec, frame)
        if received == 0 {
            try convert(frame!)
            av_frame_unref(frame)
            return
        }
        if received == genre_averror_eof() {
            try flushConverter()
            finished = true
            return
        }
        // A damaged or partial frame (a file cut mid-frame) is skipped, as players do; the frames around it decode.
        if received == genre_averror_invaliddata() { return }
        guard received == genre_averror_eagain() else { throw decodeError(received) }
        if draining { finished = true; return }
        if av_read_frame(format, packet) < 0 {
            // End of input (or an unreadable tail): drain the decoder's delayed frames.
            draining = true
            avcodec_send_packet(codec, nil)
            return
        }
        defer { av_packet_unref(packet) }
        // A damaged packet is skipped, as players do; the frames around it still decode.
        if packet!.pointee.stream_index == streamIndex { _ = avcodec_send_packet(codec, packet) }
    }

    /// Appends `frame`'s samples to `pending` as interleaved Float at the output rate and layout.
    private func convert(_ frame: UnsafeMutablePointer<AVFrame>) throws {
        let f = frame.pointee
        // A later link of a chained Ogg is held to the same rates as the file (a 1 Hz link asked libsoxr for gigabytes).
        guard AudioDecoder.sampleRates.contains(Int(f.sample_rate)) else {
            throw AudioError.unsupportedSampleRate(path: info.path, sampleRate: Int(f.sample_rate))
        }
        if converter == nil || converterInput!.rate != f.sample_rate || converterInput!.format != f.format
            || av_channel_layout_compare(&converterInput!.layout, &frame.pointee.ch_layout) != 0 {
            try flushConverter()
            swr_free(&converter)
            var layout = AVChannelLayout()
            av_channel_layout_copy(&layout, &frame.pointee.ch_layout)
            converterInput = (f.sample_rate, f.format, layout)
            let status = swr_alloc_set_opts2(&converter, &outputLayout, AV_SAMPLE_FMT_FLT, Int32(info.sampleRate),
                                             &frame.pointee.ch_layout, AVSampleFormat(f.format), f.sample_rate, 0, nil)
            guard status >= 0, swr_init(converter) >= 0 else { throw decodeError(status < 0 ? status : -1) }
        }
        let input = UnsafeMutableRawPointer(frame.pointee.extended_data)!.assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        try appendConverted(input, count: f.nb_samples)
    }

    /// Runs the converter on `count` input frames (nil input: flush) and appends its output to `pending`.
    private func appendConverted(_ input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int32) throws {
        guard let converter else { return }
        let capacity = Int(swr_get_out_samples(converter, count)) + 32
        let channels = info.channels, old = pending.count
        pending.append(contentsOf: repeatElement(0, count: capacity * channels))
        let produced = pending.withUnsafeMutableBufferPointer { p -> Int32 in
            var out: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(p.baseAddress! + old).assumingMemoryBound(to: UInt8.self)
            return swr_convert(converter, &out, Int32(capacity), input, count)
        }
        guard produced >= 0 else { throw decodeError(produced) }
        pending.removeLast((capacity - Int(produced)) * channels)
    }

    private func flushConverter() throws {
        if converter != nil { try appendConverted(nil, count: 0) }
    }

    private func decodeError(_ status: Int32) -> AudioError {
        .unreadable(path: info.path, reason: "cannot decode audio (FFmpeg: \(Self.message(status)))")
    }

    private func close() {
        swr_free(&converter)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        avformat_close_input(&format)
    }

    /// FFmpeg's codec name, uppercased, with its PCM names as libsndfile's (`pcm_s16be` → `PCM_16`), so that a
    /// file reads the same whichever library decodes it.
    private static func codecName(_ name: String) -> String {
        let pcm = ["pcm_u8": "PCM_U8", "pcm_s8": "PCM_S8", "pcm_alaw": "ALAW", "pcm_mulaw": "ULAW"]
        if let known = pcm[name] { return known }
        for (prefix, sndfile) in [("pcm_s16", "PCM_16"), ("pcm_s24", "PCM_24"), ("pcm_s32", "PCM_32"), ("pcm_f32", "FLOAT"),
                                  ("pcm_f64", "DOUBLE")] where name.hasPrefix(prefix) {
            return sndfile
        }
        return name.uppercased()
    }

    /// FFmpeg's text for an error code.
    private static func message(_ status: Int32) -> String {
        var text = [CChar](repeating: 0, count: 128)
        av_strerror(status, &text, text.count)
        return String(cString: text)
    }

    /// The stream's promised length in frames (its duration in its time base), nil when unknown.
    private static func headerFrames(_ stream: AVStream, rate: Int) -> Int? {
        guard stream.duration > 0, stream.time_base.den > 0 else { return nil }
        return Int((Double(stream.duration) * Double(stream.time_base.num) * Double(rate) / Double(stream.time_base.den)).rounded())
    }

    /// FFmpeg's channel positions as downmix roles; nil for an unspecified order or an unknown position.
    private static func roles(_ layout: inout AVChannelLayout) -> [ChannelRole]? {
        let channels = Int(layout.nb_channels)
        guard channels > 2, layout.order == AV_CHANNEL_ORDER_NATIVE else { return nil }
        let roles: [ChannelRole] = (0..<channels).map { i in
            switch av_channel_layout_channel_from_index(&layout, UInt32(i)) {
            case AV_CHAN_FRONT_LEFT, AV_CHAN_FRONT_LEFT_OF_CENTER: return .left
            case AV_CHAN_FRONT_RIGHT, AV_CHAN_FRONT_RIGHT_OF_CENTER: return .right
            case AV_CHAN_FRONT_CENTER: return .center
            case AV_CHAN_LOW_FREQUENCY: return .lfe
            case AV_CHAN_SIDE_LEFT: return .surroundLeft
            case AV_CHAN_SIDE_RIGHT: return .surroundRight
            case AV_CHAN_BACK_LEFT: return .backLeft
            case AV_CHAN_BACK_RIGHT: return .backRight
            case AV_CHAN_BACK_CENTER: return .backCenter
            default: return .unknown
            }
        }
        return roles.contains(.unknown) ? nil : roles
    }

    /// FFmpeg logs to stderr; genre's messages are its own (one line per problem). Done once per process.
    private static let silenceLogging: Void = av_log_set_level(AV_LOG_QUIET)

    /// The FFmpeg libraries' versions, e.g. `"FFmpeg libavformat 59.27.100, libavcodec 59.37.100"`.
    static var version: String {
        func text(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xFF).\(v & 0xFF)" }
        return "FFmpeg libavformat \(text(avformat_version())), libavcodec \(text(avcodec_version()))"
    }
}
