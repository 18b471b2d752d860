import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// XGBoost and LightGBM model files reproduce the libraries' own predictions (Tests/Fixtures/models/, copied from
/// the shared reference zoo: xgboost 3.2.0, lightgbm 4.7.0; its README says how each was made and fed).
@Suite struct TreeEnsembleReferenceTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let model: String
    let features: String
    let reference: String
    var testDescription: String { "\(model) on \(features)" }
  }

  static let cases = [
    Case(model: "adult_xgb.json", features: "adult_numeric_features.csv", reference: "adult_xgb_reference.csv"),
    Case(model: "adult_xgb.ubj", features: "adult_numeric_features.csv", reference: "adult_xgb_reference.csv"),
    Case(model: "adult_lgbm.txt", features: "adult_numeric_features.csv", reference: "adult_lgbm_reference.csv"),
    Case(model: "adult_xgb_categorical.json", features: "adult_numeric_features.csv", reference: "adult_xgb_categorical_reference.csv"),
    Case(model: "adult_lgbm_categorical.txt", features: "adult_numeric_features.csv", reference: "adult_lgbm_categorical_reference.csv"),
    Case(model: "adult_xgb.json", features: "adult_numeric_features_missing.csv", reference: "adult_xgb_missing_reference.csv"),
    Case(model: "adult_lgbm.txt", features: "adult_numeric_features_missing.csv", reference: "adult_lgbm_missing_reference.csv"),
    Case(model: "adult_xgb_categorical.json", features: "adult_numeric_features_missing.csv",
         reference: "adult_xgb_categorical_missing_reference.csv"),
    Case(model: "adult_lgbm_categorical.txt", features: "adult_numeric_features_missing.csv",
         reference: "adult_lgbm_categorical_missing_reference.csv"),
    Case(model: "german_xgb_multiclass.json", features: "german_numeric_features.csv", reference: "german_xgb_multiclass_reference.csv"),
  ]

  static func numbers(_ table: Table, _ column: String) throws -> [Double] {
    guard case let .numeric(values) = try table.column(column) else { throw TableError.missingColumn(column, available: [], file: nil) }
    return Array(values.values)
  }

  @Test("probabilities within 1e-6 of the library's, labels exact, margins exact (XGBoost: float32 sums)", arguments: cases)
  func reproducesReference(_ c: Case) throws {
    let loaded = try ModelLoader.loadModel(path: Fixtures.path("models/" + c.model))
    let model = try #require(loaded.model as? TreeEnsembleModel)
    let data = try CSVReader.read(path: Fixtures.path("models/" + c.features))
    let reference = try CSVReader.read(path: Fixtures.path("models/" + c.reference))
    let probabilities = try model.classProbabilities(data)
    #expect(probabilities.rows == data.rowCount && reference.rowCount == data.rowCount)
    let labels = try Self.numbers(reference, "label")
    var largest = 0.0
    for k in 0..<probabilities.columns {
      let expected = try Self.numbers(reference, "prob_\(k)")
      for r in 0..<data.rowCount { largest = max(largest, abs(probabilities[r, k] - expected[r])) }
    }
    #expect(largest < 1e-6, "largest difference \(largest)")
    for r in 0..<data.rowCount {
      let row = (0..<probabilities.columns).map { probabilities[r, $0] }
      let predicted = row.indices.max { row[$0] < row[$1] }!
      #expect(Double(predicted) == labels[r], "row \(r)")
    }
    guard probabilities.columns == 2 else { return }
    let margins = model.ensemble.margins(columns: try model.columns(data), rows: data.rowCount)
    let expected = try Self.numbers(reference, "margin")
    for r in 0..<data.rowCount {
      if model.ensemble.rules == .xgboost {
        #expect(Float(margins[r]) == Float(expected[r]), "row \(r): margin \(margins[r]) vs \(expected[r])")
      } else {
        #expect(abs(margins[r] - expected[r]) <= 1e-12 * max(1, abs(expected[r])), "row \(r): margin \(margins[r]) vs \(expected[r])")
      }
    }
  }

  @Test("LightGBM regression, bound by name to a table that holds one more column: the library's predictions exactly")
  func lightGBMRegression() throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path("models/adult_lgbm_regression.txt")).model
    #expect(model.outputKind == .regression)
    #expect(!model.featureNames.contains("hours_per_week"))
    let data = try CSVReader.read(path: Fixtures.path("models/adult_numeric_features.csv"))
    let predictions = try model.predict(data)
    let expected = try Self.numbers(try CSVReader.read(path: Fixtures.path("models/adult_lgbm_regression_reference.csv")), "prediction")
    #expect(Array(predictions.storage) == expected)
  }

  @Test("the UBJSON model is the JSON model: the same trees, node for node")
  func ubjsonEqualsJSON() throws {
    let json = try #require(try ModelLoader.loadModel(path: Fixtures.path("models/adult_xgb.json")).model as? TreeEnsembleModel)
    let ubjson = try #require(try ModelLoader.loadModel(path: Fixtures.path("models/adult_xgb.ubj")).model as? TreeEnsembleModel)
    #expect(json.ensemble == ubjson.ensemble)
    #expect(json.ensemble.trees.count == 100 && json.featureNames.count == 13)
  }
}
