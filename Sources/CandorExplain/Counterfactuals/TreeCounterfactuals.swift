import CandorCore
import CandorModels
import Foundation

/// Exact counterfactuals for a small tree ensemble (XGBoost, LightGBM) bound to numeric columns: the ensemble's
/// prediction is constant on each intersection of one leaf per tree, a box; the nearest counterfactual is the
/// nearest point, under the weighted L1 distance, of the nearest box the model gives the desired class. Boxes are
/// enumerated depth first, tree by tree, pruned when the box leaves the permitted domain, when its nearest point is
/// already farther than the answers kept, when it moves more features than allowed, or (binary margins) when the
/// remaining trees cannot reach the boundary — the branch and bound of Cui, Chen, He & Chen (2015, "Optimal Action
/// Extraction for Random Forests and Boosted Trees") and of FOCUS/FACET-style region enumeration, without a MIP
/// solver. Stops after `nodeLimit` boxes (then it is not exact and the caller searches instead).
struct TreeCounterfactualSolver {
  /// A leaf of one tree: its value and the bounds its path puts on ensemble features.
  struct Leaf {
    var value: Double
    var bounds: [(feature: Int, upper: Bool, at: Double, open: Bool)]
  }

  /// A feature's permitted values inside the current box.
  struct Interval {
    var low = -Double.infinity, lowOpen = false
    var high = Double.infinity, highOpen = false
  }

  let ensemble: TreeEnsemble
  let features: [CounterfactualFeature]
  let unitCost: [Double]
  /// Per ensemble feature, its index among `features`.
  let featureOf: [Int]
  let desired: Int
  let maxChanges: Int
  let leaves: [[Leaf]]
  /// How many of the nearest boxes to keep (the diverse answers are chosen from them).
  var keep = 40
  static let nodeLimit = 200_000

  /// nil when the ensemble is not one this solver handles exactly (categorical splits, LightGBM's zero-as-missing,
  /// ONNX rules, a regression), with the reason.
  static func make(_ model: any Model, features: [CounterfactualFeature], unitCost: [Double], desiredClass: String, maxChanges: Int) -> (TreeCounterfactualSolver?, String?) {
    guard let tree = model as? TreeEnsembleModel else { return (nil, nil) }
    let ensemble = tree.ensemble
    guard ensemble.rules == .xgboost || ensemble.rules == .lightGBM else { return (nil, "exact search covers XGBoost and LightGBM ensembles read from their own files") }
    guard ensemble.link == .logistic || ensemble.link == .softmax, let desired = tree.classes.firstIndex(of: desiredClass) else { return (nil, "the ensemble is not a classifier") }
    var leaves: [[Leaf]] = []
    for t in ensemble.trees {
      for i in 0..<t.nodeCount where t.left[i] >= 0 {
        if t.flags[i] & TreeEnsemble.Flags.categorical != 0 { return (nil, "the ensemble has categorical splits, which exact search does not cover yet") }
        if ensemble.rules == .lightGBM && (t.flags[i] >> TreeEnsemble.Flags.missingTypeShift) & 3 == 1 { return (nil, "the ensemble treats zero as missing, which exact search does not cover") }
      }
      var found: [Leaf] = []
      func walk(_ node: Int, _ bounds: [(Int, Bool, Double, Bool)]) {
        guard t.left[node] >= 0 else { found.append(Leaf(value: t.value[node], bounds: bounds.map { ($0.0, $0.1, $0.2, $0.3) })); return }
        let f = Int(t.feature[node]), threshold = t.threshold[node]
        if ensemble.rules == .xgboost {
          // Left when Float(x) < T: below T (open); right: from T on.
          let at = Double(Float(threshold))
          walk(Int(t.left[node]), bounds + [(f, true, at, true)])
          walk(Int(t.right[node]), bounds + [(f, false, at, false)])
        } else {
          // Left when x <= t; right: above t.
          walk(Int(t.left[node]), bounds + [(f, true, threshold, false)])
          walk(Int(t.right[node]), bounds + [(f, false, threshold, true)])
        }
      }
      walk(0, [])
      leaves.append(found)
    }
    let index = Dictionary(uniqueKeysWithValues: features.enumerated().map { ($1.name, $0) })
    guard let featureOf = Optional(ensemble.featureNames.compactMap { index[$0] }), featureOf.count == ensemble.featureNames.count,
          featureOf.allSatisfy({ features[$0].isNumeric }) else { return (nil, "the ensemble's features are not all numeric columns of the data") }
    // A missing value follows each node's default way, which the boxes do not model.
    if featureOf.contains(where: { features[$0].original == .missing }) { return (nil, "the row has a missing value, which exact search over leaf regions does not cover") }
    let binaryDesired = tree.classes.count == 2 ? desired : desired
    return (TreeCounterfactualSolver(ensemble: ensemble, features: features, unitCost: unitCost, featureOf: featureOf, desired: binaryDesired, maxChanges: maxChanges, leaves: leaves), nil)
  }

  /// The value of ensemble feature `e` in `interval` nearest the query's (nil: none permitted), with the domain's
  /// range and whole numbers, and XGBoost's float32 comparisons.
  func nearest(_ e: Int, in interval: Interval) -> Double? {
    let feature = features[featureOf[e]]
    guard case let .numeric(x, lower, upper, integral) = feature.domain else { return nil }
    func inside(_ v: Double) -> Bool {
      // XGBoost compares in float32: right of a split when Float(v) >= T, left when Float(v) < T.
      if ensemble.rules == .xgboost {
        return (interval.low == -.infinity || Float(v) >= Float(interval.low)) && (interval.high == .infinity || Float(v) < Float(interval.high))
      }
      return (interval.lowOpen ? v > interval.low : v >= interval.low) && (interval.highOpen ? v < interval.high : v <= interval.high)
    }
    if !x.isNaN && inside(x) { return x }
    guard feature.mutable, lower <= upper else { return nil }
    var low = max(interval.low, lower), high = min(interval.high, upper)
    let lowOpen = interval.low >= lower && interval.lowOpen, highOpen = interval.high <= upper && interval.highOpen
    if integral {
      low = lowOpen ? low.rounded(.down) + 1 : low.rounded(.up)
      high = highOpen ? high.rounded(.up) - 1 : high.rounded(.down)
      guard low <= high else { return nil }
      let v = min(max(x, low), high)
      return inside(v) ? v : nil
    }
    if lowOpen { low = low.nextUp }
    if highOpen { high = ensemble.rules == .xgboost ? Double(Float(high).nextDown) : high.nextDown }
    guard low <= high else { return nil }
    let v = min(max(x, low), high)
    return inside(v) ? v : nil
  }

  /// The nearest boxes of the desired class, each as its nearest point, nearest first; `exhaustive` when every box
  /// was examined or pruned (the first is then the exact nearest counterfactual).
  func solve() -> (candidates: [CounterfactualCandidate], exhaustive: Bool) {
    let classes = ensemble.classCount
    let treeCounts = (0..<classes).map { c in Double(ensemble.treeClass.count { $0 == c }) }
    // Binary margins: the most the remaining trees can still add (or take away), to prune boxes that cannot cross.
    var suffixMax = [Double](repeating: 0, count: leaves.count + 1), suffixMin = suffixMax
    for t in stride(from: leaves.count - 1, through: 0, by: -1) {
      suffixMax[t] = suffixMax[t + 1] + (leaves[t].map(\.value).max() ?? 0)
      suffixMin[t] = suffixMin[t + 1] + (leaves[t].map(\.value).min() ?? 0)
    }
    let positive = desired == 1
    var best: [(cost: Double, values: [WhatIfValue])] = []
    var nodes = 0, exhaustive = true
    var intervals = [Interval](repeating: Interval(), count: ensemble.featureNames.count)
    var sums = [Double](repeating: 0, count: classes)

    func projection() -> (cost: Double, values: [WhatIfValue], moved: Int)? {
      var values = features.map(\.original), cost = 0.0, moved = 0
      for e in intervals.indices {
        guard let v = nearest(e, in: intervals[e]) else { return nil }
        let f = featureOf[e]
        if case let .number(x) = values[f], v != x {
          cost += abs(v - x) * unitCost[f]
          moved += 1
          values[f] = .number(v)
        }
      }
      return (cost, values, moved)
    }

    func margin(_ c: Int) -> Double {
      (ensemble.averagesTrees ? sums[c] / max(treeCounts[c], 1) : sums[c]) + ensemble.baseMargin[c]
    }

    func visit(_ t: Int) {
      nodes += 1
      if nodes > Self.nodeLimit { exhaustive = false; return }
      guard let point = projection(), point.moved <= maxChanges else { return }
      if best.count == keep, point.cost >= best[keep - 1].cost { return }
      if classes == 1 && !ensemble.averagesTrees {
        let reachable = positive ? margin(0) + suffixMax[t] > 0 : margin(0) + suffixMin[t] <= 0
        if !reachable { return }
      }
      guard t < leaves.count else {
        let isDesired: Bool
        if classes == 1 { isDesired = (margin(0) > 0) == positive } else {
          var top = 0
          for c in 1..<classes where margin(c) > margin(top) { top = c }
          isDesired = top == desired
        }
        guard isDesired, !best.contains(where: { $0.values == point.values }) else { return }
        let at = best.firstIndex { $0.cost > point.cost } ?? best.count
        best.insert((point.cost, point.values), at: at)
        if best.count > keep { best.removeLast() }
        return
      }
      let c = ensemble.treeClass[t]
      for leaf in leaves[t] {
        let saved = intervals
        var empty = false
        for b in leaf.bounds {
          if b.upper {
            if b.at < intervals[b.feature].high || (b.at == intervals[b.feature].high && b.open) { (intervals[b.feature].high, intervals[b.feature].highOpen) = (b.at, b.open) }
          } else if b.at > intervals[b.feature].low || (b.at == intervals[b.feature].low && b.open) {
            (intervals[b.feature].low, intervals[b.feature].lowOpen) = (b.at, b.open)
          }
          let i = intervals[b.feature]
          if i.low > i.high || (i.low == i.high && (i.lowOpen || i.highOpen)) { empty = true; break }
        }
        if !empty {
          sums[c] += leaf.value
          visit(t + 1)
          sums[c] -= leaf.value
        }
        intervals = saved
        if !exhaustive { return }
      }
    }
    visit(0)
    return (best.map { CounterfactualCandidate(values: $0.values, exact: exhaustive) }, exhaustive)
  }
}
