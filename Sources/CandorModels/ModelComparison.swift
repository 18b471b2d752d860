import CandorCore
import Foundation

/// Two models scored on the same rows (`candor compare-models A B`): typically a native XGBoost or LightGBM model
/// and its ONNX export, or a model before and after a conversion. How far their outputs are apart, which rows'
/// decisions differ, and — when both are tree ensembles candor can walk — where each such row's paths first part:
/// the tree, the node, the feature and its value, each model's threshold and rule, and why (a threshold stored at
/// another precision, a missing value sent another way, another comparison).
public struct ModelComparison: Sendable, Equatable, Codable, JSONDocument {
  public struct Side: Sendable, Equatable, Codable {
    public var path: String
    public var format: String
    public var sha256: String?
    public var classes: [String]
  }

  public struct RowDifference: Sendable, Equatable, Codable {
    /// 0-based data row.
    public var row: Int
    public var a: [Double]
    public var b: [Double]
    /// The largest |a − b| over the outputs.
    public var difference: Double
    /// Each model's decision (its class by position; nil for regression).
    public var decisionA: String?
    public var decisionB: String?

    enum CodingKeys: String, CodingKey {
      case row, a, b, difference
      case decisionA = "decision_a"
      case decisionB = "decision_b"
    }
  }

  /// How one model's node treats the row's value.
  public struct Split: Sendable, Equatable, Codable {
    /// The value the model compares (its feature as it reads it; NaN for missing).
    public var value: Double
    public var threshold: Double
    /// The comparison: "x < t (float32)", "x <= t", "missing: left", …
    public var rule: String
    /// "left" or "right".
    public var goes: String
  }

  public struct Divergence: Sendable, Equatable, Codable {
    public var row: Int
    public var tree: Int
    /// Splits passed before the one where the paths part (0 = the root).
    public var depth: Int
    /// The data column of the split's feature (or "x3" for a computed one).
    public var feature: String
    public var a: Split
    public var b: Split
    /// "threshold" (the same split stored as different numbers, e.g. a float32 rounding), "missing value" (a
    /// NaN sent another way), "comparison" (same value and threshold, another rule), "input" (the models read
    /// different values), "tree shape" (the trees differ from here on).
    public var cause: String
  }

  public var a: Side
  public var b: Side
  public var rows: Int
  /// The outputs compared, by position: class names of A (P of the positive class for binary) or the target.
  public var outputs: [String]
  public var tolerance: Double
  public var maxAbsDifference: Double
  public var meanAbsDifference: Double
  public var rowsBeyondTolerance: Int
  /// Rows whose decision differs; nil for regression.
  public var decisionFlips: Int?
  /// The rows farthest apart, largest first (at most `limit`).
  public var largest: [RowDifference]
  /// The rows whose decision differs, in row order (at most `limit`).
  public var flipped: [RowDifference]
  /// Where the paths first part, for the flipped rows (or, without flips, the rows beyond the tolerance).
  public var divergences: [Divergence]
  /// "walked", or why the trees were not compared.
  public var treeComparison: String

  enum CodingKeys: String, CodingKey {
    case a, b, rows, outputs, tolerance, largest, flipped, divergences
    case maxAbsDifference = "max_abs_difference"
    case meanAbsDifference = "mean_abs_difference"
    case rowsBeyondTolerance = "rows_beyond_tolerance"
    case decisionFlips = "decision_flips"
    case treeComparison = "tree_comparison"
  }

  public static var jsonLayout: JSONLayout { .compact }

  /// A model to compare and what names it.
  public struct Input {
    public var model: any Model
    public var path: String
    public var format: ModelFormat
    public var sha256: String?
    /// Its trees, when candor can walk them.
    public var trees: TreeEnsembleView?

    public init(model: any Model, path: String, format: ModelFormat, sha256: String?, trees: TreeEnsembleView?) {
      self.model = model
      self.path = path
      self.format = format
      self.sha256 = sha256
      self.trees = trees
    }
  }

  /// - Throws: `ModelError.incomparableModels` when the outputs differ in kind or count; whatever scoring throws.
  public static func compare(_ a: Input, _ b: Input, table: Table, tolerance: Double = 1e-6, limit: Int = 20) throws -> ModelComparison {
    let (ma, mb) = (a.model, b.model)
    guard ma.outputKind == mb.outputKind, ma.classes.count == mb.classes.count else {
      throw ModelError.incomparableModels(reason: "\(a.path) predicts \(describe(ma)) and \(b.path) \(describe(mb))")
    }
    let pa = try ma.predict(table), pb = try mb.predict(table)
    let rows = table.rowCount, width = pa.columns
    var differences = [Double](repeating: 0, count: rows)
    var total = 0.0
    for r in 0..<rows {
      var largest = 0.0
      for k in 0..<width {
        let d = abs(pa[r, k] - pb[r, k])
        largest = d.isNaN || pa[r, k].isNaN != pb[r, k].isNaN ? .infinity : max(largest, d)
      }
      differences[r] = largest
      total += largest.isFinite ? largest : 0
    }
    func decision(_ m: any Model, _ p: Matrix, _ r: Int) -> String? {
      switch m.outputKind {
      case .regression: return nil
      case .binaryProbability: return m.classes[p[r, 0] > 0.5 ? 1 : 0]
      case .multiclassProbabilities:
        var best = 0
        for k in 1..<p.columns where p[r, k] > p[r, best] { best = k }
        return m.classes[best]
      }
    }
    // Decisions compared by position: the classes may be named differently ("1" and ">50K").
    func position(_ m: any Model, _ p: Matrix, _ r: Int) -> Int? { decision(m, p, r).flatMap { m.classes.firstIndex(of: $0) } }
    func difference(_ r: Int) -> RowDifference {
      RowDifference(row: r, a: (0..<width).map { pa[r, $0] }, b: (0..<width).map { pb[r, $0] }, difference: differences[r],
                    decisionA: decision(ma, pa, r), decisionB: decision(mb, pb, r))
    }
    let flippedRows = ma.outputKind == .regression ? [] : (0..<rows).filter { position(ma, pa, $0) != position(mb, pb, $0) }
    let order = (0..<rows).sorted { differences[$0] > differences[$1] || (differences[$0] == differences[$1] && $0 < $1) }
    let beyond = (0..<rows).filter { differences[$0] > tolerance }
    var divergences: [Divergence] = []
    var treeComparison = "walked"
    if let ta = a.trees, let tb = b.trees {
      let examined = Array((flippedRows.isEmpty ? order.filter { differences[$0] > tolerance } : flippedRows).prefix(limit))
      if !examined.isEmpty {
        let subset = table.selecting(rows: examined)
        let ca = try ta.columns(subset), cb = try tb.columns(subset)
        for (i, row) in examined.enumerated() {
          if let found = firstDivergence(ta, ca, tb, cb, at: i) {
            var divergence = found
            divergence.row = row
            divergences.append(divergence)
          }
        }
      }
    } else {
      let missing = [a.trees == nil ? a.path : nil, b.trees == nil ? b.path : nil].compactMap { $0 }
      treeComparison = "not walked: \(missing.joined(separator: " and ")) \(missing.count == 1 ? "is not a tree ensemble" : "are not tree ensembles") candor can walk"
    }
    return ModelComparison(
      a: Side(path: a.path, format: a.format.description, sha256: a.sha256, classes: ma.classes),
      b: Side(path: b.path, format: b.format.description, sha256: b.sha256, classes: mb.classes),
      rows: rows, outputs: ma.outputKind == .binaryProbability ? [ma.classes[1]] : ma.classes, tolerance: tolerance,
      maxAbsDifference: differences.max() ?? 0, meanAbsDifference: rows == 0 ? 0 : total / Double(rows),
      rowsBeyondTolerance: beyond.count, decisionFlips: ma.outputKind == .regression ? nil : flippedRows.count,
      largest: order.prefix(limit).filter { differences[$0] > 0 }.map(difference), flipped: flippedRows.prefix(limit).map(difference),
      divergences: divergences, treeComparison: treeComparison)
  }

  static func describe(_ m: any Model) -> String {
    switch m.outputKind {
    case .binaryProbability: "a binary probability"
    case .multiclassProbabilities: "probabilities of \(m.classes.count) classes"
    case .regression: "a value"
    }
  }

  /// Walks row i down tree t of both ensembles together and returns the first split where they part.
  static func firstDivergence(_ ta: TreeEnsembleView, _ ca: [[Double]], _ tb: TreeEnsembleView, _ cb: [[Double]], at i: Int) -> Divergence? {
    let ea = ta.ensemble, eb = tb.ensemble
    for t in 0..<min(ea.trees.count, eb.trees.count) {
      let treeA = ea.trees[t], treeB = eb.trees[t]
      var (na, nb, depth) = (0, 0, 0)
      while treeA.left[na] >= 0 || treeB.left[nb] >= 0 {
        func split(_ e: TreeEnsemble, _ tree: TreeEnsemble.Tree, _ n: Int, _ columns: [[Double]], _ view: TreeEnsembleView) -> (Split, String, Bool)? {
          guard tree.left[n] >= 0 else { return nil }
          let f = Int(tree.feature[n]), x = columns[f][i]
          let left = e.goesLeft(x, tree: tree, node: n)
          return (Split(value: x, threshold: tree.threshold[n], rule: rule(e, tree, n, missing: x.isNaN), goes: left ? "left" : "right"), view.sources[f], left)
        }
        guard let (sa, fa, leftA) = split(ea, treeA, na, ca, ta), let (sb, fb, leftB) = split(eb, treeB, nb, cb, tb), fa == fb else {
          let placeholder = Split(value: .nan, threshold: .nan, rule: "leaf", goes: "")
          let sa = split(ea, treeA, na, ca, ta), sb = split(eb, treeB, nb, cb, tb)
          return Divergence(row: i, tree: t, depth: depth, feature: sa?.1 ?? sb?.1 ?? "", a: sa?.0 ?? placeholder, b: sb?.0 ?? placeholder, cause: "tree shape")
        }
        if leftA != leftB {
          // A value and its float32 rounding (an ONNX graph's float input) are the same input.
          let sameInput = sa.value == sb.value || (sa.value.isNaN && sb.value.isNaN) || Float(sa.value) == Float(sb.value)
          let cause = !sameInput ? "input" : sa.value.isNaN ? "missing value" : sa.threshold != sb.threshold ? "threshold" : "comparison"
          return Divergence(row: i, tree: t, depth: depth, feature: fa, a: sa, b: sb, cause: cause)
        }
        na = Int(leftA ? treeA.left[na] : treeA.right[na])
        nb = Int(leftB ? treeB.left[nb] : treeB.right[nb])
        depth += 1
      }
    }
    return nil
  }

  /// The rule node n applies, in words.
  static func rule(_ e: TreeEnsemble, _ tree: TreeEnsemble.Tree, _ n: Int, missing: Bool) -> String {
    let flags = tree.flags[n]
    if flags & TreeEnsemble.Flags.categorical != 0 { return "category in set" }
    switch e.rules {
    case .xgboost:
      return missing ? "missing: \(flags & TreeEnsemble.Flags.defaultLeft != 0 ? "left" : "right")" : "float32(x) < t"
    case .lightGBM:
      let missingType = (flags >> TreeEnsemble.Flags.missingTypeShift) & 3
      let direction = flags & TreeEnsemble.Flags.defaultLeft != 0 ? "left" : "right"
      if missing && missingType == 2 { return "missing: \(direction)" }
      return missingType == 1 ? "x <= t (zero is missing: \(direction))" : missing ? "missing read as 0, x <= t" : "x <= t"
    case .onnx, .onnxDouble:
      let modes = ["x <= t", "x < t", "x >= t", "x > t", "x == t", "x != t"]
      let mode = Int((flags >> TreeEnsemble.Flags.onnxModeShift) & 7)
      let compared = (mode < modes.count ? modes[mode] : "mode \(mode)") + (e.rules == .onnx ? " (float32)" : "")
      return missing ? "missing: \(flags & TreeEnsemble.Flags.defaultLeft != 0 ? "true branch" : "false branch")" : compared + ", true goes left"
    }
  }
}
