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

    /// Why the lock was not taken.
    public enum Failure: Error, Equatable {
        /// Another process holds it; its PID when the file says.
        case held(pid: Int32?)
        /// What is at the path is not a lock file (a symbolic link, or a file not holding a PID): someone else's, left alone.
        case notALockFile
        /// The file could not be created, read or locked: the system's reason.
        case system(String)
    }

    /// Takes the lock on `path` without waiting, creating the file, and writes this process's PID into it.
    /// - Throws: `Failure`: `.held` when another process holds the lock, `.notALockFile` when the file there is
    ///   a symbolic link or holds something else than a PID (it is not changed), `.system` when it cannot be
    ///   created or locked.
    public static func acquire(_ path: String) throws(Failure) -> RunLock {
        while true {
            // Never through a symbolic link (it would write our PID into whatever it names, then remove the link).
            var created = true
            var fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd < 0 && errno == EEXIST {
                created = false
                fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
            }
            guard fd >= 0 else {
                let code = errno
                if code == ELOOP { throw .notALockFile }
                // Removed by its run between the two opens: try again. A first open that finds no folder would find none
                // again (it looped forever on a lock beside an output whose folder was still to be made).
                if code == ENOENT && !created { continue }
                throw .system(String(cString: strerror(code)))
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let content = read(fd)
                close(fd)
                throw code == EWOULDBLOCK ? .held(pid: pid(in: content)) : .system(String(cString: strerror(code)))
            }
            // A file that was there, unlocked, is a lock file only if it holds a PID (a run killed after writing it);
            // anything else, an empty file included, is someone else's.
            if !created, pid(in: read(fd)) == nil {
                close(fd)
                throw .notALockFile
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
                throw .system(reason)
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

    /// The first bytes of the file open as `fd` (enough for a PID, and to see that a file is something else).
    private static func read(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = pread(fd, &buffer, buffer.count, 0)
        return Array(buffer.prefix(max(0, count)))
    }

    /// The PID a lock file's `content` holds ("4242\n"), or nil when it holds anything else.
    private static func pid(in content: [UInt8]) -> Int32? {
        let text = String(decoding: content, as: UTF8.self)
        let digits = text.hasSuffix("\n") ? text.dropLast() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int32(digits)
    }
}

extension RunLock {
    /// `acquire`, its refusals worded as the one line a command prints.
    /// - Parameters:
    ///   - target: the file the lock guards (the model, the output), named in the refusal.
    ///   - command: what holds such locks, e.g. "genre train".
    ///   - what: how the sentence calls the target: "this model", "it".
    ///   - other: the option that chooses another target, e.g. `Setting.modelPath`.
    /// - Throws: `RunError`: another run holds the lock (its PID), the file there is not a lock file, or the system
    ///   refused (with a hint when permission is denied: a lock left by another user's run).
    public static func take(_ path: String, guarding target: String, command: String, writing what: String,
                            other: Message) throws -> RunLock {
        do {
            return try acquire(path)
        } catch .held(let pid) {
            throw RunError("\(target): another \(command) (\(pid.map { "PID \($0)" } ?? "PID unknown")) is writing \(what); "
                           + "wait for it to end or choose another \(other)")
        } catch .notALockFile {
            throw RunError("\(path): exists and is not genre's lock file; not overwriting it (remove it or choose another \(other))")
        } catch .system(let reason) {
            let hint = reason == String(cString: strerror(EACCES)) ? " (a lock file left by another user's run? remove it if no run is going)" : ""
            throw RunError("\(path): cannot take the lock: \(reason)\(hint)")
        }
    }
}
