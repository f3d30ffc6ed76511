import Foundation
import GenreAudio
import GenreNetwork
import GenreSupport

/// A small synthetic dataset in the GTZAN layout, generated on the spot so that the project ships no
/// audio: four "genres" of clearly different texture — sustained harmonic drones, filtered noise,
/// percussive beats and fast arpeggios — with random pitch, tempo, timbre and level per clip.
public enum DemoDataset {
    /// The four genre folder names, sorted.
    public static let genres = ["arpeggio", "beat", "drone", "noise"]

    /// Writes `DIR/<genre>/<genre>.NNNNN.wav` (16-bit mono WAV at `sampleRate`).
    /// - Parameters:
    ///   - clipsPerGenre: ≥ 3 so every genre reaches the validation and test splits.
    ///   - seconds: clip length; 6 s gives two 128-frame segments at 22050 Hz.
    /// - Returns: the number of files written.
    @discardableResult
    public static func generate(at root: String, clipsPerGenre: Int = 12, seconds: Double = 6,
                                sampleRate: Int = 22050, seed: UInt64 = 0) throws -> Int {
        var rng = SeededGenerator(seed: seed)
        var count = 0
        for genre in genres {
            let folder = root + "/" + genre
            try OutputPath.createFolder(folder)
            for i in 0..<clipsPerGenre {
                let samples = synthesize(genre, seconds: seconds, sampleRate: sampleRate, rng: &rng)
                let name = String(format: "%@.%05d.wav", genre, i)
                try AudioWriter.writeWAV(samples, sampleRate: sampleRate, to: folder + "/" + name)
                count += 1
            }
        }
        return count
    }

    static func synthesize(_ genre: String, seconds: Double, sampleRate: Int, rng: inout SeededGenerator) -> [Float] {
        let n = Int(seconds * Double(sampleRate)), sr = Float(sampleRate)
        var x = [Float](repeating: 0, count: n)
        func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * rng.nextUnitFloat() }
        let level = uniform(0.2, 0.6)
        switch genre {
        case "drone":
            let f0 = uniform(70, 300), vibrato = uniform(3, 7), harmonics = Int(uniform(3, 8))
            for h in 1...harmonics {
                let amp = 1 / Float(h), phase = uniform(0, 2 * .pi)
                for t in 0..<n {
                    let time = Float(t) / sr
                    let f = f0 * Float(h) * (1 + 0.005 * sin(2 * .pi * vibrato * time))
                    x[t] += amp * sin(2 * .pi * f * time + phase)
                }
            }
        case "noise":
            // White noise through a one-pole low-pass with a random cut-off.
            let alpha = uniform(0.05, 0.6)
            var y: Float = 0
            for t in 0..<n { y += alpha * (uniform(-1, 1) - y); x[t] = y / alpha.squareRoot() }
        case "beat":
            let period = Int(sr * 60 / uniform(80, 160)), decay = uniform(0.002, 0.01) * sr
            let pitch = uniform(50, 120)
            var start = Int(uniform(0, Float(period)))
            while start < n {
                for t in start..<min(n, start + Int(6 * decay)) {
                    let age = Float(t - start)
                    x[t] += exp(-age / decay) * (0.6 * uniform(-1, 1) + sin(2 * .pi * pitch * age / sr))
                }
                start += period
            }
        default: // arpeggio
            let base = uniform(200, 500), noteLength = Int(sr * uniform(0.08, 0.2))
            let scale: [Float] = [1, 9.0 / 8, 5.0 / 4, 3.0 / 2, 5.0 / 3, 2]
            var start = 0
            while start < n {
                let f = base * scale[Int(rng.next() % UInt64(scale.count))]
                for t in start..<min(n, start + noteLength) {
                    let age = Float(t - start) / sr
                    x[t] += exp(-age * 12) * (sin(2 * .pi * f * age) + 0.3 * sin(4 * .pi * f * age))
                }
                start += noteLength
            }
        }
        let peak = x.reduce(0) { max($0, abs($1)) }
        return peak > 0 ? x.map { $0 * level / peak } : x
    }
}
