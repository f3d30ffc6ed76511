import CFFTW
import CMvec
import Foundation

/// Where an empty signal's samples "are": never read (every frame of it lies in the padding), but a pointer.
private let emptySignal = UnsafeMutablePointer<Float>.allocate(capacity: 1)

/// Log-mel spectrograms with single-precision FFTW, matching librosa 0.11:
/// `power_to_db(melspectrogram(y, sr, n_fft, hop_length, window="hann", center=True,
/// pad_mode="constant", power=2.0, n_mels, fmin, fmax, htk=False, norm="slaney"), ref=1.0,
/// amin=1e-10, top_db=None)`.
///
/// Pipeline per frame t (frames = 1 + samples / hop): take `nFFT` samples centred on sample
/// `t * hop` (zeros outside the signal, i.e. nFFT/2 zeros of constant padding on both sides),
/// multiply by a periodic Hann window, real FFT, power |X|², apply the Slaney mel filterbank (each
/// band only over its non-zero bins), then `10 · log10(max(1e-10, S))` dB.
///
/// Thread-safe: `logMel` and `segments` may run concurrently on one extractor (all mutable
/// buffers are per call).
public final class LogMelExtractor: @unchecked Sendable {
    /// The validated parameters.
    public let parameters: FeatureParameters

    /// Periodic Hann window `[nFFT]`: 0.5 − 0.5 · cos(2πn / nFFT) (scipy `get_window("hann", fftbins=True)`).
    /// Owned raw storage (freed in deinit) so the per-frame loops index plain pointers.
    private let window: UnsafeMutableBufferPointer<Float>
    /// The filterbank's non-zero weights, band after band.
    private let weights: UnsafeMutableBufferPointer<Float>
    /// `[nMels]`: where each band's weights and bins are.
    private let bands: UnsafeMutableBufferPointer<Band>
    private let plan: OpaquePointer

    /// Band m is non-zero only on bins `firstBin ..< firstBin + count`, whose weights are
    /// `weights[offset ..< offset + count]` (Slaney filters are triangles, so no gaps inside).
    private struct Band {
        var firstBin: Int
        var offset: Int
        var count: Int
    }

    /// Validates `parameters` and prepares the window, the sparse filterbank and the FFTW plan
    /// (created once per nFFT per process, under a lock).
    ///
    /// - Throws: `FeatureError` from `FeatureParameters.validate()`.
    public init(parameters: FeatureParameters) throws {
        try parameters.validate()
        self.parameters = parameters
        let n = parameters.nFFT
        window = .allocate(capacity: n)
        for i in 0..<n { window[i] = Float(0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n))) }

        let bins = n / 2 + 1
        let dense = MelFilterbank.slaney(sampleRate: parameters.sampleRate, nFFT: n, nMels: parameters.nMels,
                                         fMin: parameters.fMin, fMax: parameters.resolvedFMax)
        var sparse: [Float] = []
        bands = .allocate(capacity: parameters.nMels)
        for m in 0..<parameters.nMels {
            let row = Array(dense[(m * bins)..<((m + 1) * bins)])
            // validate() guarantees every row has a non-zero weight.
            let first = row.firstIndex { $0 != 0 }!
            let last = row.lastIndex { $0 != 0 }!
            bands[m] = Band(firstBin: first, offset: sparse.count, count: last - first + 1)
            sparse.append(contentsOf: row[first...last])
        }
        weights = .allocate(capacity: sparse.count)
        _ = weights.initialize(from: sparse)
        plan = FFTWPlans.shared.realForward(length: n)
    }

    deinit {
        window.deallocate()
        weights.deallocate()
        bands.deallocate()
    }

    /// Number of centred frames for a signal: `1 + samples / hopLength` (integer division), as
    /// librosa `stft(center=True)`.
    public static func frameCount(samples: Int, hopLength: Int) -> Int { 1 + samples / hopLength }

    /// The log-mel spectrogram of `audio`.
    ///
    /// - Parameters:
    ///   - audio: mono samples `[n]` at `parameters.sampleRate` Hz, float scale.
    ///   - threads: worker threads sharing the frames (≥ 1); the result is bit-identical for any count.
    /// - Returns: `[nMels, 1 + n / hopLength]` in dB (≥ −100; digital silence is exactly −100).
    public func logMel(_ audio: [Float], threads: Int = 1) -> LogMel {
        let frames = Self.frameCount(samples: audio.count, hopLength: parameters.hopLength)
        return LogMel(values: compute(audio, frames: frames, threads: threads), nMels: parameters.nMels, frames: frames)
    }

    /// FFTW's version string `fftwf_version`, e.g. `"fftw-3.3.10-sse2-avx"`.
    public static var fftwVersion: String {
        // `fftwf_version` is a C array of unknown size, which Swift cannot import; look the symbol
        // up in the already-loaded library instead.
        guard let process = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(process, "fftwf_version") else { return "fftw (unknown version)" }
        return String(cString: symbol.assumingMemoryBound(to: CChar.self))
    }

    /// The first `frames` columns `[nMels, frames]` (dB) of the log-mel of `audio` followed by as many
    /// zeros as needed (frames past the signal's own count see only zeros and read −100 dB).
    func compute(_ audio: [Float], frames: Int, threads: Int = 1) -> [Float] {
        audio.withUnsafeBufferPointer { x in
            compute(Signal(samples: x, base: 0, length: x.count), frames: 0..<frames, threads: threads)
        }
    }

    /// Part of a signal of `length` samples: `samples` holds its samples `base ..< base + samples.count`, which cover
    /// every frame computed from it (frames read zeros outside `0 ..< length`, librosa's constant padding).
    struct Signal {
        var samples: UnsafeBufferPointer<Float>
        var base: Int
        var length: Int
    }

    /// Frames `frames` of the log-mel of `signal` as `[nMels, frames.count]` (dB). Frames are shared out in contiguous
    /// blocks to `threads` workers; each frame is computed the same way whoever computes it, so the thread count
    /// (and the block of the signal held, `SegmentStream`) never changes a bit of the output.
    func compute(_ signal: Signal, frames: Range<Int>, threads: Int = 1) -> [Float] {
        let count = frames.count
        var out = [Float](repeating: 0, count: parameters.nMels * count)
        // Below ~64 frames per worker the threads cost more than they save.
        let workers = max(1, min(threads, count / 64))
        out.withUnsafeMutableBufferPointer { o in
            let o = o
            if workers == 1 {
                computeFrames(signal, frames, first: frames.lowerBound, stride: count, into: o.baseAddress!)
                return
            }
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let range = (frames.lowerBound + w * count / workers)..<(frames.lowerBound + (w + 1) * count / workers)
                computeFrames(signal, range, first: frames.lowerBound, stride: count, into: o.baseAddress!)
            }
        }
        return out
    }

    /// Rewrites `input` as the frame minus its mean, windowed: Kaldi's `remove_dc_offset` (the mean of the
    /// nFFT samples, zero padding included, taken out before the window). Accumulated in Double.
    private func windowWithoutMean(_ x: UnsafePointer<Float>, start: Int, lo: Int, hi: Int,
                                   into input: UnsafeMutablePointer<Float>) {
        let n = parameters.nFFT
        var sum = 0.0
        for i in lo..<hi { sum += Double(x[start + i]) }
        let mean = Float(sum / Double(n))
        for i in 0..<n {
            let sample = i >= lo && i < hi ? x[start + i] : 0
            input[i] = window[i] * (sample - mean)
        }
    }

    /// Frames `range` of the log-mel of `signal`, frame t written to column `t − first` of `o` `[nMels, stride]`.
    private func computeFrames(_ signal: Signal, _ range: Range<Int>, first: Int, stride: Int,
                               into o: UnsafeMutablePointer<Float>) {
        let n = parameters.nFFT
        let hop = parameters.hopLength
        let bins = n / 2 + 1
        let nMels = parameters.nMels
        // Per-worker buffers, allocated once per call (never per frame); fftwf_malloc gives the
        // alignment the shared plan was made with.
        let input = fftwf_alloc_real(n)!
        let spectrum = fftwf_alloc_complex(bins)!
        defer {
            fftwf_free(input)
            fftwf_free(spectrum)
        }
        let power = UnsafeMutablePointer<Float>.allocate(capacity: bins)
        defer { power.deallocate() }
        // One frame's mel energies, padded to whole 4-lane vectors for the vector log.
        let melEnergy = UnsafeMutablePointer<Float>.allocate(capacity: (nMels + 3) / 4 * 4)
        let amin = parameters.floorPower, floorDB = 10 * log10(amin)
        melEnergy.initialize(repeating: 1, count: (nMels + 3) / 4 * 4)
        defer { melEnergy.deallocate() }
        // fftwf_complex is float[2]: read it as interleaved (re, im) pairs.
        let spectrumPairs = UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: Float.self)
        // x[i] is sample i of the signal (only indices inside the frames' windows are read).
        let x = (signal.samples.baseAddress ?? UnsafePointer(emptySignal)) - signal.base

        for t in range {
            // Frame t's window covers samples start ..< start + n; only lo ..< hi of it lies
            // inside the signal, the rest is librosa's constant (zero) padding.
            let start = t * hop - n / 2
            let lo = max(0, min(n, -start))
            let hi = max(lo, min(n, signal.length - start))
            for i in 0..<lo { input[i] = 0 }
            if hi > lo {
                // Offset base pointers and a 0-based loop let the compiler vectorise this.
                let source = x + (start + lo), target = input + lo, taper = window.baseAddress! + lo
                for i in 0..<(hi - lo) { target[i] = taper[i] * source[i] }
            }
            for i in hi..<n { input[i] = 0 }
            if parameters.dcRemoval { windowWithoutMean(x, start: start, lo: lo, hi: hi, into: input) }

            fftwf_execute_dft_r2c(plan, input, spectrum)

            for k in 0..<bins {
                let re = spectrumPairs[2 * k], im = spectrumPairs[2 * k + 1]
                power[k] = re * re + im * im
            }
            // Float sums of at most a few dozen positive terms: relative error ~1e-6, i.e.
            // ~1e-5 dB, far below the FFT's own single-precision error.
            for m in 0..<nMels {
                let band = bands[m]
                let binPower = power + band.firstBin, weight = weights.baseAddress! + band.offset
                var sum: Float = 0
                for j in 0..<band.count { sum += weight[j] * binPower[j] }
                melEnergy[m] = sum
            }
            // librosa power_to_db(ref=1, amin=1e-10, top_db=None): 10 · log10(max(S, 1e-10)), with
            // glibc's vector log10f (same accuracy as the scalar one, ~4× its speed). With level
            // normalisation the floor is lower (`floorPower`) until the level offset is applied.
            var m = 0
            while m < nMels {
                let s = UnsafeRawPointer(melEnergy + m).loadUnaligned(as: SIMD4<Float>.self)
                let db = (10 * _ZGVbN4v_log10f(s)).replacing(with: floorDB, where: s .<= amin)
                for lane in 0..<min(4, nMels - m) { o[(m + lane) * stride + t - first] = db[lane] }
                m += 4
            }
        }
    }
}
