/// How a metric's group values are summarized (Fairlearn's `MetricFrame` methods).
public enum Aggregation: String, CaseIterable, Sendable {
  case groupMin = "group_min"
  case groupMax = "group_max"
  case differenceBetweenGroups = "difference_between_groups"
  case differenceToOverall = "difference_to_overall"
  case ratioBetweenGroups = "ratio_between_groups"
  case ratioToOverall = "ratio_to_overall"

  /// The aggregate of `groupValues` (NaN values skipped, as pandas does) given the overall value.
  public func apply(_ groupValues: [Double], overall: Double) -> Double {
    let present = groupValues.filter { !$0.isNaN }
    guard let low = present.min(), let high = present.max() else { return .nan }
    switch self {
    case .groupMin: return low
    case .groupMax: return high
    case .differenceBetweenGroups: return high - low
    case .differenceToOverall:
      return present.map { abs($0 - overall) }.max() ?? .nan
    case .ratioBetweenGroups: return low / high
    case .ratioToOverall:
      // Each group's ratio to overall, inverted when above 1; the smallest (Fairlearn's `ratio(method="to_overall")`).
      let ratios = present.map { v -> Double in
        let r = v / overall
        return r > 1 ? 1 / r : r
      }.filter { !$0.isNaN }
      return ratios.min() ?? .nan
    }
  }
}

/// Fairlearn's named fairness functions, between groups and to overall; the mean variants of equalized
/// odds use `agg="mean"`. Differences are 0 and ratios 1 when there is no disparity.
public enum Disparity: String, CaseIterable, Sendable {
  case demographicParityDifference = "demographic_parity_difference"
  case demographicParityRatio = "demographic_parity_ratio"
  case equalOpportunityDifference = "equal_opportunity_difference"
  case equalOpportunityRatio = "equal_opportunity_ratio"
  case equalizedOddsDifference = "equalized_odds_difference"
  case equalizedOddsRatio = "equalized_odds_ratio"

  /// The named disparities of a set, keyed `<name>` (between groups) and `<name>_to_overall`.
  static func values(selection: (Aggregation) -> Double, truePositive: (Aggregation) -> Double,
                     falsePositive: (Aggregation) -> Double) -> [(String, Double)] {
    var result: [(String, Double)] = []
    for (suffix, difference, ratio) in [("", Aggregation.differenceBetweenGroups, Aggregation.ratioBetweenGroups),
                                         ("_to_overall", .differenceToOverall, .ratioToOverall)] {
      let tprDifference = truePositive(difference), fprDifference = falsePositive(difference)
      let tprRatio = truePositive(ratio), fprRatio = falsePositive(ratio)
      result += [
        (Disparity.demographicParityDifference.rawValue + suffix, selection(difference)),
        (Disparity.demographicParityRatio.rawValue + suffix, selection(ratio)),
        (Disparity.equalOpportunityDifference.rawValue + suffix, tprDifference),
        (Disparity.equalOpportunityRatio.rawValue + suffix, tprRatio),
        (Disparity.equalizedOddsDifference.rawValue + suffix, nanMax(tprDifference, fprDifference)),
        (Disparity.equalizedOddsRatio.rawValue + suffix, nanMin(tprRatio, fprRatio)),
        (Disparity.equalizedOddsDifference.rawValue + suffix + "_mean", nanMean(tprDifference, fprDifference)),
        (Disparity.equalizedOddsRatio.rawValue + suffix + "_mean", nanMean(tprRatio, fprRatio)),
      ]
    }
    return result
  }

  /// The value meaning parity for a disparity key (with or without suffixes).
  static func parityValue(ofKey key: String) -> Double { key.contains("ratio") || key == PrivilegedMetrics.disparateImpact ? 1 : 0 }
}

func nanMax(_ a: Double, _ b: Double) -> Double { a.isNaN ? b : (b.isNaN ? a : max(a, b)) }
func nanMin(_ a: Double, _ b: Double) -> Double { a.isNaN ? b : (b.isNaN ? a : min(a, b)) }
/// The mean of the defined values, as pandas' `mean` (Fairlearn's `agg="mean"`) skips NaN.
func nanMean(_ a: Double, _ b: Double) -> Double { a.isNaN ? b : (b.isNaN ? a : (a + b) / 2) }
