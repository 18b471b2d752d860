import CandorCore
import CandorModels
import Foundation

/// The parity a threshold policy enforces across groups.
public enum FairnessConstraint: String, Sendable, CaseIterable, Codable {
  case demographicParity = "demographic_parity"
  case equalizedOdds = "equalized_odds"
  case truePositiveRateParity = "true_positive_rate_parity"
  case falsePositiveRateParity = "false_positive_rate_parity"
  case falseNegativeRateParity = "false_negative_rate_parity"
  case trueNegativeRateParity = "true_negative_rate_parity"

  /// The constraint Fairlearn's `ThresholdOptimizer(constraints=name)` names: a raw value, or the synonym
  /// `selection_rate_parity` of demographic parity.
  public init?(fairlearnName name: String) {
    self.init(rawValue: name == "selection_rate_parity" ? FairnessConstraint.demographicParity.rawValue : name)
  }

  /// The equalized metric (x axis; Fairlearn's name is its raw value).
  public var metricName: FairnessMetric {
    switch self {
    case .demographicParity: .selectionRate
    case .equalizedOdds: .falsePositiveRate
    case .truePositiveRateParity: .truePositiveRate
    case .falsePositiveRateParity: .falsePositiveRate
    case .falseNegativeRateParity: .falseNegativeRate
    case .trueNegativeRateParity: .trueNegativeRate
    }
  }

  func x(_ c: TradeoffCurve.Counts) -> Double {
    switch self {
    case .demographicParity: (c.truePositives + c.falsePositives) / c.n
    case .equalizedOdds, .falsePositiveRateParity: c.falsePositives / c.negatives
    case .truePositiveRateParity: c.truePositives / c.positives
    case .falseNegativeRateParity: c.falseNegatives / c.positives
    case .trueNegativeRateParity: c.trueNegatives / c.negatives
    }
  }
}

/// What a threshold policy maximizes.
public enum ThresholdObjective: Sendable, Equatable, Codable {
  case accuracy
  case balancedAccuracy
  /// Minimize costFalsePositive·FP + costFalseNegative·FN (reported as its negative mean, so larger is better).
  case cost(falsePositive: Double, falseNegative: Double)
  /// Fairlearn's "moment" objectives, for every constraint but equalized odds.
  case selectionRate
  case truePositiveRate
  case trueNegativeRate

  /// The score maximized (Fairlearn's name as raw value).
  public var name: ObjectiveScore {
    switch self {
    case .accuracy: .accuracyScore
    case .balancedAccuracy: .balancedAccuracyScore
    case .cost: .negativeCost
    case .selectionRate: .selectionRate
    case .truePositiveRate: .truePositiveRate
    case .trueNegativeRate: .trueNegativeRate
    }
  }

  /// Whether equalized odds can maximize it: Fairlearn allows only objectives that do not decrease as true
  /// positives grow with the false positives held (its OBJECTIVES_FOR_EQUALIZED_ODDS), which is what lets the
  /// search move every group down to the lowest true positive rate; a cost qualifies too.
  public var suitsEqualizedOdds: Bool {
    switch self {
    case .accuracy, .balancedAccuracy, .cost: true
    case .selectionRate, .truePositiveRate, .trueNegativeRate: false
    }
  }

  func y(_ c: TradeoffCurve.Counts) -> Double {
    switch self {
    case .accuracy: (c.truePositives + c.trueNegatives) / c.n
    case .balancedAccuracy: 0.5 * c.truePositives / c.positives + 0.5 * c.trueNegatives / c.negatives
    case let .cost(fp, fn): -(fp * c.falsePositives + fn * c.falseNegatives) / c.n
    case .selectionRate: (c.truePositives + c.falsePositives) / c.n
    case .truePositiveRate: c.truePositives / c.positives
    case .trueNegativeRate: c.trueNegatives / c.negatives
    }
  }
}

/// How the operating point is searched.
/// The score a threshold policy maximizes, named as Fairlearn names its objectives.
public enum ObjectiveScore: String, Sendable, Codable {
  case accuracyScore = "accuracy_score"
  case balancedAccuracyScore = "balanced_accuracy_score"
  case negativeCost = "negative_cost"
  case selectionRate = "selection_rate"
  case truePositiveRate = "true_positive_rate"
  case trueNegativeRate = "true_negative_rate"
}

public enum ThresholdSearch: Sendable, Equatable {
  /// Fairlearn's: the common x on the grid linspace(0, 1, gridSize + 1).
  case grid(size: Int)
  /// Exactly over every hull vertex (and, for equalized odds, every crossing of hulls) by linear
  /// programming, with the groups' equalized metrics allowed to differ by at most `tolerance`.
  case exact(tolerance: Double)
}

/// The fitted policy and where it sits.
public struct ThresholdFit: Sendable {
  public var policy: GroupThresholdPolicy
  /// The common x (grid search; nil when groups may differ under a tolerance) and the fit objective.
  public var xBest: Double?
  public var yBest: Double
  /// Each group's chosen (x, y): (selection rate or the constrained rate, objective), or (FPR, TPR) for
  /// equalized odds.
  public var operatingPoints: [String: [Double]]
  /// Each group's upper hull, for plots: [x, y] pairs.
  public var hulls: [String: [[Double]]]
}

/// Post-processing by group-specific randomized thresholds (Hardt, Price & Srebro 2016), following
/// Fairlearn's `ThresholdOptimizer` step for step in grid mode (see the fixtures' README §5) so its
/// policies are reproduced exactly; with sample weights, intersectional groups, an exact search and a
/// tolerance as extensions.
public enum ThresholdOptimizer {
  public static func fit(scores: ContiguousArray<Double>, labels: ContiguousArray<UInt8>, weights: ContiguousArray<Double>?,
                         grouping: Grouping, constraint: FairnessConstraint, objective: ThresholdObjective,
                         search: ThresholdSearch, flip: Bool = false) throws -> ThresholdFit {
    let groupCount = grouping.keys.count
    var rowsOf = [[Int]](repeating: [], count: groupCount)
    for (row, g) in grouping.groupOfRow.enumerated() { rowsOf[Int(g)].append(row) }
    let isEqualizedOdds = constraint == .equalizedOdds
    var curves: [TradeoffCurve] = []
    var groupWeights: [Double] = []
    for g in 0..<groupCount {
      let rows = rowsOf[g]
      let curve = TradeoffCurve(
        scores: rows.map { scores[$0] }, labels: rows.map { labels[$0] }, weights: rows.map { weights?[$0] ?? 1 }, flip: flip,
        x: constraint.x, y: isEqualizedOdds ? { $0.truePositives / $0.positives } : objective.y)
      if curve.positives == 0 || curve.negatives == 0 { throw FairnessError.degenerateGroup(group: grouping.keys[g]) }
      curves.append(curve)
      groupWeights.append(curve.positives + curve.negatives)
    }
    let total = groupWeights.reduce(0, +)
    let proportions = groupWeights.map { $0 / total }
    let hulls = Dictionary(uniqueKeysWithValues: zip(grouping.keys, curves.map { $0.hull.map { [$0.x, $0.y] } }))
    switch (search, isEqualizedOdds) {
    case let (.grid(size), false):
      return simpleOnGrid(curves, proportions: proportions, keys: grouping.keys, gridSize: size, hulls: hulls, features: grouping.columns)
    case let (.grid(size), true):
      return equalizedOddsOnGrid(curves, keys: grouping.keys, objective: objective, gridSize: size, hulls: hulls, features: grouping.columns)
    case let (.exact(tolerance), false):
      return simpleExact(curves, proportions: proportions, keys: grouping.keys, tolerance: tolerance, hulls: hulls, features: grouping.columns)
    case let (.exact(tolerance), true):
      return try equalizedOddsExact(curves, keys: grouping.keys, objective: objective, tolerance: tolerance, total: total,
                                    hulls: hulls, features: grouping.columns)
    }
  }

  /// numpy.linspace(0, 1, size + 1): i·(1/size), the last point exactly 1.
  static func grid(_ size: Int) -> [Double] {
    let step = 1.0 / Double(size)
    return (0...size).map { $0 == size ? 1 : Double($0) * step }
  }

  static func rule(_ curve: TradeoffCurve, at x: Double, pIgnore: Double = 0, constant: Double = 0) -> GroupThresholdPolicy.Rule {
    let (index, p0, _) = curve.interpolate(at: x)
    return GroupThresholdPolicy.Rule(p0: p0, threshold0: curve.hull[index].threshold, p1: 1 - p0,
                                     threshold1: curve.hull[index + 1].threshold, pIgnore: pIgnore, predictionConstant: constant,
                                     operator0: curve.hull[index].operation, operator1: curve.hull[index + 1].operation)
  }

  static func simpleOnGrid(_ curves: [TradeoffCurve], proportions: [Double], keys: [String], gridSize: Int,
                           hulls: [String: [[Double]]], features: [String]) -> ThresholdFit {
    let xs = grid(gridSize)
    var best = 0, bestValue = -Double.infinity
    for (k, x) in xs.enumerated() {
      var overall = 0.0
      for (g, curve) in curves.enumerated() { overall += proportions[g] * curve.interpolate(at: x).y }
      if overall > bestValue {
        bestValue = overall
        best = k
      }
    }
    let x = xs[best]
    var rules: [String: GroupThresholdPolicy.Rule] = [:], points: [String: [Double]] = [:]
    for (g, key) in keys.enumerated() {
      rules[key] = rule(curves[g], at: x)
      points[key] = [x, curves[g].interpolate(at: x).y]
    }
    return ThresholdFit(policy: GroupThresholdPolicy(sensitiveFeatures: features, rules: rules), xBest: x, yBest: bestValue,
                        operatingPoints: points, hulls: hulls)
  }

  static func equalizedOddsOnGrid(_ curves: [TradeoffCurve], keys: [String], objective: ThresholdObjective, gridSize: Int,
                                  hulls: [String: [[Double]]], features: [String]) -> ThresholdFit {
    let xs = grid(gridSize)
    let positives = curves.reduce(0) { $0 + $1.positives }, negatives = curves.reduce(0) { $0 + $1.negatives }
    var best = 0, bestValue = -Double.infinity, bestY = 0.0
    for (k, x) in xs.enumerated() {
      let yMin = curves.map { $0.interpolate(at: x).y }.min() ?? .nan  // no groups: no rows to fit
      let counts = TradeoffCurve.Counts(truePositives: positives * yMin, falsePositives: negatives * x,
                                        trueNegatives: negatives * (1.0 - x), falseNegatives: positives * (1.0 - yMin))
      // Fairlearn rounds the objective to 15 decimals (np.around) before taking the first maximum.
      let value = (objective.y(counts) * 1e15).rounded(.toNearestOrEven) / 1e15
      if value > bestValue {
        bestValue = value
        best = k
        bestY = yMin
      }
    }
    let x = xs[best]
    var rules: [String: GroupThresholdPolicy.Rule] = [:], points: [String: [Double]] = [:]
    for (g, key) in keys.enumerated() {
      let y = curves[g].interpolate(at: x).y
      let pIgnore = y == x ? 0 : (y - bestY) / (y - x)
      rules[key] = rule(curves[g], at: x, pIgnore: pIgnore, constant: x)
      points[key] = [x, bestY]
    }
    return ThresholdFit(policy: GroupThresholdPolicy(sensitiveFeatures: features, rules: rules), xBest: x, yBest: bestY,
                        operatingPoints: points, hulls: hulls)
  }

  /// Σ_g p_g·max_{x ∈ [a, a + ε]} y_g(x) is concave and piecewise linear in the window start a, so its
  /// maximum sits where a or a + ε meets a hull vertex (or at an end of [0, 1 − ε]): try them all.
  static func simpleExact(_ curves: [TradeoffCurve], proportions: [Double], keys: [String], tolerance: Double,
                          hulls: [String: [[Double]]], features: [String]) -> ThresholdFit {
    let width = min(max(tolerance, 0), 1)
    var candidates: Set<Double> = [0, 1 - width]
    for curve in curves {
      for point in curve.hull {
        candidates.insert(point.x)
        candidates.insert(point.x - width)
      }
    }
    var bestValue = -Double.infinity, bestStart = 0.0
    for a in candidates.sorted() where a >= 0 && a <= 1 - width {
      var value = 0.0
      for (g, curve) in curves.enumerated() { value += proportions[g] * curve.best(in: a, a + width).y }
      if value > bestValue + 1e-15 {
        bestValue = value
        bestStart = a
      }
    }
    var rules: [String: GroupThresholdPolicy.Rule] = [:], points: [String: [Double]] = [:]
    var xs: [Double] = []
    for (g, key) in keys.enumerated() {
      let (x, y) = curves[g].best(in: bestStart, bestStart + width)
      rules[key] = rule(curves[g], at: x)
      points[key] = [x, y]
      xs.append(x)
    }
    let common = xs.allSatisfy { $0 == xs[0] } ? xs[0] : nil
    return ThresholdFit(policy: GroupThresholdPolicy(sensitiveFeatures: features, rules: rules), xBest: common, yBest: bestValue,
                        operatingPoints: points, hulls: hulls)
  }

  /// Equalized odds with tolerance ε as a linear program: each group picks a point of the convex hull of
  /// its ROC vertices (which includes the diagonal, i.e. mixing with a constant predictor); all groups'
  /// FPRs lie in one window of width ε and their TPRs in another; maximize the objective.
  static func equalizedOddsExact(_ curves: [TradeoffCurve], keys: [String], objective: ThresholdObjective, tolerance: Double,
                                 total: Double, hulls: [String: [[Double]]], features: [String]) throws -> ThresholdFit {
    let positives = curves.reduce(0) { $0 + $1.positives }, negatives = curves.reduce(0) { $0 + $1.negatives }
    var offsets: [Int] = []
    var count = 0
    for curve in curves {
      offsets.append(count)
      count += curve.hull.count
    }
    let lowFPR = count, lowTPR = count + 1
    var program = LinearProgram(variableCount: count + 2)
    for (g, curve) in curves.enumerated() {
      for (v, point) in curve.hull.enumerated() {
        // Objective contribution of group g at (FPR, TPR) = (x, y), up to a constant.
        let coefficient: Double
        switch objective {
        case .accuracy: coefficient = (curve.positives * point.y - curve.negatives * point.x) / total
        case .balancedAccuracy: coefficient = 0.5 * curve.positives * point.y / positives - 0.5 * curve.negatives * point.x / negatives
        case let .cost(fp, fn): coefficient = (fn * curve.positives * point.y - fp * curve.negatives * point.x) / total
        case .selectionRate, .truePositiveRate, .trueNegativeRate:
          preconditionFailure("ThresholdRequest.validate refuses \(objective.name.rawValue) for equalized odds")
        }
        program.objective[offsets[g] + v] = coefficient
      }
      var convex = [Double](repeating: 0, count: count + 2)
      var fpr = convex, tpr = convex
      for (v, point) in curve.hull.enumerated() {
        convex[offsets[g] + v] = 1
        fpr[offsets[g] + v] = point.x
        tpr[offsets[g] + v] = point.y
      }
      program.add(convex, .equal, 1)
      for (row, low) in [(fpr, lowFPR), (tpr, lowTPR)] {
        var above = row
        above[low] = -1
        program.add(above, .greaterOrEqual, 0)
        program.add(above, .lessOrEqual, max(tolerance, 0))
      }
    }
    guard let solution = program.maximize() else {
      throw FairnessError.invalidSetting(.init(.constraintTolerance, value: "\(tolerance)", .because("no policy satisfies it")))
    }
    var rules: [String: GroupThresholdPolicy.Rule] = [:], points: [String: [Double]] = [:]
    var value = 0.0
    for (g, key) in keys.enumerated() {
      let curve = curves[g]
      var x = 0.0, y = 0.0
      for (v, point) in curve.hull.enumerated() {
        x += solution[offsets[g] + v] * point.x
        y += solution[offsets[g] + v] * point.y
      }
      x = min(max(x, 0), 1)
      let top = curve.interpolate(at: x).y
      y = min(y, top)
      let pIgnore = top == x ? 0 : min(max((top - y) / (top - x), 0), 1)
      rules[key] = rule(curve, at: x, pIgnore: pIgnore, constant: x)
      points[key] = [x, y]
      value += objective.y(TradeoffCurve.Counts(truePositives: curve.positives * y, falsePositives: curve.negatives * x,
                                                trueNegatives: curve.negatives * (1 - x), falseNegatives: curve.positives * (1 - y)))
        * (objective == .balancedAccuracy ? 0 : (curve.positives + curve.negatives) / total)
    }
    if objective == .balancedAccuracy {
      let tp = keys.indices.reduce(0.0) { $0 + curves[$1].positives * points[keys[$1]]![1] }
      let tn = keys.indices.reduce(0.0) { $0 + curves[$1].negatives * (1 - points[keys[$1]]![0]) }
      value = 0.5 * tp / positives + 0.5 * tn / negatives
    }
    let xs = points.values.map { $0[0] }
    return ThresholdFit(policy: GroupThresholdPolicy(sensitiveFeatures: features, rules: rules),
                        xBest: xs.allSatisfy { abs($0 - xs[0]) < 1e-12 } ? xs[0] : nil, yBest: value,
                        operatingPoints: points, hulls: hulls)
  }
}
