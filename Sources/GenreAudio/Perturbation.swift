import CSndfile
import Foundation

/// A change to an audio file that should not change its genre: a different playback level, channel
/// layout, codec or sample rate. Each is applied by decoding the file with libsndfile, transforming the
/// samples (resampling with libsoxr) and writing a new file with libsndfile, so the perturbed file goes
/// through the same decoder, downmix and resampler as any user's file.
///
/// Spelling (`init(parsing:)`, `description`): `gain=-12dB`, `mp3=128k`, `vorbis=q3`, `downmix=5.1`
/// (WAV), `downmix=5.1-flac`, `stereo=one-silent`, `dc=0.1`, `rate=48000`.
public enum Perturbation: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Every sample × 10^(dB/20), written as 32-bit float WAV (no clipping).
    case gain(dB: Float)
    /// MP3, constant bit rate in kb/s (LAME through libsndfile; mono or stereo sources).
    case mp3(kbps: Int)
    /// Ogg Vorbis at quality q (0…10, libsndfile's compression level 1 − q/10).
    case vorbis(quality: Int)
    /// 5.1 with the music in the front pair (a mono source in both), centre, LFE and surrounds silent:
    /// a float WAVE_FORMAT_EXTENSIBLE file with its channel mask, or (`flac`) a 24-bit FLAC, which has no
    /// channel map and relies on FLAC's channel order.
    case surround51(flac: Bool)
    /// Stereo with the second channel silent (the first carries a mono source, or a stereo source's left).
    case oneChannelSilent
    /// A constant added to every sample (float WAV).
    case dcOffset(Float)
    /// Resampled to this rate, Hz (libsoxr HQ, float WAV).
    case rate(Int)

    /// The transforms of the invariance suite (README, "Robustness"): gains of −30, −20, −12, −6 and +6 dB,
    /// 5.1 as WAV and FLAC, stereo with one channel silent, DC offset 0.1, 44.1 and 48 kHz, MP3 128 kb/s
    /// and Ogg Vorbis q3.
    public static let suite: [Perturbation] = [
        .gain(dB: -30), .gain(dB: -20), .gain(dB: -12), .gain(dB: -6), .gain(dB: 6),
        .surround51(flac: false), .surround51(flac: true), .oneChannelSilent, .dcOffset(0.1),
        .rate(44100), .rate(48000), .mp3(kbps: 128), .vorbis(quality: 3),
    ]

    /// Level and layout transforms (the suite's ≥ 97 % group); the others are codecs and resampling.
    public var isLevelOrLayout: Bool {
        switch self {
        case .gain, .surround51, .oneChannelSilent, .dcOffset: return true
        case .mp3, .vorbis, .rate: return false
        }
    }

    public var description: String {
        switch self {
        case .gain(let dB): return "gain=\(Self.number(dB))dB"
        case .mp3(let kbps): return "mp3=\(kbps)k"
        case .vorbis(let q): return "vorbis=q\(q)"
        case .surround51(let flac): return flac ? "downmix=5.1-flac" : "downmix=5.1"
        case .oneChannelSilent: return "stereo=one-silent"
        case .dcOffset(let v): return "dc=\(Self.number(v))"
        case .rate(let hz): return "rate=\(hz)"
        }
    }

    /// The file extension of the perturbed file.
    public var fileExtension: String {
        switch self {
        case .mp3: return "mp3"
        case .vorbis: return "ogg"
        case .surround51(let flac): return flac ? "flac" : "wav"
        default: return "wav"
        }
    }

    /// Parses one spelling (see the type's documentation); `suite` names the whole suite.
    /// - Throws: `PerturbationError` with a one-line reason naming the accepted spellings.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, Self.kinds.contains(parts[0].lowercased()) else { throw PerturbationError(text) }
        let (name, value) = (parts[0].lowercased(), parts[1].lowercased())
        switch name {
        case "gain":
            guard value.hasSuffix("db"), let dB = Float(value.dropLast(2)), dB.isFinite, (-60...24).contains(dB) else {
                throw PerturbationError(text, "gain needs dB in −60…24, e.g. gain=-12dB")
            }
            self = .gain(dB: dB)
        case "mp3":
            guard value.hasSuffix("k"), let kbps = Int(value.dropLast()), (32...320).contains(kbps) else {
                throw PerturbationError(text, "mp3 needs a bit rate in 32k…320k, e.g. mp3=128k")
            }
            self = .mp3(kbps: kbps)
        case "vorbis":
            guard value.hasPrefix("q"), let q = Int(value.dropFirst()), (0...10).contains(q) else {
                throw PerturbationError(text, "vorbis needs a quality q0…q10, e.g. vorbis=q3")
            }
            self = .vorbis(quality: q)
        case "downmix":
            guard value == "5.1" || value == "5.1-flac" else { throw PerturbationError(text, "downmix takes 5.1 or 5.1-flac") }
            self = .surround51(flac: value == "5.1-flac")
        case "stereo":
            guard value == "one-silent" else { throw PerturbationError(text, "stereo takes one-silent") }
            self = .oneChannelSilent
        case "dc":
            guard let v = Float(value), v.isFinite, abs(v) <= 0.5 else { throw PerturbationError(text, "dc needs an offset in −0.5…0.5, e.g. dc=0.1") }
            self = .dcOffset(v)
        case "rate":
            guard let hz = Int(value), (8000...192_000).contains(hz) else { throw PerturbationError(text, "rate needs Hz in 8000…192000, e.g. rate=48000") }
            self = .rate(hz)
        default:
            throw PerturbationError(text)
        }
    }

    /// The names before `=`.
    static let kinds: Set<String> = ["gain", "mp3", "vorbis", "downmix", "stereo", "dc", "rate"]

    /// The most perturbations one list may hold (each costs a decode and a classification of every file).
    public static let maxListLength = 64

    /// Parses a comma-separated list; `suite` (any case) expands to `Perturbation.suite`. Duplicates are
    /// dropped; an empty item (`gain=-6dB,,mp3=128k`) is an error.
    public static func parseList(_ text: String) throws -> [Perturbation] {
        var out: [Perturbation] = []
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard items.count <= maxListLength else {
            throw PerturbationError(description: "at most \(maxListLength) perturbations in one list (got \(items.count))")
        }
        for item in items {
            guard !item.isEmpty else { throw PerturbationError(description: "empty item in the list \(PerturbationError.quoted(text))") }
            for p in item.lowercased() == "suite" ? suite : [try Perturbation(parsing: item)] where !out.contains(p) { out.append(p) }
        }
        return out
    }

    /// Decodes `source`, applies the perturbation and writes the result to `output`.
    /// - Throws: `AudioError` from decoding or writing (naming `source` or `output`), and `.unreadable`
    ///   naming `source` when the perturbation cannot apply to it (MP3 of more than two channels or
    ///   above 48 kHz, 5.1 or one-silent from a file of more than two channels).
    public func write(from source: String, to output: String) throws {
        let (samples, info) = try AudioDecoder.readInterleaved(path: source)
        let channels = info.channels, rate = info.sampleRate
        func refuse(_ why: String) -> AudioError { .unreadable(path: source, reason: "cannot apply \(self): \(why)") }
        switch self {
        case .gain(let dB):
            let g = Float(pow(10, Double(dB) / 20))
            try AudioWriter.write(samples.map { $0 * g }, sampleRate: rate, channels: channels, as: .wavFloat, to: output)
        case .dcOffset(let v):
            try AudioWriter.write(samples.map { $0 + v }, sampleRate: rate, channels: channels, as: .wavFloat, to: output)
        case .mp3(let kbps):
            guard channels <= 2 else { throw refuse("MP3 holds at most two channels") }
            guard rate <= 48000 else { throw refuse("MP3 holds at most 48 kHz") }
            try AudioWriter.write(samples, sampleRate: rate, channels: channels, as: .mp3(kbps: kbps), to: output)
        case .vorbis(let q):
            try AudioWriter.write(samples, sampleRate: rate, channels: channels, as: .vorbis(quality: q), to: output)
        case .surround51(let flac):
            guard channels <= 2 else { throw refuse("the file already has \(channels) channels") }
            let frames = samples.count / channels
            var out = [Float](repeating: 0, count: frames * 6)
            for t in 0..<frames {
                out[t * 6] = samples[t * channels]
                out[t * 6 + 1] = samples[t * channels + channels - 1]
            }
            try AudioWriter.write(out, sampleRate: rate, channels: 6, as: flac ? .flac24 : .wavexFloat51, to: output)
        case .oneChannelSilent:
            guard channels <= 2 else { throw refuse("the file already has \(channels) channels") }
            let frames = samples.count / channels
            var out = [Float](repeating: 0, count: frames * 2)
            for t in 0..<frames { out[t * 2] = samples[t * channels] }
            try AudioWriter.write(out, sampleRate: rate, channels: 2, as: .wavFloat, to: output)
        case .rate(let hz):
            let frames = samples.count / channels
            var channelsOut: [[Float]] = []
            for c in 0..<channels {
                let x = (0..<frames).map { samples[$0 * channels + c] }
                do { channelsOut.append(try Resampler.resample(x, from: rate, to: hz)) } catch AudioError.resampleFailed(_, let reason) {
                    throw AudioError.resampleFailed(path: source, reason: reason)
                }
            }
            let n = channelsOut[0].count
            var out = [Float](repeating: 0, count: n * channels)
            for c in 0..<channels { for t in 0..<n { out[t * channels + c] = channelsOut[c][t] } }
            try AudioWriter.write(out, sampleRate: hz, channels: channels, as: .wavFloat, to: output)
        }
    }

    /// `-12`, `0.1`: the shortest text that reads back as the value.
    private static func number(_ v: Float) -> String {
        v == v.rounded() ? String(Int(v)) : v.description
    }
}

/// A perturbation spelling that does not parse.
public struct PerturbationError: Error, CustomStringConvertible {
    public let description: String
    init(description: String) { self.description = description }
    /// "unknown perturbation" without a hint (the kind itself is unknown), "bad perturbation" with one.
    init(_ text: String, _ hint: String? = nil) {
        description = hint.map { "bad perturbation \(Self.quoted(text)): \($0)" }
            ?? "unknown perturbation \(Self.quoted(text)): use gain=<dB>dB, mp3=<kb/s>k, vorbis=q<0-10>, "
            + "downmix=5.1, downmix=5.1-flac, stereo=one-silent, dc=<offset>, rate=<Hz>, or suite"
    }

    /// The text in quotes, cut to 40 characters so that the error stays one readable line.
    static func quoted(_ text: String) -> String {
        text.count <= 40 ? "\"\(text)\"" : "\"\(text.prefix(40))…\" (\(text.count) characters)"
    }
}
