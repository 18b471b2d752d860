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
