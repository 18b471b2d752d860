import CandorCore
import Foundation

/// One shard's share of a fairness assessment, from which the shards' parts merge into exactly the assessment of
/// all their rows (`candor fairness --shard-index i --shard-count n --partial-out`, then `candor merge`).
///
/// Every metric of a group is a function of the group's weighted sums (`GroupSums`: rows, weight, the confusion
/// cells and their Σw², the log-loss, Brier and calibration terms, or the regression moments), and sums add up
/// across shards. ROC AUC is not a sum of per-shard values: a pair of a positive in one shard and a negative in
/// another counts too. Each group therefore carries its scores at full resolution, as a histogram — the distinct
/// scores in ascending order, each with the weight of its positive and of its negative rows — and the merge walks
/// the merged histogram exactly as the unsharded run walks its rows in score order (the Mann–Whitney statistic,
/// ties counted as half). A part is then as large as its number of distinct (score, group) pairs; a model whose
/// scores are few (trees, rounded scores, replicated rows) gives a small part.
///
/// What a part cannot know alone is checked at the merge: that the label column holds two classes one of which is
/// the positive one, that the weights are not all zero, that each privileged value occurs.
public struct FairnessPartial: Sendable, Equatable, Codable {
  public var task: FairnessTask
  public var rows: Int
  public var weighted: Bool
  public var hasScores: Bool
  /// The positive label and the label values this part's rows hold (binary tasks).
  public var positive: String?
  public var labelValues: [String]
  public var sets: [SetPart]
  public var privilegedComparisons: [PrivilegedPart]
  /// With bootstrap replicates.
  public var bootstrap: BootstrapPart?

  /// The part's share of the Poisson bootstrap: each replicate's sums, whose counts depend on the row numbers
  /// alone (see `PoissonBootstrap`), and for ROC AUC every row's score — a replicate's AUC pairs rows across shards,
  /// so the merge computes it from all rows, as the unsharded run does.
  public struct BootstrapPart: Sendable, Equatable, Codable {
    public var replicates: Int
    public var seed: UInt64
    /// The part's first row in the whole data.
    public var firstRow: Int
    /// Per set, per replicate: the sums of the set's groups in this part, one block after the other in `groups` order.
    public var setSums: [[[Double]]]
    /// Per privileged split, per replicate: the privileged block, then the unprivileged one.
    public var privilegedSums: [[[Double]]]
    /// With scores, per row in row order: score, label (1 positive), weight (weighted parts) and group in each set.
    public var scores: [Double]?
    public var labels: [UInt8]?
    public var weights: [Double]?
    public var groups: [[Int32]]?

    enum CodingKeys: String, CodingKey {
      case replicates, seed, scores, labels, weights, groups
      case firstRow = "first_row"
      case setSums = "set_sums"
      case privilegedSums = "privileged_sums"
    }
  }

  /// One sensitive set: its groups present in this part, in the order `Table.grouping` gives them.
  public struct SetPart: Sendable, Equatable, Codable {
    public var features: [String]
    public var groups: [GroupPart]
  }

  public struct GroupPart: Sendable, Equatable, Codable {
    /// The group's value in each sensitive feature.
    public var values: [String]
    /// The group's weighted sums, in `GroupSums.Slot` order.
    public var sums: [Double]
    /// Binary tasks with scores.
    public var scores: ScoreHistogram?
  }

  /// A privileged split: the sums of the privileged rows (group 0) and of the others (group 1).
  public struct PrivilegedPart: Sendable, Equatable, Codable {
    public var column: String
    public var values: [String]
    /// The values of the column that occur in this part.
    public var valuesSeen: [String]
    public var sums: [[Double]]

    enum CodingKeys: String, CodingKey {
      case column, values, sums
      case valuesSeen = "values_seen"
    }
  }

  enum CodingKeys: String, CodingKey {
    case task, rows, weighted, positive, sets, bootstrap
    case hasScores = "has_scores"
    case labelValues = "label_values"
    case privilegedComparisons = "privileged_comparisons"
  }
}

extension FairnessAssessment {
  /// This part of an assessment: the sums and score histograms of each group of each set and privileged split.
  ///
  /// - Throws: `FairnessError.invalidSetting` for what does not merge yet (bootstrap replicates, control features).
  public static func partial(_ outcomes: Outcomes, weights: ContiguousArray<Double>?, table: Table,
                             configuration: FairnessConfiguration, positive: String?, labelValues: [String], firstRow: Int = 0) throws -> FairnessPartial {
    precondition(table.rowCount == outcomes.count, "table and outcomes differ in length")
    try configuration.validate()
    try refuseUnmergeable(configuration)
    let terms = RowTerms(outcomes, weights: weights)
    var sets: [FairnessPartial.SetPart] = []
    let replicates = configuration.bootstrapReplicates
    var bootstrap = FairnessPartial.BootstrapPart(replicates: replicates, seed: configuration.seed, firstRow: firstRow, setSums: [], privilegedSums: [])
    if replicates > 0, let ranked = terms.ranked {
      bootstrap.scores = Array(unsafeUninitializedCapacity: ranked.count) { buffer, count in
        for k in 0..<ranked.count { buffer[Int(ranked.order[k])] = ranked.sortedScores[k] }
        count = ranked.count
      }
      bootstrap.labels = Array(ranked.labels)
      bootstrap.weights = ranked.weights.map(Array.init)
      bootstrap.groups = []
    }
    let groupings = try configuration.sensitiveSets.map { try table.grouping(by: $0) }
    let splits = try configuration.privilegedSplits.map { try privilegedGroups($0, table: table, requireEveryValue: false) }
    if replicates > 0 {
      // Each replicate's counts drawn once, for every set and split.
      let sums = PoissonBootstrap.replicateSums(terms: terms, groupings: groupings.map { ($0.groupOfRow, $0.keys.count) } + splits.map { ($0.groups, 2) },
                                                replicates: replicates, seed: configuration.seed, firstRow: firstRow)
      bootstrap.setSums = Array(sums.prefix(groupings.count))
      bootstrap.privilegedSums = Array(sums.dropFirst(groupings.count))
    }
    for (features, grouping) in zip(configuration.sensitiveSets, groupings) {
      if replicates > 0 { bootstrap.groups?.append(Array(grouping.groupOfRow)) }
      // A part's AUC is the merge's work, from the histograms.
      let sums = grouping.groupOfRow.withUnsafeBufferPointer { GroupSums(terms: terms, groups: $0, groupCount: grouping.keys.count, withAreas: false) }
      let histograms = terms.ranked.map { scoreHistograms($0, groups: grouping.groupOfRow, groupCount: grouping.keys.count) }
      sets.append(.init(features: features, groups: grouping.values.indices.map { g in
        .init(values: grouping.values[g], sums: Array(sums.sums[g * sums.slotCount..<(g + 1) * sums.slotCount]), scores: histograms?[g])
      }))
    }
    var comparisons: [FairnessPartial.PrivilegedPart] = []
    for (split, (groups, seen)) in zip(configuration.privilegedSplits, splits) {
      let sums = groups.withUnsafeBufferPointer { GroupSums(terms: terms, groups: $0, groupCount: 2, withAreas: false) }
      comparisons.append(.init(column: split.column, values: split.values, valuesSeen: seen,
                               sums: (0..<2).map { g in Array(sums.sums[g * sums.slotCount..<(g + 1) * sums.slotCount]) }))
    }
    return FairnessPartial(task: terms.kind == .binary ? .binaryClassification : .regression, rows: outcomes.count,
                           weighted: weights != nil, hasScores: outcomes.hasScores, positive: positive, labelValues: labelValues,
                           sets: sets, privilegedComparisons: comparisons, bootstrap: replicates > 0 ? bootstrap : nil)
  }

  /// The assessment of the rows of all `parts` — the same report, to rounding in the last digits of the sums, as
  /// `assess` gives on those rows at once. The parts must come from the same configuration (the caller checks
  /// that their inputs and options agree).
  ///
  /// - Throws: `FairnessError` for what no part could see alone: a label column of more than two classes or
  ///   without the positive one, weights all zero, a privileged value that never occurs.
  public static func merge(_ parts: [FairnessPartial], configuration: FairnessConfiguration, weightsColumn: String?,
                           targetColumn: String, rocCurves: Bool = false) throws -> FairnessAnalysis {
    precondition(!parts.isEmpty, "at least one part")
    try configuration.validate()
    try refuseUnmergeable(configuration)
    try checkShapes(parts, configuration: configuration)
    let replicates = configuration.bootstrapReplicates
    let first = parts[0]
    let isBinary = first.task == .binaryClassification
    let hasScores = parts.contains { $0.hasScores }
    if isBinary {
      let present = Set(parts.flatMap(\.labelValues)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
      guard present.count <= 2 else { throw FairnessError.labelNotBinary(column: targetColumn, values: present, file: nil) }
      if let positive = first.positive, present.count == 2, !present.contains(positive) {
        throw FairnessError.positiveNotFound(column: targetColumn, positive: positive, values: present, file: nil)
      }
    }
    let metrics = isBinary ? FairnessMetric.binary(weighted: first.weighted, hasScores: hasScores) : FairnessMetric.regression(weighted: first.weighted)
    let slotCount = isBinary ? RowTerms.binarySlots : RowTerms.regressionSlots
    var warnings: [String] = []
    var sets: [String: SensitiveSetResult] = [:]
    var curves: [String: [String: [ROCPoint]]] = [:]
    let totalRows = parts.reduce(0) { $0 + $1.rows }
    // The bootstrap's ROC AUC: every row's score in row order (the parts are contiguous, in shard order), ranked once.
    let ranked: RankedScores? = replicates > 0 && hasScores ? RankedScores(
      scores: ContiguousArray(parts.flatMap { $0.bootstrap?.scores ?? [] }), labels: ContiguousArray(parts.flatMap { $0.bootstrap?.labels ?? [] }),
      weights: first.weighted ? ContiguousArray(parts.flatMap { $0.bootstrap?.weights ?? [] }) : nil) : nil
    for (index, features) in configuration.sensitiveSets.enumerated() {
      // The union of the groups, ordered as `Table.grouping` orders them: by each feature's value, code-point order.
      var positionOf: [[String]: Int] = [:]
      var values: [[String]] = []
      for part in parts { for group in part.sets[index].groups where positionOf[group.values] == nil {
        positionOf[group.values] = values.count
        values.append(group.values)
      } }
      values.sort { a, b in
        for (x, y) in zip(a, b) where x != y { return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) }
        return false
      }
      positionOf = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
      var sums = [Double](repeating: 0, count: (values.count + 1) * slotCount)
      var histograms = [[ScoreHistogram]](repeating: [], count: values.count)
      for part in parts {
        for group in part.sets[index].groups {
          let g = positionOf[group.values]!
          for k in 0..<slotCount { sums[g * slotCount + k] += group.sums[k] }
          if let scores = group.scores { histograms[g].append(scores) }
        }
      }
      for g in 0..<values.count { for k in 0..<slotCount { sums[values.count * slotCount + k] += sums[g * slotCount + k] } }
      if index == 0, sums[values.count * slotCount + GroupSums.Slot.weight] == 0, let weightsColumn {
        throw FairnessError.weightsAllZero(column: weightsColumn, file: nil)
      }
      // Each part's weights add up; the parts' together may not (as the unsharded run refuses them).
      let weightSlots = [GroupSums.Slot.weight] + (isBinary ? Array(GroupSums.Slot.squaredWeights..<(GroupSums.Slot.squaredWeights + 4)) : [])
      if let weightsColumn, (0...values.count).contains(where: { g in weightSlots.contains { !sums[g * slotCount + $0].isFinite } }) {
        throw FairnessError.weightsTooLarge(column: weightsColumn, file: nil)
      }
      var areas: [Double] = []
      let keys = values.map(Grouping.key)
      let key = Grouping.key(features)
      if hasScores {
        let merged = histograms.map { ScoreHistogram.merging($0) }
        areas = merged.map(\.rocArea) + [ScoreHistogram.merging(merged).rocArea]
        if rocCurves { curves[key] = ROCCurves.compute(histograms: Dictionary(uniqueKeysWithValues: zip(keys, merged))) }
      }
      let groupSums = GroupSums(groupCount: values.count, slotCount: slotCount, sums: sums, areas: areas)
      if keys.count == 1 {
        warnings.append("Every row of sensitive set '\(printable(key))' falls in one group ('\(printable(keys[0]))'): no disparity can be measured.")
      }
      var result = setResult(groupSums, features: features, values: values, counts: (0..<values.count).map { Int(groupSums[$0, GroupSums.Slot.rows]) },
                             metrics: metrics, isBinary: isBinary, configuration: configuration)
      if replicates > 0 {
        // Each part's groups in the merged order, and each row's merged group for the replicates' AUC.
        let mapping = parts.map { part in part.sets[index].groups.map { positionOf[$0.values]! } }
        let groupOfRow = ContiguousArray(zip(parts, mapping).flatMap { part, map in (part.bootstrap?.groups?[index] ?? []).map { Int32(map[Int($0)]) } })
        let layout = SetLayout(metrics: metrics, groups: keys, isBinary: isBinary)
        let groupCount = values.count
        let samples = DisjointWrites<[Double]>(repeating: [], count: replicates)
        parallelFor(replicates) { r in
          var sums = [Double](repeating: 0, count: (groupCount + 1) * slotCount)
          for (part, map) in zip(parts, mapping) where part.rows > 0 {
            let replicate = part.bootstrap!.setSums[index][r]
            for (local, g) in map.enumerated() { for k in 0..<slotCount { sums[g * slotCount + k] += replicate[local * slotCount + k] } }
          }
          for g in 0..<groupCount { for k in 0..<slotCount { sums[groupCount * slotCount + k] += sums[g * slotCount + k] } }
          var areas: [Double] = []
          if let ranked {
            let multiplicity = PoissonBootstrap.multiplicities(seed: configuration.seed, replicate: r, firstRow: 0, count: totalRows)
            areas = groupOfRow.withUnsafeBufferPointer { g in
              multiplicity.withUnsafeBufferPointer { m in ranked.rocAreas(groups: g, groupCount: groupCount, multiplicity: m) }
            }
          }
          samples[r] = layout.evaluate(GroupSums(groupCount: groupCount, slotCount: slotCount, sums: sums, areas: areas))
        }
        setIntervals(PoissonBootstrap.percentiles((0..<replicates).map { samples[$0] }, level: configuration.confidenceLevel), of: &result, layout: layout)
      }
      sets[key] = result
    }
    var comparisons: [String: PrivilegedComparisonResult] = [:]
    for (index, split) in configuration.privilegedSplits.enumerated() {
      let seen = Set(parts.flatMap { $0.privilegedComparisons[index].valuesSeen })
      if let absent = split.values.first(where: { !seen.contains($0) }) {
        throw FairnessError.privilegedValueNotFound(column: split.column, value: absent,
                                                    seen: seen.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
      }
      var sums = [Double](repeating: 0, count: 3 * slotCount)
      for part in parts where part.rows > 0 {
        for g in 0..<2 { for k in 0..<slotCount { sums[g * slotCount + k] += part.privilegedComparisons[index].sums[g][k] } }
      }
      for g in 0..<2 { for k in 0..<slotCount { sums[2 * slotCount + k] += sums[g * slotCount + k] } }
      var result = comparison(split, sums: GroupSums(groupCount: 2, slotCount: slotCount, sums: sums, areas: []), configuration: configuration)
      if replicates > 0 {
        let metrics = PrivilegedMetrics(entropyAlphas: configuration.entropyAlphas)
        let samples = (0..<replicates).map { r in
          var sums = [Double](repeating: 0, count: 3 * slotCount)
          for part in parts where part.rows > 0 {
            let replicate = part.bootstrap!.privilegedSums[index][r]
            for k in 0..<(2 * slotCount) { sums[k] += replicate[k] }
          }
          for g in 0..<2 { for k in 0..<slotCount { sums[2 * slotCount + k] += sums[g * slotCount + k] } }
          return metrics.values(GroupSums(groupCount: 2, slotCount: slotCount, sums: sums, areas: []))
        }
        let intervals = PoissonBootstrap.percentiles(samples, level: configuration.confidenceLevel)
        result.intervals = Dictionary(zip(metrics.names, intervals).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
      }
      comparisons[split.key] = result
    }
    let report = FairnessReport(task: first.task, rows: totalRows, weighted: first.weighted, metrics: metrics,
                                confidenceLevel: configuration.confidenceLevel,
                                bootstrap: replicates > 0 ? BootstrapSettings(replicates: replicates, seed: configuration.seed) : nil, sensitiveSets: sets,
                                privilegedComparisons: comparisons, warnings: warnings)
    return FairnessAnalysis(report: report, rocCurves: curves)
  }

  /// Refuses parts that do not hold what the configuration's parts hold: one task and weighting, its sets and
  /// splits in its order, a full block of sums per group, histograms of ascending scores.
  static func checkShapes(_ parts: [FairnessPartial], configuration: FairnessConfiguration) throws(FairnessError) {
    let first = parts[0]
    let slotCount = first.task == .binaryClassification ? RowTerms.binarySlots : RowTerms.regressionSlots
    for (p, part) in parts.enumerated() {
      func damaged(_ what: String) -> FairnessError { .damagedPart(index: p, reason: what) }
      guard part.task == first.task, part.weighted == first.weighted, part.positive == first.positive else {
        throw damaged("its task, weighting or positive label differs from the first part's")
      }
      // Row counts are whole numbers a table can hold (2⁴⁰), so sums of them and Int(_:) never trap.
      func isCount(_ value: Double, atMost limit: Int) -> Bool { value >= 0 && value == value.rounded() && value <= Double(limit) }
      guard part.rows >= 0, part.rows <= 1 << 40 else { throw damaged("it claims \(part.rows) rows") }
      guard part.sets.map(\.features) == configuration.sensitiveSets else {
        throw damaged("its sensitive sets are not \(configuration.sensitiveSets.map { Grouping.key($0) }.joined(separator: ", "))")
      }
      guard part.privilegedComparisons.map(\.column) == configuration.privilegedSplits.map(\.column),
            part.privilegedComparisons.map(\.values) == configuration.privilegedSplits.map(\.values) else {
        throw damaged("its privileged comparisons are not the command's")
      }
      for (s, set) in part.sets.enumerated() {
        var setRows = 0.0
        for group in set.groups {
          guard group.values.count == set.features.count, group.sums.count == slotCount, group.sums.allSatisfy(\.isFinite),
                isCount(group.sums[GroupSums.Slot.rows], atMost: part.rows) else {
            throw damaged("a group of sensitive set \(s + 1) does not hold \(slotCount) finite sums with a count of its rows")
          }
          setRows += group.sums[GroupSums.Slot.rows]
          // Unweighted confusion cells are counts of the group's rows (the unsharded run cannot give others).
          if part.task == .binaryClassification && !part.weighted {
            let cells = group.sums[GroupSums.Slot.cells..<(GroupSums.Slot.cells + 4)]
            guard group.sums[GroupSums.Slot.weight] == group.sums[GroupSums.Slot.rows], cells.allSatisfy({ isCount($0, atMost: part.rows) }),
                  cells.reduce(0, +) == group.sums[GroupSums.Slot.rows] else {
              throw damaged("a group of sensitive set \(s + 1) holds confusion counts that are not a split of its \(formatNumber(group.sums[GroupSums.Slot.rows])) rows")
            }
          }
          if let h = group.scores {
            guard h.positive.count == h.scores.count, h.negative.count == h.scores.count, zip(h.scores, h.scores.dropFirst()).allSatisfy({ $0 < $1 }),
                  (h.positive + h.negative).allSatisfy({ $0 >= 0 && $0.isFinite }) else {
              throw damaged("a score histogram of sensitive set \(s + 1) is not ascending scores with their weights")
            }
          }
        }
        guard setRows == Double(part.rows) else { throw damaged("the groups of sensitive set \(s + 1) hold \(formatNumber(setRows)) rows, not \(part.rows)") }
      }
      for comparison in part.privilegedComparisons where part.rows > 0 {
        guard comparison.sums.count == 2, comparison.sums.allSatisfy({ $0.count == slotCount && $0.allSatisfy(\.isFinite) && isCount($0[GroupSums.Slot.rows], atMost: part.rows) }),
              comparison.sums[0][GroupSums.Slot.rows] + comparison.sums[1][GroupSums.Slot.rows] == Double(part.rows) else {
          throw damaged("a privileged comparison does not hold two blocks of \(slotCount) sums with the counts of its rows")
        }
      }
      let replicates = configuration.bootstrapReplicates
      guard replicates > 0, part.rows > 0 else { continue }
      guard let b = part.bootstrap, b.replicates == replicates, b.seed == configuration.seed else {
        throw damaged("it holds no bootstrap of \(replicates) replicates with seed \(configuration.seed)")
      }
      guard b.firstRow == parts[..<p].reduce(0, { $0 + $1.rows }) else { throw damaged("its rows do not follow the previous part's") }
      guard b.setSums.count == part.sets.count, b.privilegedSums.count == part.privilegedComparisons.count,
            zip(b.setSums, part.sets).allSatisfy({ sums, set in sums.count == replicates && sums.allSatisfy { $0.count == set.groups.count * slotCount } }),
            b.privilegedSums.allSatisfy({ $0.count == replicates && $0.allSatisfy { $0.count == 2 * slotCount } }) else {
        throw damaged("its bootstrap does not hold \(replicates) replicates of sums for each set and split")
      }
      if part.hasScores {
        guard let scores = b.scores, let labels = b.labels, let groups = b.groups, scores.count == part.rows, labels.count == part.rows,
              (b.weights?.count ?? part.rows) == part.rows, (b.weights != nil) == part.weighted, scores.allSatisfy(\.isFinite),
              groups.count == part.sets.count, zip(groups, part.sets).allSatisfy({ g, set in g.count == part.rows && g.allSatisfy { $0 >= 0 && Int($0) < set.groups.count } }) else {
          throw damaged("its bootstrap does not hold every row's score, label and groups")
        }
      }
    }
  }

  /// What shards cannot merge yet: control strata.
  static func refuseUnmergeable(_ configuration: FairnessConfiguration) throws(FairnessError) {
    if !configuration.controlFeatures.isEmpty {
      throw .invalidSetting(.init(.controlFeatures, value: configuration.controlFeatures.joined(separator: ","),
                                  .because("sharded assessments do not take control features yet")))
    }
  }

  /// Per group, the histogram of its scores: one pass over the rows in score order.
  static func scoreHistograms(_ ranked: RankedScores, groups: ContiguousArray<Int32>, groupCount: Int) -> [ScoreHistogram] {
    var histograms = [ScoreHistogram](repeating: ScoreHistogram(), count: groupCount)
    for k in 0..<ranked.count {
      let i = Int(ranked.order[k])
      histograms[Int(groups[i])].add(score: ranked.sortedScores[k], weight: ranked.weights?[i] ?? 1, isPositive: ranked.labels[i] == 1)
    }
    return histograms
  }
}
