import Foundation
import GenreMetrics
import GenreModel
import GenreReports

extension TrainingCurves {
    /// The history a model records (`train.history`), or [] when it has none (models written before
    /// histories were kept) or it does not decode.
    public static func history(of model: TrainedModel) -> [EpochReport] {
        guard let text = model.notes["history"] else { return [] }
        return (try? JSONDecoder().decode([EpochReport].self, from: Data(text.utf8))) ?? []
    }
}
