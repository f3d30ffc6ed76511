import XCTest
final class GenreFeaturesTestsPlaceholder: XCTestCase { func testNothing() {} }
