import CandorCore

/// How one sensitive set's numbers are flattened into a vector — per metric: overall, each group, then the
/// six aggregates; then the named disparities — so point estimates and bootstrap replicates are computed by
/// the same function and mapped back into the report by the same indices.
struct SetLayout: Sendable {
  let metrics: [FairnessMetric]
  let groups: [String]
  let isBinary: Bool

  var groupCount: Int { groups.count }
  private var perMetric: Int { groupCount + 1 + Aggregation.allCases.count }
  /// The length of an evaluated vector.
  var width: Int { metrics.count * perMetric + (isBinary ? Self.disparityNames().count : 0) }

  static func disparityNames() -> [String] {
    Disparity.values(selection: { _ in 0 }, truePositive: { _ in 0 }, falsePositive: { _ in 0 }).map(\.0)
  }

  func evaluate(_ sums: GroupSums) -> [Double] {
    var vector: [Double] = []
    vector.reserveCapacity(metrics.count * perMetric + 16)
    var aggregateOf: [FairnessMetric: [Double]] = [:]
    for metric in metrics {
      let overall = sums.value(metric, group: groupCount)
      let byGroup = (0..<groupCount).map { sums.value(metric, group: $0) }
      let aggregates = Aggregation.allCases.map { $0.apply(byGroup, overall: overall) }
      aggregateOf[metric] = aggregates
      vector.append(overall)
      vector += byGroup
      vector += aggregates
    }
    if isBinary {
      func lookup(_ metric: FairnessMetric) -> (Aggregation) -> Double {
        let aggregates = aggregateOf[metric]!
        return { aggregates[Aggregation.allCases.firstIndex(of: $0)!] }
      }
      vector += Disparity.values(selection: lookup(.selectionRate), truePositive: lookup(.truePositiveRate),
                                 falsePositive: lookup(.falsePositiveRate)).map(\.1)
    }
    return vector
  }

  /// The point-estimate blocks of a report from an evaluated vector.
  func fill(_ result: inout SensitiveSetResult, from vector: [Double]) {
    for (m, metric) in metrics.enumerated() {
      let base = m * perMetric
      result.overall[metric.rawValue] = vector[base]
      result.byGroup[metric.rawValue] = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, vector[base + 1 + $0]) })
      for (a, aggregation) in Aggregation.allCases.enumerated() {
        let value = vector[base + 1 + groupCount + a]
        switch aggregation {
        case .groupMin: result.groupMin[metric.rawValue] = value
        case .groupMax: result.groupMax[metric.rawValue] = value
        case .differenceBetweenGroups: result.differenceBetweenGroups[metric.rawValue] = value
        case .differenceToOverall: result.differenceToOverall[metric.rawValue] = value
        case .ratioBetweenGroups: result.ratioBetweenGroups[metric.rawValue] = value
        case .ratioToOverall: result.ratioToOverall[metric.rawValue] = value
        }
      }
    }
    if isBinary {
      let start = metrics.count * perMetric
      for (k, name) in Self.disparityNames().enumerated() { result.disparities[name] = vector[start + k] }
    }
  }

  /// Intervals laid out like the point estimates.
  func intervalBlock(_ intervals: [Interval]) -> IntervalBlock {
    var block = IntervalBlock()
    for (m, metric) in metrics.enumerated() {
      let base = m * perMetric
      block.overall[metric.rawValue] = intervals[base]
      block.byGroup[metric.rawValue] = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, intervals[base + 1 + $0]) })
      for (a, aggregation) in Aggregation.allCases.enumerated() {
        block.aggregates[aggregation.rawValue, default: [:]][metric.rawValue] = intervals[base + 1 + groupCount + a]
      }
    }
    if isBinary {
      let start = metrics.count * perMetric
      for (k, name) in Self.disparityNames().enumerated() { block.disparities[name] = intervals[start + k] }
    }
    return block
  }
}
