import CandorCore
import CandorModels
import Foundation

/// A feature, or a named group of features that is permuted together.
public struct FeatureGroup: Sendable, Equatable, Codable {
  public var name: String
  public var columns: [String]
  public init(name: String, columns: [String]) {
    self.name = name
    self.columns = columns
  }
}

/// Permutation importance (Breiman 2001, "Random Forests", §10; scikit-learn's `permutation_importance`):
/// the drop in score when one feature's (or group's) values are shuffled across rows, breaking its link
/// with the target while keeping its distribution.
public struct PermutationImportance: Sendable, Equatable, Codable, JSONDocument {
  public struct Importance: Sendable, Equatable, Codable {
    public var mean: Double
    /// Population standard deviation over repeats (ddof 0), as scikit-learn reports it.
    public var std: Double
    /// Normal 95 % interval of the mean: mean ± 1.96·std/√(repeats − 1).
    public var ciLow: Double
    public var ciHigh: Double
    public var values: [Double]

    enum CodingKeys: String, CodingKey {
      case mean, std, values
      case ciLow = "ci_low"
      case ciHigh = "ci_high"
    }
  }

  public var method = ExplanationMethod.permutation
  public var scorer: Scorer
  public var baselineScore: Double
  public var repeats: Int
  public var seed: UInt64
  /// Feature or group names in the order given.
  public var features: [String]
  public var importances: [String: Importance]

  enum CodingKeys: String, CodingKey {
    case method, scorer, repeats, seed, features, importances
    case baselineScore = "baseline_score"
  }

  /// - Parameters:
  ///   - truth: class index (classifiers) or value (regression) per row.
  ///   - permutations: explicit row permutations, one per repeat (tests use the reference's); by default
  ///     drawn from the seeded generator, the same permutations for every feature (common random numbers,
  ///     as scikit-learn does).
  /// - Complexity: one model call per feature for all repeats together (rows × repeats rows, in chunks of
  ///   about a million), features in parallel.
  public static func compute(model: any Model, table: Table, truth: [Double], weights: [Double]? = nil, scorer: Scorer,
                             groups: [FeatureGroup], repeats: Int, seed: UInt64, permutations: [[Int]]? = nil) throws
    -> PermutationImportance
  {
    try validate(model: model, table: table, scorer: scorer, groups: groups, repeats: repeats)
    let n = table.rowCount
    let orders = permutations ?? Self.orders(rows: n, repeats: repeats, seed: seed)
    let kind = model.outputKind
    let base = try model.predict(table)
    let outputs = base.columns
    let baseline = base.storage.withUnsafeBufferPointer {
      scorer.score($0, outputs: outputs, kind: kind, truth: truth, weights: weights, range: 0..<n, offset: 0)
    }
    let scores = try permutedScores(model: model, table: table, groups: groups, orders: orders, rows: 0..<n) { p, offset in
      scorer.score(p, outputs: outputs, kind: kind, truth: truth, weights: weights, range: 0..<n, offset: offset)
    }
    return finished(scorer: scorer, baseline: baseline, scores: scores, groups: groups.map(\.name), repeats: orders.count, seed: seed)
  }

  /// This part's share of permutation importance (`candor explain --method permutation --shard-count`): the
  /// scorer's sums over rows `rows` of `table`, unpermuted and for every feature and repeat, with each repeat's
  /// permutation drawn over all of the table's rows as `compute` draws it. A row of the part takes the permuted
  /// feature's value from whichever row the permutation sends it to, so the part reads the whole table but calls the
  /// model on its own rows only; `PermutationImportancePartial.merging` adds the parts' sums into `compute`'s result.
  public static func partial(model: any Model, table: Table, truth: [Double], weights: [Double]? = nil, scorer: Scorer,
                             groups: [FeatureGroup], repeats: Int, seed: UInt64, rows: Range<Int>) throws -> PermutationImportancePartial {
    try validate(model: model, table: table, scorer: scorer, groups: groups, repeats: repeats)
    let orders = Self.orders(rows: table.rowCount, repeats: repeats, seed: seed)
    let kind = model.outputKind
    let classCount = model.isClassifier ? (kind == .binaryProbability ? 2 : model.classes.count) : 0
    var baseline = ScoreSums(sums: [Double](repeating: 0, count: scorer.sumCount(classCount: classCount)),
                             histogram: scorer == .rocAUC ? ScoreHistogram() : nil)
    let base = rows.isEmpty ? nil : try model.predict(rows.count == table.rowCount ? table : table.selecting(rows: Array(rows)))
    let outputs = base?.columns ?? 0
    if let base {
      baseline = base.storage.withUnsafeBufferPointer {
        scorer.sums($0, outputs: outputs, kind: kind, truth: truth, weights: weights, range: rows, offset: 0)
      }
    }
    let empty = baseline
    let permuted = rows.isEmpty ? groups.map { _ in [ScoreSums](repeating: empty, count: orders.count) }
      : try permutedScores(model: model, table: table, groups: groups, orders: orders, rows: rows) { p, offset in
        scorer.sums(p, outputs: outputs, kind: kind, truth: truth, weights: weights, range: rows, offset: offset)
      }
    return PermutationImportancePartial(scorer: scorer, repeats: orders.count, seed: seed, features: groups.map(\.name),
                                        classCount: classCount, rows: rows.count, baseline: baseline, permuted: permuted)
  }

  static func validate(model: any Model, table: Table, scorer: Scorer, groups: [FeatureGroup], repeats: Int) throws {
    guard repeats >= 1 else { throw ExplainError.invalidSetting(.init(.repeats, value: "\(repeats)", .atLeast(1))) }
    guard model.providesScores || scorer == .accuracy || scorer == .balancedAccuracy else {
      throw ExplainError.needsScores(what: "Permutation importance with the scorer \(scorer.rawValue)")
    }
    if scorer.needsClassifier && !model.isClassifier { throw ExplainError.scorerNeedsClassifier(scorer.rawValue) }
    if !scorer.needsClassifier && model.isClassifier { throw ExplainError.scorerNeedsRegression(scorer.rawValue) }
    for group in groups {
      for column in group.columns where table.index(of: column) == nil {
        throw ExplainError.unknownFeature(column, available: model.featureNames)
      }
    }
  }

  /// One permutation of all rows per repeat, from the seeded generator: the same for every feature (common random
  /// numbers, as scikit-learn does) and in every shard.
  static func orders(rows n: Int, repeats: Int, seed: UInt64) -> [[Int]] {
    (0..<repeats).map { k in
      var random = SeededRandom(seed: seed, stream: k)
      return Array(0..<n).shuffled(using: &random)
    }
  }

  /// `score` of the model's predictions for rows `rows` with each group permuted by each order, per group, per
  /// order: one model call per group for all repeats together (rows × repeats rows, in chunks of about a million),
  /// groups in parallel. `score` gets the predictions and the offset of the copy's first row in them.
  static func permutedScores<Score: Sendable>(model: any Model, table: Table, groups: [FeatureGroup], orders: [[Int]], rows: Range<Int>,
                                              score: @escaping @Sendable (UnsafeBufferPointer<Double>, Int) -> Score) throws -> [[Score]] {
    let repeatsPerCall = max(1, min(orders.count, 1_000_000 / max(rows.count, 1)))
    let results = DisjointWrites<Result<[Score], any Error>?>(repeating: nil, count: groups.count)
    parallelFor(groups.count) { g in
      results[g] = Result {
        var scores: [Score] = []
        for first in stride(from: 0, to: orders.count, by: repeatsPerCall) {
          let block = Array(orders[first..<min(orders.count, first + repeatsPerCall)])
          let stacked = try permutedCopies(table, columns: groups[g].columns, orders: block, rows: rows)
          let predictions = try model.predict(stacked)
          predictions.storage.withUnsafeBufferPointer { p in
            for k in 0..<block.count { scores.append(score(p, k * rows.count)) }
          }
        }
        return scores
      }
    }
    return try (0..<groups.count).map { try results[$0]!.get() }
  }

  /// The importances from the baseline score and each group's permuted scores: one definition for a run and a merge.
  static func finished(scorer: Scorer, baseline: Double, scores: [[Double]], groups: [String], repeats: Int, seed: UInt64) -> PermutationImportance {
    var importances: [String: Importance] = [:]
    for (g, group) in groups.enumerated() {
      let values = scores[g].map { scorer.isLoss ? $0 - baseline : baseline - $0 }
      let mean = values.reduce(0, +) / Double(values.count)
      let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
      let half = values.count > 1 ? 1.96 * std / Double(values.count - 1).squareRoot() : .nan
      importances[group] = Importance(mean: mean, std: std, ciLow: mean - half, ciHigh: mean + half, values: values)
    }
    return PermutationImportance(scorer: scorer, baselineScore: baseline, repeats: repeats, seed: seed, features: groups, importances: importances)
  }

  /// Rows `rows` of the table repeated once per order, the group's columns taken in that order in each copy (row i
  /// gets their values from row order[i]).
  static func permutedCopies(_ table: Table, columns: [String], orders: [[Int]], rows part: Range<Int>) throws -> Table {
    var rows: [Int] = []
    rows.reserveCapacity(part.count * orders.count)
    for _ in orders { rows.append(contentsOf: part) }
    var stacked = table.selecting(rows: rows)
    let permutedRows = Array(orders.map { $0[part] }.joined())
    for name in columns {
      stacked = stacked.replacing(try table.column(name).selecting(permutedRows))
    }
    return stacked
  }
}
