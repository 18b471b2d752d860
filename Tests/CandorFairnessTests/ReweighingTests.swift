import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorFairness

/// AIF360 0.6.1 `Reweighing` (binary sex) and the Kamiran–Calders formula (5-valued race) on the Adult training
/// labels (Tests/Fixtures/reweighing.json, README §4).
@Suite struct ReweighingTests {
  static func reference() throws -> [String: [String: Any]] { try Fixtures.json("reweighing.json") as! [String: [String: Any]] }

  static func fit(_ feature: String) throws -> Reweighing {
    let train = try CSVReader.read(path: Fixtures.path("adult_train_predictions.csv"))
    let labels = try Outcomes.binaryLabels(train.column("y_true"), positive: "1", file: nil)
    return Reweighing.fit(labels: labels, grouping: try train.grouping(by: [feature]))
  }

  @Test("weights equal AIF360's for sex and the formula for race within 1e-12", arguments: [("sex", "binary_sex"), ("race", "multivalued_race")])
  func weights(feature: String, key: String) throws {
    let ours = try Self.fit(feature)
    let expected = try Self.reference()[key]!
    for (group, labels) in expected["weights"] as! [String: [String: Double]] {
      for (label, weight) in labels { #expect(abs(ours.weights[group]![label]! - weight) < 1e-12, "\(group) \(label)") }
    }
    for (group, labels) in expected["counts"] as! [String: [String: Double]] {
      for (label, count) in labels { #expect(ours.counts[group]![label]! == count) }
    }
    #expect(abs(ours.rowWeights.reduce(0, +) - (expected["instance_weight_sum"] as! Double)) < 1e-8)
  }

  @Test("after reweighing every group's weighted label rate is the overall rate", arguments: ["sex", "race"])
  func independence(feature: String) throws {
    let ours = try Self.fit(feature)
    for (group, rate) in ours.weightedLabelRateByGroupAfter {
      #expect(abs(rate - ours.overallLabelRate) < 1e-14, "\(group)")
    }
    #expect(abs(ours.overallLabelRate - 0.2408095574460244) < 1e-15)
  }

  // Informative in the reference (sklearn lbfgs vs Candor's Newton fit): within about 0.01.
  @Test("retraining with the sex weights moves the test metrics as the reference says (within 0.01)")
  func modelEffect() throws {
    let train = try CSVReader.read(path: Fixtures.sample("adult_train.csv"))
    let test = try CSVReader.read(path: Fixtures.sample("adult_test.csv"))
    let labels = try Outcomes.binaryLabels(train.column("income"), positive: ">50K", file: nil)
    let reweighing = Reweighing.fit(labels: labels, grouping: try train.grouping(by: ["sex"]))
    let spec = TrainingSpec(target: "income", positive: ">50K", drop: ["fnlwgt"])
    let (model, _) = try ModelTrainer.fit(train, spec: spec, options: TrainingOptions(), weights: reweighing.rowWeights)
    let scores = ContiguousArray(try model.model.predict(test).storage)
    let testLabels = try Outcomes.binaryLabels(test.column("income"), positive: ">50K", file: nil)
    let outcomes = Outcomes.binary(labels: testLabels, predictions: ContiguousArray(scores.map { $0 > 0.5 ? 1 : 0 }), scores: scores)
    let block = try MitigationEvaluation.block(outcomes, weights: nil, table: test, sensitiveFeatures: ["sex"])
    let expected = (try Self.reference()["model_effect"]!)["after_sex_reweighing"] as! [String: Any]
    #expect(abs(block.accuracy - (expected["accuracy"] as! Double)) < 0.01)
    #expect(abs(block.disparities["demographic_parity_difference"]! - (expected["demographic_parity_difference_sex"] as! Double)) < 0.01)
    #expect(abs(block.disparities["equalized_odds_difference"]! - (expected["equalized_odds_difference_sex"] as! Double)) < 0.01)
    for (group, rate) in expected["selection_rate_by_sex"] as! [String: Double] {
      #expect(abs(block.byGroup["selection_rate"]![group]! - rate) < 0.01)
    }
  }
}
