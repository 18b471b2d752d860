import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorFairness

/// Fairlearn 0.15 `MetricFrame` and fairness functions, AIF360 0.6.1 `ClassificationMetric`, on the Adult test
/// predictions (Tests/Fixtures/adult_metricframe.json from adult_test_predictions.csv; see the fixtures README).
@Suite struct FairlearnParityTests {
  static let sets = ["sex", "race", "sex|race"]

  static func reference() throws -> [String: Any] { try Fixtures.json("adult_metricframe.json") as! [String: Any] }

  static func predictions() throws -> Table { try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv")) }

  static func assess(weighted: Bool, replicates: Int = 0, privileged: [PrivilegedSplit] = []) throws -> FairnessReport {
    let table = try predictions()
    let outcomes = try Outcomes.fromColumns(table: table, labelColumn: "y_true", predictionColumn: "y_pred",
                                            scoreColumn: "y_score", positive: "1", threshold: 0.5)
    var configuration = FairnessConfiguration(sensitiveSets: sets.map { $0.split(separator: "|").map(String.init) })
    configuration.bootstrapReplicates = replicates
    configuration.privilegedSplits = privileged
    let weights = weighted ? try Outcomes.weights(table.column("weight"), file: nil) : nil
    return try FairnessAssessment.assess(outcomes, weights: weights, table: table, configuration: configuration)
  }

  /// A reference number: JSON numbers, or the strings "nan" / "inf".
  static func number(_ value: Any) -> Double {
    if let string = value as? String { return Double(string == "inf" ? "inf" : string == "-inf" ? "-inf" : "nan")! }
    return (value as! NSNumber).doubleValue
  }

  static func close(_ ours: Double?, _ expected: Any, tolerance: Double) -> Bool {
    guard let ours else { return false }
    let reference = number(expected)
    if reference.isNaN { return ours.isNaN }
    return abs(ours - reference) <= tolerance * max(1, abs(reference))
  }

  static func checkSets(_ report: FairnessReport, section: String, tolerance: Double) throws -> Int {
    let sets = (try reference()[section] as! [String: Any])["sensitive_feature_sets"] as! [String: [String: Any]]
    var compared = 0
    for (key, expected) in sets {
      let ours = try #require(report.sensitiveSets[key])
      #expect(ours.groups == expected["groups"] as! [String])
      for (metric, value) in expected["overall"] as! [String: Any] {
        #expect(close(ours.overall[metric], value, tolerance: tolerance), "\(key) overall \(metric)")
        compared += 1
      }
      for (metric, groups) in expected["by_group"] as! [String: [String: Any]] {
        for (group, value) in groups {
          #expect(close(ours.byGroup[metric]?[group], value, tolerance: tolerance), "\(key) \(metric) \(group)")
          compared += 1
        }
      }
      for aggregation in Aggregation.allCases {
        for (metric, value) in expected[aggregation.rawValue] as! [String: Any] {
          #expect(close(ours.aggregate(aggregation)[metric], value, tolerance: tolerance), "\(key) \(aggregation) \(metric)")
          compared += 1
        }
      }
      for (function, variants) in expected["fairness_functions"] as! [String: [String: Any]] {
        for (variant, value) in variants {
          let suffix = ["between_groups": "", "to_overall": "_to_overall", "between_groups_agg_mean": "_mean",
                        "to_overall_agg_mean": "_to_overall_mean"][variant]!
          #expect(close(ours.disparities[function + suffix], value, tolerance: tolerance), "\(key) \(function) \(variant)")
          compared += 1
        }
      }
    }
    return compared
  }

  @Test("unweighted MetricFrame numbers match Fairlearn within 1e-12 for sex, race and sex|race")
  func unweighted() throws {
    let compared = try Self.checkSets(try Self.assess(weighted: false), section: "unweighted", tolerance: 1e-12)
    #expect(compared == 466)  // 17 groups × 11 metrics + overall, aggregates and 16 fairness functions per set
  }

  // Weighted sums of fnlwgt reach 3e9, so the reference README allows 1e-10 relative there.
  @Test("weighted MetricFrame numbers (sample_weight = fnlwgt) match Fairlearn within 1e-10 relative")
  func weighted() throws {
    let compared = try Self.checkSets(try Self.assess(weighted: true), section: "weighted", tolerance: 1e-10)
    #expect(compared == 466)  // 17 groups × 11 metrics + overall, aggregates and 16 fairness functions per set
  }

  @Test("AIF360 ClassificationMetric numbers match for sex (Male privileged) and race (White privileged)")
  func aif360() throws {
    let report = try Self.assess(weighted: false, privileged: [PrivilegedSplit(column: "sex", values: ["Male"]),
                                                                 PrivilegedSplit(column: "race", values: ["White"])])
    let expected = try Self.reference()["aif360_classification_metrics"] as! [String: [String: Any]]
    for (referenceKey, ourKey) in [("sex", "sex=Male"), ("race_white_vs_rest", "race=White")] {
      let ours = try #require(report.privilegedComparisons[ourKey])
      for name in PrivilegedMetrics(entropyAlphas: [2]).names {
        #expect(Self.close(ours.metrics[name], expected[referenceKey]![name]!, tolerance: 1e-12), "\(ourKey) \(name)")
      }
      #expect(ours.fourFifthsRuleViolated)  // disparate impact 0.30 (sex) and 0.55 (race)
    }
  }

  // Fairlearn resamples all rows with pandas under numpy seeds; Candor resamples within groups with its own
  // generator. Statistically equivalent, so the README's tolerance is about 0.01.
  @Test("bootstrap intervals land within 0.01 of Fairlearn's (200 replicates, sex)")
  func bootstrap() throws {
    let report = try Self.assess(weighted: false, replicates: 200)
    let expected = try Self.reference()["bootstrap"] as! [String: Any]
    let intervals = try #require(report.sensitiveSets["sex"]?.intervals)
    func check(_ ours: Interval?, _ reference: Any, _ label: String) {
      let pair = (reference as! [Any]).map(Self.number)
      #expect(ours != nil && abs(ours![0] - pair[0]) < 0.01 && abs(ours![1] - pair[1]) < 0.01, "\(label): \(String(describing: ours)) vs \(pair)")
    }
    for (metric, value) in expected["overall_ci"] as! [String: Any] { check(intervals.overall[metric], value, "overall \(metric)") }
    for (metric, groups) in expected["by_group_ci"] as! [String: [String: Any]] {
      for (group, value) in groups { check(intervals.byGroup[metric]?[group], value, "\(metric) \(group)") }
    }
    for aggregation in Aggregation.allCases {
      for (metric, value) in expected[aggregation.rawValue + "_ci"] as! [String: Any] {
        check(intervals.aggregates[aggregation.rawValue]?[metric], value, "\(aggregation) \(metric)")
      }
    }
  }
}
