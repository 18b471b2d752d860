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
    /// ONNX's TreeEnsembleClassifier/Regressor as onnxruntime runs them: the node's mode (`Flags.onnxModeShift`:
    /// BRANCH_LEQ, LT, GTE, GT, EQ, NEQ) compares in float32 and sends the row to the true branch, stored as left;
    /// a NaN goes to the true branch when `missing_value_tracks_true` (`Flags.defaultLeft`); leaves sum in float32.
    case onnx
    /// The same with double thresholds (`nodes_values_as_tensor`), compared and summed in double.
    case onnxDouble
  }

  public enum Link: String, Sendable, Equatable {
    /// P(positive) = 1 / (1 + exp(−scale·margin)).
    case logistic
    /// One margin per class, softmax across them.
    case softmax
    /// The margin is the prediction.
    case identity
    /// sign(margin)·margin²: LightGBM's regression with `reg_sqrt`.
    case signedSquare
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
    /// The categories of each categorical node: for LightGBM a bitset (bit c of word c / 32), for XGBoost the
    /// sorted list of codes.
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
    /// ONNX's node mode, bits 2–4: 0 BRANCH_LEQ, 1 BRANCH_LT, 2 BRANCH_GTE, 3 BRANCH_GT, 4 BRANCH_EQ, 5 BRANCH_NEQ.
    public static let onnxModeShift: UInt8 = 2
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

  /// One node of every tree, laid out for the walk: children as indices into the same array (−1 at a leaf), and
  /// at a leaf its value where an inner node holds its threshold. `Threshold` is Float for XGBoost, which
  /// compares and sums in float32, and Double for LightGBM.
  struct PackedNode<Threshold: Sendable>: Sendable {
    var left: Int32
    var right: Int32
    var feature: UInt32
    var flags: UInt8
    var threshold: Threshold
  }

  /// Every tree's nodes in one array (tree t's root at `roots[t]`), and for each node its tree and index in it
  /// (for the categorical sets).
  func packed<Threshold: Sendable>(_ convert: (Double) -> Threshold)
    -> (nodes: [PackedNode<Threshold>], roots: [Int], depths: [Int], origin: [(tree: Int, node: Int)])
  {
    var nodes: [PackedNode<Threshold>] = [], roots: [Int] = [], depths: [Int] = [], origin: [(Int, Int)] = []
    for (t, tree) in trees.enumerated() {
      let offset = Int32(nodes.count)
      roots.append(nodes.count)
      // A leaf points at itself both ways, so a walk can take a tree's depth in steps without testing for leaves.
      var depth = [Int](repeating: 0, count: tree.nodeCount)
      for i in 0..<tree.nodeCount {
        let leaf = tree.left[i] < 0
        let own = offset + Int32(i)
        nodes.append(PackedNode(left: leaf ? own : offset + tree.left[i], right: leaf ? own : offset + tree.right[i],
                                feature: UInt32(max(tree.feature[i], 0)), flags: leaf ? 0 : tree.flags[i],
                                threshold: convert(leaf ? tree.value[i] : tree.threshold[i])))
        origin.append((t, i))
        // Children come after their parent (checked when loaded), so one pass in node order gives the depths.
        if !leaf {
          depth[Int(tree.left[i])] = depth[i] + 1
          depth[Int(tree.right[i])] = depth[i] + 1
        }
      }
      depths.append(depth.max() ?? 0)
    }
    return (nodes, roots, depths, origin)
  }

  /// The margins of every row: rows × classes, row-major.
  /// - Parameter columns: one column per feature (`featureNames` order), NaN for missing.
  /// - Complexity: O(rows × trees × depth): blocks of 256 rows (their features row-major, in cache) go down every
  ///   tree in turn, blocks split across cores.
  public func margins(columns: [[Double]], rows: Int) -> [Double] {
    let features = featureNames.count
    func load<Number: BinaryFloatingPoint>(_ convert: @escaping @Sendable (Double) -> Number) -> @Sendable (Int, Int, inout [Number]) -> Void {
      { first, count, x in
        for f in 0..<features {
          let column = columns[f]
          for r in 0..<count { x[r * features + f] = convert(column[first + r]) }
        }
      }
    }
    switch rules {
    case .xgboost: return margins(rows: rows, rule: XGBoostSplit.self, load: load(XGBoostSplit.number))
    case .lightGBM: return margins(rows: rows, rule: LightGBMSplit.self, load: load(LightGBMSplit.number))
    case .onnx: return margins(rows: rows, rule: ONNXSplit<Float>.self, load: load(ONNXSplit<Float>.number))
    case .onnxDouble: return margins(rows: rows, rule: ONNXSplit<Double>.self, load: load(ONNXSplit<Double>.number))
    }
  }

  /// The margins of every row of a row-major float32 matrix (rows × features), as ONNX feeds a tree node; for
  /// `Rules.onnx` and `.onnxDouble` only.
  func margins(rowMajor x: [Float], rows: Int) -> [Double] {
    precondition(rules == .onnx || rules == .onnxDouble, "ONNX trees only")
    let features = featureNames.count
    switch rules {
    case .onnxDouble:
      return margins(rows: rows, rule: ONNXSplit<Double>.self) { first, count, block in
        for k in 0..<(count * features) { block[k] = Double(x[first * features + k]) }
      }
    default:
      return margins(rows: rows, rule: ONNXSplit<Float>.self) { first, count, block in
        block.withUnsafeMutableBufferPointer { block in
          x.withUnsafeBufferPointer { x in
            _ = block.initialize(from: x[(first * features)..<((first + count) * features)])
          }
        }
      }
    }
  }

  /// The walk, specialized for one library's number type and numeric split; `load(first, count, &block)` writes
  /// rows first..<first+count row-major into the block.
  func margins<Rule: SplitRule>(rows: Int, rule: Rule.Type, load: @Sendable (Int, Int, inout [Rule.Number]) -> Void) -> [Double] {
    typealias Number = Rule.Number
    let classes = classCount, features = featureNames.count
    let result = DisjointWrites<Double>(repeating: 0, count: rows * classes)
    let block = 256
    let treeCounts = (0..<classes).map { c in Double(treeClass.lazy.filter { $0 == c }.count) }
    let (nodes, roots, depths, origin) = packed(Rule.number)
    let initial = baseMargin.map(Rule.initialSum)
    parallelFor((rows + block - 1) / block) { b in
      let first = b * block, end = min(rows, first + block), count = end - first
      var x = [Number](repeating: 0, count: count * features)
      load(first, count, &x)
      var sums = (0..<count * classes).map { initial[$0 % classes] }
      nodes.withUnsafeBufferPointer { nodes in
        x.withUnsafeBufferPointer { x in
          sums.withUnsafeMutableBufferPointer { sums in
            // One step down from node `index` for the block's row r: a leaf points at itself both ways.
            @inline(__always) func step(_ index: Int, _ r: Int) -> Int {
              let node = nodes[index]
              let value = x[r &* features &+ Int(node.feature)]
              let goesLeft = node.flags & Flags.categorical != 0
                ? categoricalGoesLeft(Double(value), node: origin[index].node, tree: trees[origin[index].tree])
                : Rule.numericGoesLeft(value, node)
              // Arithmetic rather than a branch: the direction is data-dependent and unpredictable.
              let right = Int(truncatingIfNeeded: UInt8(truncatingIfNeeded: goesLeft ? 0 : 1))
              return Int(node.left) &+ (Int(node.right) &- Int(node.left)) &* right
            }
            // Four rows go down a tree together, each the tree's depth in steps: four independent chains of loads
            // instead of one, and no test for a leaf.
            for (t, root) in roots.enumerated() {
              let c = treeClass[t], depth = depths[t]
              var r = 0
              // A deep tree (a chain, say) is walked row by row to its leaf: lockstep would take every row the
              // whole depth.
              if depth > 48 {
                while r < count {
                  var a = root
                  while Int(nodes[a].left) != a { a = step(a, r) }
                  sums[r * classes + c] += nodes[a].threshold
                  r += 1
                }
                continue
              }
              while r + 4 <= count {
                var (a, b, d, e) = (root, root, root, root)
                for _ in 0..<depth {
                  a = step(a, r)
                  b = step(b, r + 1)
                  d = step(d, r + 2)
                  e = step(e, r + 3)
                }
                sums[r * classes + c] += nodes[a].threshold
                sums[(r + 1) * classes + c] += nodes[b].threshold
                sums[(r + 2) * classes + c] += nodes[d].threshold
                sums[(r + 3) * classes + c] += nodes[e].threshold
                r += 4
              }
              while r < count {
                var a = root
                for _ in 0..<depth { a = step(a, r) }
                sums[r * classes + c] += nodes[a].threshold
                r += 1
              }
            }
          }
        }
      }
      for r in 0..<count {
        for c in 0..<classes {
          var margin = Double(sums[r * classes + c])
          if averagesTrees { margin /= max(treeCounts[c], 1) }
          if rules == .lightGBM { margin += baseMargin[c] }
          result[(first + r) * classes + c] = margin
        }
      }
    }
    return result.values
  }

  /// Whether node `i` of tree `t` (an inner node) sends value `x` of its feature left, by the library's rules.
  public func goesLeft(_ x: Double, tree t: Int, node i: Int) -> Bool { goesLeft(x, tree: trees[t], node: i) }

  /// Whether node `i` of `tree` (one of this ensemble's, an inner node) sends value `x` of its feature left.
  public func goesLeft(_ x: Double, tree: Tree, node i: Int) -> Bool {
    if tree.flags[i] & Flags.categorical != 0 { return categoricalGoesLeft(x, node: i, tree: tree) }
    switch rules {
    case .xgboost:
      if x.isNaN { return tree.flags[i] & Flags.defaultLeft != 0 }
      return Float(x) < Float(tree.threshold[i])
    case .lightGBM:
      return Self.numericGoesLeft(x, threshold: tree.threshold[i], flags: tree.flags[i])
    case .onnx:
      return ONNXSplit<Float>.goesTrue(Float(x), threshold: Float(tree.threshold[i]), flags: tree.flags[i])
    case .onnxDouble:
      return ONNXSplit<Double>.goesTrue(x, threshold: tree.threshold[i], flags: tree.flags[i])
    }
  }

  /// LightGBM's `NumericalDecision`: a NaN is read as 0 unless the missing type is NaN; a missing value (zero
  /// for type Zero, NaN for type NaN) takes the default direction; else `x <= threshold` goes left.
  @inline(__always) static func numericGoesLeft(_ x: Double, threshold: Double, flags: UInt8) -> Bool {
    let missingType = (flags >> Flags.missingTypeShift) & 3
    var value = x
    if value.isNaN && missingType != 2 { value = 0 }
    // LightGBM's kZeroThreshold is the float 1e-35f.
    let isZero = value >= -1.0000000180025095e-35 && value <= 1.0000000180025095e-35
    if (missingType == 1 && isZero) || (missingType == 2 && value.isNaN) { return flags & Flags.defaultLeft != 0 }
    return value <= threshold
  }

  @inline(__always) func categoricalGoesLeft(_ x: Double, node: Int, tree: Tree) -> Bool {
    let set = tree.categorySets[Int(tree.categorySet[node])]
    switch rules {
    case .xgboost:
      // XGBoost's `Decision`: a missing value takes the default direction; a negative or too-large category,
      // and one outside the node's set, goes left; a category in the set goes right.
      if x.isNaN { return tree.flags[node] & Flags.defaultLeft != 0 }
      guard x >= 0, x < 2_147_483_648 else { return true }
      let category = UInt32(Float(x))
      var low = 0, high = set.count
      while low < high {
        let mid = (low + high) / 2
        if set[mid] < category { low = mid + 1 } else { high = mid }
      }
      return !(low < set.count && set[low] == category)
    case .lightGBM, .onnx, .onnxDouble:
      // LightGBM's `CategoricalDecision`: NaN and negative values go right; the set goes left.
      guard !x.isNaN, x > -1, x < 2_147_483_648 else { return false }
      let category = Int(x), word = category / 32
      return word < set.count && set[word] & (1 << UInt32(category % 32)) != 0
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
    case .signedSquare:
      return Matrix(rows: rows, columns: 1, storage: ContiguousArray(margins.map { $0 < 0 ? -$0 * $0 : $0 * $0 }))
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

/// A library's numeric split and number type, so the walk is specialized for each (no branch on the library
/// inside it).
protocol SplitRule: SendableMetatype {
  associatedtype Number: BinaryFloatingPoint & Sendable
  static func number(_ x: Double) -> Number
  /// The sum a class starts from, given its base margin (added at the end when the sum starts at 0).
  static func initialSum(_ baseMargin: Double) -> Number
  static func numericGoesLeft(_ x: Number, _ node: TreeEnsemble.PackedNode<Number>) -> Bool
}

/// XGBoost's predictor starts each row at the base margin and adds every tree's leaf in float32; a split sends
/// `x < threshold` left in float32, a missing value the node's default way.
enum XGBoostSplit: SplitRule {
  @inline(__always) static func number(_ x: Double) -> Float { Float(x) }
  @inline(__always) static func initialSum(_ baseMargin: Double) -> Float { Float(baseMargin) }
  @inline(__always) static func numericGoesLeft(_ x: Float, _ node: TreeEnsemble.PackedNode<Float>) -> Bool {
    // x < threshold is false for NaN; a NaN goes left only with the default-left bit. Without a branch.
    let below: UInt8 = x < node.threshold ? 1 : 0
    let missingLeft: UInt8 = x.isNaN ? (node.flags & TreeEnsemble.Flags.defaultLeft) >> 1 : 0
    return below | missingLeft != 0
  }
}

/// LightGBM sums in double and adds nothing before the trees (its initial score is in the first tree).
enum LightGBMSplit: SplitRule {
  @inline(__always) static func number(_ x: Double) -> Double { x }
  @inline(__always) static func initialSum(_ baseMargin: Double) -> Double { 0 }
  @inline(__always) static func numericGoesLeft(_ x: Double, _ node: TreeEnsemble.PackedNode<Double>) -> Bool {
    TreeEnsemble.numericGoesLeft(x, threshold: node.threshold, flags: node.flags)
  }
}

/// ONNX's tree nodes as onnxruntime evaluates them: the node's comparison, or a NaN with missing values tracking
/// the true branch.
enum ONNXSplit<Number: BinaryFloatingPoint & Sendable>: SplitRule {
  @inline(__always) static func number(_ x: Double) -> Number { Number(x) }
  @inline(__always) static func initialSum(_ baseMargin: Double) -> Number { 0 }
  @inline(__always) static func goesTrue(_ x: Number, threshold t: Number, flags: UInt8) -> Bool {
    let compared: Bool
    switch (flags >> TreeEnsemble.Flags.onnxModeShift) & 7 {
    case 0: compared = x <= t
    case 1: compared = x < t
    case 2: compared = x >= t
    case 3: compared = x > t
    case 4: compared = x == t
    default: compared = x != t
    }
    return compared || (x.isNaN && flags & TreeEnsemble.Flags.defaultLeft != 0)
  }
  @inline(__always) static func numericGoesLeft(_ x: Number, _ node: TreeEnsemble.PackedNode<Number>) -> Bool {
    goesTrue(x, threshold: node.threshold, flags: node.flags)
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

  /// The features no split of any tree tests.
  public var unreadFeatureNames: [String] {
    var tested = Set<Int32>()
    for tree in ensemble.trees { for (i, f) in tree.feature.enumerated() where tree.left[i] >= 0 { tested.insert(f) } }
    return ensemble.featureNames.enumerated().filter { !tested.contains(Int32($0.offset)) }.map(\.element)
  }

  public var treeEnsembleView: TreeEnsembleView? {
    let model = self
    return TreeEnsembleView(ensemble: ensemble, sources: ensemble.featureNames) { try model.columns($0) }
  }

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
