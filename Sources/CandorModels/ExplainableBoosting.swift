import CandorCore
import Foundation

/// An explainable boosting machine (EBM): a generalized additive model with pairwise interactions,
/// g(E[y]) = intercept + Σ_j f_j(x_j) + Σ_(j,k) f_jk(x_j, x_k), each term a table over binned features
/// (Lou, Caruana & Gehrke 2012, "Intelligible models for classification and regression"; Lou, Caruana, Gehrke &
/// Hooker 2013, "Accurate intelligible models with pairwise interactions"). g is the logit for a binary target,
/// the identity for a numeric one. Trained by `fit` (ExplainableBoosting+Training.swift).
///
/// Bins. A numeric feature has ascending `cuts`; a value v falls in bin 1 + (the number of cuts below v), so
/// v ≤ cuts[0] is bin 1 and a missing value is bin 0. A categorical feature's bin is 1 + its level's index in
/// `levels` (the encoder's categories, `missing` among them when training had missing cells); bin 0 is a level
/// training never saw. Pair terms use coarser bins (`pairCuts`, a subset of `cuts`), so a pair cell is a union
/// of main bins and purification can move a pair's marginal mass onto the main terms exactly.
///
/// The terms are purified (Lengerich, Tan, Chang, Hooker & Caruana 2020, "Purifying interaction effects with the
/// functional ANOVA"): every pair has zero weighted mean along each of its rows and columns and every main term zero
/// weighted mean over the training rows, so the intercept is the average score and each main term is the feature's
/// whole effect. A bin no training row fell in scores 0 (the average).
public struct ExplainableBoostingMachine: Model, Equatable {
  public struct Binning: Sendable, Equatable, Codable {
    public var name: String
    /// Numeric features: the cut points of the main bins, ascending; nil for a categorical feature.
    public var cuts: [Double]?
    /// Numeric features: the cut points of pair terms, a subset of `cuts`.
    public var pairCuts: [Double]?
    /// Categorical features: the levels, bin 1 + index.
    public var levels: [String]?

    enum CodingKeys: String, CodingKey {
      case name, cuts, levels
      case pairCuts = "pair_cuts"
    }

    public var isNumeric: Bool { cuts != nil }
    public var binCount: Int { cuts.map { $0.count + 2 } ?? (levels?.count ?? 0) + 1 }
    public var pairBinCount: Int { pairCuts.map { $0.count + 2 } ?? (levels?.count ?? 0) + 1 }

    /// The main bin of a numeric value (0 for NaN).
    @inline(__always) public func bin(numeric v: Double) -> Int { Self.bin(v, cuts!) }
    @inline(__always) public func pairBin(numeric v: Double) -> Int { Self.bin(v, pairCuts!) }

    @inline(__always) static func bin(_ v: Double, _ cuts: [Double]) -> Int {
      if v.isNaN { return 0 }
      var low = 0, high = cuts.count
      while low < high {
        let mid = (low + high) >> 1
        if cuts[mid] < v { low = mid + 1 } else { high = mid }
      }
      return low + 1
    }

    /// Per main bin, the pair bin that holds it.
    public var pairBinOfMainBin: [Int] {
      guard let cuts, let pairCuts else { return Array(0..<binCount) }
      return (0..<binCount).map { m in
        if m == 0 { return 0 }
        if m == cuts.count + 1 { return pairCuts.count + 1 }
        return Self.bin(cuts[m - 1], pairCuts)
      }
    }

    /// Plain words for main bin `b`: `missing`, `≤ 25.5`, `(25.5, 30.5]`, `> 70.5`, a level, or `unseen level`.
    public func binLabel(_ b: Int) -> String { cuts.map { Self.label(b, $0) } ?? (b == 0 ? "unseen level" : levels![b - 1]) }

    /// The same for pair bin `b`.
    public func pairBinLabel(_ b: Int) -> String { pairCuts.map { Self.label(b, $0) } ?? binLabel(b) }

    static func label(_ b: Int, _ cuts: [Double]) -> String {
      if b == 0 { return "missing" }
      if cuts.isEmpty { return "any value" }
      if b == 1 { return "≤ \(formatNumber(cuts[0]))" }
      if b == cuts.count + 1 { return "> \(formatNumber(cuts[cuts.count - 1]))" }
      return "(\(formatNumber(cuts[b - 2])), \(formatNumber(cuts[b - 1]))]"
    }
  }

  /// One additive term: a main effect (one feature) or a pair; its scores over the main bins of its feature, or over
  /// the pair bins of both (row-major, the first feature's bin the row), and the training weight in each bin.
  public struct Term: Sendable, Equatable, Codable {
    public var features: [Int]
    public var scores: [Double]
    public var weights: [Double]
  }

  public let encoder: FeatureEncoder
  /// Class labels, or `[target]` for regression.
  public let classes: [String]
  public let isRegression: Bool
  public let binnings: [Binning]
  public let intercept: Double
  public let terms: [Term]

  public init(encoder: FeatureEncoder, classes: [String], isRegression: Bool, binnings: [Binning], intercept: Double, terms: [Term]) {
    (self.encoder, self.classes, self.isRegression, self.binnings, self.intercept, self.terms) = (encoder, classes, isRegression, binnings, intercept, terms)
  }

  public var outputKind: OutputKind { isRegression ? .regression : .binaryProbability }
  public var featureNames: [String] { encoder.featureNames }
  public var numericFeatureNames: [String] { binnings.filter(\.isNumeric).map(\.name) }

  /// `age`, or `age & workclass` for a pair.
  public func termName(_ t: Int) -> String { terms[t].features.map { binnings[$0].name }.joined(separator: " & ") }

  /// Every row's main and pair bin per feature: (features × rows) each.
  public func bins(_ table: Table) throws -> (main: [[Int32]], pair: [[Int32]]) {
    try Self.bins(table, binnings: binnings)
  }

  /// Each row's score from each term (rows × terms, row-major), before the intercept.
  public func termScores(_ table: Table) throws -> (rows: Int, scores: [Double]) {
    let (main, pair) = try bins(table)
    let n = table.rowCount, t = terms.count
    var out = [Double](repeating: 0, count: n * t)
    for (k, term) in terms.enumerated() {
      if term.features.count == 1 {
        let bins = main[term.features[0]]
        for r in 0..<n { out[r * t + k] = term.scores[Int(bins[r])] }
      } else {
        let a = pair[term.features[0]], b = pair[term.features[1]], width = binnings[term.features[1]].pairBinCount
        for r in 0..<n { out[r * t + k] = term.scores[Int(a[r]) * width + Int(b[r])] }
      }
    }
    return (n, out)
  }

  /// The additive score g(E[y]) of every row: intercept + Σ terms.
  public func margins(_ table: Table) throws -> [Double] {
    let (n, scores) = try termScores(table)
    let t = terms.count
    return (0..<n).map { r in
      var s = intercept
      for k in 0..<t { s += scores[r * t + k] }
      return s
    }
  }

  public func predict(_ table: Table) throws -> Matrix {
    let margins = try margins(table)
    return Matrix(rows: margins.count, columns: 1, storage: ContiguousArray(isRegression ? margins : margins.map { 1 / (1 + exp(-$0)) }))
  }
}

// MARK: - As a tree ensemble (exact TreeSHAP)

extension ExplainableBoostingMachine {
  /// Every term as a tree over raw features (a numeric feature's value, NaN when missing; a categorical feature's
  /// bin index, NaN for an unseen level), LightGBM's rules (`x ≤ t` left, NaN to the right at a node flagged for it), the logistic link for
  /// a binary target: TreeSHAP's interventional Shapley values of the margin are then the EBM's own exact
  /// attribution, which a test holds against `additiveShapley`.
  public var treeEnsembleView: TreeEnsembleView? {
    var trees: [TreeEnsemble.Tree] = []
    for term in terms {
      var builder = TermTreeBuilder()
      if term.features.count == 1 {
        let f = term.features[0]
        builder.split(feature: f, thresholds: thresholds(f, pair: false)) { bin, b in b.leaf(term.scores[bin]) }
      } else {
        let (a, c) = (term.features[0], term.features[1]), width = binnings[c].pairBinCount
        builder.split(feature: a, thresholds: thresholds(a, pair: true)) { row, b in
          b.split(feature: c, thresholds: self.thresholds(c, pair: true)) { column, b in b.leaf(term.scores[row * width + column]) }
        }
      }
      trees.append(builder.tree)
    }
    let ensemble = TreeEnsemble(rules: .lightGBM, link: isRegression ? .identity : .logistic, trees: trees, treeClass: [Int](repeating: 0, count: trees.count),
                                baseMargin: [intercept], featureNames: featureNames)
    let machine = self
    return TreeEnsembleView(ensemble: ensemble, sources: featureNames) { table in
      let (main, _) = try machine.bins(table)
      return machine.binnings.enumerated().map { f, binning in
        guard binning.isNumeric, case let .numeric(numeric)? = table[binning.name] else { return main[f].map { $0 == 0 ? .nan : Double($0) } }
        return Array(numeric.values)
      }
    }
  }

  /// The thresholds that separate bins 1, 2, … of feature f (its cut points, or k + 0.5 between category bins k and
  /// k + 1; an unseen level, bin 0, is NaN in the view).
  func thresholds(_ f: Int, pair: Bool) -> [Double] {
    let binning = binnings[f]
    if binning.isNumeric { return pair ? binning.pairCuts! : binning.cuts! }
    return (1..<max(binning.levels!.count, 1)).map { Double($0) + 0.5 }
  }
}

/// Builds one term's tree: a node that sends NaN right (bin 0) and every other value into a balanced tree over bins
/// 1…k, each leaf built by the caller (a leaf value, or a subtree over another feature).
struct TermTreeBuilder {
  var tree = TreeEnsemble.Tree(feature: [], left: [], right: [], threshold: [], flags: [], categorySet: [], value: [], categorySets: [])

  @discardableResult mutating func leaf(_ value: Double) -> Int32 {
    append(feature: -1, threshold: 0, flags: 0, value: value)
  }

  mutating func append(feature: Int32, threshold: Double, flags: UInt8, value: Double) -> Int32 {
    tree.feature.append(feature); tree.left.append(-1); tree.right.append(-1); tree.threshold.append(threshold)
    tree.flags.append(flags); tree.categorySet.append(-1); tree.value.append(value)
    return Int32(tree.feature.count - 1)
  }

  /// A subtree over `feature` whose bins are 0 (NaN) and 1…thresholds.count + 1; `child(bin, &builder)` builds each.
  @discardableResult mutating func split(feature: Int, thresholds: [Double], child: (Int, inout TermTreeBuilder) -> Void) -> Int32 {
    // Missing type NaN (2) with the default direction right: NaN goes right, to bin 0.
    let root = append(feature: Int32(feature), threshold: .greatestFiniteMagnitude, flags: 2 << TreeEnsemble.Flags.missingTypeShift, value: 0)
    tree.left[Int(root)] = range(feature: feature, thresholds: thresholds, bins: 1...(thresholds.count + 1), child: child)
    tree.right[Int(root)] = build(bin: 0, child: child)
    return root
  }

  private mutating func build(bin: Int, child: (Int, inout TermTreeBuilder) -> Void) -> Int32 {
    let id = Int32(tree.feature.count)
    child(bin, &self)
    return id
  }

  private mutating func range(feature: Int, thresholds: [Double], bins: ClosedRange<Int>, child: (Int, inout TermTreeBuilder) -> Void) -> Int32 {
    if bins.count == 1 { return build(bin: bins.lowerBound, child: child) }
    let mid = (bins.lowerBound + bins.upperBound) / 2
    // Bins ≤ mid go left: x ≤ thresholds[mid − 1].
    let node = append(feature: Int32(feature), threshold: thresholds[mid - 1], flags: 2 << TreeEnsemble.Flags.missingTypeShift, value: 0)
    tree.left[Int(node)] = range(feature: feature, thresholds: thresholds, bins: bins.lowerBound...mid, child: child)
    tree.right[Int(node)] = range(feature: feature, thresholds: thresholds, bins: (mid + 1)...bins.upperBound, child: child)
    return node
  }
}

// MARK: - Exact attribution

extension ExplainableBoostingMachine {
  /// The exact interventional Shapley values of the margin (Janzing, Minorics & Blöbaum 2020; what TreeSHAP's
  /// interventional mode and KernelSHAP estimate): rows × features, row-major, against the rows of `background`.
  /// A main term gives its feature f_j(x_j) − E_b f_j(b_j); a pair term f_jk gives each of its features half of its
  /// own effect and half of the joint one: φ_j = ½[f(x_j, x_k) − E_b f(b_j, x_k)] + ½[E_b f(x_j, b_k) − E_b f(b_j, b_k)].
  /// Each row's values sum to its margin minus the background's mean margin.
  public func additiveShapley(_ table: Table, background: Table) throws -> (values: [Double], baseMargin: Double) {
    let (main, pair) = try bins(table)
    let (backMain, backPair) = try bins(background)
    let n = table.rowCount, m = background.rowCount, p = binnings.count
    precondition(m > 0, "a background with rows")
    var values = [Double](repeating: 0, count: n * p)
    var base = intercept
    for term in terms {
      if term.features.count == 1 {
        let f = term.features[0]
        let mean = backMain[f].reduce(0) { $0 + term.scores[Int($1)] } / Double(m)
        base += mean
        for r in 0..<n { values[r * p + f] += term.scores[Int(main[f][r])] - mean }
      } else {
        let (a, c) = (term.features[0], term.features[1])
        let rows = binnings[a].pairBinCount, width = binnings[c].pairBinCount
        // The background's share of each bin of a and of c, and its mean of the pair.
        var shareA = [Double](repeating: 0, count: rows), shareC = [Double](repeating: 0, count: width), joint = 0.0
        for i in 0..<m {
          shareA[Int(backPair[a][i])] += 1 / Double(m)
          shareC[Int(backPair[c][i])] += 1 / Double(m)
          joint += term.scores[Int(backPair[a][i]) * width + Int(backPair[c][i])] / Double(m)
        }
        base += joint
        // E_b f(x_a, b_c) for each bin of a, and E_b f(b_a, x_c) for each bin of c.
        let givenA = (0..<rows).map { i in (0..<width).reduce(0) { $0 + shareC[$1] * term.scores[i * width + $1] } }
        let givenC = (0..<width).map { j in (0..<rows).reduce(0) { $0 + shareA[$1] * term.scores[$1 * width + j] } }
        for r in 0..<n {
          let (i, j) = (Int(pair[a][r]), Int(pair[c][r]))
          let own = term.scores[i * width + j]
          values[r * p + a] += 0.5 * (own - givenC[j]) + 0.5 * (givenA[i] - joint)
          values[r * p + c] += 0.5 * (own - givenA[i]) + 0.5 * (givenC[j] - joint)
        }
      }
    }
    return (values, base)
  }
}
