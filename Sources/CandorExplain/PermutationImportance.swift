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
    let n = table.rowCount
    let orders: [[Int]] = permutations ?? (0..<repeats).map { k in
      var random = SeededRandom(seed: seed, stream: k)
      return Array(0..<n).shuffled(using: &random)
    }
    let kind = model.outputKind
    let base = try model.predict(table)
    let outputs = base.columns
    let baseline = base.storage.withUnsafeBufferPointer {
      scorer.score($0, outputs: outputs, kind: kind, truth: truth, weights: weights, range: 0..<n, offset: 0)
    }
    let repeatsPerCall = max(1, min(repeats, 1_000_000 / max(n, 1)))
    let results = DisjointWrites<Result<[Double], any Error>?>(repeating: nil, count: groups.count)
    let frozen = table
    parallelFor(groups.count) { g in
      results[g] = Result {
        var drops: [Double] = []
        for first in stride(from: 0, to: orders.count, by: repeatsPerCall) {
          let block = Array(orders[first..<min(orders.count, first + repeatsPerCall)])
          let stacked = try permutedCopies(frozen, columns: groups[g].columns, orders: block)
          let predictions = try model.predict(stacked)
          predictions.storage.withUnsafeBufferPointer { p in
            for k in 0..<block.count {
              let permuted = scorer.score(p, outputs: outputs, kind: kind, truth: truth, weights: weights, range: 0..<n, offset: k * n)
              drops.append(scorer.isLoss ? permuted - baseline : baseline - permuted)
            }
          }
        }
        return drops
      }
    }
    var importances: [String: Importance] = [:]
    for (g, group) in groups.enumerated() {
      let values = try results[g]!.get()
      let mean = values.reduce(0, +) / Double(values.count)
      let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
      let half = values.count > 1 ? 1.96 * std / Double(values.count - 1).squareRoot() : .nan
      importances[group.name] = Importance(mean: mean, std: std, ciLow: mean - half, ciHigh: mean + half, values: values)
    }
    return PermutationImportance(scorer: scorer, baselineScore: baseline, repeats: orders.count, seed: seed,
                                 features: groups.map(\.name), importances: importances)
  }

  /// The table repeated once per order, the group's columns taken in that order in each copy.
  static func permutedCopies(_ table: Table, columns: [String], orders: [[Int]]) throws -> Table {
    let n = table.rowCount
    var rows: [Int] = []
    rows.reserveCapacity(n * orders.count)
    for _ in orders { rows.append(contentsOf: 0..<n) }
    var stacked = table.selecting(rows: rows)
    let permutedRows = Array(orders.joined())
    for name in columns {
      stacked = stacked.replacing(try table.column(name).selecting(permutedRows))
    }
    return stacked
  }
}
