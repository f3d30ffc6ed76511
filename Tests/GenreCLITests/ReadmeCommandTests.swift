import Foundation
import GenreTestSupport
import XCTest

/// The README's two set-up commands are what CI runs and what a stock Debian 12 needs.
final class ReadmeCommandTests: XCTestCase {
    /// The shell blocks of the README's set-up section, in order.
    func setupCommands() throws -> [String] {
        let readme = try String(contentsOf: Reference.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "## Set-up on a fresh Debian machine").dropFirst().first)
            .components(separatedBy: "\n## ")[0]
        return section.components(separatedBy: "```sh\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
    }

    func testCIRunsTheREADMEsTestCommandVerbatim() throws {
        let commands = try setupCommands()
        XCTAssertEqual(commands.count, 2, "exactly two set-up commands")
        let ci = try String(contentsOf: Reference.repository.appendingPathComponent(".ci/run"), encoding: .utf8)
        let lines = ci.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains(commands[1]), ".ci/run does not run the README's test command:\n\(commands[1])")
        // Missing references fail there instead of skipping.
        XCTAssertTrue(commands[1].contains("GENRE_REQUIRE_REFERENCE=1 swift test -c release -Xswiftc -enable-testing"))
    }

    func testTheCommandsNeverPipInstallIntoTheSystemPython() throws {
        let commands = try setupCommands()
        // Debian 12's python3 refuses `pip install` outside a virtual environment (PEP 668).
        for command in commands {
            XCTAssertFalse(command.contains("python3 -m pip install"), command)
        }
        XCTAssertTrue(commands[1].hasPrefix("python3 -m venv .venv && .venv/bin/pip install"), commands[1])
        XCTAssertTrue(commands[0].contains("python3-venv"), "the first command installs Debian's venv module")
        let ci = try String(contentsOf: Reference.repository.appendingPathComponent(".ci/run"), encoding: .utf8)
        XCTAssertTrue(ci.contains("python3-venv"), ".ci/run installs python3-venv")
        // The tests interrupt `genre train` at an exact system call with strace.
        XCTAssertTrue(commands[0].contains(" strace "), "the first command installs strace")
        XCTAssertTrue(ci.contains(" strace\n"), ".ci/run installs strace")
        // The README's GNU parallel recipe is run by the tests.
        XCTAssertTrue(commands[0].contains(" parallel "), "the first command installs GNU parallel")
        XCTAssertTrue(ci.contains(" parallel "), ".ci/run installs GNU parallel")
        let ignored = try String(contentsOf: Reference.repository.appendingPathComponent(".gitignore"), encoding: .utf8)
        XCTAssertTrue(ignored.split(separator: "\n").contains(".venv/"), ".venv is git-ignored")
    }
}
