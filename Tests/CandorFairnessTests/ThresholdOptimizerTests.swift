import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorFairness

/// Fairlearn 0.15 `ThresholdOptimizer(objective="accuracy_score", grid_size=1000, flip=False, prefit=True)` fitted on
/// the Adult train scores, evaluated on the test scores (Tests/Fixtures/threshold_optimizer.json and
/// adult_threshold_optimizer_eval_pmf.csv; README §5 of the fairness reference).
@Suite struct ThresholdOptimizerTests {
  static let runs: [(String, FairnessConstraint)] = ["sex", "race"].flatMap { feature in
    FairnessConstraint.allCases.map { (feature, $0) }
  }

  static func table(_ split: String) throws -> Table {
    try CSVReader.read(path: Fixtures.path("adult_\(split)_predictions.csv"))
  }

  static func outcomes(_ table: Table) throws -> (ContiguousArray<Double>, ContiguousArray<UInt8>) {
    (try Outcomes.scores(table.column("y_score"), file: nil), try Outcomes.binaryLabels(table.column("y_true"), positive: "1", file: nil))
  }

  static func fit(_ feature: String, _ constraint: FairnessConstraint, search: ThresholdSearch = .grid(size: 1000)) throws -> ThresholdFit {
    let train = try table("train")
    let (scores, labels) = try outcomes(train)
    return try ThresholdOptimizer.fit(scores: scores, labels: labels, weights: nil, grouping: try train.grouping(by: [feature]),
                                      constraint: constraint, objective: .accuracy, search: search)
  }

  static func number(_ value: Any) -> Double {
    if let string = value as? String { return string == "inf" ? .infinity : string == "-inf" ? -.infinity : .nan }
    return (value as! NSNumber).doubleValue
  }

  @Test("every policy matches Fairlearn: thresholds within 1e-12, p0/p1/p_ignore within 1e-9", arguments: runs)
  func policies(feature: String, constraint: FairnessConstraint) throws {
    let fit = try Self.fit(feature, constraint)
    let reference = ((try Fixtures.json("threshold_optimizer.json") as! [String: Any])["runs"] as! [String: [String: [String: Any]]])[feature]![constraint.rawValue]!
    let policy = reference["policy"] as! [String: [String: Any]]
    #expect(Set(fit.policy.rules.keys) == Set(policy.keys))
    for (group, expected) in policy {
      let rule = try #require(fit.policy.rules[group])
      // Thresholds are midpoints of neighbouring scores. The reference's differ from the midpoints of the
      // CSV's scores by a few ulps (its scores came through another predict_proba call), so the README's
      // 1e-12 applies; infinite thresholds must match exactly.
      for (ours, key) in [(rule.threshold0, "operation0"), (rule.threshold1, "operation1")] {
        let theirs = Self.number((expected[key] as! [String: Any])["threshold"]!)
        #expect(ours == theirs || abs(ours - theirs) < 1e-12, "\(group) \(key)")
      }
      #expect(abs(rule.p0 - Self.number(expected["p0"]!)) < 1e-9, "\(group) p0")
      #expect(abs(rule.p1 - Self.number(expected["p1"]!)) < 1e-9, "\(group) p1")
      if let pIgnore = expected["p_ignore"] {
        #expect(abs(rule.pIgnore - Self.number(pIgnore)) < 1e-9, "\(group) p_ignore")
        #expect(abs(rule.predictionConstant - Self.number(expected["prediction_constant"]!)) < 1e-9)
      }
    }
    let best = reference["fit_best_point"] as! [String: Any]
    #expect(abs(fit.xBest! - Self.number(best["x_best"]!)) < 1e-9)
    #expect(abs(fit.yBest - Self.number(best["y_best"]!)) < 1e-9)
  }

  static func probabilities(_ fit: ThresholdFit, on table: Table, feature: String) throws -> ContiguousArray<Double> {
    let scores = try outcomes(table).0
    let grouping = try table.grouping(by: [feature])
    return ContiguousArray(scores.indices.map {
      fit.policy.rules[grouping.keys[Int(grouping.groupOfRow[$0])]]!.positiveProbability(score: scores[$0])
    })
  }

  @Test("applying the policies to the test rows reproduces Fairlearn's _pmf_predict row by row", arguments: runs)
  func rowProbabilities(feature: String, constraint: FairnessConstraint) throws {
    let fit = try Self.fit(feature, constraint)
    let probabilities = try Self.probabilities(fit, on: try Self.table("test"), feature: feature)
    let pmf = try CSVReader.read(path: Fixtures.path("adult_threshold_optimizer_eval_pmf.csv"))
    guard case let .numeric(expected) = try pmf.column("p_\(feature)_\(constraint.rawValue)") else { Issue.record("type"); return }
    #expect(maxAbsoluteDifference(probabilities, expected.values) < 1e-9)
  }

  @Test("expected metrics on the test set match Fairlearn's eval_expected within 1e-9", arguments: runs)
  func evaluation(feature: String, constraint: FairnessConstraint) throws {
    let fit = try Self.fit(feature, constraint)
    let test = try Self.table("test")
    let labels = try Self.outcomes(test).1
    let probabilities = try Self.probabilities(fit, on: test, feature: feature)
    let block = try MitigationEvaluation.block(.randomizedBinary(labels: labels, positiveProbabilities: probabilities),
                                               weights: nil, table: test, sensitiveFeatures: [feature])
    let expected = ((try Fixtures.json("threshold_optimizer.json") as! [String: Any])["runs"] as! [String: [String: [String: Any]]])[feature]![constraint.rawValue]!["eval_expected"] as! [String: Any]
    let overall = expected["overall"] as! [String: Any]
    #expect(abs(block.accuracy - Self.number(overall["accuracy"]!)) < 1e-9)
    #expect(abs(block.balancedAccuracy - Self.number(overall["balanced_accuracy"]!)) < 1e-9)
    for name in ["demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"] {
      #expect(abs(block.disparities[name]! - Self.number(expected[name]!)) < 1e-9, "\(name)")
    }
    for (metric, groups) in expected["by_group"] as! [String: [String: Any]] {
      for (group, value) in groups {
        #expect(abs(block.byGroup[metric]![group]! - Self.number(value)) < 1e-9, "\(metric) \(group)")
      }
    }
  }

  @Test("the exact search is never worse than the grid on the fitting data", arguments: runs)
  func exactNeverWorse(feature: String, constraint: FairnessConstraint) throws {
    let gridFit = try Self.fit(feature, constraint)
    let exactFit = try Self.fit(feature, constraint, search: .exact(tolerance: 0))
    let train = try Self.table("train")
    let labels = try Self.outcomes(train).1
    func accuracy(_ fit: ThresholdFit) throws -> Double {
      let p = try Self.probabilities(fit, on: train, feature: feature)
      return p.indices.reduce(0.0) { $0 + (labels[$1] == 1 ? p[$1] : 1 - p[$1]) } / Double(p.count)
    }
    #expect(try accuracy(exactFit) >= accuracy(gridFit) - 1e-12)
  }

  @Test("a tolerance keeps the groups' equalized metric within it and buys accuracy monotonically")
  func tolerance() throws {
    var previous = -Double.infinity
    for tolerance in [0.0, 0.02, 0.05, 0.1, 0.2] {
      for constraint in [FairnessConstraint.demographicParity, .equalizedOdds] {
        let fit = try Self.fit("race", constraint, search: .exact(tolerance: tolerance))
        let xs = fit.operatingPoints.values.map { $0[0] }, ys = fit.operatingPoints.values.map { $0[1] }
        #expect(xs.max()! - xs.min()! <= tolerance + 1e-9)
        if constraint == .equalizedOdds { #expect(ys.max()! - ys.min()! <= tolerance + 1e-9) }
        if constraint == .demographicParity {
          #expect(fit.yBest >= previous - 1e-12)
          previous = fit.yBest
        }
      }
    }
  }
}
