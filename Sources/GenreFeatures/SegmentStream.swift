/// Log-mel segments computed block by block as audio arrives, so that a file's samples never need to be held
/// whole: the concatenated segments equal `LogMelExtractor.segments` of the whole signal, bit for bit, for any
/// block sizes and thread count.
///
/// A frame is computed once every sample of its window has arrived (its centre plus nFFT/2); `finish` computes the
/// rest with the end's zero padding and completes or drops the last partial segment by `minLastSegmentFrames`,
/// as `segments` does. Only the samples of frames not yet computed and one segment in progress are held.
public final class SegmentStream {
    public let extractor: LogMelExtractor
    private let threads: Int
    /// Samples `bufferBase ..< bufferBase + buffer.count` of the signal.
    private var buffer: [Float] = []
    private var bufferBase = 0
    /// The next frame to compute.
    private var nextFrame = 0
    /// The segment being filled, `[nMels, segmentFrames]`; its columns before `nextFrame % segmentFrames` are done.
    private var segment: [Float]
    /// Segments emitted so far.
    public private(set) var segmentCount = 0
    /// Samples appended so far.
    public private(set) var sampleCount = 0

    /// - Parameter threads: workers sharing each block's frames (≥ 1; the output does not depend on it).
    public init(extractor: LogMelExtractor, threads: Int = 1) {
        self.extractor = extractor
        self.threads = max(1, threads)
        segment = [Float](repeating: 0, count: extractor.parameters.nMels * extractor.parameters.segmentFrames)
    }

    /// Takes the next samples (mono, at `extractor.parameters.sampleRate` Hz) and emits each segment they complete,
    /// `[nMels, segmentFrames]` (dB, before any level normalisation), in order.
    public func append(_ samples: UnsafeBufferPointer<Float>, emit: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        buffer += samples
        sampleCount += samples.count
        let p = extractor.parameters
        // Frames whose window ends inside what has arrived: t · hop + nFFT/2 ≤ sampleCount.
        let ready = sampleCount >= p.nFFT / 2 ? (sampleCount - p.nFFT / 2) / p.hopLength + 1 : 0
        // With several threads, wait for enough frames to share out (`LogMelExtractor.compute` gives each ≥ 64).
        guard ready - nextFrame >= (threads > 1 ? 64 * threads : 1) else { return }
        try computeFrames(upTo: ready, keepUpTo: Int.max, emit: emit)
        // Drop the samples no later frame reads (frame t starts at t · hop − nFFT/2).
        let needed = max(0, nextFrame * p.hopLength - p.nFFT / 2)
        if needed - bufferBase > max(buffer.count / 2, 1 << 16) {
            buffer.removeFirst(needed - bufferBase)
            bufferBase = needed
        }
    }

    /// Ends the signal: computes the remaining frames (zeros past the end) and emits the remaining segments, so that
    /// `segmentCount == extractor.segmentCount(samples: sampleCount)`.
    public func finish(emit: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        let count = extractor.segmentCount(samples: sampleCount)
        let frames = count * extractor.parameters.segmentFrames
        try computeFrames(upTo: frames, keepUpTo: frames, emit: emit)
        buffer = []
    }

    /// Computes frames `nextFrame ..< last` and emits every segment completed, none past frame `keepUpTo`.
    private func computeFrames(upTo last: Int, keepUpTo: Int, emit: (UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        guard last > nextFrame else { return }
        let p = extractor.parameters, width = p.segmentFrames
        let columns = buffer.withUnsafeBufferPointer { x in
            extractor.compute(LogMelExtractor.Signal(samples: x, base: bufferBase, length: sampleCount),
                              frames: nextFrame..<last, threads: threads)
        }
        let count = last - nextFrame
        for (i, t) in (nextFrame..<last).enumerated() where t < keepUpTo {
            let column = t % width
            for m in 0..<p.nMels { segment[m * width + column] = columns[m * count + i] }
            if column == width - 1 {
                try segment.withUnsafeBufferPointer(emit)
                segmentCount += 1
            }
        }
        nextFrame = last
    }
}
