import CSoxr

/// Band-limited sample-rate conversion with libsoxr.
///
/// Follows librosa 0.11 `resample(y, orig_sr, target_sr, res_type="soxr_hq")`, which calls
/// python-soxr `soxr.resample(y, orig_sr, target_sr, quality="HQ")` and then
/// `util.fix_length(y_hat, size=ceil(n * target_sr / orig_sr))`.
public enum Resampler {
    /// Resamples a mono signal held whole: `StreamingResampler` fed in python-soxr's chunks of
    /// `48000 * from / to` samples, then flushed (the output does not depend on the chunking).
    ///
    /// - Parameters:
    ///   - x: samples `[n]` at `from` Hz.
    ///   - from: input rate, Hz, > 0.
    ///   - to: output rate, Hz, > 0.
    /// - Returns: samples `[ceil(n * to / from)]` at `to` Hz (computed as librosa does, in Double);
    ///   a copy of `x` when the rates are equal.
    /// - Throws: `AudioError.resampleFailed(path: "", reason:)` for non-positive rates or a libsoxr error.
    public static func resample(_ x: [Float], from: Int, to: Int) throws -> [Float] {
        let stream = try StreamingResampler(from: from, to: to)
        let chunk = max(1, Int(48000.0 * Double(from) / Double(to)))
        var y: [Float] = []
        y.reserveCapacity(outputLength(inputCount: x.count, from: from, to: to))
        try x.withUnsafeBufferPointer { input in
            var start = 0
            while start < input.count {
                let end = min(input.count, start + chunk)
                y += try stream.process(UnsafeBufferPointer(rebasing: input[start..<end]))
                start = end
            }
        }
        return y + (try stream.finish())
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

/// libsoxr's streaming interface at `soxr_quality_spec(SOXR_HQ, 0)`, float32 in and out: audio goes in block by
/// block as it is decoded, and the concatenated output equals `Resampler.resample` of the whole signal, bit for bit,
/// whatever the block sizes (libsoxr buffers its input; tested with blocks of 1, 4097 and 65536 samples).
/// `finish` cuts or zero-pads the total to librosa's length `ceil(n * to / from)`.
public final class StreamingResampler {
    public let from: Int, to: Int
    private let soxr: soxr_t?
    private var inputCount = 0, emitted = 0

    /// - Throws: `AudioError.resampleFailed(path: "", reason:)` for non-positive rates or when libsoxr cannot be set up.
    public init(from: Int, to: Int) throws {
        guard from > 0, to > 0 else {
            throw AudioError.resampleFailed(path: "", reason: "sample rates must be positive (from \(from) Hz to \(to) Hz)")
        }
        self.from = from
        self.to = to
        guard from != to else { soxr = nil; return }
        var error: soxr_error_t?
        var ioSpec = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var qualitySpec = soxr_quality_spec(UInt(SOXR_HQ), 0)
        soxr = soxr_create(Double(from), Double(to), 1, &error, &ioSpec, &qualitySpec, nil)
        guard soxr != nil, error == nil else {
            throw AudioError.resampleFailed(path: "", reason: error.map { String(cString: $0) } ?? "soxr_create failed")
        }
    }

    deinit { if let soxr { soxr_delete(soxr) } }

    /// Takes `x` (samples at `from` Hz) and returns what libsoxr has ready at `to` Hz (a copy of `x` at equal rates).
    public func process(_ x: UnsafeBufferPointer<Float>) throws -> [Float] {
        inputCount += x.count
        guard let soxr else { return Array(x) }
        guard !x.isEmpty else { return [] }
        // Room for what these samples yield plus what libsoxr held back; any excess stays in its FIFO.
        return try drain(soxr, input: x.baseAddress, count: x.count,
                         capacity: Resampler.outputLength(inputCount: x.count, from: from, to: to) + 1024)
    }

    /// Flushes libsoxr's tail and returns the last samples, so that everything returned totals librosa's length.
    public func finish() throws -> [Float] {
        let target = Resampler.outputLength(inputCount: inputCount, from: from, to: to)
        guard let soxr else { return [] }
        var tail: [Float] = []
        while true {
            // A nil input flushes the filter's tail; repeat until libsoxr has nothing more.
            let more = try drain(soxr, input: nil, count: 0, capacity: 65536)
            if more.isEmpty { break }
            tail += more
        }
        let wanted = max(0, target - emitted)
        if tail.count > wanted { tail.removeLast(tail.count - wanted) }
        // librosa's fix_length pads with zeros.
        tail += repeatElement(0, count: wanted - tail.count)
        emitted += tail.count
        return tail
    }

    private func drain(_ soxr: soxr_t, input: UnsafePointer<Float>?, count: Int, capacity: Int) throws -> [Float] {
        var done = 0
        var out = [Float](repeating: 0, count: capacity)
        // idone = nil: libsoxr takes the whole input into its FIFO.
        let error = out.withUnsafeMutableBufferPointer { o in
            soxr_process(soxr, input, count, nil, o.baseAddress, capacity, &done)
        }
        if let error { throw AudioError.resampleFailed(path: "", reason: String(cString: error)) }
        out.removeLast(capacity - done)
        if input != nil { emitted += done }
        return out
    }
}
