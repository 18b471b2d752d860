import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorFairness

/// The merge law: parts of any rows, cut anywhere (uneven, empty, one row), merge into the assessment of all of
/// them. Counts and unweighted ROC AUC exactly; weighted sums to the last bits.
@Suite struct FairnessMergeTests {
  static let sets = [["sex"], ["race"], ["sex", "race"]]

  static func configuration(replicates: Int = 0) -> FairnessConfiguration {
    var configuration = FairnessConfiguration(sensitiveSets: sets)
    configuration.privilegedSplits = [PrivilegedSplit(column: "race", values: ["White"])]
    configuration.bootstrapReplicates = replicates
    configuration.seed = 21
    return configuration
  }

  static func outcomes(_ table: Table) throws -> Outcomes {
    try Outcomes.fromColumns(table: table, labelColumn: "y_true", predictionColumn: "y_pred", scoreColumn: "y_score", positive: "1", threshold: 0.5)
  }

  static func part(_ table: Table, rows: Range<Int>, weighted: Bool, replicates: Int = 0) throws -> FairnessPartial {
    let slice = table.selecting(rows: Array(rows))
    guard slice.rowCount > 0 else {
      return FairnessPartial(task: .binaryClassification, rows: 0, weighted: weighted, hasScores: false, positive: "1", labelValues: [],
                             sets: sets.map { .init(features: $0, groups: []) },
                             privilegedComparisons: [.init(column: "race", values: ["White"], valuesSeen: [], sums: [])])
    }
    let weights = weighted ? try Outcomes.weights(slice.column("weight"), file: nil) : nil
    return try FairnessAssessment.partial(try outcomes(slice), weights: weights, table: slice, configuration: configuration(replicates: replicates),
                                          positive: "1", labelValues: try slice.column("y_true").asCategorical().presentLevels, firstRow: rows.lowerBound)
  }

  static func close(_ a: [String: Double], _ b: [String: Double], _ tolerance: Double) -> Bool {
    a.keys == b.keys && a.allSatisfy { key, value in
      let other = b[key]!
      return (value.isNaN && other.isNaN) || value == other || abs(value - other) <= tolerance * max(1, abs(other))
    }
  }

  @Test("cuts anywhere merge into the whole", arguments: [false, true])
  func law(weighted: Bool) throws {
    let table = try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv"))
    let whole = try FairnessAssessment.assess(try Self.outcomes(table), weights: weighted ? try Outcomes.weights(table.column("weight"), file: nil) : nil,
                                              table: table, configuration: Self.configuration())
    var random = SeededRandom(seed: 11)
    for trial in 0..<3 {
      // Cuts at random places, with an empty part and a part of one row.
      var cuts = Set((0..<(2 + trial * 3)).map { _ in random.nextIndex(below: table.rowCount) })
      cuts.formUnion([0, 0, 1, table.rowCount / 2, table.rowCount / 2])
      let bounds = ([0] + cuts.sorted() + [table.rowCount]).reduce(into: [Int]()) { $0.append($1) }
      var parts = try zip(bounds, bounds.dropFirst()).map { try Self.part(table, rows: $0..<$1, weighted: weighted) }
      parts.append(try Self.part(table, rows: 0..<0, weighted: weighted))
      let merged = try FairnessAssessment.merge(parts, configuration: Self.configuration(), weightsColumn: weighted ? "weight" : nil, targetColumn: "y_true").report
      #expect(merged.rows == whole.rows && merged.metrics == whole.metrics && merged.warnings == whole.warnings)
      for key in ["sex", "race", "sex|race"] {
        let a = merged.sensitiveSets[key]!, b = whole.sensitiveSets[key]!
        #expect(a.groups == b.groups && a.groupValues == b.groupValues && a.smallGroups == b.smallGroups && a.notes == b.notes)
        #expect(Self.close(a.overall, b.overall, 1e-13) && Self.close(a.disparities, b.disparities, 1e-13))
        for metric in b.byGroup.keys { #expect(Self.close(a.byGroup[metric]!, b.byGroup[metric]!, 1e-13), "\(key) \(metric)") }
        #expect(a.byGroup["count"] == b.byGroup["count"])
        if !weighted { #expect(a.byGroup["roc_auc"] == b.byGroup["roc_auc"] && a.overall["roc_auc"] == b.overall["roc_auc"]) }
        for metric in b.wilsonIntervals!.overall.keys {
          #expect(zip(a.wilsonIntervals!.overall[metric]!, b.wilsonIntervals!.overall[metric]!).allSatisfy { abs($0 - $1) <= 1e-13 })
        }
      }
      let comparison = merged.privilegedComparisons["race=White"]!, expected = whole.privilegedComparisons["race=White"]!
      #expect(comparison.privilegedCount == expected.privilegedCount && Self.close(comparison.metrics, expected.metrics, 1e-12))
    }
  }

  @Test("the bootstrap of merged parts is the unsharded bootstrap: the same replicates, intervals within 1e-12", arguments: [false, true])
  func bootstrap(weighted: Bool) throws {
    let table = try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv"))
    let configuration = Self.configuration(replicates: 24)
    let whole = try FairnessAssessment.assess(try Self.outcomes(table), weights: weighted ? try Outcomes.weights(table.column("weight"), file: nil) : nil,
                                              table: table, configuration: configuration)
    let bounds = [0, 1, 5000, 5000, 11111, table.rowCount]
    let parts = try zip(bounds, bounds.dropFirst()).map { try Self.part(table, rows: $0..<$1, weighted: weighted, replicates: 24) }
    let merged = try FairnessAssessment.merge(parts, configuration: configuration, weightsColumn: weighted ? "weight" : nil, targetColumn: "y_true").report
    #expect(merged.bootstrap == whole.bootstrap)
    func close(_ a: [String: Interval], _ b: [String: Interval]) -> Bool {
      a.keys == b.keys && a.allSatisfy { key, interval in zip(interval, b[key]!).allSatisfy { $0 == $1 || abs($0 - $1) <= 1e-12 * max(1, abs($1)) } }
    }
    for key in ["sex", "race", "sex|race"] {
      let a = merged.sensitiveSets[key]!.intervals!, b = whole.sensitiveSets[key]!.intervals!
      #expect(close(a.overall, b.overall) && close(a.disparities, b.disparities), "\(key)")
      for metric in b.byGroup.keys { #expect(close(a.byGroup[metric]!, b.byGroup[metric]!), "\(key) \(metric)") }
      for aggregate in b.aggregates.keys { #expect(close(a.aggregates[aggregate]!, b.aggregates[aggregate]!), "\(key) \(aggregate)") }
      #expect(merged.sensitiveSets[key]!.indistinguishableFromParity == whole.sensitiveSets[key]!.indistinguishableFromParity)
    }
    #expect(close(merged.privilegedComparisons["race=White"]!.intervals!, whole.privilegedComparisons["race=White"]!.intervals!))
  }

  @Test("what one part cannot see is checked at the merge: a third class, the positive class absent, a privileged value nowhere")
  func checkedAtMerge() throws {
    let table = try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv"))
    var a = try Self.part(table, rows: 0..<100, weighted: false), b = try Self.part(table, rows: 100..<200, weighted: false)
    a.labelValues = ["0"]
    b.labelValues = ["2"]
    #expect(throws: FairnessError.positiveNotFound(column: "y_true", positive: "1", values: ["0", "2"], file: nil)) {
      try FairnessAssessment.merge([a, b], configuration: Self.configuration(), weightsColumn: nil, targetColumn: "y_true")
    }
    b.labelValues = ["1", "2"]
    #expect(throws: FairnessError.labelNotBinary(column: "y_true", values: ["0", "1", "2"], file: nil)) {
      try FairnessAssessment.merge([a, b], configuration: Self.configuration(), weightsColumn: nil, targetColumn: "y_true")
    }
    b.labelValues = ["1"]
    var configuration = Self.configuration()
    configuration.privilegedSplits = [PrivilegedSplit(column: "race", values: ["Martian"])]
    a.privilegedComparisons[0].values = ["Martian"]
    b.privilegedComparisons[0].values = ["Martian"]
    a.privilegedComparisons[0].valuesSeen = ["White"]
    b.privilegedComparisons[0].valuesSeen = ["Black"]
    #expect(throws: FairnessError.privilegedValueNotFound(column: "race", value: "Martian", seen: ["Black", "White"])) {
      try FairnessAssessment.merge([a, b], configuration: configuration, weightsColumn: nil, targetColumn: "y_true")
    }
  }

  @Test("weights whose parts' totals are finite alone but overflow together are refused at the merge, as the unsharded run refuses them")
  func weightsOverflowTogether() throws {
    let table = try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv"))
    var a = try Self.part(table, rows: 0..<100, weighted: true), b = try Self.part(table, rows: 100..<200, weighted: true)
    for k in a.sets[0].groups.indices where a.sets[0].groups[k].values == ["Male"] { a.sets[0].groups[k].sums[1] = 1e308 }
    for k in b.sets[0].groups.indices where b.sets[0].groups[k].values == ["Male"] { b.sets[0].groups[k].sums[1] = 1e308 }
    #expect(throws: FairnessError.weightsTooLarge(column: "weight", file: nil)) {
      try FairnessAssessment.merge([a, b], configuration: Self.configuration(), weightsColumn: "weight", targetColumn: "y_true")
    }
  }

  @Test("histograms merge by score, equal scores combined, in any grouping of the parts")
  func histograms() {
    var a = ScoreHistogram(), b = ScoreHistogram(), c = ScoreHistogram()
    for (h, score, positive) in [(0, 0.1, true), (0, 0.5, false), (1, 0.1, false), (1, 0.3, true), (2, 0.5, true), (2, 0.9, false)] {
      switch h {
      case 0: a.add(score: score, weight: 1, isPositive: positive)
      case 1: b.add(score: score, weight: 2, isPositive: positive)
      default: c.add(score: score, weight: 1, isPositive: positive)
      }
    }
    let merged = ScoreHistogram.merging([a, b, c])
    #expect(merged.scores == [0.1, 0.3, 0.5, 0.9] && merged.positive == [1, 2, 1, 0] && merged.negative == [2, 0, 1, 1])
    #expect(ScoreHistogram.merging([ScoreHistogram.merging([c, a]), b]) == merged)
    // Positives at 0.1 (1), 0.3 (2), 0.5 (1); negatives at 0.1 (2), 0.5 (1), 0.9 (1): pairs below count 1, ties ½.
    let pairs: Double = 1 * (0 + 0.5 * 2) + 2 * 2 + 1 * (2 + 0.5 * 1)
    let area = pairs / 16
    #expect(merged.rocArea == area)
  }

  /// Parts come from files anyone can edit: a mutated part decodes and merges, or is refused with an error — never
  /// a crash or an index out of range (the merge's own checks, `checkShapes`, stand between a part and the sums).
  @Test("3000 seeded mutants of a part (byte flips, deletions, numbers that are huge, negative, fractional or nan) merge or are refused")
  func mutants() throws {
    let table = try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv"))
    let small = table.selecting(rows: Array(0..<60))
    let a = try Self.part(small, rows: 0..<30, weighted: false, replicates: 3), b = try Self.part(small, rows: 30..<60, weighted: false, replicates: 3)
    let original = Array(try CandorJSON.data(b, layout: .compact))
    let inserts = ["1e308", "-1", "0.5", "\"nan\"", "99999999999", "[]", "{}", "null", ",", "\"x\""].map { Array($0.utf8) }
    var random = SeededRandom(seed: 41)
    var decoded = 0, merged = 0
    for _ in 0..<3000 {
      let bytes = seededMutant(of: original, inserts: inserts, maxEdits: 3, maxDeletion: 6, random: &random)
      guard let part = try? CandorJSON.decoder().decode(FairnessPartial.self, from: Data(bytes)) else { continue }
      decoded += 1
      if (try? FairnessAssessment.merge([a, part], configuration: Self.configuration(replicates: 3), weightsColumn: nil, targetColumn: "y_true")) != nil {
        merged += 1
      }
    }
    // Most mutants break the JSON; some decode, and of those some still merge (a changed digit in a sum).
    #expect(decoded > 100 && merged > 10, "decoded \(decoded), merged \(merged)")
  }
}
