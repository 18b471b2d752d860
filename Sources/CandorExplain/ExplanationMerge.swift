import CandorCore

/// Mean |φ| of each player over the explained rows, per output: `values[row][output][player]`. One definition, so a
/// merge of shards sums in the order the unsharded run does.
func meanAbsolute(_ values: [[[Double]]], players: [String], outputs: Int) -> [String: [Double]] {
  var meanAbs: [String: [Double]] = [:]
  for (j, player) in players.enumerated() {
    meanAbs[player] = (0..<outputs).map { k in values.reduce(0) { $0 + abs($1[k][j]) } / Double(max(values.count, 1)) }
  }
  return meanAbs
}

/// Why parts of a sharded explanation do not merge.
public struct ExplanationMergeError: Error, Equatable, Sendable {
  /// The part (0-based, in shard order) that differs from the first.
  public var part: Int
  public var reason: String
}

/// An explanation made of one independent block per explained row (SHAP values), which parts of a sharded run
/// concatenate.
protocol RowwiseExplanation: Equatable {
  associatedtype Row
  var rows: [Row] { get set }
  var meanAbs: [String: [Double]] { get set }
  var features: [String] { get }
  var outputs: [String] { get }
  static func values(of row: Row) -> [[Double]]
}

extension RowwiseExplanation {
  /// The parts' rows in part order, everything else checked to be the first part's, and mean |φ| over all rows.
  static func concatenating(_ parts: [Self]) throws(ExplanationMergeError) -> Self {
    var merged = parts[0]
    for (p, part) in parts.enumerated().dropFirst() {
      var shape = part
      (shape.rows, shape.meanAbs) = (merged.rows, merged.meanAbs)
      guard shape == merged else { throw ExplanationMergeError(part: p, reason: "its features, outputs, background or settings differ from the first part's") }
      merged.rows += part.rows
    }
    merged.meanAbs = meanAbsolute(merged.rows.map(values(of:)), players: merged.features, outputs: merged.outputs.count)
    return merged
  }
}

extension KernelSHAP: RowwiseExplanation {
  static func values(of row: RowExplanation) -> [[Double]] { row.values }

  /// The explanation of every part's rows, in part order: what one run over all of them gives, since each row
  /// draws its coalitions from the stream of its position in the whole list (`Configuration.firstStream`) and
  /// the background is the same in every part.
  /// - Throws: `ExplanationMergeError` when a part differs from the first in anything but its rows.
  public static func merging(_ parts: [KernelSHAP]) throws(ExplanationMergeError) -> KernelSHAP { try concatenating(parts) }
}

extension TreeSHAP: RowwiseExplanation {
  static func values(of row: RowExplanation) -> [[Double]] { row.values }

  /// The explanation of every part's rows, in part order (TreeSHAP is exact: each row's values are its own).
  public static func merging(_ parts: [TreeSHAP]) throws(ExplanationMergeError) -> TreeSHAP { try concatenating(parts) }
}

/// One shard's share of permutation importance: the scorer's sums over the shard's rows, unpermuted and per feature
/// and repeat (`PermutationImportance.partial`).
public struct PermutationImportancePartial: Sendable, Equatable, Codable {
  public var scorer: Scorer
  public var repeats: Int
  public var seed: UInt64
  public var features: [String]
  /// The model's classes as the scorer counts them (0 for regression).
  public var classCount: Int
  /// The part's rows.
  public var rows: Int
  public var baseline: ScoreSums
  /// Per feature in `features` order, per repeat.
  public var permuted: [[ScoreSums]]

  enum CodingKeys: String, CodingKey {
    case scorer, repeats, seed, features, rows, baseline, permuted
    case classCount = "class_count"
  }

  /// The importances of every part's rows: what `PermutationImportance.compute` gives for all of them, up to the
  /// order of additions (each part's permutations are drawn over all rows with the same seeds).
  /// - Throws: `ExplanationMergeError` when a part's settings differ from the first's or its sums are not of the
  ///   scorer's shape (a part is a file anyone can edit).
  public static func merging(_ parts: [PermutationImportancePartial]) throws(ExplanationMergeError) -> PermutationImportance {
    let first = parts[0]
    for (p, part) in parts.enumerated() {
      guard (part.scorer, part.repeats, part.seed, part.features, part.classCount) == (first.scorer, first.repeats, first.seed, first.features, first.classCount) else {
        throw ExplanationMergeError(part: p, reason: "its scorer, repeats, seed, features or classes differ from the first part's")
      }
      let wellFormed = { (sums: ScoreSums) in part.scorer.isWellFormed(sums, classCount: part.classCount) }
      guard (0...1_000_000).contains(part.classCount), part.repeats >= 1, part.rows >= 0, part.permuted.count == part.features.count, wellFormed(part.baseline),
            part.permuted.allSatisfy({ $0.count == part.repeats && $0.allSatisfy(wellFormed) }) else {
        throw ExplanationMergeError(part: p, reason: "its sums are not those of \(part.features.count) features × \(part.repeats) repeats of the scorer \(part.scorer.rawValue)")
      }
    }
    let scorer = first.scorer
    let baseline = scorer.score(of: scorer.merging(parts.map(\.baseline)))
    let scores = first.features.indices.map { g in
      (0..<first.repeats).map { k in scorer.score(of: scorer.merging(parts.map { $0.permuted[g][k] })) }
    }
    return PermutationImportance.finished(scorer: scorer, baseline: baseline, scores: scores, groups: first.features,
                                          repeats: first.repeats, seed: first.seed)
  }
}
