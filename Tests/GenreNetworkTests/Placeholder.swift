import XCTest
final class GenreNetworkTestsPlaceholder: XCTestCase { func testNothing() {} }
