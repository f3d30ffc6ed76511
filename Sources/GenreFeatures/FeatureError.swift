/// Invalid `FeatureParameters`. `description` is one line meant for a command-line error message.
public enum FeatureError: Error, CustomStringConvertible, Equatable {
    /// A size (`parameter` names it: sampleRate, nFFT, hopLength, nMels, segmentFrames) is ≤ 0.
    case nonPositive(parameter: String, value: Int)
    /// A size is above the largest this tool accepts (`limit`), e.g. a damaged model asking for an
    /// nFFT of 10⁹ samples.
    case tooLarge(parameter: String, value: Int, limit: Int)
    /// nFFT is odd; centred framing needs an even window.
    case oddNFFT(Int)
    /// fMin < 0, fMin ≥ fMax, or fMax not finite (Hz).
    case invalidFrequencyRange(fMin: Float, fMax: Float)
    /// fMax (Hz) is above the Nyquist frequency sampleRate / 2.
    case fMaxAboveNyquist(fMax: Float, sampleRate: Int)
    /// minLastSegmentFrames is outside 1 ... segmentFrames.
    case invalidMinLastSegmentFrames(Int, segmentFrames: Int)
    /// These mel bands (0-based) have no FFT bin with non-zero weight: the FFT grid
    /// (sampleRate / nFFT Hz per bin) is coarser than the narrow low-frequency filters.
    case emptyMelBands([Int], nMels: Int, nFFT: Int, sampleRate: Int)
    /// The level normalisation's target (LUFS) or gain cap (dB) is outside what it accepts.
    case invalidLevel(String)

    /// One line naming the offending parameter(s) and value(s) and, for empty bands, the remedy.
    public var description: String {
        switch self {
        case .nonPositive(let parameter, let value):
            return "\(parameter) must be positive (got \(value))"
        case .tooLarge(let parameter, let value, let limit):
            return "\(parameter) must be at most \(limit) (got \(value))"
        case .oddNFFT(let n):
            return "nFFT must be even (got \(n))"
        case .invalidFrequencyRange(let fMin, let fMax):
            return "need 0 <= fMin < fMax (got fMin \(fMin) Hz, fMax \(fMax) Hz)"
        case .fMaxAboveNyquist(let fMax, let sampleRate):
            return "fMax \(fMax) Hz is above the Nyquist frequency \(Float(sampleRate) / 2) Hz of \(sampleRate) Hz audio"
        case .invalidMinLastSegmentFrames(let value, let segmentFrames):
            return "minLastSegmentFrames must be in 1...\(segmentFrames) (got \(value))"
        case .invalidLevel(let reason):
            return "level normalisation: \(reason)"
        case .emptyMelBands(let bands, let nMels, let nFFT, let sampleRate):
            // Keep the line readable when nearly every band is empty (e.g. --n-mels 100000).
            var list = bands.prefix(20).map(String.init).joined(separator: ", ")
            if bands.count > 20 { list += ", … and \(bands.count - 20) more" }
            return "\(bands.count) of \(nMels) mel bands are empty at nFFT \(nFFT), \(sampleRate) Hz "
                + "(bands \(list)); use a larger nFFT or fewer mel bands"
        }
    }
}
