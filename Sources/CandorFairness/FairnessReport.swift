import CandorCore
import Foundation

/// A `[low, high]` interval.
public typealias Interval = [Double]

/// Everything `candor fairness` reports, as written to JSON (schema: docs/schemas/fairness.schema.json).
public struct FairnessReport: Sendable, Equatable, Codable, JSONDocument {
  public var task: FairnessTask
  public var rows: Int
  public var weighted: Bool
  public var metrics: [FairnessMetric]
  public var confidenceLevel: Double
  public var bootstrap: BootstrapSettings?
  public var sensitiveSets: [String: SensitiveSetResult]
  public var privilegedComparisons: [String: PrivilegedComparisonResult]
  public var warnings: [String]

  enum CodingKeys: String, CodingKey {
    case task, rows, weighted, metrics, bootstrap, warnings
    case confidenceLevel = "confidence_level"
    case sensitiveSets = "sensitive_sets"
    case privilegedComparisons = "privileged_comparisons"
  }
}

/// What the outcomes are.
public enum FairnessTask: String, Sendable, Codable {
  case binaryClassification = "binary_classification"
  case regression

  /// "binary classification", "regression".
  public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

public struct BootstrapSettings: Sendable, Equatable, Codable {
  public var replicates: Int
  public var seed: UInt64
  /// "poisson": each row counts m ~ Poisson(1) times in a replicate, m a function of (seed, replicate, row number)
  /// alone, so the replicates of merged shards are the unsharded run's.
  public var method = "poisson"

  public init(replicates: Int, seed: UInt64) { (self.replicates, self.seed) = (replicates, seed) }

  enum CodingKeys: String, CodingKey {
    case replicates, seed, method
  }
}

/// One sensitive set (one feature, or several for intersectional groups keyed `a|b`, see `Grouping.key`).
public struct SensitiveSetResult: Sendable, Equatable, Codable {
  public var sensitiveFeatures: [String]
  public var groups: [String]
  /// Intersectional sets only: each group's values, one per sensitive feature, in the order of `groups`.
  public var groupValues: [[String]]?
  public var overall: [String: Double]
  public var byGroup: [String: [String: Double]]
  public var groupMin: [String: Double]
  public var groupMax: [String: Double]
  public var differenceBetweenGroups: [String: Double]
  public var differenceToOverall: [String: Double]
  public var ratioBetweenGroups: [String: Double]
  public var ratioToOverall: [String: Double]
  public var disparities: [String: Double]
  /// Wilson score intervals of the proportions (selection rate, accuracy, TPR, …), overall and by group.
  public var wilsonIntervals: IntervalBlock?
  /// Bootstrap percentile intervals of every metric, aggregate and disparity (with `--bootstrap`).
  public var intervals: IntervalBlock?
  /// Groups with fewer rows than the minimum group size.
  public var smallGroups: [String]
  /// Values that follow a convention rather than data (e.g. TPR 0 for a group without positives).
  public var notes: [ValueNote]
  /// Disparities whose bootstrap interval contains the parity value (0 for differences, 1 for ratios).
  public var indistinguishableFromParity: [String]?
  public var controlFeatures: [String]?
  /// With control features: this same block for the rows of each control stratum.
  public var strata: [String: SensitiveSetResult]?

  enum CodingKeys: String, CodingKey {
    case groups, overall, disparities, intervals, notes, strata
    case sensitiveFeatures = "sensitive_features"
    case groupValues = "group_values"
    case byGroup = "by_group"
    case groupMin = "group_min"
    case groupMax = "group_max"
    case differenceBetweenGroups = "difference_between_groups"
    case differenceToOverall = "difference_to_overall"
    case ratioBetweenGroups = "ratio_between_groups"
    case ratioToOverall = "ratio_to_overall"
    case wilsonIntervals = "wilson_intervals"
    case smallGroups = "small_groups"
    case indistinguishableFromParity = "indistinguishable_from_parity"
    case controlFeatures = "control_features"
  }

  /// The aggregate block for `aggregation`.
  public func aggregate(_ aggregation: Aggregation) -> [String: Double] {
    switch aggregation {
    case .groupMin: groupMin
    case .groupMax: groupMax
    case .differenceBetweenGroups: differenceBetweenGroups
    case .differenceToOverall: differenceToOverall
    case .ratioBetweenGroups: ratioBetweenGroups
    case .ratioToOverall: ratioToOverall
    }
  }
}

/// Intervals laid out like the point estimates: `overall` / aggregates are metric → interval,
/// `by_group` is metric → group → interval, `disparities` is name → interval.
public struct IntervalBlock: Sendable, Equatable, Codable {
  public var overall: [String: Interval] = [:]
  public var byGroup: [String: [String: Interval]] = [:]
  public var aggregates: [String: [String: Interval]] = [:]
  public var disparities: [String: Interval] = [:]

  enum CodingKeys: String, CodingKey {
    case overall, aggregates, disparities
    case byGroup = "by_group"
  }
}

public struct ValueNote: Sendable, Equatable, Codable {
  public var metric: String
  public var group: String
  public var reason: String

  public init(metric: String, group: String, reason: String) {
    self.metric = metric
    self.group = group
    self.reason = reason
  }
}

/// AIF360-style comparison of a privileged and an unprivileged group.
public struct PrivilegedComparisonResult: Sendable, Equatable, Codable {
  public var column: String
  public var privilegedValues: [String]
  public var privilegedCount: Int
  public var unprivilegedCount: Int
  /// `statistical_parity_difference`, `disparate_impact`, … (unprivileged minus / over privileged).
  public var metrics: [String: Double]
  /// The four-fifths rule of the US EEOC guidelines: adverse impact when the disparate impact is below 0.8.
  public var fourFifthsRuleViolated: Bool
  public var intervals: [String: Interval]?

  enum CodingKeys: String, CodingKey {
    case column, metrics, intervals
    case privilegedValues = "privileged_values"
    case privilegedCount = "privileged_count"
    case unprivilegedCount = "unprivileged_count"
    case fourFifthsRuleViolated = "four_fifths_rule_violated"
  }
}

extension FairnessReport {
  public static func decode(_ data: Data) throws -> FairnessReport {
    try CandorJSON.decode(FairnessReport.self, from: data)
  }
}
