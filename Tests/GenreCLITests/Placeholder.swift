import XCTest
final class GenreCLITestsPlaceholder: XCTestCase { func testNothing() {} }
