import CandorCore
import Foundation

/// What to assess and how.
public struct FairnessConfiguration: Sendable {
  /// Each entry is one sensitive set; several features in one set give intersectional groups.
  public var sensitiveSets: [[String]]
  /// Control features: every set is also assessed within each stratum of these (Fairlearn's `control_features`).
  public var controlFeatures: [String] = []
  public var privilegedSplits: [PrivilegedSplit] = []
  /// The orders α of the generalized entropy indices the privileged comparisons report beside the Theil index
  /// (AIF360's `generalized_entropy_index(alpha)`); any finite α, 1 being the Theil index itself.
  public var entropyAlphas: [Double] = [2]
  /// Bootstrap replicates; 0 for none.
  public var bootstrapReplicates = 0
  public var confidenceLevel = 0.95
  public var seed: UInt64 = 0
  public var minGroupSize = 30
  /// The bootstrap is refused when its replicates would hold more memory than this …
  public var memoryLimit = MemoryLimit.halfOfMemory
  /// … or draw more rows than this (replicates × rows × resampled sets; about 5 minutes on two cores).
  public var maxBootstrapDraws = 10_000_000_000

  public init(sensitiveSets: [[String]]) {
    self.sensitiveSets = sensitiveSets
  }

  /// Refuses settings no assessment can use, before any data is read: a sensitive set without columns, a
  /// confidence level outside (0, 1), one bootstrap replicate or a negative number of them.
  public func validate() throws(FairnessError) {
    if sensitiveSets.isEmpty || sensitiveSets.contains(where: \.isEmpty) { throw .noSensitiveFeatures }
    guard confidenceLevel > 0 && confidenceLevel < 1 else {
      throw .invalidSetting(.init(.confidenceLevel, value: "\(confidenceLevel)", .betweenZeroAndOne))
    }
    guard bootstrapReplicates >= 0 && bootstrapReplicates != 1 else {
      throw .invalidSetting(.init(.bootstrapReplicates, value: "\(bootstrapReplicates)", .zeroOrAtLeast(2, unit: "replicates")))
    }
    if let alpha = entropyAlphas.first(where: { !$0.isFinite }) {
      throw .invalidSetting(.init(.entropyAlphas, value: formatNumber(alpha), .because("the order of an entropy index is a finite number")))
    }
  }
}

/// Group metrics, their aggregates and named disparities, with Wilson and bootstrap intervals.
///
/// Metric definitions and edge cases follow Fairlearn 0.15's `MetricFrame` (scikit-learn metrics) and
/// AIF360 0.6's `ClassificationMetric`; see the reference README in the project's fixtures.
public enum FairnessAssessment {
  /// - Parameters:
  ///   - outcomes: labels, predictions and scores (or regression targets and predictions), one per row.
  ///   - weights: optional sample weights (non-negative, not all zero).
  ///   - table: holds the sensitive, control and privileged columns, row-aligned with `outcomes`.
  /// - Throws: `TableError` for an absent column, `FairnessError` for a bad option.
  /// - Complexity: O(rows) per sensitive set plus O(rows log rows) once for ROC AUC; the bootstrap adds
  ///   O(rows) per replicate and set, on all cores.
  public static func assess(_ outcomes: Outcomes, weights: ContiguousArray<Double>?, table: Table,
                            configuration: FairnessConfiguration) throws -> FairnessReport {
    precondition(table.rowCount == outcomes.count, "table and outcomes differ in length")
    try configuration.validate()
    guard configuration.minGroupSize >= 0 else {
      throw FairnessError.invalidSetting(.init(.minGroupSize, value: "\(configuration.minGroupSize)", .atLeast(0)))
    }
    let terms = RowTerms(outcomes, weights: weights)
    let isBinary = terms.kind == .binary
    let metrics = isBinary
      ? FairnessMetric.binary(weighted: weights != nil, hasScores: outcomes.hasScores)
      : FairnessMetric.regression(weighted: weights != nil)
    let groupings = try configuration.sensitiveSets.map { try table.grouping(by: $0) }
    if configuration.bootstrapReplicates > 0 {
      let sets = groupings.map { SetLayout(metrics: metrics, groups: $0.keys, isBinary: isBinary).width }
      let cost = BootstrapCost(replicates: configuration.bootstrapReplicates, rows: outcomes.count,
                               valueCounts: sets + configuration.privilegedSplits.map { _ in PrivilegedMetrics(entropyAlphas: configuration.entropyAlphas).names.count })
      try cost.check(limit: configuration.memoryLimit, maxDraws: configuration.maxBootstrapDraws)
    }
    if !configuration.privilegedSplits.isEmpty && !isBinary {
      throw FairnessError.invalidSetting(.init(.privilegedSplits, value: configuration.privilegedSplits[0].key,
                                              .because("privileged comparisons need a binary classifier")))
    }
    let splitGroups = try configuration.privilegedSplits.map { try privilegedGroups($0, table: table, requireEveryValue: true).groups }
    // The bootstrap: each replicate's Poisson counts drawn once, for every set and split.
    var samples: [[[Double]]]?
    if configuration.bootstrapReplicates > 0 {
      let privileged = PrivilegedMetrics(entropyAlphas: configuration.entropyAlphas)
      let evaluators = groupings.map { grouping in
        PoissonBootstrap.Evaluator(groups: grouping.groupOfRow, groupCount: grouping.keys.count,
                                   evaluate: SetLayout(metrics: metrics, groups: grouping.keys, isBinary: isBinary).evaluate)
      } + splitGroups.map { PoissonBootstrap.Evaluator(groups: $0, groupCount: 2, evaluate: privileged.values) }
      samples = PoissonBootstrap.samples(terms: terms, evaluators: evaluators, replicates: configuration.bootstrapReplicates, seed: configuration.seed)
    }
    var warnings: [String] = []
    var sets: [String: SensitiveSetResult] = [:]
    for (index, (features, grouping)) in zip(configuration.sensitiveSets, groupings).enumerated() {
      let key = Grouping.key(features)
      if grouping.keys.count == 1 {
        warnings.append("Every row of sensitive set '\(printable(key))' falls in one group ('\(printable(grouping.keys[0]))'): no disparity can be measured.")
      }
      var result = assessSet(terms: terms, metrics: metrics, grouping: grouping, configuration: configuration, bootstrap: samples?[index])
      if !configuration.controlFeatures.isEmpty {
        result.controlFeatures = configuration.controlFeatures
        result.strata = try strata(outcomes, weights: weights, table: table, features: features, configuration: configuration)
      }
      sets[key] = result
    }
    var comparisons: [String: PrivilegedComparisonResult] = [:]
    for (index, (split, groups)) in zip(configuration.privilegedSplits, splitGroups).enumerated() {
      let sums = groups.withUnsafeBufferPointer { GroupSums(terms: terms, groups: $0, groupCount: 2) }
      var result = comparison(split, sums: sums, configuration: configuration)
      if let replicates = samples?[groupings.count + index] {
        let names = PrivilegedMetrics(entropyAlphas: configuration.entropyAlphas).names
        result.intervals = Dictionary(zip(names, PoissonBootstrap.percentiles(replicates, level: configuration.confidenceLevel)).map { ($0, $1) },
                                      uniquingKeysWith: { first, _ in first })
      }
      comparisons[split.key] = result
    }
    return FairnessReport(
      task: isBinary ? .binaryClassification : .regression, rows: outcomes.count, weighted: weights != nil,
      metrics: metrics, confidenceLevel: configuration.confidenceLevel,
      bootstrap: configuration.bootstrapReplicates > 0
        ? BootstrapSettings(replicates: configuration.bootstrapReplicates, seed: configuration.seed) : nil,
      sensitiveSets: sets, privilegedComparisons: comparisons, warnings: warnings)
  }

  /// One set's result; its bootstrap draws the replicates every set draws (one seed), so the overall intervals of
  /// every set agree.
  /// - Parameter bootstrap: the set's values in each bootstrap replicate, when there is a bootstrap.
  static func assessSet(terms: RowTerms, metrics: [FairnessMetric], grouping: Grouping, configuration: FairnessConfiguration,
                        bootstrap: [[Double]]? = nil) -> SensitiveSetResult {
    let layout = SetLayout(metrics: metrics, groups: grouping.keys, isBinary: terms.kind == .binary)
    let groupCount = grouping.keys.count
    let sums = grouping.groupOfRow.withUnsafeBufferPointer { GroupSums(terms: terms, groups: $0, groupCount: groupCount) }
    var result = setResult(sums, features: grouping.columns, values: grouping.values, counts: grouping.counts, metrics: metrics,
                           isBinary: terms.kind == .binary, configuration: configuration)
    if let bootstrap {
      setIntervals(PoissonBootstrap.percentiles(bootstrap, level: configuration.confidenceLevel), of: &result, layout: layout)
    }
    return result
  }

  /// A set's bootstrap intervals, laid out as its estimates, and the disparities they cannot tell from parity.
  static func setIntervals(_ intervals: [Interval], of result: inout SensitiveSetResult, layout: SetLayout) {
    let block = layout.intervalBlock(intervals)
    result.intervals = block
    if layout.isBinary {
      result.indistinguishableFromParity = block.disparities.filter { name, interval in
        let parity = Disparity.parityValue(ofKey: name)
        return interval[0] <= parity && parity <= interval[1]
      }.map(\.key).sorted()
    }
  }

  /// A set's point estimates, Wilson intervals, small groups and notes: everything its sums give (the sums of its
  /// rows, or of merged shards).
  static func setResult(_ sums: GroupSums, features: [String], values: [[String]], counts: [Int], metrics: [FairnessMetric],
                        isBinary: Bool, configuration: FairnessConfiguration) -> SensitiveSetResult {
    let keys = values.map(Grouping.key)
    let layout = SetLayout(metrics: metrics, groups: keys, isBinary: isBinary)
    var result = SensitiveSetResult(
      sensitiveFeatures: features, groups: keys, groupValues: features.count > 1 ? values : nil, overall: [:], byGroup: [:], groupMin: [:], groupMax: [:],
      differenceBetweenGroups: [:], differenceToOverall: [:], ratioBetweenGroups: [:], ratioToOverall: [:], disparities: [:],
      wilsonIntervals: nil, intervals: nil,
      smallGroups: zip(keys, counts).filter { $0.1 < configuration.minGroupSize }.map(\.0),
      notes: notes(sums, groups: keys, metrics: metrics, isBinary: isBinary))
    layout.fill(&result, from: layout.evaluate(sums))
    if isBinary {
      result.notes += undefinedRatioNotes(result)
      result.wilsonIntervals = wilsonIntervals(sums, groups: keys, metrics: metrics, level: configuration.confidenceLevel)
    }
    return result
  }

  static func wilsonIntervals(_ sums: GroupSums, groups: [String], metrics: [FairnessMetric], level: Double) -> IntervalBlock {
    var block = IntervalBlock()
    for metric in metrics where metric.isProportion {
      func interval(_ g: Int) -> Interval {
        let (low, high) = Statistics.wilsonInterval(proportion: sums.value(metric, group: g),
                                                     trials: sums.effectiveCount(metric, group: g), level: level)
        return [low, high]
      }
      block.overall[metric.rawValue] = interval(groups.count)
      block.byGroup[metric.rawValue] = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, interval($0)) })
    }
    return block
  }

  /// Notes for the mean equalized-odds ratios when one of their two ratios is 0/0 (every group's rate is 0):
  /// the mean is then the defined ratio alone, as Fairlearn's `agg="mean"` skips NaN.
  static func undefinedRatioNotes(_ result: SensitiveSetResult) -> [ValueNote] {
    var notes: [ValueNote] = []
    for (suffix, ratios, scope) in [("", result.ratioBetweenGroups, "(between groups)"), ("_to_overall", result.ratioToOverall, "(to overall)")] {
      let truePositive = ratios[FairnessMetric.truePositiveRate.rawValue] ?? .nan
      let falsePositive = ratios[FairnessMetric.falsePositiveRate.rawValue] ?? .nan
      guard truePositive.isNaN != falsePositive.isNaN else { continue }
      let undefined = truePositive.isNaN ? FairnessMetric.truePositiveRate : .falsePositiveRate
      notes.append(ValueNote(metric: Disparity.equalizedOddsRatio.rawValue + suffix + "_mean", group: scope,
                             reason: "the \(undefined.rawValue) ratio is undefined (0/0): the mean of the other ratio alone, as Fairlearn does"))
    }
    return notes
  }

  /// Notes for values set by convention or undefined, so a reader is not misled by a 0 that means "undefined"
  /// or left to guess why a value is nan.
  static func notes(_ sums: GroupSums, groups: [String], metrics: [FairnessMetric], isBinary: Bool) -> [ValueNote] {
    var notes: [ValueNote] = []
    for (g, group) in (groups + ["(overall)"]).enumerated() {
      func add(_ metric: FairnessMetric, _ reason: String) {
        if metrics.contains(metric) { notes.append(ValueNote(metric: metric.rawValue, group: group, reason: reason)) }
      }
      if sums[g, GroupSums.Slot.weight] == 0 {
        for metric in metrics where metric != .count && metric != .weightSum {
          add(metric, "every weight in the group is 0: no weighted value (nan)")
        }
        continue
      }
      guard isBinary else {
        if sums[g, GroupSums.Slot.rows] < 2 { add(.rSquared, "fewer than two rows: undefined (nan), as scikit-learn's r2_score") }
        continue
      }
      let tp = sums.weight(.truePositive, group: g), fp = sums.weight(.falsePositive, group: g)
      let positives = tp + sums.weight(.falseNegative, group: g), negatives = fp + sums.weight(.trueNegative, group: g), predicted = tp + fp
      if positives == 0 {
        add(.truePositiveRate, "no positive labels: reported as 0, as Fairlearn does")
        add(.falseNegativeRate, "no positive labels: reported as 0, as Fairlearn does")
      }
      if negatives == 0 {
        add(.falsePositiveRate, "no negative labels: reported as 0, as Fairlearn does")
        add(.trueNegativeRate, "no negative labels: reported as 0, as Fairlearn does")
      }
      if predicted == 0 { add(.precision, "no predicted positives: reported as 0 (zero_division=0)") }
      if positives == 0 || negatives == 0 {
        add(.balancedAccuracy, "one class only: the recall of that class")
        add(.rocAUC, "one class only: undefined (nan)")
      }
    }
    return notes
  }

  static func strata(_ outcomes: Outcomes, weights: ContiguousArray<Double>?, table: Table, features: [String],
                     configuration: FairnessConfiguration) throws -> [String: SensitiveSetResult] {
    let control = try table.grouping(by: configuration.controlFeatures)
    var rowsOf = [[Int]](repeating: [], count: control.keys.count)
    for (row, g) in control.groupOfRow.enumerated() { rowsOf[Int(g)].append(row) }
    var result: [String: SensitiveSetResult] = [:]
    var inner = configuration
    inner.bootstrapReplicates = 0
    for (s, stratum) in control.keys.enumerated() {
      let rows = rowsOf[s]
      let terms = RowTerms(outcomes.selecting(rows), weights: weights.map { w in ContiguousArray(rows.map { w[$0] }) })
      let metrics = terms.kind == .binary
        ? FairnessMetric.binary(weighted: weights != nil, hasScores: outcomes.hasScores)
        : FairnessMetric.regression(weighted: weights != nil)
      result[stratum] = assessSet(terms: terms, metrics: metrics, grouping: try table.selecting(rows: rows).grouping(by: features),
                                  configuration: inner)
    }
    return result
  }

  /// Group 0 (privileged) or 1 per row, and the column's values the rows hold; with `requireEveryValue` a
  /// privileged value no row holds is an error.
  static func privilegedGroups(_ split: PrivilegedSplit, table: Table, requireEveryValue: Bool) throws
    -> (groups: ContiguousArray<Int32>, seen: [String])
  {
    let column = try table.column(split.column).asCategorical()
    let present = Set(column.presentLevels)
    if requireEveryValue {
      for value in split.values where !present.contains(value) {
        throw FairnessError.privilegedValueNotFound(column: split.column, value: value,
                                                    seen: present.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
      }
    }
    let privilegedCodes = Set(split.values.compactMap { v in column.levels.firstIndex(of: v).map(Int32.init) })
    return (ContiguousArray(column.codes.map { privilegedCodes.contains($0) ? Int32(0) : Int32(1) }),
            present.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
  }

  /// The comparison the privileged and unprivileged sums give (without intervals).
  static func comparison(_ split: PrivilegedSplit, sums: GroupSums, configuration: FairnessConfiguration) -> PrivilegedComparisonResult {
    let comparison = PrivilegedMetrics(entropyAlphas: configuration.entropyAlphas)
    let metrics = Dictionary(zip(comparison.names, comparison.values(sums)).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    return PrivilegedComparisonResult(
      column: split.column, privilegedValues: split.values, privilegedCount: Int(sums[0, GroupSums.Slot.rows]), unprivilegedCount: Int(sums[1, GroupSums.Slot.rows]),
      metrics: metrics, fourFifthsRuleViolated: metrics[PrivilegedMetrics.disparateImpact]! < 0.8, intervals: nil)
  }
}
