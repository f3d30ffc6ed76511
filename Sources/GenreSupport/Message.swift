/// A setting of the library that an error or a warning can name. The library names a setting by its
/// property (`modelPath`, `augmentation.gainDB`); a front end spells it its own way when it prints the
/// message (the `genre` command: as its flag, `--model`, `--gain-augment`), so that the pipelines speak of
/// what they were given, not of how one front end asks for it.
public enum Setting: String, Sendable, CaseIterable {
    // Where a run reads and writes (TrainOptions, EvaluateOptions, CrossValidationOptions).
    case modelPath, resume, splitFile, noTest, split
    // Cross-validation.
    case folds, onlyFolds
    // Which files a run may use (FileScreening).
    case minDuration = "screening.minDuration", maxDuration = "screening.maxDuration", strict = "screening.strict"
    // Features (FeatureParameters).
    case nMels = "features.nMels"
    // Training (TrainingSettings).
    case epochs, batchSize, learningRate, weightDecay, learningRateStep, learningRateGamma, dropout, earlyStopping
    case mixup = "targets.mixup", labelSmoothing = "targets.labelSmoothing"
    case gainAugment = "augmentation.gainDB", tiltAugment = "augmentation.tiltDB"
    // Fine-tuning a trained model (TrainOptions.initModel, FineTuning).
    case initModel, freeze = "fineTuning.frozenBlocks", freezeBatchNorm = "fineTuning.frozenBatchNorm"
    case backboneLearningRateScale = "fineTuning.backboneLearningRateScale"
    // Calibrated answers (predict, evaluate).
    case minConfidence
}

/// One line of text for a person that may name settings (`Setting`), kept apart until it is printed so
/// that each front end can spell them its way: `rendered { "--" + … }`. Written as a string literal with
/// interpolations: `"\(path): exists; choose another \(Setting.modelPath)"`.
public struct Message: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    enum Part: Sendable, Equatable {
        case text(String)
        case setting(Setting)
    }

    var parts: [Part]

    /// Text that names no setting.
    public init(verbatim text: String) { parts = [.text(text)] }

    /// A literal without interpolations: text only.
    public init(stringLiteral value: String) { parts = [.text(value)] }

    /// A literal with interpolations: settings stay settings, other values become their text.
    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    /// One message after the other (long lines are written as literals joined with `+`).
    public static func + (lhs: Message, rhs: Message) -> Message {
        var joined = lhs
        joined.parts += rhs.parts
        return joined
    }

    /// The text with each setting spelt by `name`.
    public func rendered(_ name: (Setting) -> String) -> String {
        parts.map { part in
            switch part {
            case .text(let text): return text
            case .setting(let setting): return name(setting)
            }
        }.joined()
    }

    /// The text with each setting named by its property in the library (`modelPath`).
    public var description: String { rendered(\.rawValue) }

    /// The settings the text names, in order.
    public var settings: [Setting] {
        parts.compactMap { if case .setting(let s) = $0 { return s } else { return nil } }
    }

    /// Collects a literal's text and the settings interpolated into it.
    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        /// Empty; the sizes are hints only.
        public init(literalCapacity: Int, interpolationCount: Int) {}

        /// The literal's text between interpolations.
        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }

        /// A setting, spelt when the message is rendered.
        public mutating func appendInterpolation(_ setting: Setting) { parts.append(.setting(setting)) }

        /// Another message keeps its settings (an error quoted inside another).
        public mutating func appendInterpolation(_ message: Message) { parts += message.parts }

        /// An error that carries a message keeps its settings; any other value is printed as text.
        public mutating func appendInterpolation<T>(_ value: T) {
            if let error = value as? any MessageError {
                parts += error.message.parts
            } else {
                parts.append(.text(String(describing: value)))
            }
        }
    }
}

/// An error whose one-line text is a `Message`, for a front end to print with its own spelling of the
/// settings it names (its `description` names them as the library does).
public protocol MessageError: Error, CustomStringConvertible {
    var message: Message { get }
}

extension MessageError {
    /// The message with settings named as the library names them.
    public var description: String { message.description }
}
