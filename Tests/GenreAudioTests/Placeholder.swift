import XCTest
final class GenreAudioTestsPlaceholder: XCTestCase { func testNothing() {} }
