import CSndfile
import Foundation
import XCTest
import GenreAudio

/// Files libsndfile alone gets wrong (issue 14): headers of size 0, chained Ogg, formats it does not read,
/// sample rates no music has. Each input is built here; none is committed.
final class DecoderFallbackTests: XCTestCase {
    /// A WAV whose RIFF and data sizes are 0 (as streaming writers leave them) holds the 18 s that follow.
    func testWAVWithZeroSizesDecodesToItsFullLength() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        let url = folder.appendingPathComponent("zero-sizes.wav")
        let samples = TestFiles.tone(frames: 18 * 22050, channels: 2)
        try TestFiles.write(samples, channels: 2, sampleRate: 22050, format: TestFiles.wavPCM16, to: url)
        var bytes = try Data(contentsOf: url)
        let data = bytes.range(of: Data("data".utf8))!.lowerBound
        bytes.replaceSubrange(4..<8, with: [0, 0, 0, 0])
        bytes.replaceSubrange((data + 4)..<(data + 8), with: [0, 0, 0, 0])
        try bytes.write(to: url)
        let reference = try AudioDecoder.readInterleaved(path: folder.appendingPathComponent("ref.wav").path(writing: samples))
        let (decoded, info) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(info.frames, 18 * 22050)
        XCTAssertEqual(info.channels, 2)
        XCTAssertEqual(decoded, reference.samples, "the same PCM, scaled as libsndfile scales it")
        XCTAssertEqual(info.decoder, .ffmpeg)
        XCTAssertEqual(info.headerFrames, 0, "what the header said")
    }

    /// An RF64 written to a pipe: `RF64` with size 0xFFFFFFFF and a ds64 chunk of zeros (ffmpeg `-rf64 always
    /// -f wav -`), then the PCM.
    func testRF64WrittenToAPipeDecodesToItsFullLength() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("piped.rf64.wav")
        let frames = 18 * 22050
        let pcm = TestFiles.pcm16(TestFiles.tone(frames: frames, channels: 2))
        var bytes = Data("RF64".utf8) + TestFiles.le32(0xFFFF_FFFF) + Data("WAVEds64".utf8) + TestFiles.le32(28)
        bytes += Data(count: 28)
        bytes += Data("fmt ".utf8) + TestFiles.le32(16) + TestFiles.le16(1) + TestFiles.le16(2) + TestFiles.le32(22050)
        bytes += TestFiles.le32(22050 * 4) + TestFiles.le16(4) + TestFiles.le16(16)
        bytes += Data("data".utf8) + TestFiles.le32(0xFFFF_FFFF) + pcm
        try bytes.write(to: url)
        let (decoded, info) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(info.frames, frames)
        XCTAssertEqual(decoded.count, 2 * frames)
        XCTAssertEqual(decoded[2 * 1000], Float(Int16(truncatingIfNeeded: Int(pcm[4000]) | Int(pcm[4001]) << 8)) / 32768)
    }

    /// Vorbis files concatenated (as stream rips are): every link is decoded, whether the links share rate
    /// and channels or not. Lengths are at the first link's rate, within one Vorbis block per link.
    func testEveryLinkOfAChainedOggIsDecoded() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        func vorbis(_ name: String, seconds: Double, rate: Int, channels: Int) throws -> Data {
            let url = folder.appendingPathComponent(name)
            try TestFiles.write(TestFiles.tone(frames: Int(seconds * Double(rate)), channels: channels), channels: channels,
                                sampleRate: rate, format: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS), to: url)
            return try Data(contentsOf: url)
        }
        let short = try vorbis("a.ogg", seconds: 3, rate: 22050, channels: 1)
        let long = try vorbis("b.ogg", seconds: 18, rate: 22050, channels: 1)
        let other = try vorbis("c.ogg", seconds: 4, rate: 44100, channels: 2)
        let cases: [(name: String, links: [Data], seconds: Double)] = [
            ("same-rate.ogg", [short, long], 21), ("three-links.ogg", [short, long, short], 24),
            ("rate-and-channels-change.ogg", [short, other, short], 10),
        ]
        for c in cases {
            let url = folder.appendingPathComponent(c.name)
            try c.links.reduce(Data(), +).write(to: url)
            let (decoded, info) = try AudioDecoder.readInterleaved(path: url.path)
            XCTAssertEqual(info.sampleRate, 22050, c.name)
            XCTAssertEqual(info.channels, 1, c.name)
            XCTAssertEqual(Double(info.frames), c.seconds * 22050, accuracy: 2048, c.name)
            XCTAssertEqual(decoded.count, info.frames, c.name)
            XCTAssertEqual(info.decoder, .ffmpeg, c.name)
        }
        // One link stays with libsndfile.
        XCTAssertEqual(try AudioDecoder.readInterleaved(path: folder.appendingPathComponent("b.ogg").path).info.decoder, .libsndfile)
    }

    /// The formats libsndfile refuses in ../shared/datasets/formats decode, within 2048 frames of ffprobe's
    /// stream length (`ffprobe -show_entries stream=duration_ts`, FFmpeg 5.1).
    func testFormatsLibsndfileRefusesDecodeWithFFmpeg() throws {
        let expected: [(file: String, frames: Int, channels: Int, format: String)] = [
            ("stereo_sample.m4a", 182_927, 2, "MP4 AAC"), ("testing.m4a", 141_312, 1, "MP4 AAC"),
            ("vibe_ace_44k_stereo_s16.aiff", 441_000, 2, "AIFF PCM_16"),
        ]
        for e in expected {
            let path = try TestFiles.shared("datasets/formats/\(e.file)").path
            let (decoded, info) = try AudioDecoder.readInterleaved(path: path)
            XCTAssertEqual(Double(info.frames), Double(e.frames), accuracy: 2048, e.file)
            XCTAssertEqual(decoded.count, info.frames * e.channels, e.file)
            XCTAssertEqual(info.channels, e.channels, e.file)
            XCTAssertEqual(info.sampleRate, 44100, e.file)
            XCTAssertEqual(info.format, e.format, e.file)
            XCTAssertEqual(info.decoder, .ffmpeg, e.file)
            let peak = decoded.map { abs($0) }.max() ?? 0
            XCTAssertGreaterThan(peak, 0.01, "\(e.file): real audio, not silence")
            XCTAssertLessThanOrEqual(peak, 1.5, e.file)
        }
    }

    /// Garbage that some FFmpeg demuxer would accept (an AMR header; a subtitle file) is not audio to us.
    func testDemuxersOutsideTheAllowListAreRefused() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        let amr = folder.appendingPathComponent("voice.amr")
        try (Data("#!AMR\n".utf8) + Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 37) })).write(to: amr)
        let srt = folder.appendingPathComponent("lyrics.mp3")
        try "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n".write(to: srt, atomically: true, encoding: .utf8)
        for url in [amr, srt] {
            XCTAssertThrowsError(try AudioDecoder.readInterleaved(path: url.path), url.lastPathComponent) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(url.path): not a recognised audio file"), "\(error)")
            }
        }
    }

    /// Rates outside 1 kHz … 768 kHz are refused before any decoding or resampling (a 1 Hz WAV once asked
    /// libsoxr for 88 GB).
    func testSampleRatesOutsideTheSupportedRangeAreRefused() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        for rate in [1, 999, 800_000] {
            let url = folder.appendingPathComponent("rate-\(rate).wav")
            try TestFiles.wavBytes(rate: rate, channels: 1, samples: [Float](repeating: 0.1, count: 4000)).write(to: url)
            XCTAssertThrowsError(try AudioDecoder.load(path: url.path, sampleRate: 22050), "\(rate) Hz") { error in
                XCTAssertEqual(error as? AudioError, .unsupportedSampleRate(path: url.path, sampleRate: rate))
                XCTAssertEqual("\(error)", "\(url.path): sample rate \(rate) Hz is outside the supported 1000–768000 Hz")
            }
        }
        for rate in [1000, 768_000] {
            let url = folder.appendingPathComponent("edge-\(rate).wav")
            try TestFiles.wavBytes(rate: rate, channels: 1, samples: [Float](repeating: 0.1, count: 4000)).write(to: url)
            XCTAssertEqual(try AudioDecoder.readInterleaved(path: url.path).info.frames, 4000, "\(rate) Hz")
        }
    }

    /// `maxSeconds` stops reading there and says so; without it the whole file is read.
    func testMaxDurationStopsReadingThere() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("five-seconds.wav")
        try TestFiles.write(TestFiles.tone(frames: 5 * 16000, channels: 2), channels: 2, sampleRate: 16000,
                            format: TestFiles.wavPCM16, to: url)
        let cut = try AudioDecoder.load(path: url.path, sampleRate: 22050, maxSeconds: 2)
        XCTAssertEqual(cut.info.frames, 2 * 16000)
        XCTAssertEqual(cut.audio.samples.count, 2 * 22050)
        XCTAssertEqual(cut.info.stoppedAtSeconds, 2)
        let whole = try AudioDecoder.load(path: url.path, sampleRate: 22050)
        XCTAssertEqual(whole.info.frames, 5 * 16000)
        XCTAssertNil(whole.info.stoppedAtSeconds)
        // A limit beyond any file (more samples than Int holds at this rate) is no limit, not a trap.
        let huge = try AudioDecoder.load(path: url.path, sampleRate: 22050, maxSeconds: 1e300)
        XCTAssertEqual(huge.info.frames, 5 * 16000)
        XCTAssertNil(huge.info.stoppedAtSeconds)
        let same = 2 * 22050 - 2000
        XCTAssertTrue(whole.audio.samples.prefix(same) == cut.audio.samples.prefix(same),
                      "the same audio up to the cut, but for the resampler's tail")
    }

    /// The header's frame count is kept beside the decoded one (an MP3's is an estimate).
    func testHeaderAndDecodedFrameCountsAreBothReported() throws {
        let path = try TestFiles.shared("datasets/formats/house_lo.mp3").path
        let info = try AudioDecoder.readInterleaved(path: path).info
        XCTAssertEqual(info.headerFrames, 80151)
        XCTAssertEqual(info.frames, 80064)
        XCTAssertEqual(info.decoder, .libsndfile)
        XCTAssertEqual(info.frameCountNote, "the header says 80151 frames, 80064 decoded")
        let wav = try AudioDecoder.readInterleaved(path: try TestFiles.shared("datasets/formats/house_lo.wav").path).info
        XCTAssertNil(wav.frameCountNote)
    }

    /// A download cut short: libsndfile shrinks a WAV's or AIFF's frame count to what the file holds, so the cut went
    /// unnoticed (issue 16's second newcomer pass: half a WAV classified with no note). The count the header
    /// claimed comes from libsndfile's log and the note says what is missing, for every PCM width and both containers.
    func testAFileCutShortReportsTheFramesItsHeaderClaimed() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        let formats: [(String, Int32, Int)] = [("wav", TestFiles.wavPCM16, 2), ("wav", Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24), 3),
                                               ("aiff", Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16), 2), ("wav", TestFiles.wavFloat, 4)]
        for (i, (ext, format, width)) in formats.enumerated() {
            let url = folder.appendingPathComponent("cut\(i).\(ext)")
            try TestFiles.write(TestFiles.tone(frames: 22050, channels: 2), channels: 2, sampleRate: 22050, format: format, to: url)
            let bytes = try Data(contentsOf: url)
            // Cut 1000 frames and a byte into the audio: what remains is ~1000 whole frames of 22050.
            let audioStart = bytes.count - 22050 * 2 * width
            try bytes.prefix(audioStart + 1000 * 2 * width + 1).write(to: url)
            let info = try AudioDecoder.readInterleaved(path: url.path).info
            XCTAssertEqual(info.frames, 1000, "\(ext) \(width)")
            XCTAssertEqual(info.headerFrames, 22050, "\(ext) \(width)")
            XCTAssertEqual(info.frameCountNote, "the header says 22050 frames, 1000 decoded", "\(ext) \(width)")
        }
        // A whole file says nothing.
        let whole = folder.appendingPathComponent("whole.wav")
        try TestFiles.write(TestFiles.tone(frames: 22050, channels: 2), channels: 2, sampleRate: 22050, format: TestFiles.wavPCM16, to: whole)
        let info = try AudioDecoder.readInterleaved(path: whole.path).info
        XCTAssertEqual(info.headerFrames, 22050)
        XCTAssertNil(info.frameCountNote)
    }

    /// A recording cut off mid-write ends in a partial frame: the whole frames before it decode (newcomer pass).
    func testAPartialLastFrameIsDroppedNotTheFile() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        let url = folder.appendingPathComponent("cut.wav")
        try TestFiles.write(TestFiles.tone(frames: 22050, channels: 2), channels: 2, sampleRate: 22050, format: TestFiles.wavPCM16, to: url)
        var bytes = try Data(contentsOf: url)
        let data = bytes.range(of: Data("data".utf8))!.lowerBound
        bytes.replaceSubrange(4..<8, with: [0, 0, 0, 0])
        bytes.replaceSubrange((data + 4)..<(data + 8), with: [0, 0, 0, 0])
        try bytes.dropLast(3).write(to: url)
        XCTAssertEqual(try AudioDecoder.readInterleaved(path: url.path).info.frames, 22049)
        let aiff = folder.appendingPathComponent("cut.aiff")
        try Data(try Data(contentsOf: try TestFiles.shared("datasets/formats/vibe_ace_44k_stereo_s16.aiff")).dropLast(1)).write(to: aiff)
        XCTAssertEqual(try AudioDecoder.readInterleaved(path: aiff.path).info.frames, 440_999)
    }

    /// Every link of a chained Ogg is held to the supported rates, not only the first; links of another codec
    /// (FFmpeg cannot switch codecs mid-stream) are refused rather than silently dropped.
    func testChainedOggLinksAreCheckedOneByOne() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        func ogg(_ name: String, rate: Int, subtype: Int32) throws -> Data {
            let url = folder.appendingPathComponent(name)
            try TestFiles.write(TestFiles.tone(frames: 3 * rate, channels: 1), channels: 1, sampleRate: rate,
                                format: Int32(SF_FORMAT_OGG) | subtype, to: url)
            return try Data(contentsOf: url)
        }
        let vorbis = try ogg("a.ogg", rate: 22050, subtype: Int32(SF_FORMAT_VORBIS))
        let slow = try ogg("slow.ogg", rate: 800, subtype: Int32(SF_FORMAT_VORBIS))
        let opus = try ogg("b.opus", rate: 48000, subtype: Int32(SF_FORMAT_OPUS))
        let lowRate = folder.appendingPathComponent("low-rate-link.ogg")
        try (vorbis + slow).write(to: lowRate)
        XCTAssertThrowsError(try AudioDecoder.readInterleaved(path: lowRate.path)) { error in
            XCTAssertEqual(error as? AudioError, .unsupportedSampleRate(path: lowRate.path, sampleRate: 800))
        }
        let mixed = folder.appendingPathComponent("vorbis-then-opus.ogg")
        try (vorbis + opus).write(to: mixed)
        XCTAssertThrowsError(try AudioDecoder.readInterleaved(path: mixed.path)) { error in
            XCTAssertEqual("\(error)", "\(mixed.path): a chained Ogg whose links use different codecs (Vorbis, Opus); "
                           + "convert it to one codec first")
        }
        // A chain's header counts are per link: none is reported for the whole.
        let chain = folder.appendingPathComponent("chain.ogg")
        try (vorbis + vorbis).write(to: chain)
        let info = try AudioDecoder.readInterleaved(path: chain.path).info
        XCTAssertNil(info.headerFrames)
        XCTAssertNil(info.frameCountNote)
    }

    /// When an allowed FFmpeg demuxer recognises a file but it cannot be decoded, FFmpeg's reason is given, not
    /// libsndfile's "not recognised" (a truncated M4A; an MP4 without audio).
    func testFFmpegsReasonIsGivenForAFileItRecognises() throws {
        let folder = try TestFiles.scratchDirectory(for: self)
        let truncated = folder.appendingPathComponent("truncated.m4a")
        try Data(try Data(contentsOf: try TestFiles.shared("datasets/formats/stereo_sample.m4a")).prefix(3000)).write(to: truncated)
        XCTAssertThrowsError(try AudioDecoder.readInterleaved(path: truncated.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(truncated.path): cannot decode audio (FFmpeg, MP4: "), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    /// FFmpeg's PCM codec names read as libsndfile's (`PCM_16`, not `PCM_S16BE`), so one file reads the same whoever
    /// decodes it.
    func testFFmpegPCMNamesMatchLibsndfiles() throws {
        let path = try TestFiles.shared("datasets/formats/vibe_ace_44k_stereo_s16.aiff").path
        XCTAssertEqual(try AudioDecoder.readInterleaved(path: path).info.format, "AIFF PCM_16")
    }

    func testFFmpegVersionIsReported() {
        XCTAssertTrue(AudioDecoder.ffmpegVersion.hasPrefix("FFmpeg libavformat "), AudioDecoder.ffmpegVersion)
    }
}

private extension URL {
    /// Writes `samples` (mono or stereo interleaved, 2 channels) here as 16-bit WAV and returns the path.
    func path(writing samples: [Float]) throws -> String {
        try TestFiles.write(samples, channels: 2, sampleRate: 22050, format: TestFiles.wavPCM16, to: self)
        return path
    }
}
