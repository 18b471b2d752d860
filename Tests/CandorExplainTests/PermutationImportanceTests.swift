import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// scikit-learn 1.9.1 `permutation_importance(pipeline, X_eval, y_eval, scoring=['accuracy', 'roc_auc',
/// 'neg_log_loss'], n_repeats=200, random_state=0)` on German credit rows 500..999
/// (Tests/Fixtures/permutation_importance.json, README file D).
@Suite struct PermutationImportanceTests {
  static let scorers: [(Scorer, String)] = [(.accuracy, "accuracy"), (.rocAUC, "roc_auc"), (.logLoss, "neg_log_loss")]

  static func setup() throws -> (LogisticRegression, Table, [Double], [FeatureGroup], [String: Any]) {
    let reference = try Fixtures.json("permutation_importance.json") as! [String: Any]
    let model = try GermanModel.load()
    let table = try GermanModel.data().selecting(rows: Array(500..<1000))
    guard case let .numeric(risk) = try table.column("risk") else { throw CancellationError() }
    let features = reference["raw_features"] as! [String]
    return (model, table, Array(risk.values), features.map { FeatureGroup(name: $0, columns: [$0]) }, reference)
  }

  @Test("with scikit-learn's own permutations every importance matches within 1e-12", arguments: scorers)
  func recordedPermutations(scorer: Scorer, key: String) throws {
    let (model, table, truth, groups, reference) = try Self.setup()
    let permutations = (reference["permutations"] as! [String: Any])["effective"] as! [[Int]]
    let result = try PermutationImportance.compute(model: model, table: table, truth: truth, scorer: scorer, groups: groups,
                                                   repeats: 200, seed: 0, permutations: permutations)
    let expected = (reference["scorers"] as! [String: [String: Any]])[key]!
    #expect(abs(result.baselineScore - abs(expected["baseline_score"] as! Double)) < 1e-12)
    let values = expected["importances"] as! [[Double]]
    for (j, group) in groups.enumerated() {
      #expect(maxAbsoluteDifference(result.importances[group.name]!.values, values[j]) < 1e-12, "\(group.name)")
      #expect(abs(result.importances[group.name]!.std - (expected["importances_std"] as! [Double])[j]) < 1e-12)
    }
  }

  @Test("with Candor's own generator the means agree within 4 combined standard errors and the spreads within 1.3×",
        arguments: scorers)
  func ownPermutations(scorer: Scorer, key: String) throws {
    let (model, table, truth, groups, reference) = try Self.setup()
    let result = try PermutationImportance.compute(model: model, table: table, truth: truth, scorer: scorer, groups: groups,
                                                   repeats: 200, seed: 42)
    let expected = (reference["scorers"] as! [String: [String: Any]])[key]!
    let means = expected["importances_mean"] as! [Double], stds = expected["importances_std"] as! [Double]
    let errors = expected["standard_error"] as! [Double]
    for (j, group) in groups.enumerated() {
      let ours = result.importances[group.name]!
      let ourError = ours.std / 200.0.squareRoot()
      #expect(abs(ours.mean - means[j]) <= 4 * (errors[j] * errors[j] + ourError * ourError).squareRoot(), "\(group.name)")
      if stds[j] > 1e-9 { #expect(ours.std / stds[j] < 1.3 && stds[j] / ours.std < 1.3, "\(group.name) std") }
    }
  }

  @Test("the same seed gives the same importances; a feature the model ignores has importance 0")
  func laws() throws {
    let (model, table, truth, groups, _) = try Self.setup()
    let withExtra = table.replacing(.numeric(NumericColumn(name: "noise", values: ContiguousArray((0..<500).map { Double($0 % 7) }))))
    let groupsPlusNoise = groups + [FeatureGroup(name: "noise", columns: ["noise"])]
    let a = try PermutationImportance.compute(model: model, table: withExtra, truth: truth, scorer: .logLoss, groups: groupsPlusNoise,
                                              repeats: 20, seed: 3)
    let b = try PermutationImportance.compute(model: model, table: withExtra, truth: truth, scorer: .logLoss, groups: groupsPlusNoise,
                                              repeats: 20, seed: 3)
    #expect(a == b)
    #expect(a.importances["noise"]!.values.allSatisfy { $0 == 0 })
  }
}
