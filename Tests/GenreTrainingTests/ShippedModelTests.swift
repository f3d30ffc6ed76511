import Foundation
import GenreFeatures
import XCTest
@testable import GenreTraining

/// The model committed as models/genre.safetensors: it loads, is the documented one, and classifies.
final class ShippedModelTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testTheShippedModelLoadsAndClassifiesGTZANClips() throws {
        let model = try ModelFile.read(Self.repository.appendingPathComponent("models/genre.safetensors").path)
        XCTAssertEqual(model.classNames, ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"])
        XCTAssertEqual(model.training, TrainingSettings.defaultRecipe, "the shipped model is the default recipe's")
        XCTAssertTrue(model.network.configuration.batchNorm)
        XCTAssertTrue(model.network.configuration.timePooling)
        XCTAssertEqual(model.features, FeatureParameters(fMax: 11025))  // the file stores fMax resolved

        let mini = Self.repository.deletingLastPathComponent().appendingPathComponent("shared/datasets/gtzan-mini").path
        guard FileManager.default.fileExists(atPath: mini) else { throw XCTSkip("\(mini) not found") }
        let dataset = try DatasetScanner.scan(mini)
        let predictor = try Predictor(model: model, threads: 2)
        var correct = 0
        for file in dataset.files {
            let p = try predictor.predict(path: dataset.path(of: file))
            XCTAssertEqual(p.ranking.reduce(0) { $0 + $1.probability }, 1, accuracy: 1e-5)
            if p.ranking[0].genre == dataset.classNames[file.label] { correct += 1 }
        }
        // These GTZAN clips may overlap its training data, so this is a check that the model works, not
        // a measure of it (cross-validation is, in models/README.md); chance is 10 of 100.
        XCTAssertGreaterThanOrEqual(correct, 50, "\(correct) of \(dataset.files.count) right")
    }
}
