/// How a clip of a given length is cut into segments.
extension FeatureParameters {
    /// Number of segments for a clip of `samples` samples: with frames = `1 + samples / hopLength`,
    /// `frames / segmentFrames` full segments plus one more if the remainder has at least
    /// `minLastSegmentFrames` frames; at least 1 (a clip shorter than one segment still gives one).
    public func segmentCount(samples: Int) -> Int {
        let frames = LogMelExtractor.frameCount(samples: samples, hopLength: hopLength)
        let extra = frames % segmentFrames >= minLastSegmentFrames ? 1 : 0
        return max(1, frames / segmentFrames + extra)
    }

    /// Seconds one segment spans, `segmentFrames · hopLength / sampleRate`.
    public var segmentSeconds: Double { Double(segmentFrames * hopLength) / Double(sampleRate) }
}

/// Cutting a clip into fixed-size log-mel segments for the network.
extension LogMelExtractor {
    /// Number of segments for a clip of `samples` samples (`FeatureParameters.segmentCount`).
    public func segmentCount(samples: Int) -> Int { parameters.segmentCount(samples: samples) }

    /// Non-overlapping log-mel segments of `audio`.
    ///
    /// The audio is treated as zero-padded at the end (before the STFT) far enough that
    /// `count * segmentFrames` frames exist, so a trailing partial segment, or a clip shorter than
    /// one segment, is completed with genuine frames of the padded signal; frames lying wholly in
    /// the padding read −100 dB. Because librosa's centring already pads with zeros, frames of the
    /// original signal are unchanged: segment s equals columns `s * segmentFrames ..<
    /// (s + 1) * segmentFrames` of `logMel(audio)` wherever those exist. Frames past
    /// `count * segmentFrames` are dropped.
    ///
    /// - Parameters:
    ///   - audio: mono samples `[n]` at `parameters.sampleRate` Hz.
    ///   - threads: worker threads for the STFT (≥ 1); the result does not depend on it.
    /// - Returns: `values` `[count, nMels, segmentFrames]` row-major, dB; `count = segmentCount(samples: n)`.
    public func segments(_ audio: [Float], threads: Int = 1) -> (values: [Float], count: Int) {
        let count = segmentCount(samples: audio.count)
        let width = parameters.segmentFrames
        let nMels = parameters.nMels
        let frames = count * width
        let spectrogram = compute(audio, frames: frames, threads: threads)  // [nMels, frames]
        var values = [Float](repeating: 0, count: count * nMels * width)
        for s in 0..<count {
            for m in 0..<nMels {
                let source = m * frames + s * width
                let target = (s * nMels + m) * width
                values[target..<(target + width)] = spectrogram[source..<(source + width)]
            }
        }
        return (values, count)
    }
}
