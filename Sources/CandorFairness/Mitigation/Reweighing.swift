import CandorCore

/// Reweighing (Kamiran & Calders 2012, "Data preprocessing techniques for classification without
/// discrimination", KAIS 33, §4.1): every row of group g with label y gets the weight
///
///     W(g, y) = P(g)·P(y) / P(g, y) = n_g·n_y / (n·n_gy)
///
/// so that label and group are independent under the new weights (the weighted label rate of every group
/// equals the overall rate). AIF360's `Reweighing` computes the same for one privileged/unprivileged split;
/// this takes any number of groups (intersections too) and, optionally, existing sample weights (then the
/// counts are weighted sums and each row keeps its weight times W).
public struct Reweighing: Sendable, Equatable, Codable {
  public var sensitiveFeatures: [String]
  public var groups: [String]
  /// Intersectional groups only: each group's values, one per sensitive feature, in the order of `groups`.
  public var groupValues: [[String]]?
  /// n(g, y) (weighted sums when base weights are given): group → "0"/"1" → value.
  public var counts: [String: [String: Double]]
  public var weights: [String: [String: Double]]
  public var labelRateByGroupBefore: [String: Double]
  public var weightedLabelRateByGroupAfter: [String: Double]
  public var overallLabelRate: Double
  /// One weight per input row (written to the weights CSV, not to JSON).
  public var rowWeights: [Double] = []

  enum CodingKeys: String, CodingKey {
    case groups, counts, weights
    case groupValues = "group_values"
    case sensitiveFeatures = "sensitive_features"
    case labelRateByGroupBefore = "label_rate_by_group_before"
    case weightedLabelRateByGroupAfter = "weighted_label_rate_by_group_after"
    case overallLabelRate = "overall_label_rate"
  }

  public static func fit(labels: ContiguousArray<UInt8>, grouping: Grouping, baseWeights: ContiguousArray<Double>? = nil) -> Reweighing {
    let groupCount = grouping.keys.count
    // cell[2g + y]: (weighted) count of group g with label y. Flat arrays keep the row loops allocation-free.
    var cell = [Double](repeating: 0, count: 2 * groupCount)
    cell.withUnsafeMutableBufferPointer { cell in
      grouping.groupOfRow.withUnsafeBufferPointer { groups in
        for i in 0..<labels.count { cell[2 * Int(groups[i]) + Int(labels[i])] += baseWeights?[i] ?? 1 }
      }
    }
    let n = cell.reduce(0, +)
    var labelTotals = [0.0, 0.0]
    for g in 0..<groupCount { for y in 0..<2 { labelTotals[y] += cell[2 * g + y] } }
    var weightTable = [Double](repeating: 0, count: 2 * groupCount)
    for g in 0..<groupCount {
      let groupTotal = cell[2 * g] + cell[2 * g + 1]
      for y in 0..<2 where cell[2 * g + y] > 0 {
        // The same float expression as the reference: n_y·n_g / (n·n_gy).
        weightTable[2 * g + y] = labelTotals[y] * groupTotal / (n * cell[2 * g + y])
      }
    }
    var rowWeights = [Double](repeating: 0, count: labels.count)
    rowWeights.withUnsafeMutableBufferPointer { out in
      grouping.groupOfRow.withUnsafeBufferPointer { groups in
        for i in 0..<labels.count { out[i] = (baseWeights?[i] ?? 1) * weightTable[2 * Int(groups[i]) + Int(labels[i])] }
      }
    }
    var counts: [String: [String: Double]] = [:], weights: [String: [String: Double]] = [:]
    var before: [String: Double] = [:], after: [String: Double] = [:]
    for (g, key) in grouping.keys.enumerated() {
      counts[key] = ["0": cell[2 * g], "1": cell[2 * g + 1]]
      weights[key] = ["0": weightTable[2 * g], "1": weightTable[2 * g + 1]]
      before[key] = cell[2 * g + 1] / (cell[2 * g] + cell[2 * g + 1])
      let weighted0 = cell[2 * g] * weightTable[2 * g], weighted1 = cell[2 * g + 1] * weightTable[2 * g + 1]
      after[key] = weighted1 / (weighted0 + weighted1)
    }
    return Reweighing(sensitiveFeatures: grouping.columns, groups: grouping.keys, groupValues: grouping.columns.count > 1 ? grouping.values : nil,
                      counts: counts, weights: weights,
                      labelRateByGroupBefore: before, weightedLabelRateByGroupAfter: after,
                      overallLabelRate: labelTotals[1] / n, rowWeights: rowWeights)
  }
}

/// What `candor mitigate reweigh --json` writes.
public struct ReweighingReport: Sendable, Codable, JSONDocument {
  public var method = "reweighing"
  public var reweighing: Reweighing
  /// The original and the retrained model on the evaluation data (with --eval-data).
  public var evaluation: MitigationComparison?

  public init(reweighing: Reweighing, evaluation: MitigationComparison?) {
    self.reweighing = reweighing
    self.evaluation = evaluation
  }
}
