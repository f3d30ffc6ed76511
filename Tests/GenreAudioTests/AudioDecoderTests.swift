import CSndfile
import Foundation
import XCTest
import GenreAudio

/// Error handling and edge cases of AudioDecoder, on files the tests write with libsndfile.
final class AudioDecoderTests: XCTestCase {
    func testMissingPathIsFileNotFound() {
        let path = "/nonexistent/genre/no-such-file.wav"
        XCTAssertThrowsError(try AudioDecoder.readMono(path: path)) { error in
            XCTAssertEqual(error as? AudioError, .fileNotFound(path: path))
            XCTAssertEqual(String(describing: error), "\(path): no such file")
        }
    }

    /// A symbolic link whose target is gone is there (`ls` lists it): say what it is, not "no such file".
    func testLinkToNothingIsNamedAsSuch() throws {
        let link = try TestFiles.scratchDirectory(for: self).appendingPathComponent("gone.wav").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/nonexistent/genre/song.wav")
        XCTAssertThrowsError(try AudioDecoder.readMono(path: link)) { error in
            XCTAssertEqual("\(error)", "\(link): cannot read: a symbolic link to nothing (/nonexistent/genre/song.wav)")
        }
    }

    func testDirectoryIsNotARegularFile() throws {
        let directory = try TestFiles.scratchDirectory(for: self)
        let sub = directory.appendingPathComponent("looks-like.wav")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        XCTAssertThrowsError(try AudioDecoder.readMono(path: sub.path)) { error in
            XCTAssertEqual(error as? AudioError, .notARegularFile(path: sub.path))
            XCTAssertTrue(String(describing: error).hasPrefix(sub.path + ": "))
        }
    }

    func testEmptyFileIsUnreadable() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("empty.wav")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data()))
        assertNotAudio(url.path)
    }

    func testTextFileNamedMP3IsUnreadable() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("notes.mp3")
        try "This is not audio, just some text.\n".write(to: url, atomically: true, encoding: .utf8)
        assertNotAudio(url.path)
    }

    func assertNotAudio(_ path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try AudioDecoder.readMono(path: path), file: file, line: line) { error in
            guard case AudioError.notAudio(let errorPath, let reason)? = error as? AudioError else {
                return XCTFail("expected .notAudio, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(errorPath, path, file: file, line: line)
            XCTAssertTrue(reason.hasPrefix("not a recognised audio file"), reason, file: file, line: line)
            // libsndfile calls a short existing file "does not exist"; the message must stay true.
            XCTAssertFalse(reason.contains("does not exist"), reason, file: file, line: line)
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix(path + ": not a recognised audio file"), text, file: file, line: line)
            XCTAssertFalse(text.contains("\n"), file: file, line: line)
        }
    }

    /// A process out of file descriptors gets the system's reason, not libsndfile's guess at a format (issue 15).
    func testTooManyOpenFilesIsTheSystemsReason() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("tone.wav")
        try TestFiles.write(TestFiles.tone(frames: 22050, channels: 1), channels: 1, sampleRate: 22050,
                            format: TestFiles.wavPCM16, to: url)
        // Lower the soft limit to a few descriptors above those open now, then take them all.
        var saved = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved), 0)
        let probe = open("/dev/null", O_RDONLY)
        close(probe)
        var limited = saved
        limited.rlim_cur = rlim_t(probe + 16)
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limited), 0)
        var taken: [Int32] = []
        defer {
            for fd in taken { close(fd) }
            var restore = saved
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &restore)
        }
        while taken.count < 64 {
            let fd = open("/dev/null", O_RDONLY)
            guard fd >= 0 else { break }
            taken.append(fd)
        }
        XCTAssertEqual(errno, EMFILE)
        XCTAssertThrowsError(try AudioDecoder.readMono(path: url.path)) { error in
            XCTAssertEqual("\(error)", "\(url.path): cannot read: too many open files")
        }
    }

    func testValidHeaderWithZeroFramesIsNoFrames() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("zero.wav")
        try TestFiles.write([], channels: 1, sampleRate: 22050, format: TestFiles.wavPCM16, to: url)
        XCTAssertThrowsError(try AudioDecoder.readInterleaved(path: url.path)) { error in
            XCTAssertEqual(error as? AudioError, .noFrames(path: url.path))
            XCTAssertTrue(String(describing: error).hasPrefix(url.path + ": "))
        }
    }

    /// The header promises 1000 frames but the file is cut after 300.5 of them: decoding reads what
    /// is really there.
    func testTruncatedFileDecodesTheFramesPresent() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("truncated.wav")
        let samples = (0..<1000).map { Float($0 % 100) / 200 }
        try TestFiles.write(samples, channels: 1, sampleRate: 8000, format: TestFiles.wavPCM16, to: url)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        let header = size - 2 * 1000  // WAV: the data chunk is the last thing libsndfile writes
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(header + 2 * 300 + 1))
        try handle.close()

        let (interleaved, info) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(info.frames, 300)
        XCTAssertEqual(interleaved.count, 300)
        for i in 0..<300 { XCTAssertEqual(interleaved[i], samples[i], accuracy: 1.0 / 32768) }
    }

    /// Float files are not normalised: a peak of 2.0 reads back as 2.0.
    func testFloatFileKeepsValuesAboveOne() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("loud-float.wav")
        let samples: [Float] = [0, 2.0, -1.5, 0.25, -2.0, 1.0]
        try TestFiles.write(samples, channels: 1, sampleRate: 44100, format: TestFiles.wavFloat, to: url)
        let (interleaved, info) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(info.format, "WAV FLOAT")
        XCTAssertEqual(interleaved, samples)
        XCTAssertEqual(interleaved.map { abs($0) }.max(), 2.0)
    }

    /// −120 dBFS noise in a float file is read as written: no normalisation, no float-to-int scaling
    /// that would round it to zero.
    func testFloatFileKeepsMinus120DBFSNoise() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("quiet-float.wav")
        var g = SystemRandomNumberGenerator()
        let samples = (0..<4410).map { _ in Float.random(in: -1.7e-6...1.7e-6, using: &g) }  // RMS ≈ 1e-6
        try TestFiles.write(samples, channels: 1, sampleRate: 44100, format: TestFiles.wavFloat, to: url)
        let (interleaved, _) = try AudioDecoder.readInterleaved(path: url.path)
        XCTAssertEqual(interleaved, samples)
        let rms = (interleaved.map { Double($0) * Double($0) }.reduce(0, +) / Double(interleaved.count)).squareRoot()
        XCTAssertEqual(20 * log10(rms), -120, accuracy: 1.5)
    }

    func testStereoMixdownIsChannelMean() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("stereo.wav")
        let frames = 500
        var interleavedIn: [Float] = []
        for t in 0..<frames {
            interleavedIn.append(Float(sin(Double(t) * 0.05)) * 0.8)
            interleavedIn.append(Float(t % 7) / 10 - 0.3)
        }
        try TestFiles.write(interleavedIn, channels: 2, sampleRate: 16000, format: TestFiles.wavFloat, to: url)
        let (interleaved, info) = try AudioDecoder.readInterleaved(path: url.path)
        let (mono, monoInfo) = try AudioDecoder.readMono(path: url.path)
        XCTAssertEqual(info, monoInfo)
        XCTAssertEqual(info.channels, 2)
        XCTAssertEqual(mono.samples.count, frames)
        for t in 0..<frames {
            XCTAssertEqual(mono.samples[t], (interleaved[2 * t] + interleaved[2 * t + 1]) / 2, "frame \(t)")
        }
    }

    /// libsndfile sniffs content, so the extension and its case do not matter.
    func testExtensionCaseDoesNotMatter() throws {
        let directory = try TestFiles.scratchDirectory(for: self)
        let original = try TestFiles.shared("datasets/formats/pluck-pcm16.au")
        let (expected, _) = try AudioDecoder.readInterleaved(path: original.path)
        for name in ["pluck.Au", "pluck.AU", "pluck.wav", "pluck"] {
            let copy = directory.appendingPathComponent(name)
            try FileManager.default.copyItem(at: original, to: copy)
            let (samples, info) = try AudioDecoder.readInterleaved(path: copy.path)
            XCTAssertEqual(info.format, "AU PCM_16", name)
            XCTAssertEqual(samples, expected, name)
        }
        let upper = directory.appendingPathComponent("TONE.WAV")
        try TestFiles.write([0.5, -0.5, 0.25], channels: 1, sampleRate: 8000, format: TestFiles.wavPCM16, to: upper)
        XCTAssertEqual(try AudioDecoder.readInterleaved(path: upper.path).info.frames, 3)
    }

    func testLoadResamplesToTheRequestedRate() throws {
        let url = try TestFiles.scratchDirectory(for: self).appendingPathComponent("tone44k.wav")
        let tone = (0..<44100).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / 44100)) }
        try TestFiles.write(tone + tone, channels: 1, sampleRate: 44100, format: TestFiles.wavFloat, to: url)
        let (audio, info) = try AudioDecoder.load(path: url.path, sampleRate: 22050)
        XCTAssertEqual(info.sampleRate, 44100)
        XCTAssertEqual(info.frames, 88200)
        XCTAssertEqual(audio.sampleRate, 22050)
        XCTAssertEqual(audio.samples.count, 44100)
        let same = try AudioDecoder.load(path: url.path, sampleRate: 44100)
        XCTAssertEqual(same.audio.samples, tone + tone, "no resampling at the file's own rate")
    }

    func testVersionsAreReported() {
        XCTAssertTrue(AudioDecoder.libsndfileVersion.hasPrefix("libsndfile-"), AudioDecoder.libsndfileVersion)
        XCTAssertTrue(Resampler.libsoxrVersion.hasPrefix("libsoxr-"), Resampler.libsoxrVersion)
    }
}
