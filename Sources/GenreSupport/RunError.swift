/// Error for a whole run that cannot start or finish: one line naming the file (or setting) and the
/// problem. Settings it names are kept as such (`Message`), so that the `genre` command prints its flags.
public struct RunError: MessageError, Equatable {
    /// The one line, settings kept as such.
    public let message: Message

    /// An error saying `message`; write it as a literal: `RunError("\(path): …")`.
    public init(_ message: Message) { self.message = message }
}
