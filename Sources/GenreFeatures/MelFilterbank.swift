import Foundation

/// Mel filterbanks.
public enum MelFilterbank {
    /// Triangular mel filters on the Slaney scale with Slaney ("area") normalisation, as
    /// librosa 0.11 `filters.mel(sr=sampleRate, n_fft=nFFT, n_mels=nMels, fmin=fMin, fmax=fMax,
    /// htk=False, norm="slaney")`, following Slaney's Auditory Toolbox (`fft2melmx`): mel is linear
    /// below 1 kHz (200/3 Hz per mel) and logarithmic above (27 mels per factor 6.4); band m's
    /// triangle rises from edge m to m+1 and falls to m+2 of `nMels + 2` equally spaced mel edges, and
    /// is scaled by 2 / (f[m+2] − f[m]) so every filter has unit area in Hz.
    ///
    /// Computed in Double and rounded to Float the way librosa does (weights stored as float32, then
    /// multiplied in place by the float64 normalisation), so it matches librosa to float32 rounding.
    ///
    /// - Parameters:
    ///   - sampleRate: Hz, > 0.
    ///   - nFFT: FFT length, samples, > 0; bin k is at k · sampleRate / nFFT Hz.
    ///   - nMels: number of bands, > 0.
    ///   - fMin: lowest edge, Hz, ≥ 0.
    ///   - fMax: highest edge, Hz, > fMin (normally sampleRate / 2).
    /// - Returns: weights `[nMels, nFFT/2 + 1]` row-major, 1/Hz.
    public static func slaney(sampleRate: Int, nFFT: Int, nMels: Int, fMin: Float, fMax: Float) -> [Float] {
        let bins = nFFT / 2 + 1
        // np.fft.rfftfreq(n_fft, d=1/sr): k * (1 / (n_fft * (1 / sr))).
        let binSpacing = 1.0 / (Double(nFFT) * (1.0 / Double(sampleRate)))
        let binHz = (0..<bins).map { Double($0) * binSpacing }
        let edges = melEdgesHz(nMels: nMels, fMin: Double(fMin), fMax: Double(fMax))

        var weights = [Float](repeating: 0, count: nMels * bins)
        for m in 0..<nMels {
            let lowerWidth = edges[m + 1] - edges[m]
            let upperWidth = edges[m + 2] - edges[m + 1]
            let area = 2.0 / (edges[m + 2] - edges[m])
            for k in 0..<bins {
                let rising = -(edges[m] - binHz[k]) / lowerWidth
                let falling = (edges[m + 2] - binHz[k]) / upperWidth
                let triangle = max(0, min(rising, falling))
                weights[m * bins + k] = Float(Double(Float(triangle)) * area)
            }
        }
        return weights
    }

    /// Slaney mel of a frequency (Hz), as librosa `hz_to_mel(htk=False)`.
    static func hzToMel(_ hz: Double) -> Double {
        if hz >= minLogHz { return minLogMel + log(hz / minLogHz) / logStep }
        return hz / linearHzPerMel
    }

    /// Inverse of `hzToMel`, as librosa `mel_to_hz(htk=False)`.
    static func melToHz(_ mel: Double) -> Double {
        if mel >= minLogMel { return minLogHz * exp(logStep * (mel - minLogMel)) }
        return linearHzPerMel * mel
    }

    /// `nMels + 2` band edges in Hz, equally spaced in mel (librosa `mel_frequencies`, with numpy
    /// `linspace`'s `start + i * step` and an exact last point).
    static func melEdgesHz(nMels: Int, fMin: Double, fMax: Double) -> [Double] {
        let count = nMels + 2
        let low = hzToMel(fMin), high = hzToMel(fMax)
        let step = (high - low) / Double(count - 1)
        return (0..<count).map { i in melToHz(i == count - 1 ? high : Double(i) * step + low) }
    }

    /// Bands (0-based) whose row of `weights` `[nMels, bins]` is all zero.
    static func emptyBands(_ weights: [Float], nMels: Int) -> [Int] {
        let bins = weights.count / nMels
        return (0..<nMels).filter { m in !weights[(m * bins)..<((m + 1) * bins)].contains { $0 > 0 } }
    }

    private static let linearHzPerMel = 200.0 / 3
    private static let minLogHz = 1000.0
    private static let minLogMel = minLogHz / linearHzPerMel
    private static let logStep = log(6.4) / 27.0
}
