#if canImport(Glibc)
import Glibc
#endif

/// The entries of a folder as `readdir` returns their names: bytes, which need not be UTF-8.
public enum FolderEntries {
    /// Why a folder could not be listed: the `errno` value and the system's text for it (`strerror`).
    public struct Failure: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { String(cString: strerror(code)) }
    }

    /// Every name but "." and "..", in byte order.
    /// - Throws: `Failure` with the system's reason when the folder cannot be opened or read.
    public static func names(_ folder: String) throws(Failure) -> [[UInt8]] {
        try map(folder) { _, name in name }
    }

    /// `transform(folderDescriptor, name)` for every name but "." and "..", in byte order of the names, with the folder
    /// still open (for `fstatat` relative to it: the folder is opened once).
    /// - Throws: `Failure` with the system's reason when the folder cannot be opened or read.
    public static func map<T>(_ folder: String, _ transform: (Int32, [UInt8]) -> T) throws(Failure) -> [T] {
        guard let directory = opendir(folder) else { throw Failure(code: errno) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw Failure(code: errno) }
                break
            }
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes != [0x2E] && bytes != [0x2E, 0x2E] { names.append(bytes) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }.map { transform(dirfd(directory), $0) }
    }
}
