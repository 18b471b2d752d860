import CandorCore
import Foundation

/// A CART decision tree (Breiman, Friedman, Olshen & Stone 1984) grown as scikit-learn's `DecisionTreeClassifier` /
/// `DecisionTreeRegressor` grow it with `splitter="best"`: depth first, every encoded column tried at every node
/// (a numeric feature at the midpoints between its sorted distinct values, a categorical one as one level against
/// the rest — its indicator column ≤ 0.5), the split with the largest weighted impurity decrease kept (the first of
/// equals, in column order), `min_samples_leaf` rows at least on each side. Gini or entropy (bits) for classes, squared
/// error for a regression target. Numeric features are read as they are, centred on their training mean (a missing
/// value is the mean), so thresholds print in the data's units.
public struct DecisionTree: Model, Equatable {
  public enum Criterion: String, Sendable, Codable, CaseIterable {
    case gini, entropy
    case squaredError = "squared_error"
  }

  public struct Options: Sendable, Equatable {
    public var maxDepth: Int?
    public var minSamplesLeaf = 1
    public var minSamplesSplit = 2
    public var criterion: Criterion?
    public init() {}
  }

  public let encoder: FeatureEncoder
  /// Class labels, or `[target]` for a regression tree.
  public let classes: [String]
  public let isRegression: Bool
  public let criterion: Criterion
  /// Per node, pre-order with the left child first: the encoded column split on (−1 at a leaf), its threshold (the
  /// encoded value; go left when ≤), the children (−1 at a leaf), the impurity, the training rows and their weight.
  public internal(set) var feature: [Int32]
  public internal(set) var threshold: [Double]
  public internal(set) var left: [Int32]
  public internal(set) var right: [Int32]
  public internal(set) var impurity: [Double]
  public internal(set) var samples: [Int]
  public internal(set) var weightedSamples: [Double]
  /// Per node: the class fractions (classes.count values), or the mean target (one value).
  public internal(set) var value: [[Double]]

  public var outputKind: OutputKind { isRegression ? .regression : classes.count == 2 ? .binaryProbability : .multiclassProbabilities }
  public var featureNames: [String] { encoder.featureNames }
  public var nodeCount: Int { feature.count }

  public init(encoder: FeatureEncoder, classes: [String], isRegression: Bool, criterion: Criterion, feature: [Int32], threshold: [Double],
              left: [Int32], right: [Int32], impurity: [Double], samples: [Int], weightedSamples: [Double], value: [[Double]]) {
    (self.encoder, self.classes, self.isRegression, self.criterion) = (encoder, classes, isRegression, criterion)
    (self.feature, self.threshold, self.left, self.right) = (feature, threshold, left, right)
    (self.impurity, self.samples, self.weightedSamples, self.value) = (impurity, samples, weightedSamples, value)
  }

  /// The leaf a row of encoded values reaches.
  func leaf(_ row: UnsafeBufferPointer<Double>) -> Int {
    var node = 0
    while left[node] >= 0 { node = Int(row[Int(feature[node])] <= threshold[node] ? left[node] : right[node]) }
    return node
  }

  public func predict(_ table: Table) throws -> Matrix {
    predict(design: try encoder.encodedRows(table).dense())
  }

  /// Scores encoded rows (rows × encoded columns).
  public func predict(design: Matrix) -> Matrix {
    let width = isRegression || classes.count == 2 ? 1 : classes.count
    var out = Matrix(rows: design.rows, columns: width)
    design.storage.withUnsafeBufferPointer { all in
      for r in 0..<design.rows {
        let values = value[leaf(UnsafeBufferPointer(rebasing: all[(r * design.columns)..<((r + 1) * design.columns)]))]
        if width == 1 { out[r, 0] = isRegression ? values[0] : values[1] } else { for k in 0..<width { out[r, k] = values[k] } }
      }
    }
    return out
  }

  /// The leaf every row of `table` reaches.
  public func leafIndices(_ table: Table) throws -> [Int] {
    let design = try encoder.encodedRows(table).dense()
    return design.storage.withUnsafeBufferPointer { all in
      (0..<design.rows).map { r in leaf(UnsafeBufferPointer(rebasing: all[(r * design.columns)..<((r + 1) * design.columns)])) }
    }
  }

  /// The depth of the deepest leaf.
  public var depth: Int {
    var depths = [Int](repeating: 0, count: nodeCount), deepest = 0
    for i in 0..<nodeCount where left[i] >= 0 {
      depths[Int(left[i])] = depths[i] + 1
      depths[Int(right[i])] = depths[i] + 1
      deepest = max(deepest, depths[i] + 1)
    }
    return deepest
  }
}

// MARK: - Growing

extension DecisionTree {
  /// scikit-learn's EPSILON (np.finfo(np.double).eps) and FEATURE_THRESHOLD (values closer than this are equal).
  static let epsilon = Double.ulpOfOne, featureThreshold = 1e-7

  /// - Throws: `ModelError.invalidSetting` for a depth below 1 or a leaf size below 1, or a criterion that does not
  ///   fit the target.
  public static func fit(_ data: TrainingSet, options: Options = Options()) throws -> (DecisionTree, TrainingSummary) {
    if let depth = options.maxDepth, depth < 1 { throw ModelError.invalidSetting(.init(.maxDepth, value: String(depth), .atLeast(1))) }
    guard options.minSamplesLeaf >= 1 else { throw ModelError.invalidSetting(.init(.minSamplesLeaf, value: String(options.minSamplesLeaf), .atLeast(1))) }
    guard 2 * options.minSamplesLeaf <= data.rowCount else {
      throw ModelError.invalidSetting(.init(.minSamplesLeaf, value: String(options.minSamplesLeaf), .because(
        "a split needs \(2 * options.minSamplesLeaf) rows and the data has \(data.rowCount), so the tree would be one leaf")))
    }
    let classes: [String], labels: [Double], regression: Bool
    switch data.target {
    case let .classes(names, codes): (classes, labels, regression) = (names, codes.map(Double.init), false)
    case let .values(values): (classes, labels, regression) = ([data.targetName], Array(values), true)
    }
    let criterion = options.criterion ?? (regression ? .squaredError : .gini)
    if regression != (criterion == .squaredError) {
      throw ModelError.invalidSetting(.init(.criterion, value: criterion.rawValue, .because(regression ? "a regression tree splits on squared_error" : "a classification tree splits on gini or entropy")))
    }
    let design = data.encoded.dense()
    var grower = Grower(design: design, labels: labels, weights: data.weights, classCount: regression ? 0 : classes.count,
                        criterion: criterion, options: options)
    grower.grow()
    let tree = DecisionTree(encoder: data.encoder, classes: classes, isRegression: regression, criterion: criterion, feature: grower.feature,
                            threshold: grower.threshold, left: grower.left, right: grower.right, impurity: grower.impurity,
                            samples: grower.samples, weightedSamples: grower.weightedSamples, value: grower.value)
    let predictions = tree.predict(design: design)
    let metric: Double, name: String
    if regression {
      (name, metric) = ("r2", r2(predictions.storage, labels, data.weights))
    } else {
      name = "accuracy"
      var hits = 0.0, total = 0.0
      for r in 0..<labels.count {
        let p = predictions.columns == 1 ? [1 - predictions[r, 0], predictions[r, 0]] : (0..<predictions.columns).map { predictions[r, $0] }
        let best = p.indices.max { p[$0] < p[$1] || (p[$0] == p[$1] && $0 > $1) }!
        hits += Double(best) == labels[r] ? data.weights[r] : 0
        total += data.weights[r]
      }
      metric = hits / max(total, .leastNonzeroMagnitude)
    }
    let summary = TrainingSummary(modelType: .tree, rows: data.rowCount, features: data.encoder.features.count, encodedColumns: data.encoder.encodedColumnCount,
                                  metricName: name, metric: metric, iterations: tree.nodeCount, gradientNorm: nil, converged: true,
                                  finalLoss: tree.impurity.first ?? 0)
    return (tree, summary)
  }

  static func r2(_ predicted: ContiguousArray<Double>, _ y: [Double], _ w: [Double]) -> Double {
    let total = w.reduce(0, +), mean = zip(y, w).reduce(0) { $0 + $1.0 * $1.1 } / total
    var residual = 0.0, spread = 0.0
    for i in y.indices { residual += w[i] * (y[i] - predicted[i]) * (y[i] - predicted[i]); spread += w[i] * (y[i] - mean) * (y[i] - mean) }
    return spread > 0 ? 1 - residual / spread : 0
  }

  /// The tree's state while it grows: the design by column, each column's row order kept sorted within every node's
  /// range (split stably at each node, so no node sorts), and the node arrays.
  struct Grower {
    let columns: [[Double]]
    let labels: [Double]
    let weights: [Double]
    let classCount: Int
    let criterion: Criterion
    let options: Options
    /// Per column, the rows of every node in ascending order of that column, node by node in `start..<end` ranges.
    var order: [[Int32]]
    var feature: [Int32] = [], threshold: [Double] = [], left: [Int32] = [], right: [Int32] = []
    var impurity: [Double] = [], samples: [Int] = [], weightedSamples: [Double] = [], value: [[Double]] = []
    var totalWeight = 0.0

    init(design: Matrix, labels: [Double], weights: [Double], classCount: Int, criterion: Criterion, options: Options) {
      let n = design.rows, p = design.columns
      var columns = [[Double]](repeating: [Double](repeating: 0, count: n), count: p)
      for r in 0..<n { for c in 0..<p { columns[c][r] = design[r, c] } }
      self.columns = columns
      (self.labels, self.weights, self.classCount, self.criterion, self.options) = (labels, weights, classCount, criterion, options)
      order = columns.map { column in (0..<Int32(n)).sorted { column[Int($0)] < column[Int($1)] || (column[Int($0)] == column[Int($1)] && $0 < $1) } }
    }

    /// Class weights (classification) or [Σw, Σwy, Σwy²] (regression) of rows.
    func statistics(_ rows: some Sequence<Int32>) -> [Double] {
      var s = [Double](repeating: 0, count: classCount > 0 ? classCount : 3)
      for r in rows { add(&s, Int(r), 1) }
      return s
    }

    @inline(__always) func add(_ s: inout [Double], _ r: Int, _ sign: Double) {
      let w = weights[r] * sign
      if classCount > 0 { s[Int(labels[r])] += w } else { s[0] += w; s[1] += w * labels[r]; s[2] += w * labels[r] * labels[r] }
    }

    func weight(_ s: [Double]) -> Double { classCount > 0 ? s.reduce(0, +) : s[0] }

    /// The node impurity of statistics `s`, as scikit-learn's criteria compute it.
    func impurity(_ s: [Double]) -> Double {
      let w = weight(s)
      guard w > 0 else { return 0 }
      switch criterion {
      case .gini:
        var sum = 0.0
        for c in s { sum += c * c }
        return 1 - sum / (w * w)
      case .entropy:
        var h = 0.0
        for c in s where c > 0 { let q = c / w; h -= q * log(q) / log(2.0) }
        return h
      case .squaredError:
        let mean = s[1] / w
        return s[2] / w - mean * mean
      }
    }

    mutating func grow() {
      let n = labels.count
      totalWeight = weights.reduce(0, +)
      // Depth-first with an explicit stack; the left child is taken first, so ids are in pre-order.
      var stack: [(start: Int, end: Int, depth: Int, parent: Int, isLeft: Bool, impurity: Double?)] = [(0, n, 0, -1, false, nil)]
      while let node = stack.popLast() {
        let rows = order[0][node.start..<node.end]
        let s = statistics(rows)
        let w = weight(s)
        let own = node.impurity ?? impurity(s)
        let count = node.end - node.start
        var isLeaf = (options.maxDepth.map { node.depth >= $0 } ?? false) || count < options.minSamplesSplit || count < 2 * options.minSamplesLeaf
        isLeaf = isLeaf || own <= DecisionTree.epsilon
        var split: (column: Int, position: Int, threshold: Double, improvement: Double, leftImpurity: Double, rightImpurity: Double)?
        if !isLeaf {
          split = best(node.start, node.end, statistics: s, impurity: own)
          if split == nil || split!.improvement + DecisionTree.epsilon < 0 { isLeaf = true }
        }
        let id = feature.count
        if node.parent >= 0 { if node.isLeft { left[node.parent] = Int32(id) } else { right[node.parent] = Int32(id) } }
        feature.append(isLeaf ? -1 : Int32(split!.column))
        threshold.append(isLeaf ? -2 : split!.threshold)
        left.append(-1)
        right.append(-1)
        impurity.append(own)
        samples.append(count)
        weightedSamples.append(w)
        value.append(classCount > 0 ? s.map { $0 / w } : [s[1] / w])
        guard !isLeaf, let split else { continue }
        partition(node.start, node.end, column: split.column, position: split.position)
        stack.append((split.position, node.end, node.depth + 1, id, false, split.rightImpurity))
        stack.append((node.start, split.position, node.depth + 1, id, true, split.leftImpurity))
      }
    }

    /// The best split of the rows in start..<end: scikit-learn's BestSplitter on every column, the proxy improvement
    /// (−w_l·i_l − w_r·i_r) compared strictly, so the first of equals wins.
    func best(_ start: Int, _ end: Int, statistics parent: [Double], impurity parentImpurity: Double)
      -> (column: Int, position: Int, threshold: Double, improvement: Double, leftImpurity: Double, rightImpurity: Double)?
    {
      var found: (column: Int, position: Int, threshold: Double, proxy: Double)?
      let minLeaf = options.minSamplesLeaf
      for c in columns.indices {
        let rows = order[c], x = columns[c]
        guard x[Int(rows[end - 1])] > x[Int(rows[start])] + DecisionTree.featureThreshold else { continue }
        var leftStats = [Double](repeating: 0, count: parent.count)
        var p = start
        while p < end {
          // Move every row with this value to the left, then consider a split before the next value.
          while p + 1 < end && x[Int(rows[p + 1])] <= x[Int(rows[p])] + DecisionTree.featureThreshold {
            add(&leftStats, Int(rows[p]), 1)
            p += 1
          }
          add(&leftStats, Int(rows[p]), 1)
          p += 1
          guard p < end else { break }
          if p - start < minLeaf || end - p < minLeaf { continue }
          let rightStats = zip(parent, leftStats).map { $0 - $1 }
          let wl = weight(leftStats), wr = weight(rightStats)
          let proxy = proxyImprovement(leftStats, rightStats, wl, wr)
          if found == nil || proxy > found!.proxy {
            let a = x[Int(rows[p - 1])], b = x[Int(rows[p])]
            var t = a / 2 + b / 2
            if t == b || !t.isFinite { t = a }
            found = (c, p, t, proxy)
          }
        }
      }
      guard let found else { return nil }
      // The exact impurities of the chosen split, from its own statistics.
      let rows = order[found.column]
      let leftStats = statistics(rows[start..<found.position]), rightStats = statistics(rows[found.position..<end])
      let w = weight(parent), wl = weight(leftStats), wr = weight(rightStats)
      let il = impurity(leftStats), ir = impurity(rightStats)
      let improvement = (w / totalWeight) * (parentImpurity - wr / w * ir - wl / w * il)
      return (found.column, found.position, found.threshold, improvement, il, ir)
    }

    func proxyImprovement(_ l: [Double], _ r: [Double], _ wl: Double, _ wr: Double) -> Double {
      switch criterion {
      case .squaredError: return l[1] * l[1] / wl + r[1] * r[1] / wr
      default: return -wr * impurity(r) - wl * impurity(l)
      }
    }

    /// Splits every column's order in start..<end stably into the rows going left (the first `position − start`
    /// of `column`'s order) and right.
    mutating func partition(_ start: Int, _ end: Int, column: Int, position: Int) {
      var goesLeft = [Bool](repeating: false, count: labels.count)
      for r in order[column][start..<position] { goesLeft[Int(r)] = true }
      for c in order.indices where c != column {
        var l: [Int32] = [], r: [Int32] = []
        l.reserveCapacity(position - start)
        r.reserveCapacity(end - position)
        for row in order[c][start..<end] { if goesLeft[Int(row)] { l.append(row) } else { r.append(row) } }
        order[c].replaceSubrange(start..<end, with: l + r)
      }
    }
  }
}

// MARK: - Reading the tree

extension DecisionTree {
  /// The condition on the way from `node` to its left (`goesLeft`) or right child, in the data's terms:
  /// `duration ≤ 22.5`, `duration > 22.5`; for a level's indicator, `housing = own` or `housing ≠ own`.
  /// `missing`: numeric features with missing values in the data at hand — a missing value is read as the training
  /// mean, so the side the mean goes gets "or missing".
  public func condition(node: Int, goesLeft: Bool, missing: Set<String> = []) -> String {
    let column = Int(feature[node])
    var start = 0
    for f in encoder.features {
      defer { start += f.width }
      guard column < start + f.width else { continue }
      switch f.encoding {
      case let .numeric(mean, _):
        // The encoded value of a missing cell is 0 (the mean).
        let orMissing = missing.contains(f.name) && (0 <= threshold[node]) == goesLeft ? " or missing" : ""
        return "\(printable(f.name)) \(goesLeft ? "≤" : ">") \(formatRounded(threshold[node] + mean, significantDigits: 10))\(orMissing)"
      case let .categorical(levels):
        // An indicator is 0 or 1: ≤ threshold (0.5) means the row is not of the level.
        return "\(printable(f.name)) \(goesLeft ? "≠" : "=") \(Cohort.quoted(levels[column - start]))"
      }
    }
    return "column \(column)"
  }

  /// The conditions from the root down to `node`, in order.
  public func path(to target: Int, missing: Set<String> = []) -> [String] {
    var parent = [Int](repeating: -1, count: nodeCount), isLeft = [Bool](repeating: false, count: nodeCount)
    for i in 0..<nodeCount where left[i] >= 0 {
      (parent[Int(left[i])], isLeft[Int(left[i])]) = (i, true)
      (parent[Int(right[i])], isLeft[Int(right[i])]) = (i, false)
    }
    var conditions: [String] = [], node = target
    while parent[node] >= 0 {
      conditions.append(condition(node: parent[node], goesLeft: isLeft[node], missing: missing))
      node = parent[node]
    }
    return conditions.reversed()
  }

  /// What a node predicts, in words: `class 1 (P(1) = 0.74)` or `12.3`.
  public func prediction(at node: Int) -> String {
    if isRegression { return formatRounded(value[node][0]) }
    let best = value[node].indices.max { value[node][$0] < value[node][$1] || (value[node][$0] == value[node][$1] && $0 > $1) }!
    return "class \(printable(classes[best])) (P(\(printable(classes[best]))) = \(formatRounded(value[node][best], significantDigits: 3)))"
  }

  /// The tree as indented rules, one line per node: its condition, its rows and, at a leaf, its prediction.
  public var rules: [String] {
    var lines: [String] = []
    func visit(_ node: Int, _ depth: Int, _ condition: String?) {
      let indent = String(repeating: "  ", count: depth)
      let rows = "\(samples[node]) rows"
      if left[node] < 0 {
        lines.append(indent + (condition.map { "\($0): " } ?? "") + "\(prediction(at: node)), \(rows)")
        return
      }
      if let condition { lines.append(indent + "\(condition) (\(rows))") }
      visit(Int(left[node]), depth + (condition == nil ? 0 : 1), self.condition(node: node, goesLeft: true))
      visit(Int(right[node]), depth + (condition == nil ? 0 : 1), self.condition(node: node, goesLeft: false))
    }
    visit(0, 0, nil)
    return lines
  }
}

// MARK: - As a tree ensemble (exact TreeSHAP)

extension DecisionTree {
  /// A binary or regression tree as a one-tree ensemble over its encoded columns (`x ≤ t` goes left, as LightGBM's
  /// rule; the leaves hold P(positive) or the mean, the link is the identity), each column's source its raw feature:
  /// TreeSHAP then explains the probability (or prediction) exactly, a categorical feature's indicators as one player.
  public var treeEnsembleView: TreeEnsembleView? {
    guard isRegression || classes.count == 2 else { return nil }
    let n = nodeCount
    let tree = TreeEnsemble.Tree(feature: feature.map { max($0, 0) }, left: left, right: right, threshold: threshold.map { $0.isFinite ? $0 : 0 },
                                 flags: [UInt8](repeating: 0, count: n), categorySet: [Int32](repeating: -1, count: n),
                                 value: value.map { isRegression ? $0[0] : $0[1] }, categorySets: [])
    let names = encoder.encodedNames
    let ensemble = TreeEnsemble(rules: .lightGBM, link: .identity, trees: [tree], treeClass: [0], baseMargin: [0], featureNames: names)
    let sources = encoder.features.flatMap { f in [String](repeating: f.name, count: f.width) }
    let encoder = self.encoder
    return TreeEnsembleView(ensemble: ensemble, sources: sources) { table in
      let design = try encoder.encodedRows(table).dense()
      return (0..<design.columns).map { c in (0..<design.rows).map { design[$0, c] } }
    }
  }
}
