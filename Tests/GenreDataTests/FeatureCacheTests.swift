import Foundation
import GenreAudio
import GenreFeatures
import GenreTestSupport
import XCTest
@testable import GenreData

final class FeatureCacheTests: XCTestCase {
    var folder = ""
    let parameters = FeatureParameters(sampleRate: 16000, nFFT: 512, hopLength: 256, nMels: 32,
                                       segmentFrames: 16, minLastSegmentFrames: 8)

    override func setUp() { folder = makeTemporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// A 1.3 s chirp (5 segments of 16 frames at hop 256), written as a 16-bit WAV at 16 kHz.
    func writeClip(_ name: String, seconds: Double = 1.3, frequency: Double = 440) throws -> String {
        let path = folder + "/" + name
        let samples = (0..<Int(seconds * 16000)).map { i -> Float in
            let t = Double(i) / 16000
            return Float(0.5 * sin(2 * .pi * (frequency + 300 * t) * t))
        }
        try AudioWriter.writeWAV(samples, sampleRate: 16000, to: path)
        return path
    }

    func extract(_ paths: [String], cache: FeatureCache?, parameters: FeatureParameters? = nil) throws -> [ClipFeatures] {
        let extractor = try LogMelExtractor(parameters: parameters ?? self.parameters)
        let jobs = paths.enumerated().map { (path: $1, relativePath: "c\($0)", label: $0) }
        let (clips, skipped) = ClipFeatureExtractor.extract(jobs, extractor: extractor, threads: 2, cache: cache)
        XCTAssertEqual(skipped, [])
        return clips
    }

    func entries(_ cache: FeatureCache) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.folder)) ?? [])
            .filter { $0.hasSuffix(".logmel") }.sorted().map { cache.folder + "/" + $0 }
    }

    func testTheSecondExtractionIsServedFromTheCacheBitForBit() throws {
        let paths = [try writeClip("a.wav"), try writeClip("b.wav", frequency: 880)]
        let fresh = try extract(paths, cache: nil)
        let cache = FeatureCache(folder: folder + "/cache")
        let first = try extract(paths, cache: cache)
        XCTAssertEqual([cache.hits, cache.misses], [0, 2])
        XCTAssertEqual(entries(cache).count, 2)
        let second = try extract(paths, cache: cache)
        XCTAssertEqual([cache.hits, cache.misses], [2, 2])
        for (a, (b, c)) in zip(fresh, zip(first, second)) {
            XCTAssertEqual(a.segmentCount, 5)
            XCTAssertEqual(a.segments, b.segments)
            XCTAssertEqual(a.segments, c.segments)
            XCTAssertEqual(a.segmentCount, c.segmentCount)
            XCTAssertEqual(a.duration, c.duration)
        }
        XCTAssertNil(cache.problem)
    }

    func testTheKeyCarriesThePipelineVersionAndEveryLibraryVersion() throws {
        let path = try writeClip("a.wav")
        let key = try XCTUnwrap(FeatureCache(folder: folder + "/cache").key(path: path, parameters: parameters))
        let lines = key.split(separator: "\n").map(String.init)
        // A change of the pipeline's code or of any library that computes the values must be a miss.
        XCTAssertTrue(lines.contains("pipeline \(ClipFeatureExtractor.pipelineVersion)"), key)
        for version in [AudioDecoder.libsndfileVersion, Resampler.libsoxrVersion, LogMelExtractor.fftwVersion] {
            XCTAssertTrue(lines.contains(version), "\(version) missing from \(key)")
        }
        XCTAssertTrue(Resampler.libsoxrVersion.hasPrefix("libsoxr-"), Resampler.libsoxrVersion)
    }

    func testAChangedFileOrFeatureParameterIsAMiss() throws {
        let path = try writeClip("a.wav")
        let cache = FeatureCache(folder: folder + "/cache")
        _ = try extract([path], cache: cache)
        XCTAssertEqual(cache.misses, 1)

        // Another modification time, same content.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)],
                                              ofItemAtPath: path)
        _ = try extract([path], cache: cache)
        XCTAssertEqual([cache.hits, cache.misses], [0, 2])

        // Another content and size under the same name: the new audio's features, not the cached ones.
        _ = try writeClip("a.wav", seconds: 2.1)
        let changed = try extract([path], cache: cache)
        XCTAssertEqual([cache.hits, cache.misses], [0, 3])
        XCTAssertEqual(changed[0].segmentCount, try extract([path], cache: nil)[0].segmentCount)
        XCTAssertEqual(changed[0].segmentCount, 8)

        // Another hop length: a miss, and features of that hop length.
        var other = parameters
        other.hopLength = 128
        let rehopped = try extract([path], cache: cache, parameters: other)
        XCTAssertEqual(cache.misses, 4)
        XCTAssertEqual(rehopped[0].segments, try extract([path], cache: nil, parameters: other)[0].segments)
        // Both parameter sets now have their own entry.
        _ = try extract([path], cache: cache)
        _ = try extract([path], cache: cache, parameters: other)
        XCTAssertEqual([cache.hits, cache.misses], [2, 4])
    }

    func testADamagedEntryIsRecomputedNeverTrusted() throws {
        let path = try writeClip("a.wav")
        let fresh = try extract([path], cache: nil)[0].segments
        let cache = FeatureCache(folder: folder + "/cache")
        _ = try extract([path], cache: cache)
        let entry = entries(cache)[0]
        let good = try Data(contentsOf: URL(fileURLWithPath: entry))

        var damages: [(String, Data)] = [("empty", Data()), ("truncated", good.prefix(good.count - 1)),
                                          ("extended", good + Data([0])), ("foreign", Data("hello".utf8))]
        for (name, offset) in [("magic", 0), ("key", 20), ("count", good.count - 5 * 16 * 32 * 4 - 28),
                               ("payload", good.count - 100)] {
            var bytes = good
            bytes[offset] ^= 0x40
            damages.append((name, bytes))
        }
        var misses = cache.misses
        for (name, bytes) in damages {
            try bytes.write(to: URL(fileURLWithPath: entry))
            let clip = try extract([path], cache: cache)[0]
            misses += 1
            XCTAssertEqual(cache.misses, misses, "\(name): should be a miss")
            XCTAssertEqual(clip.segments, fresh, name)
            // …and the entry was rewritten whole.
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: entry)), good, name)
        }
    }

    func testAnUnwritableCacheFolderLeavesTheRunUnharmed() throws {
        let path = try writeClip("a.wav")
        let cache = FeatureCache(folder: "/proc/genre-cache-test")
        let clips = try extract([path], cache: cache)
        XCTAssertEqual(clips[0].segments, try extract([path], cache: nil)[0].segments)
        XCTAssertEqual(cache.misses, 1)
        XCTAssertTrue(cache.problem?.hasPrefix("/proc/genre-cache-test") ?? false, cache.problem ?? "no problem")
    }

    func testTheDefaultFolderFollowsXDG() {
        XCTAssertEqual(FeatureCache.defaultFolder(environment: ["XDG_CACHE_HOME": "/x/c", "HOME": "/h"]), "/x/c/genre")
        // A relative XDG_CACHE_HOME is invalid by the XDG spec and ignored.
        XCTAssertEqual(FeatureCache.defaultFolder(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/h"]), "/h/.cache/genre")
        XCTAssertEqual(FeatureCache.defaultFolder(environment: ["HOME": "/h"]), "/h/.cache/genre")
        XCTAssertNil(FeatureCache.defaultFolder(environment: [:]))
    }
}
