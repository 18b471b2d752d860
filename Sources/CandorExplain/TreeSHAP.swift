import CandorCore
import CandorModels
import Foundation

/// Exact interventional Shapley values of a tree ensemble's margin (Lundberg et al. 2020, "From local
/// explanations to global understanding with explainable AI for trees", Nature Machine Intelligence 2:56–67,
/// the interventional algorithm; shap's `TreeExplainer(feature_perturbation="interventional")`, model_output
/// "raw").
///
/// The game of an explained row x and one background row z is v(S) = f(x_S, z_S̄): the features in S from x, the
/// others from z. Down a tree, a split both rows send the same way needs no feature; one they send apart is
/// followed both ways, the feature taken from x on one side (it joins the path's set A) and from z on the other
/// (set B); a feature already on the path is not asked again. A leaf of value w so reached contributes
/// w·1[A ⊆ S, B ∩ S = ∅], whose Shapley values are w·(|A|−1)!|B|!/(|A|+|B|)! for each feature of A and
/// −w·|A|!(|B|−1)!/(|A|+|B|)! for each of B. Summed over the trees and averaged over the background rows (with
/// their weights) these are the Shapley values of E_z[f(x_S, z_S̄)], exactly: Σφ = f(x) − E f(z).
///
/// Computed leaf by leaf rather than pair by pair: a leaf is reached by f(x_S, z_S̄) exactly when every feature on
/// its path is taken from a row that meets the path's tests on it. With B(x) the path features x fails and A(z)
/// those z fails, the leaf is in the game unless A ∩ B ≠ ∅, and then A must come from x, B from z. A(z) does not
/// depend on x, so each leaf keeps the distinct A(z) of the background with their summed weights, once; an
/// explained row then costs one pass down each tree (its B at every leaf) and a loop over those few masks,
/// whatever the background's size.
public struct TreeSHAP: Sendable, Equatable, Codable, JSONDocument {
  public struct RowExplanation: Sendable, Equatable, Codable {
    public var row: Int
    /// The model's margin per output.
    public var prediction: [Double]
    /// values[output][feature]
    public var values: [[Double]]
  }

  public var method = ExplanationMethod.treeshap
  public var features: [String]
  /// The margins explained: the positive class's log-odds for a binary model, one per class for multiclass,
  /// the prediction for regression.
  public var outputs: [String]
  /// What the values add up to: "margin" (log-odds for classifiers; the prediction for regression).
  public var outputSpace = "margin"
  /// E f(z) over the background, per output.
  public var baseValue: [Double]
  public var backgroundRows: Int
  public var rows: [RowExplanation]
  public var meanAbs: [String: [Double]]
  /// Players none of whose columns any split tests: φ = 0 exactly.
  public var featuresNotRead: [String]? = nil

  enum CodingKeys: String, CodingKey {
    case method, features, outputs, rows
    case outputSpace = "output_space"
    case baseValue = "base_value"
    case backgroundRows = "background_rows"
    case meanAbs = "mean_abs"
    case featuresNotRead = "features_not_read"
  }

  /// - Parameters:
  ///   - rows: indices of `table` rows to explain.
  ///   - background: the background rows; `weights` (one per background row, any scale) default to equal.
  ///   - players: the players (raw features, or groups of them moved together); a feature in no player is taken
  ///     from the explained row.
  /// - Throws: `ExplainError` for a row out of range or a player column the model does not read;
  ///   `TableError` for a feature the data lacks or holds as text.
  /// - Throws: also `ExplainError.invalidSetting` when a path tests more than 64 distinct players.
  /// - Complexity: O((explained + background) × nodes) for the passes down the trees, plus O(explained ×
  ///   Σ_leaves distinct background masks × depth); explained rows split across cores.
  public static func explain(model: any Model, table: Table, rows: [Int], background: Table, players: [FeatureGroup],
                             weights: [Double]? = nil) throws -> TreeSHAP {
    guard let view = model.treeEnsembleView else { throw ExplainError.notATreeModel }
    for row in rows where row < 0 || row >= table.rowCount { throw ExplainError.rowOutOfRange(row: row, rowCount: table.rowCount) }
    let ensemble = view.ensemble
    // A player owns every tree feature computed from one of its columns (several, when a spec feeds one column
    // to several inputs).
    var playerOf = [Int](repeating: -1, count: view.sources.count)
    for (p, player) in players.enumerated() {
      for column in player.columns {
        let owned = view.sources.indices.filter { view.sources[$0] == column }
        // A model column no tree feature comes from (an ONNX graph's input that never reaches the trees) has φ = 0.
        guard !owned.isEmpty || model.featureNames.contains(column) else { throw ExplainError.unknownFeature(column, available: model.featureNames) }
        for f in owned { playerOf[f] = p }
      }
    }
    let playerIndex = playerOf
    let explainedColumns = try view.columns(table.selecting(rows: rows))
    let backgroundColumns = try view.columns(background)
    let backgroundCount = background.rowCount
    guard backgroundCount > 0 else { throw ExplainError.invalidSetting(.init(.backgroundSize, value: "0", .atLeast(1, unit: "row"))) }
    let given = weights ?? [Double](repeating: 1, count: backgroundCount)
    let total = given.reduce(0, +)
    guard given.count == backgroundCount, given.allSatisfy({ $0.isFinite && $0 >= 0 }), total > 0 else {
      throw ExplainError.invalidSetting(.init(.backgroundSize, value: "\(given.count) weights",
                                              .because("needs one finite, non-negative weight per background row, not all zero")))
    }
    let weights = given.map { $0 / total }
    let outputs = ensemble.classCount
    let backgroundMargins = ensemble.margins(columns: backgroundColumns, rows: backgroundCount)
    let baseValue = (0..<outputs).map { k in (0..<backgroundCount).reduce(0.0) { $0 + weights[$1] * backgroundMargins[$1 * outputs + k] } }
    let explainedMargins = ensemble.margins(columns: explainedColumns, rows: rows.count)
    let layout = try Layout(ensemble, playerOf: playerIndex)
    let masks = layout.backgroundMasks(ensemble, columns: backgroundColumns, rows: backgroundCount, weights: weights)
    let playerCount = players.count
    let results = DisjointWrites<[[Double]]>(repeating: [], count: rows.count)
    let progress = Progress("TreeSHAP rows", total: rows.count)
    parallelFor(rows.count) { i in
      defer { progress.advance() }
      results[i] = layout.values(ensemble, columns: explainedColumns, row: i, masks: masks, players: playerCount)
    }
    let explanations = results.values.enumerated().map { i, values in
      RowExplanation(row: rows[i], prediction: (0..<outputs).map { explainedMargins[i * outputs + $0] }, values: values)
    }
    let meanAbs = meanAbsolute(explanations.map(\.values), players: players.map(\.name), outputs: outputs)
    let names = model.outputKind == .binaryProbability ? [model.classes[1]] : model.classes
    // The columns some split tests, through the tree features computed from them.
    var tested = Set<String>()
    for tree in ensemble.trees { for (i, f) in tree.feature.enumerated() where tree.left[i] >= 0 { tested.insert(view.sources[Int(f)]) } }
    return TreeSHAP(features: players.map(\.name), outputs: names, baseValue: baseValue, backgroundRows: backgroundCount,
                    rows: explanations, meanAbs: meanAbs, featuresNotRead: players.filter { !$0.columns.contains(where: tested.contains) }.map(\.name))
  }

  /// The trees' leaves with what the leaf-by-leaf computation needs: per node the bit of its feature among the
  /// distinct players tested on the way to it, per leaf its output, value, the player of each bit and the bits of
  /// features that are in no player (always the explained row's).
  struct Layout: Sendable {
    /// Per tree, per node: the bit (−1 at a leaf) and the leaf index (−1 at an inner node).
    var bit: [[Int8]] = [], leafIndex: [[Int32]] = []
    var leafOutput: [Int] = [], leafValue: [Double] = [], leafFixed: [UInt64] = []
    /// The player of each bit of leaf l's path: owners[ownerStart[l] + bit] (−1 for a fixed feature).
    var owners: [Int] = [], ownerStart: [Int] = []
    /// weightFromX[a][b] = (a−1)!·b!/(a+b)!, weightFromZ[a][b] = a!·(b−1)!/(a+b)!, for paths of up to 64 players.
    var weightFromX: [[Double]], weightFromZ: [[Double]]

    init(_ ensemble: TreeEnsemble, playerOf: [Int]) throws {
      var longest = 0
      for (t, tree) in ensemble.trees.enumerated() {
        var bits = [Int8](repeating: -1, count: tree.nodeCount), leaves = [Int32](repeating: -1, count: tree.nodeCount)
        // Depth first from the root, with the path's distinct features (a player, or the feature itself marked
        // fixed when it is in no player) in order of first test.
        var stack: [(node: Int, path: [Int])] = [(0, [])]
        while let (node, path) = stack.popLast() {
          if tree.left[node] < 0 {
            leaves[node] = Int32(leafValue.count)
            leafOutput.append(ensemble.treeClass[t])
            leafValue.append(tree.value[node])
            ownerStart.append(owners.count)
            owners += path.map { $0 >= 0 ? $0 : -1 }
            leafFixed.append(path.enumerated().reduce(UInt64(0)) { $1.element < 0 ? $0 | 1 << UInt64($1.offset) : $0 })
            continue
          }
          let feature = Int(tree.feature[node]), player = playerOf[feature]
          // A feature in no player is its own fixed entry (−1 − feature), so two such features keep two bits.
          let key = player >= 0 ? player : -1 - feature
          var path = path
          if let existing = path.firstIndex(of: key) {
            bits[node] = Int8(existing)
          } else {
            guard path.count < 64 else {
              throw ExplainError.invalidSetting(.init(.effectMethod, value: "treeshap", .because(
                "tree \(t) has a path that tests more than 64 distinct features, more than TreeSHAP's masks hold")))
            }
            bits[node] = Int8(path.count)
            path.append(key)
          }
          longest = max(longest, path.count)
          stack.append((Int(tree.right[node]), path))
          stack.append((Int(tree.left[node]), path))
        }
        bit.append(bits)
        leafIndex.append(leaves)
      }
      // (a−1)!b!/(a+b)! = 1 / (a·C(a+b, b)), in floating point without factorials.
      func binomial(_ n: Int, _ k: Int) -> Double { (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) } }
      let size = longest + 2
      weightFromX = (0..<size).map { a in (0..<size).map { b in a == 0 ? 0 : 1 / (Double(a) * binomial(a + b, b)) } }
      weightFromZ = (0..<size).map { a in (0..<size).map { b in b == 0 ? 0 : 1 / (Double(b) * binomial(a + b, a)) } }
    }

    /// For row r of `columns`, per leaf the bits of the path features the row fails (one pass down each tree).
    func failures(_ ensemble: TreeEnsemble, columns: [[Double]], row r: Int, into result: inout [UInt64]) {
      var stack: [(node: Int, mask: UInt64)] = []
      stack.reserveCapacity(128)
      for (t, tree) in ensemble.trees.enumerated() {
        let bits = bit[t], leaves = leafIndex[t]
        stack.append((0, 0))
        while let (node, mask) = stack.popLast() {
          if leaves[node] >= 0 {
            result[Int(leaves[node])] = mask
            continue
          }
          let goesLeft = ensemble.goesLeft(columns[Int(tree.feature[node])][r], tree: tree, node: node)
          let flag = UInt64(1) << UInt64(bits[node])
          stack.append((Int(tree.right[node]), goesLeft ? mask | flag : mask))
          stack.append((Int(tree.left[node]), goesLeft ? mask : mask | flag))
        }
      }
    }

    /// The background's masks, leaf by leaf: leaf l's are masks[start[l] ..< start[l + 1]].
    struct Masks: Sendable {
      var start: [Int] = [0]
      var masks: [UInt64] = []
      var weights: [Double] = []
    }

    /// Per leaf, the distinct masks of the bits each background row must take from the explained row (those it
    /// fails, fixed bits aside) and their summed weights.
    func backgroundMasks(_ ensemble: TreeEnsemble, columns: [[Double]], rows: Int, weights: [Double]) -> Masks {
      var sums = [[UInt64: Double]](repeating: [:], count: leafValue.count)
      var fails = [UInt64](repeating: 0, count: leafValue.count)
      for r in 0..<rows where weights[r] > 0 {
        failures(ensemble, columns: columns, row: r, into: &fails)
        for leaf in 0..<fails.count { sums[leaf][fails[leaf] & ~leafFixed[leaf], default: 0] += weights[r] }
      }
      var result = Masks()
      for leaf in sums {
        for (mask, weight) in leaf.sorted(by: { $0.key < $1.key }) {
          result.masks.append(mask)
          result.weights.append(weight)
        }
        result.start.append(result.masks.count)
      }
      return result
    }

    /// φ[output][player] of explained row `row`.
    func values(_ ensemble: TreeEnsemble, columns: [[Double]], row: Int, masks: Masks, players: Int) -> [[Double]] {
      let outputs = ensemble.classCount
      var phi = [Double](repeating: 0, count: outputs * players)
      var fails = [UInt64](repeating: 0, count: leafValue.count)
      failures(ensemble, columns: columns, row: row, into: &fails)
      phi.withUnsafeMutableBufferPointer { phi in
        owners.withUnsafeBufferPointer { owners in
          masks.masks.withUnsafeBufferPointer { fromXMasks in
            masks.weights.withUnsafeBufferPointer { weights in
              for leaf in 0..<fails.count {
                let fromZ = fails[leaf]
                // A fixed feature the explained row fails keeps the leaf out of every coalition.
                if fromZ & leafFixed[leaf] != 0 { continue }
                let b = fromZ.nonzeroBitCount, value = leafValue[leaf], row = leafOutput[leaf] * players
                let ownerBase = ownerStart[leaf]
                for m in masks.start[leaf]..<masks.start[leaf + 1] {
                  let fromX = fromXMasks[m]
                  if fromX & fromZ != 0 { continue }
                  let a = fromX.nonzeroBitCount
                  if a + b == 0 { continue }
                  let toX = weights[m] * value * weightFromX[a][b], toZ = weights[m] * value * weightFromZ[a][b]
                  var bits = fromX
                  while bits != 0 {
                    phi[row + owners[ownerBase + bits.trailingZeroBitCount]] += toX
                    bits &= bits - 1
                  }
                  bits = fromZ
                  while bits != 0 {
                    phi[row + owners[ownerBase + bits.trailingZeroBitCount]] -= toZ
                    bits &= bits - 1
                  }
                }
              }
            }
          }
        }
      }
      return (0..<outputs).map { Array(phi[($0 * players)..<(($0 + 1) * players)]) }
    }
  }
}
