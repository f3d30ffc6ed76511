import Foundation
import GenreSupport
import XCTest

/// The run lock's refusals that need no second process.
final class RunLockTests: XCTestCase {
    func testALockInAFolderThatDoesNotExistIsRefusedNotRetriedForever() {
        let path = NSTemporaryDirectory() + "genre-no-such-folder-\(UUID().uuidString)/out.jsonl.lock"
        XCTAssertThrowsError(try RunLock.acquire(path)) { error in
            XCTAssertEqual(error as? RunLock.Failure, .system("No such file or directory"))
        }
    }
}
