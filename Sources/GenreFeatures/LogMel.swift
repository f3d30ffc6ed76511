/// A log-mel spectrogram.
public struct LogMel: Sendable {
    /// `[nMels, frames]` row-major (band-major: `values[m * frames + t]`), dB re 1.0 power,
    /// floored at −100 dB.
    public var values: [Float]
    /// Number of mel bands (rows).
    public let nMels: Int
    /// Number of frames (columns).
    public let frames: Int

    /// Wraps `values` `[nMels, frames]` row-major (dB); traps if the count is not nMels · frames.
    public init(values: [Float], nMels: Int, frames: Int) {
        precondition(values.count == nMels * frames, "values must hold nMels * frames elements")
        self.values = values
        self.nMels = nMels
        self.frames = frames
    }

    /// The value of band `mel` at frame `frame`, dB.
    public subscript(mel: Int, frame: Int) -> Float { values[mel * frames + frame] }
}
