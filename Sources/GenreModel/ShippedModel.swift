import Foundation
import GenreSupport

/// The model committed with the repository, which `predict`, `evaluate` and `info` use by default and
/// `train` refuses to overwrite by accident.
public enum ShippedModel {
    /// Relative to the repository root (where the commands are meant to run): `models/genre.safetensors`.
    public static let path = "models/genre.safetensors"
    /// Its file name wherever it is installed.
    public static let fileName = "genre.safetensors"

    /// Where a command that reads a model looks when `--model` is not given, in order; the first that exists is used.
    /// 1. `$GENRE_MODEL`, when set (then it must name a file: empty, missing or a folder is an error, not passed over);
    /// 2. `./models/genre.safetensors` (the repository's own);
    /// 3. `$XDG_DATA_HOME/genre/genre.safetensors` (`$HOME/.local/share` when unset or not absolute, as the XDG Base
    ///    Directory Specification says);
    /// 4. `PREFIX/share/genre/genre.safetensors`, PREFIX being the folder above the one holding the running binary
    ///    (`PREFIX/bin/genre`, links resolved).
    /// - Parameters:
    ///   - environment: the process's environment.
    ///   - executable: the running binary's path (`/proc/self/exe`, resolved).
    /// - Returns: each candidate with where it comes from.
    public static func searchPath(environment: [String: String], executable: String?) -> [(path: String, source: String)] {
        var candidates: [(String, String)] = [(path, "the working folder")]
        var data = environment["XDG_DATA_HOME"] ?? ""
        if !data.hasPrefix("/"), let home = environment["HOME"], !home.isEmpty { data = home + "/.local/share" }
        if data.hasPrefix("/") { candidates.append((data + "/genre/" + fileName, "$XDG_DATA_HOME")) }
        if let executable {
            let prefix = URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent().path
            candidates.append(((prefix == "/" ? "" : prefix) + "/share/genre/" + fileName, "the install prefix"))
        }
        return candidates
    }

    /// The model a command reads: `given` (`--model`), else `$GENRE_MODEL`, else the first existing file of
    /// `searchPath`.
    /// - Throws: `RunError` when `$GENRE_MODEL` is empty or names nothing or a folder, or no candidate exists (listing
    ///   every place looked at).
    public static func locate(given: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String? = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        throws -> String {
        if let given { return given }
        if let fromEnvironment = environment["GENRE_MODEL"] {
            guard !fromEnvironment.isEmpty else { throw RunError("$GENRE_MODEL is set but empty; name a model file, or unset it") }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: fromEnvironment, isDirectory: &isFolder) else {
                throw RunError("\(fromEnvironment): not found (named by $GENRE_MODEL); fix or unset it, or pass --model PATH")
            }
            guard !isFolder.boolValue else {
                throw RunError("\(fromEnvironment): named by $GENRE_MODEL, is a folder; name a model file, e.g. \(fromEnvironment)/\(fileName)")
            }
            return fromEnvironment
        }
        let candidates = searchPath(environment: environment, executable: executable)
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found.path }
        let looked = candidates.map { "\($0.path) (\($0.source))" }.joined(separator: ", ")
        throw RunError("no model found: not given (--model), $GENRE_MODEL unset, and none of \(looked) exists; pass --model PATH "
                       + "(a model from 'genre train DIR'), or install one (README, \"Install\")")
    }
}
