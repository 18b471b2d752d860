import CandorCore
import CandorModels

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

/// Before and after a mitigation, on the same data.
public struct MitigationComparison: Sendable, Codable {
  public var before: MitigationBlock
  public var after: MitigationBlock

  public init(before: MitigationBlock, after: MitigationBlock) {
    self.before = before
    self.after = after
  }
}

public enum MitigationEvaluation {
  /// Two models' hard decisions (probability above 0.5) compared on labelled data.
  public static func compare(_ original: any Model, _ mitigated: any Model, on table: Table, target: String, positive: String,
                             sensitiveFeatures: [String]) throws -> MitigationComparison {
    let labels = try Outcomes.binaryLabels(table.column(target), positive: positive, file: table.source)
    func block(_ model: any Model) throws -> MitigationBlock {
      let scores = ContiguousArray(try model.predict(table).storage)
      return try Self.block(.binary(labels: labels, predictions: ContiguousArray(scores.map { $0 > 0.5 ? 1 : 0 }), scores: nil),
                            weights: nil, table: table, sensitiveFeatures: sensitiveFeatures)
    }
    return MitigationComparison(before: try block(original), after: try block(mitigated))
  }

  static let groupMetrics: Set<String> = Set([FairnessMetric.count, .selectionRate, .accuracy, .balancedAccuracy, .truePositiveRate,
                                              .falsePositiveRate, .falseNegativeRate, .trueNegativeRate].map(\.rawValue))
  /// The disparities a mitigation is judged by (between groups).
  public static let disparities: [Disparity] = [.demographicParityDifference, .equalizedOddsDifference, .equalOpportunityDifference]
  static let disparityNames = Set(disparities.map(\.rawValue))

  public static func block(_ outcomes: Outcomes, weights: ContiguousArray<Double>?, table: Table, sensitiveFeatures: [String]) throws
    -> MitigationBlock
  {
    let report = try FairnessAssessment.assess(outcomes, weights: weights, table: table,
                                               configuration: FairnessConfiguration(sensitiveSets: [sensitiveFeatures]))
    let set = report.sensitiveSets.values.first!
    return MitigationBlock(
      accuracy: set.overall[FairnessMetric.accuracy.rawValue]!, balancedAccuracy: set.overall[FairnessMetric.balancedAccuracy.rawValue]!,
      byGroup: set.byGroup.filter { groupMetrics.contains($0.key) },
      disparities: set.disparities.filter { disparityNames.contains($0.key) })
  }
}
