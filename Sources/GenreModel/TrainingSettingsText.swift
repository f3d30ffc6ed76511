import Foundation

/// `TrainingSettings` as text under fixed keys: the one serialisation of the settings, used by model files
/// (the `training.*` keys of their metadata) and by checkpoints (all keys, as the JSON object `Codable`
/// writes). Keys and texts are those of model files since format version 1: numbers as Swift prints them
/// (the shortest decimal that reads back as the same Float), flags as `true`/`false`, names as listed.
extension TrainingSettings {
    /// A key that is missing where it must be present, or holds text that is not one of its values.
    public struct TextError: Error, CustomStringConvertible, Equatable {
        /// The key, e.g. `training.lr_step`.
        public var key: String
        /// One line naming the key, e.g. "metadata 'training.lr_step' missing or not an integer ≥ 1".
        public var description: String
    }

    /// One setting as stored.
    struct Field {
        var key: String
        /// The first model format version whose files all carry the key; files of older versions may lack
        /// it and then train as the seed recipe did (weight decay 0, step schedule, no augmentation, …).
        /// nil: optional in every version (the architecture flags, whose absence means "off").
        var since: Int?
        /// What the text must be, for the message of a missing or bad number; nil for named values
        /// (a bad one is reported as "unknown <key> \"<text>\"").
        var expected: String?
        var write: (TrainingSettings) -> String
        /// Sets the setting from `text`; false when `text` is none of its values.
        var read: (inout TrainingSettings, String) -> Bool
    }

    /// The settings a model file records in its `training.*` keys (every setting but the architecture's,
    /// which the file records from the network as `architecture.*`).
    static var trainingFields: [Field] {
        [int("training.epochs", \.epochs, min: 1, since: 1),
         int("training.batch_size", \.batchSize, min: 1, since: 1),
         float("training.learning_rate", \.learningRate, since: 1),
         float("training.momentum", \.momentum, since: 1),
         int("training.lr_step", \.learningRateStep, min: 1, since: 1),
         float("training.lr_gamma", \.learningRateGamma, since: 1),
         Field(key: "training.seed", since: 1, expected: "an integer ≥ 0", write: { String($0.seed) },
               read: { s, text in UInt64(text).map { s.seed = $0 } != nil }),
         named("training.optimizer", \.optimizer, since: 1, OptimizerKind.allCases.map { ($0, $0.metadataName) }),
         // Added before version 2 (Adam, schedules, augmentation, mixup): version 1 files may lack them.
         float("training.weight_decay", \.weightDecay, since: 2),
         named("training.schedule", \.schedule, since: 2, ScheduleKind.allCases.map { ($0, $0.rawValue) }),
         int("training.early_stopping", \.earlyStopping, min: 0, since: 2),
         named("training.random_crops", \.augmentation.randomCrops, since: 2, [(true, "true"), (false, "false")]),
         int("training.time_mask", \.augmentation.timeMask, min: 0, since: 2),
         int("training.frequency_mask", \.augmentation.frequencyMask, min: 0, since: 2),
         float("training.mixup", \.targets.mixup, since: 2),
         float("training.label_smoothing", \.targets.labelSmoothing, since: 2),
         // Added with level normalisation, while version 2 was still written (the issue-12 fixture lacks them).
         float("training.gain_augment_db", \.augmentation.gainDB, since: 3),
         float("training.tilt_augment_db", \.augmentation.tiltDB, since: 3)]
    }

    /// The settings a model file records from its network (`architecture.*`); texts as the file writes them.
    static var architectureFields: [Field] {
        [named("architecture.batch_norm", \.batchNorm, since: nil, [(true, "true"), (false, "false")]),
         float("architecture.dropout", \.dropout, since: nil),
         named("architecture.time_pooling", \.timePooling, since: nil, [(true, "mean"), (false, "none")])]
    }

    /// `fields`' keys with the settings' texts.
    func text(of fields: [Field]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.write(self)) })
    }

    /// Sets `fields` from `text`.
    /// - Parameter formatVersion: the model format version the text comes from: a key whose `since` is at
    ///   most this must be present; an absent older key leaves the setting as it is.
    /// - Throws: `TextError` naming the first key (in `fields`' order) that is missing where it must be
    ///   present, or whose text is not one of its values.
    mutating func read(_ fields: [Field], from text: [String: String], formatVersion: Int) throws(TextError) {
        for field in fields {
            guard let value = text[field.key] else {
                guard let since = field.since, since <= formatVersion else { continue }
                throw field.error(nil)
            }
            guard field.read(&self, value) else { throw field.error(value) }
        }
    }

    private static func int(_ key: String, _ path: WritableKeyPath<TrainingSettings, Int>, min: Int, since: Int?) -> Field {
        Field(key: key, since: since, expected: "an integer ≥ \(min)", write: { String($0[keyPath: path]) },
              read: { s, text in
                  guard let v = Int(text), v >= min else { return false }
                  s[keyPath: path] = v
                  return true
              })
    }

    private static func float(_ key: String, _ path: WritableKeyPath<TrainingSettings, Float>, since: Int?) -> Field {
        Field(key: key, since: since, expected: "a finite number", write: { $0[keyPath: path].description },
              read: { s, text in
                  guard let v = Float(text), v.isFinite else { return false }
                  s[keyPath: path] = v
                  return true
              })
    }

    private static func named<T: Equatable>(_ key: String, _ path: WritableKeyPath<TrainingSettings, T>, since: Int?,
                                            _ names: [(value: T, name: String)]) -> Field {
        Field(key: key, since: since, expected: nil,
              write: { s in names.first { $0.value == s[keyPath: path] }!.name },
              read: { s, text in
                  guard let v = names.first(where: { $0.name == text })?.value else { return false }
                  s[keyPath: path] = v
                  return true
              })
    }
}

extension TrainingSettings.Field {
    /// The error for this key: `text` nil when the key is missing.
    func error(_ text: String?) -> TrainingSettings.TextError {
        if let expected { return .init(key: key, description: "metadata '\(key)' missing or not \(expected)") }
        guard let text else { return .init(key: key, description: "metadata '\(key)' missing") }
        return .init(key: key, description: "unknown \(key) \"\(text)\"")
    }
}
