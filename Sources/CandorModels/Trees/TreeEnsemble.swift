import CandorCore
import Foundation

/// A gradient-boosted (or averaged) ensemble of decision trees read from another library's model file
/// (XGBoost, LightGBM), scored with that library's own split rules so its predictions are reproduced.
///
/// Every tree is stored as flat node arrays: node 0 is the root; a node whose `left` is −1 is a leaf holding
/// `value`. Each tree adds its leaf's value to the margin of its output class; the link turns margins into the
/// output (sigmoid for binary, softmax for multiclass, identity for regression).
public struct TreeEnsemble: Sendable, Equatable {
  /// Whose split semantics the trees follow.
  public enum Rules: String, Sendable, Equatable {
    /// XGBoost: go left when `Float(x) < threshold` (float32, strict); a missing value (NaN) follows the
    /// node's default direction; a categorical node sends the categories in its set right, others left.
    case xgboost
    /// LightGBM (`tree.h`, `NumericalDecision` / `CategoricalDecision`): go left when `x <= threshold` in
    /// double; missing values follow the node's missing type; a categorical node sends its set left.
    case lightGBM
  }

  public enum Link: String, Sendable, Equatable {
    /// P(positive) = 1 / (1 + exp(−scale·margin)).
    case logistic
    /// One margin per class, softmax across them.
    case softmax
    /// The margin is the prediction.
    case identity
  }

  public struct Tree: Sendable, Equatable {
    /// Per node: the feature index (−1 at a leaf), the children (−1 at a leaf), the threshold, the flag bits
    /// (`Flags`), the index of its category set in `categorySets` (−1 for numeric splits), and the leaf value.
    public var feature: [Int32]
    public var left: [Int32]
    public var right: [Int32]
    public var threshold: [Double]
    public var flags: [UInt8]
    public var categorySet: [Int32]
    public var value: [Double]
    /// Bitsets of categories (bit c of word c / 32), one per categorical node.
    public var categorySets: [[UInt32]]

    public init(feature: [Int32], left: [Int32], right: [Int32], threshold: [Double], flags: [UInt8], categorySet: [Int32],
                value: [Double], categorySets: [[UInt32]]) {
      self.feature = feature
      self.left = left
      self.right = right
      self.threshold = threshold
      self.flags = flags
      self.categorySet = categorySet
      self.value = value
      self.categorySets = categorySets
    }

    public var nodeCount: Int { feature.count }
  }

  /// Node flag bits.
  public enum Flags {
    public static let categorical: UInt8 = 1
    public static let defaultLeft: UInt8 = 2
    /// LightGBM's missing type, bits 2–3: 0 none (NaN is read as 0), 1 zero, 2 NaN.
    public static let missingTypeShift: UInt8 = 2
  }

  public var rules: Rules
  public var link: Link
  /// The sigmoid's scale (LightGBM's `sigmoid:` parameter; 1 for XGBoost).
  public var sigmoidScale: Double
  public var trees: [Tree]
  /// The output class (margin) each tree adds to.
  public var treeClass: [Int]
  /// The margin every row starts from, per class.
  public var baseMargin: [Double]
  /// Divide each class's sum of leaves by its number of trees (LightGBM's `average_output`, random forests).
  public var averagesTrees: Bool
  /// Names of the features, in the model's input order.
  public var featureNames: [String]

  public var classCount: Int { baseMargin.count }

  public init(rules: Rules, link: Link, sigmoidScale: Double = 1, trees: [Tree], treeClass: [Int], baseMargin: [Double],
              averagesTrees: Bool = false, featureNames: [String]) {
    self.rules = rules
    self.link = link
    self.sigmoidScale = sigmoidScale
    self.trees = trees
    self.treeClass = treeClass
    self.baseMargin = baseMargin
    self.averagesTrees = averagesTrees
    self.featureNames = featureNames
  }

  /// Checks what scoring relies on, so a malformed file is refused when loaded instead of trapping when scored:
  /// children inside the tree and never pointing back up (every walk ends), features inside the input, category
  /// sets that exist, a class for every tree.
  /// - Returns: the reason the ensemble cannot be scored, or nil.
  func problem() -> String? {
    if featureNames.isEmpty { return "it names no features" }
    if baseMargin.isEmpty { return "it has no output" }
    guard treeClass.count == trees.count else { return "it gives \(treeClass.count) class indices for \(trees.count) trees" }
    for (t, tree) in trees.enumerated() {
      let n = tree.nodeCount
      guard n > 0, [tree.left.count, tree.right.count, tree.threshold.count, tree.flags.count, tree.categorySet.count, tree.value.count]
        .allSatisfy({ $0 == n }) else { return "tree \(t) has node arrays of different lengths, or no node" }
      guard treeClass[t] >= 0 && treeClass[t] < classCount else { return "tree \(t) adds to output \(treeClass[t]) of \(classCount)" }
      for i in 0..<n where tree.left[i] >= 0 {
        // Children come after their parent in both formats' node order; requiring it rules out cycles.
        guard tree.left[i] > i, tree.right[i] > i, Int(tree.left[i]) < n, Int(tree.right[i]) < n else {
          return "node \(i) of tree \(t) has children \(tree.left[i]) and \(tree.right[i]) outside its tree or before it"
        }
        guard tree.feature[i] >= 0 && Int(tree.feature[i]) < featureNames.count else {
          return "node \(i) of tree \(t) splits on feature \(tree.feature[i]) of \(featureNames.count)"
        }
        if tree.flags[i] & Flags.categorical != 0 {
          guard tree.categorySet[i] >= 0 && Int(tree.categorySet[i]) < tree.categorySets.count else {
            return "node \(i) of tree \(t) refers to a category set that does not exist"
          }
        }
      }
    }
    return nil
  }

  /// The margins of every row: rows × classes, row-major.
  /// - Parameter columns: one column per feature (`featureNames` order), NaN for missing.
  /// - Complexity: O(rows × trees × depth), rows split across cores.
  public func margins(columns: [[Double]], rows: Int) -> [Double] {
    let classes = classCount
    let result = DisjointWrites<Double>(repeating: 0, count: rows * classes)
    let chunk = 2048
    let treeCounts = (0..<classes).map { c in Double(treeClass.lazy.filter { $0 == c }.count) }
    parallelFor((rows + chunk - 1) / chunk) { block in
      let start = block * chunk, end = min(rows, start + chunk)
      var sums = [Double](repeating: 0, count: (end - start) * classes)
      // XGBoost's predictor starts each row at the base margin and adds every tree's leaf in float32.
      var floatSums = (0..<(end - start) * classes).map { Float(baseMargin[$0 % classes]) }
      for (t, tree) in trees.enumerated() {
        let c = treeClass[t]
        tree.feature.withUnsafeBufferPointer { feature in
          tree.left.withUnsafeBufferPointer { left in
            tree.right.withUnsafeBufferPointer { right in
              tree.threshold.withUnsafeBufferPointer { threshold in
                tree.flags.withUnsafeBufferPointer { flags in
                  for r in start..<end {
                    var node = 0
                    while left[node] >= 0 {
                      let x = columns[Int(feature[node])][r]
                      let goesLeft: Bool
                      if flags[node] & Flags.categorical != 0 {
                        goesLeft = categoricalGoesLeft(x, node: node, tree: tree)
                      } else {
                        goesLeft = numericGoesLeft(x, threshold: threshold[node], flags: flags[node])
                      }
                      node = Int(goesLeft ? left[node] : right[node])
                    }
                    let slot = (r - start) * classes + c
                    // XGBoost sums leaves in float32 (its predictor's output type); LightGBM in double.
                    if rules == .xgboost { floatSums[slot] += Float(tree.value[node]) } else { sums[slot] += tree.value[node] }
                  }
                }
              }
            }
          }
        }
      }
      for r in start..<end {
        for c in 0..<classes {
          let slot = (r - start) * classes + c
          var margin = rules == .xgboost ? Double(floatSums[slot]) : sums[slot]
          if averagesTrees { margin /= max(treeCounts[c], 1) }
          if rules == .lightGBM { margin += baseMargin[c] }
          result[r * classes + c] = margin
        }
      }
    }
    return result.values
  }

  @inline(__always) func numericGoesLeft(_ x: Double, threshold: Double, flags: UInt8) -> Bool {
    switch rules {
    case .xgboost:
      if x.isNaN { return flags & Flags.defaultLeft != 0 }
      return Float(x) < Float(threshold)
    case .lightGBM:
      let missingType = (flags >> Flags.missingTypeShift) & 3
      var value = x
      if value.isNaN && missingType != 2 { value = 0 }
      // LightGBM's kZeroThreshold is the float 1e-35f.
      let isZero = value >= -1.0000000180025095e-35 && value <= 1.0000000180025095e-35
      if (missingType == 1 && isZero) || (missingType == 2 && value.isNaN) { return flags & Flags.defaultLeft != 0 }
      return value <= threshold
    }
  }

  @inline(__always) func categoricalGoesLeft(_ x: Double, node: Int, tree: Tree) -> Bool {
    let set = tree.categorySets[Int(tree.categorySet[node])]
    func contains(_ category: Int) -> Bool {
      let word = category / 32
      return word < set.count && set[word] & (1 << UInt32(category % 32)) != 0
    }
    switch rules {
    case .xgboost:
      // XGBoost's `Decision`: a missing value takes the default direction; a negative or too-large category,
      // and one outside the node's set, goes left; a category in the set goes right.
      if x.isNaN { return tree.flags[node] & Flags.defaultLeft != 0 }
      guard x >= 0, x < 2_147_483_648 else { return true }
      return !contains(Int(Float(x)))
    case .lightGBM:
      // LightGBM's `CategoricalDecision`: NaN and negative values go right; the set goes left.
      guard !x.isNaN, x > -1, x < 2_147_483_648 else { return false }
      return contains(Int(x))
    }
  }

  /// The link applied to margins (rows × classes): P(positive) per row for the logistic link, class
  /// probabilities for softmax, the margin for identity.
  public func outputs(fromMargins margins: [Double], rows: Int) -> Matrix {
    switch link {
    case .logistic:
      let scale = sigmoidScale
      return Matrix(rows: rows, columns: 1, storage: ContiguousArray(margins.map { 1 / (1 + exp(-scale * $0)) }))
    case .identity:
      return Matrix(rows: rows, columns: 1, storage: ContiguousArray(margins))
    case .softmax:
      let k = classCount
      var storage = ContiguousArray<Double>(repeating: 0, count: rows * k)
      for r in 0..<rows {
        let row = margins[(r * k)..<(r * k + k)]
        let top = row.max() ?? 0
        var total = 0.0
        for c in 0..<k {
          storage[r * k + c] = exp(row[r * k + c] - top)
          total += storage[r * k + c]
        }
        for c in 0..<k { storage[r * k + c] /= total }
      }
      return Matrix(rows: rows, columns: k, storage: storage)
    }
  }
}

/// A tree ensemble with its library's name for what it predicts, as a `Model` every analysis takes.
public struct TreeEnsembleModel: Model, Equatable {
  public let ensemble: TreeEnsemble
  public let outputKind: OutputKind
  public let classes: [String]
  /// Where the model came from, for messages: "an XGBoost model (JSON)".
  public let formatDescription: String

  public init(ensemble: TreeEnsemble, outputKind: OutputKind, classes: [String], formatDescription: String) {
    self.ensemble = ensemble
    self.outputKind = outputKind
    self.classes = classes
    self.formatDescription = formatDescription
  }

  public var featureNames: [String] { ensemble.featureNames }
  public var numericFeatureNames: [String] { ensemble.featureNames }

  /// Binds the model's features to the table's columns by name: each must be numeric (empty cells are missing).
  public func columns(_ table: Table) throws -> [[Double]] {
    try ensemble.featureNames.map { name in
      guard let column = try? table.column(name) else { throw TableError.missingModelFeature(name, file: table.source) }
      switch column {
      case let .numeric(numeric): return Array(numeric.values)
      case let .categorical(categorical):
        // A column of empty cells only is read as text: all missing.
        if categorical.codes.allSatisfy({ $0 == CategoricalColumn.missingCode }) {
          return [Double](repeating: .nan, count: table.rowCount)
        }
        let text = categorical.firstText ?? (0, categorical.value(at: 0) ?? "")
        throw TableError.textInNumericFeature(file: table.source, column: name, row: text.row + 1, value: text.value)
      }
    }
  }

  public func predict(_ table: Table) throws -> Matrix {
    let margins = ensemble.margins(columns: try columns(table), rows: table.rowCount)
    return ensemble.outputs(fromMargins: margins, rows: table.rowCount)
  }
}
