import CandorCore

/// The before/after numbers of a mitigation on one data set, computed with the fairness module (for a
/// randomized policy, in expectation).
public struct MitigationBlock: Sendable, Equatable, Codable {
  public var accuracy: Double
  public var balancedAccuracy: Double
  public var byGroup: [String: [String: Double]]
  /// demographic_parity_difference, equalized_odds_difference, equal_opportunity_difference (between groups).
  public var disparities: [String: Double]

  enum CodingKeys: String, CodingKey {
    case accuracy, disparities
    case balancedAccuracy = "balanced_accuracy"
    case byGroup = "by_group"
  }
}

public enum MitigationEvaluation {
  static let groupMetrics = ["count", "selection_rate", "accuracy", "balanced_accuracy", "true_positive_rate",
                             "false_positive_rate", "false_negative_rate", "true_negative_rate"]
  static let disparityNames = ["demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"]

  public static func block(_ outcomes: Outcomes, weights: ContiguousArray<Double>?, table: Table, sensitiveFeatures: [String]) throws
    -> MitigationBlock
  {
    let report = try FairnessAssessment.assess(outcomes, weights: weights, table: table,
                                               configuration: FairnessConfiguration(sensitiveSets: [sensitiveFeatures]))
    let set = report.sensitiveSets.values.first!
    return MitigationBlock(
      accuracy: set.overall["accuracy"]!, balancedAccuracy: set.overall["balanced_accuracy"]!,
      byGroup: set.byGroup.filter { groupMetrics.contains($0.key) },
      disparities: set.disparities.filter { disparityNames.contains($0.key) })
  }
}
