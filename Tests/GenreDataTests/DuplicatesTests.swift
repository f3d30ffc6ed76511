import XCTest
@testable import GenreData

final class DuplicatesTests: XCTestCase {
    func clip(_ path: String, _ values: [Float], count: Int = 1, label: Int = 0) -> ClipFeatures {
        ClipFeatures(relativePath: path, label: label, segments: values, segmentCount: count, duration: 1)
    }

    /// A song filed under two genres is a labelling mistake, not only a copy: the reason says so.
    func testACopyUnderAnotherGenreSaysSo() {
        let clips = [clip("classical/a.wav", [1, 2], label: 0), clip("metal/b.wav", [1, 2], label: 1)]
        XCTAssertEqual(Duplicates.removing(from: clips, root: "data").skipped.map(\.description),
                       ["data/metal/b.wav: same audio as 'classical/a.wav', which is filed under another genre"])
    }

    func testLaterCopiesOfTheSameAudioAreFoundAndDropped() {
        let clips = [clip("a/1.wav", [1, 2, 3, 4]), clip("a/2.wav", [1, 2, 3, 5]), clip("b/3.wav", [1, 2, 3, 4]),
                     clip("b/4.wav", [1, 2, 3, 5]), clip("c/5.wav", [1, 2, 3, 4]), clip("c/6.wav", [1, 2, 3, 4], count: 2)]
        let found = Duplicates.find(clips)
        XCTAssertEqual(found.map(\.duplicate), ["b/3.wav", "b/4.wav", "c/5.wav"])
        XCTAssertEqual(found.map(\.of), ["a/1.wav", "a/2.wav", "a/1.wav"])
        let (kept, skipped) = Duplicates.removing(from: clips, root: "data")
        XCTAssertEqual(kept.map(\.relativePath), ["a/1.wav", "a/2.wav", "c/6.wav"])
        XCTAssertEqual(skipped.map(\.description), ["data/b/3.wav: same audio as 'a/1.wav'", "data/b/4.wav: same audio as 'a/2.wav'",
                                                    "data/c/5.wav: same audio as 'a/1.wav'"])
    }
}
