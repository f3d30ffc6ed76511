import CSoxr

/// Band-limited sample-rate conversion with libsoxr.
///
/// Follows librosa 0.11 `resample(y, orig_sr, target_sr, res_type="soxr_hq")`, which calls
/// python-soxr `soxr.resample(y, orig_sr, target_sr, quality="HQ")` and then
/// `util.fix_length(y_hat, size=ceil(n * target_sr / orig_sr))`.
public enum Resampler {
    /// Resamples a mono signal.
    ///
    /// libsoxr at `soxr_quality_spec(SOXR_HQ, 0)` with float32 input and output, driven the way
    /// python-soxr's `resample` drives it: the input is fed in chunks of `48000 * from / to` samples,
    /// then flushed. The result is then cut or zero-padded to librosa's length.
    ///
    /// - Parameters:
    ///   - x: samples `[n]` at `from` Hz.
    ///   - from: input rate, Hz, > 0.
    ///   - to: output rate, Hz, > 0.
    /// - Returns: samples `[ceil(n * to / from)]` at `to` Hz (computed as librosa does, in Double);
    ///   a copy of `x` when the rates are equal.
    /// - Throws: `AudioError.resampleFailed(path: "", reason:)` for non-positive rates or a libsoxr error.
    public static func resample(_ x: [Float], from: Int, to: Int) throws -> [Float] {
        guard from > 0, to > 0 else {
            throw AudioError.resampleFailed(path: "", reason: "sample rates must be positive (from \(from) Hz to \(to) Hz)")
        }
        if from == to { return x }
        let outputCount = outputLength(inputCount: x.count, from: from, to: to)
        if x.isEmpty { return [] }

        var error: soxr_error_t?
        var ioSpec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var qualitySpec = soxr_quality_spec(UInt(SOXR_HQ), 0)
        guard let soxr = soxr_create(Double(from), Double(to), 1, &error, &ioSpec, &qualitySpec, nil),
              error == nil else {
            throw AudioError.resampleFailed(path: "", reason: error.map { String(cString: $0) } ?? "soxr_create failed")
        }
        defer { soxr_delete(soxr) }

        // Room for everything libsoxr may emit (it emits about n * to / from) plus slack; the final
        // length is fixed below.
        let capacity = outputCount + 16
        var y = [Float](repeating: 0, count: capacity)
        // python-soxr's chunking, so the calls (and any chunk-dependent rounding) match.
        let chunk = max(1, Int(48000.0 * Double(from) / Double(to)))
        var written = 0
        try y.withUnsafeMutableBufferPointer { out in
            try x.withUnsafeBufferPointer { input in
                var start = 0
                while start < input.count {
                    let length = min(chunk, input.count - start)
                    var done = 0
                    // idone = nil: libsoxr takes the whole chunk into its FIFO.
                    let err = soxr_process(soxr, input.baseAddress! + start, length, nil,
                                           out.baseAddress! + written, capacity - written, &done)
                    if let err { throw AudioError.resampleFailed(path: "", reason: String(cString: err)) }
                    written += done
                    start += length
                }
                var done = 0
                // A nil input flushes the filter's tail.
                let err = soxr_process(soxr, nil, 0, nil, out.baseAddress! + written, capacity - written, &done)
                if let err { throw AudioError.resampleFailed(path: "", reason: String(cString: err)) }
                written += done
            }
        }
        // librosa's fix_length: trim, or pad with zeros (y is zero-initialised past `written`).
        y.removeLast(capacity - outputCount)
        if written < outputCount {
            for i in written..<outputCount { y[i] = 0 }
        }
        return y
    }

    /// librosa's output length `int(np.ceil(n * (float(to) / from)))`, evaluated in Double exactly as
    /// librosa does (so a product that rounds just above an integer gives the same +1).
    public static func outputLength(inputCount: Int, from: Int, to: Int) -> Int {
        let ratio = Double(to) / Double(from)
        return Int((Double(inputCount) * ratio).rounded(.up))
    }

    /// libsoxr's version string, e.g. `"libsoxr-0.1.3"`.
    public static var libsoxrVersion: String { String(cString: soxr_version()) }
}
