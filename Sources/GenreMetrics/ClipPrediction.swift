

/// One labelled clip's prediction, for reports.
public struct ClipPrediction: Sendable, Codable, Equatable {
    /// Path relative to the dataset folder.
    public var file: String
    /// The true genre.
    public var genre: String
    /// The predicted genre: argmax of `probabilities` (ties: class order).
    public var predicted: String
    /// The clip's distribution over the classes, in class-name order (sums to 1).
    public var probabilities: [Float]

    /// Member-wise; see the properties.
    public init(file: String, genre: String, predicted: String, probabilities: [Float]) {
        self.file = file
        self.genre = genre
        self.predicted = predicted
        self.probabilities = probabilities
    }
}
