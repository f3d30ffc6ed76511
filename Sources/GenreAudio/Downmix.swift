import CSndfile

/// How a file's channels become the one channel the features are computed from.
///
/// Recorded in model files as `feature.mono`; models written before this rule existed say
/// "mean of channels" and keep averaging.
public enum Downmix: String, Sendable, Equatable, Codable, CaseIterable {
    /// The frame-wise mean of all channels (librosa `to_mono`): the seed recipe, and every model
    /// written before the ITU rule existed.
    case mean
    /// ITU-R BS.775 downmix for more than two channels:
    /// mono = ½(L + R) + 0.707·C + 0.354·(Ls + Rs) + 0.354·(Lb + Rb), LFE dropped. Mono and stereo
    /// are unchanged (stereo is ½(L + R), the mean); channel counts with no known layout are averaged.
    case itu775

    /// The text stored in model files.
    public var metadataName: String {
        switch self {
        case .mean: return "mean of channels"
        case .itu775: return "ITU-R BS.775: (L+R)/2 + 0.707 C + 0.354 (Ls+Rs+Lb+Rb), LFE dropped; mean for unknown layouts"
        }
    }

    /// The rule a model file names, or nil for an unknown text. A missing key (models written before
    /// the key existed) is `.mean`.
    public init?(metadataName: String?) {
        guard let metadataName else { self = .mean; return }
        guard let rule = Self.allCases.first(where: { $0.metadataName == metadataName }) else { return nil }
        self = rule
    }
}

/// What one channel of a file carries, as far as the downmix cares.
public enum ChannelRole: Sendable, Equatable {
    case left, right, center, lfe, surroundLeft, surroundRight, backLeft, backRight, backCenter
    /// A channel with no known position (averaged rules only).
    case unknown

    /// Its weight in the BS.775 mono downmix (back centre counts like a surround channel).
    var itu775Weight: Float {
        switch self {
        case .left, .right: return 0.5
        case .center: return 0.707
        case .surroundLeft, .surroundRight, .backLeft, .backRight, .backCenter: return 0.354
        case .lfe: return 0
        case .unknown: return 0
        }
    }
}

/// The channel layout of a decoded file and the per-channel weights of a downmix rule.
public enum ChannelLayout {
    /// The role of each channel: from the file's own channel map when libsndfile reports one
    /// (`SFC_GET_CHANNEL_MAP_INFO`, e.g. WAVE_FORMAT_EXTENSIBLE's channel mask), else the codec's
    /// defined order for 5.1 and 7.1 (WAV, W64, RF64 and FLAC follow the WAVE order: L R C LFE Ls Rs,
    /// and L R C LFE Lb Rb Ls Rs; Vorbis and Opus, Vorbis I spec §4.3.9 and RFC 7845 §5.1.1.2:
    /// L C R Ls Rs LFE, and L C R Ls Rs Lb Rb LFE), else nil: the mean is then used.
    /// - Parameters:
    ///   - format: libsndfile's `SF_INFO.format`.
    ///   - channels: the file's channel count.
    ///   - map: libsndfile's `SF_CHANNEL_*` codes, one per channel, when it reported a map.
    public static func roles(format: Int32, channels: Int, map: [Int32]?) -> [ChannelRole]? {
        if let map, map.count == channels {
            let roles = map.map(role(ofSndfileChannel:))
            // A map of only "unknown"/ambisonic positions says nothing usable.
            if roles.contains(where: { $0 != .unknown }) { return roles }
        }
        let major = Int(format) & SF_FORMAT_TYPEMASK
        if major == SF_FORMAT_OGG {
            switch channels {
            case 6: return [.left, .center, .right, .surroundLeft, .surroundRight, .lfe]
            case 8: return [.left, .center, .right, .surroundLeft, .surroundRight, .backLeft, .backRight, .lfe]
            default: return nil
            }
        }
        let waveOrder = [SF_FORMAT_WAV, SF_FORMAT_WAVEX, SF_FORMAT_W64, SF_FORMAT_RF64, SF_FORMAT_FLAC]
        guard waveOrder.contains(major) else { return nil }
        switch channels {
        case 6: return [.left, .right, .center, .lfe, .surroundLeft, .surroundRight]
        case 8: return [.left, .right, .center, .lfe, .backLeft, .backRight, .surroundLeft, .surroundRight]
        default: return nil
        }
    }

    /// Per-channel weights of `rule` for a file of `channels` channels with `roles` (nil: unknown
    /// layout). Mono gets [1], stereo [½, ½] under every rule; the mean is 1/channels each.
    public static func weights(rule: Downmix, channels: Int, roles: [ChannelRole]?) -> [Float] {
        let mean = [Float](repeating: 1 / Float(channels), count: channels)
        guard rule == .itu775, channels > 2, let roles, roles.count == channels,
              !roles.contains(.unknown) else { return mean }
        return roles.map(\.itu775Weight)
    }

    /// libsndfile's `SF_CHANNEL_MAP_*` code as a role.
    static func role(ofSndfileChannel code: Int32) -> ChannelRole {
        switch Int(code) {
        case SF_CHANNEL_MAP_MONO, SF_CHANNEL_MAP_CENTER, SF_CHANNEL_MAP_FRONT_CENTER: return .center
        case SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_FRONT_LEFT: return .left
        case SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_FRONT_RIGHT: return .right
        case SF_CHANNEL_MAP_LFE: return .lfe
        case SF_CHANNEL_MAP_SIDE_LEFT: return .surroundLeft
        case SF_CHANNEL_MAP_SIDE_RIGHT: return .surroundRight
        case SF_CHANNEL_MAP_REAR_LEFT: return .backLeft
        case SF_CHANNEL_MAP_REAR_RIGHT: return .backRight
        case SF_CHANNEL_MAP_REAR_CENTER: return .backCenter
        // Front left/right of centre sit between the front pair and the centre: treat as front pair.
        case SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER: return .left
        case SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER: return .right
        default: return .unknown
        }
    }
}
