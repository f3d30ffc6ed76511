import Foundation

/// An exclusive lock held by one run for its whole length: `flock(2)` on a lock file that holds the owner's
/// PID. The kernel releases it when the process ends, however it ends, so a killed run never leaves a lock
/// that blocks the next one; the file itself is removed by `release` (or left, unlocked, by a killed run,
/// and taken over by the next).
///
/// Removing a lock file while others may wait on it is safe only with the usual check: after `flock`
/// succeeds, the locked file must still be the one at the path (same device and inode), else another run
/// removed it meanwhile and the lock is taken again on the new file.
public final class RunLock: @unchecked Sendable {
    /// The lock file.
    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock on `path` without waiting, creating the file, and writes this process's PID into it.
    /// - Parameter holder: the message when another process holds it, given that process's PID (nil when
    ///   the file does not say).
    /// - Throws: `holder`'s error when another process holds the lock; `RunError` naming `path` when the
    ///   file cannot be created or locked.
    public static func acquire(_ path: String, holder: (Int32?) -> RunError) throws -> RunLock {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw RunError("\(path): cannot create the lock file: \(String(cString: strerror(errno)))") }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                defer { close(fd) }
                guard code == EWOULDBLOCK else {
                    throw RunError("\(path): cannot lock: \(String(cString: strerror(code)))")
                }
                throw holder(pid(in: fd))
            }
            var locked = stat(), current = stat()
            guard fstat(fd, &locked) == 0, stat(path, &current) == 0,
                  locked.st_dev == current.st_dev, locked.st_ino == current.st_ino else {
                close(fd)  // removed by the run that held it just before: lock the file now at the path
                continue
            }
            let text = Array("\(getpid())\n".utf8)
            guard ftruncate(fd, 0) == 0, pwrite(fd, text, text.count, 0) == text.count else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw RunError("\(path): cannot write the lock file: \(reason)")
            }
            return RunLock(path: path, fd: fd)
        }
    }

    /// Removes the lock file and releases the lock (in that order, see the type's note); idempotent.
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// The PID written in the lock file open as `fd`, if it holds one.
    private static func pid(in fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
