import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// Against scikit-learn 1.9.1 on German credit: Tests/Fixtures/sklearn_models.json, made by
/// Tests/Fixtures/make_model_references.py (each entry's "call" says exactly what was fitted).
@Suite struct ScikitLearnParityTests {
  static func reference(_ key: String) throws -> [String: Any] {
    (try Fixtures.json("sklearn_models.json") as! [String: Any])[key] as! [String: Any]
  }

  static func german() throws -> Table { try CSVReader.read(path: Fixtures.sample("german_credit.csv")) }

  @Test("multinomial probabilities match newton-cholesky within 1e-6")
  func multinomial() throws {
    let expected = try Self.reference("multinomial_housing")
    let spec = TrainingSpec(target: "housing", drop: ["risk"])
    let data = try TrainingSet.prepare(try Self.german(), spec: spec, classification: true)
    var options = LogisticRegression.Options(inverseRegularization: 0.5)
    options.relativeTolerance = 1e-12
    let (model, summary) = try LogisticRegression.fit(data, options: options)
    #expect(summary.converged)
    #expect(model.classes == expected["classes"] as! [String])
    let probabilities = model.probabilities(encoded: data.design)
    let rows = expected["probabilities_first_20"] as! [[Double]]
    for (r, row) in rows.enumerated() {
      #expect(maxAbsoluteDifference(probabilities.row(r), row) < 1e-6, "row \(r)")
    }
    #expect(abs(summary.metric - (expected["training_accuracy"] as! Double)) < 1e-12)
  }

  @Test("ridge predictions and intercept match Ridge(alpha=1) within 1e-8")
  func ridge() throws {
    let expected = try Self.reference("ridge_credit_amount")
    let data = try TrainingSet.prepare(try Self.german(), spec: TrainingSpec(target: "credit_amount"), classification: false)
    let (model, summary) = try LinearRegression.fit(data, inverseRegularization: 1)
    let predictions = model.predictions(encoded: data.design)
    #expect(maxAbsoluteDifference(predictions.storage.prefix(20), expected["predictions_first_20"] as! [Double]) < 1e-8)
    #expect(abs(model.intercept - (expected["intercept"] as! Double)) < 1e-8)
    #expect(abs(summary.metric - (expected["r2"] as! Double)) < 1e-12)
  }

  @Test("sample weights give scikit-learn's weighted fit")
  func weighted() throws {
    let expected = try Self.reference("weighted_risk")
    let table = try Self.german()
    guard case let .numeric(duration) = try table.column("duration") else { Issue.record("duration type"); return }
    let withWeights = table.replacing(.numeric(NumericColumn(name: "w", values: ContiguousArray(duration.values.map { $0 / 12 }))))
    let spec = TrainingSpec(target: "risk", positive: "1", drop: ["duration"], weightsColumn: "w")
    let data = try TrainingSet.prepare(withWeights, spec: spec, classification: true)
    let (model, _) = try LogisticRegression.fit(data)
    let probabilities = model.probabilities(encoded: data.design)
    #expect(maxAbsoluteDifference(probabilities.storage.prefix(20), expected["probability_1_first_20"] as! [Double]) < 1e-8)
    #expect(abs(model.intercepts[0] - (expected["intercept"] as! Double)) < 1e-8)
  }
}
