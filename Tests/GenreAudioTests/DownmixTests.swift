import CSndfile
import Foundation
import XCTest
@testable import GenreAudio

/// The ITU-R BS.775 downmix: channel roles from the file's map or its codec's order, the weights, and
/// the mean kept for the old rule, mono, stereo and unknown layouts.
final class DownmixTests: XCTestCase {
    /// Six channels holding the constants 1, 2, 3, 4, 5, 6: a weighted sum reads each weight off.
    private let constants: [Float] = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]

    private func sixChannels(frames: Int = 4410) -> [Float] {
        (0..<frames).flatMap { _ in constants }
    }

    func testWaveExtensibleUsesItsChannelMask() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("51.wav")
        try AudioWriter.write(sixChannels(), sampleRate: 44100, channels: 6, as: .wavexFloat51, to: url.path)
        let (_, info) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(info.format, "WAVEX FLOAT")
        XCTAssertEqual(info.channelRoles, [.left, .right, .center, .lfe, .backLeft, .backRight])
        let (mono, _) = try AudioDecoder.readMono(path: url.path, downmix: .itu775)
        // ½(L + R) + 0.707 C + 0.354 (Lb + Rb); LFE (0.04) dropped.
        let expected: Float = 0.5 * (0.01 + 0.02) + 0.707 * 0.03 + 0.354 * (0.05 + 0.06)
        XCTAssertEqual(mono.samples[100], expected, accuracy: 1e-7)
        let (mean, _) = try AudioDecoder.readMono(path: url.path, downmix: .mean)
        XCTAssertEqual(mean.samples[100], constants.reduce(0, +) / 6, accuracy: 1e-7)
    }

    func testFLACHasNoMapAndUsesTheWaveOrder() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("51.flac")
        try AudioWriter.write(sixChannels(), sampleRate: 44100, channels: 6, as: .flac24, to: url.path)
        let (_, info) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(info.channelRoles, [.left, .right, .center, .lfe, .surroundLeft, .surroundRight])
        let (mono, _) = try AudioDecoder.readMono(path: url.path, downmix: .itu775)
        let expected: Float = 0.5 * (0.01 + 0.02) + 0.707 * 0.03 + 0.354 * (0.05 + 0.06)
        XCTAssertEqual(mono.samples[100], expected, accuracy: 1e-6)  // 24-bit quantisation
    }

    func testVorbisOrderIsLeftCentreRight() throws {
        XCTAssertEqual(ChannelLayout.roles(format: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS), channels: 6, map: nil),
                       [.left, .center, .right, .surroundLeft, .surroundRight, .lfe])
        XCTAssertEqual(ChannelLayout.roles(format: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS), channels: 8, map: nil),
                       [.left, .center, .right, .surroundLeft, .surroundRight, .backLeft, .backRight, .lfe])
        // Through a real file: libsndfile reports no map for Vorbis, so the codec's order applies.
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("51.ogg")
        try AudioWriter.write(sixChannels(frames: 44100), sampleRate: 44100, channels: 6, as: .vorbis(quality: 5), to: url.path)
        let (_, info) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(info.channelRoles, [.left, .center, .right, .surroundLeft, .surroundRight, .lfe])
    }

    func testSevenPointOneWaveOrder() {
        let roles = ChannelLayout.roles(format: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16), channels: 8, map: nil)
        XCTAssertEqual(roles, [.left, .right, .center, .lfe, .backLeft, .backRight, .surroundLeft, .surroundRight])
        XCTAssertEqual(ChannelLayout.weights(rule: .itu775, channels: 8, roles: roles),
                       [0.5, 0.5, 0.707, 0, 0.354, 0.354, 0.354, 0.354])
    }

    func testUnknownLayoutsMonoAndStereoAverage() throws {
        // Three channels: no defined order in any codec here, so the mean.
        XCTAssertNil(ChannelLayout.roles(format: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16), channels: 3, map: nil))
        XCTAssertEqual(ChannelLayout.weights(rule: .itu775, channels: 3, roles: nil), [1 / 3, 1 / 3, 1 / 3] as [Float])
        // AIFF defines no 5.1 order.
        XCTAssertNil(ChannelLayout.roles(format: Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16), channels: 6, map: nil))
        XCTAssertEqual(ChannelLayout.weights(rule: .itu775, channels: 2, roles: nil), [0.5, 0.5])
        XCTAssertEqual(ChannelLayout.weights(rule: .itu775, channels: 1, roles: nil), [1])
        // Stereo through the decoder: bit-identical under both rules.
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("stereo.wav")
        let stereo = (0..<2000).flatMap { i in [Float(sin(Double(i) * 0.1)) * 0.3, Float(cos(Double(i) * 0.07)) * 0.2] }
        try TestFiles.write(stereo, channels: 2, sampleRate: 22050, format: TestFiles.wavFloat, to: url)
        XCTAssertEqual(try AudioDecoder.readMono(path: url.path, downmix: .itu775).audio.samples,
                       try AudioDecoder.readMono(path: url.path, downmix: .mean).audio.samples)
    }

    func testMetadataNamesRoundTripAndAbsentMeansMean() {
        for rule in Downmix.allCases { XCTAssertEqual(Downmix(metadataName: rule.metadataName), rule) }
        XCTAssertEqual(Downmix(metadataName: nil), .mean)
        XCTAssertEqual(Downmix(metadataName: "mean of channels"), .mean)
        XCTAssertNil(Downmix(metadataName: "something else"))
    }
}
