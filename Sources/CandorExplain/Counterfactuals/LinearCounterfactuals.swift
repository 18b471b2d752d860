import CandorCore
import CandorModels
import Foundation

/// Exact counterfactuals for a model whose decision is a hyperplane (`LinearDecision`): crossing it is a covering
/// knapsack. Under the MAD-weighted L1 distance each numeric feature moves toward the boundary at a fixed cost per
/// unit of score gained, and each categorical switch buys a fixed gain at the cost of one switch, so
/// - with continuous features the nearest crossing fills the most efficient features first (the fractional
///   knapsack is exact for the linear programme);
/// - whole-number features are branched on (branch and bound on the LP relaxation, Land & Doig 1960), still exact;
/// - among m categorical switches, the m largest gains are best, so only m = 0…K need trying, not 2^K subsets;
/// - a limit on changed features enumerates which numeric features may move.
/// Wachter, Mittelstadt & Russell (2017) define the counterfactual as this minimiser; Ustun, Spangher & Liu (2019,
/// "Actionable Recourse in Linear Classification") solve the same integer programme with a MIP solver.
struct LinearCounterfactualSolver {
  /// A numeric feature's move toward the desired side: `gain` of score per unit, `cost` per unit, at most `room`
  /// units, `direction` ±1 on the raw value.
  struct Mover {
    let feature: Int
    let gain: Double
    let cost: Double
    let room: Double
    let integral: Bool
    let direction: Double
    /// A row outside its permitted range moves into it or not at all: at least this far when it moves.
    var entry = 0.0
    var efficiency: Double { gain / cost }
  }

  /// A categorical feature set to `level`, gaining `gain` (> 0) for `cost`.
  struct Switch {
    let feature: Int
    let level: String
    let gain: Double
    let cost: Double
  }

  let features: [CounterfactualFeature]
  /// Score gain still needed (> 0: the query is not yet of the desired class), margin included.
  let required: Double
  let movers: [Mover]
  let switches: [Switch]
  /// Branch-and-bound nodes per knapsack before giving up exactness.
  static let nodeLimit = 20_000
  /// The score a counterfactual must reach past the boundary, so that its rounding never lands on the wrong side.
  static let margin = 1e-9

  /// - Parameter sign: +1 when the desired class is the positive one (score > 0), −1 for the negative one.
  init(decision: LinearDecision, features: [CounterfactualFeature], unitCost: [Double], sign: Double) {
    self.features = features
    let terms = Dictionary(uniqueKeysWithValues: decision.terms.map { ($0.name, $0) })
    var score = decision.intercept
    var movers: [Mover] = [], switches: [Switch] = []
    for (f, feature) in features.enumerated() {
      guard let term = terms[feature.name] else { continue }
      switch feature.domain {
      case let .numeric(x, lower, upper, integral):
        score += LinearDecision.contribution(of: term, number: x)
        let slope = sign * LinearDecision.slope(of: term)
        guard feature.mutable, slope != 0, slope.isFinite else { continue }
        let direction: Double = slope > 0 ? 1 : -1
        let room = direction > 0 ? upper - x : x - lower
        let entry = max(0, direction > 0 ? lower - x : x - upper)
        if room > 0 && entry <= room {
          movers.append(Mover(feature: f, gain: abs(slope), cost: unitCost[f], room: room, integral: integral, direction: direction, entry: entry))
        }
      case let .categorical(level, levels):
        let here = LinearDecision.contribution(of: term, level: level)
        score += here
        guard feature.mutable else { continue }
        for candidate in levels {
          let gain = sign * (LinearDecision.contribution(of: term, level: candidate) - here)
          if gain > 0 { switches.append(Switch(feature: f, level: candidate, gain: gain, cost: unitCost[f])) }
        }
      }
    }
    required = Self.margin - sign * score
    self.movers = movers.sorted { $0.efficiency > $1.efficiency || ($0.efficiency == $1.efficiency && $0.feature < $1.feature) }
    self.switches = switches.sorted { $0.gain > $1.gain || ($0.gain == $1.gain && ($0.feature, $0.level) < ($1.feature, $1.level)) }
  }

  /// The cheapest amounts (per mover in `using`, same order) gaining at least `need`; nil when even every mover at
  /// its limit falls short. `exact` is false when branch and bound ran out of nodes (the best found is returned).
  /// `gaveUp` is set when the node limit ended the search before any answer (then nil does not mean "none").
  func knapsack(need: Double, using: [Int], gaveUp: inout Bool) -> (cost: Double, amounts: [Double], exact: Bool)? {
    guard need > 0 else { return (0, Array(repeating: 0, count: using.count), true) }
    let vars = using.map { movers[$0] }
    var best: (cost: Double, amounts: [Double])?
    // A mover with an entry either stays (upper 0) or moves at least its entry: one root per choice.
    var stack: [([Double], [Double])] = [(Array(repeating: 0, count: vars.count), vars.map(\.room))]
    for (i, v) in vars.enumerated() where v.entry > 0 {
      stack = stack.flatMap { lower, upper -> [([Double], [Double])] in
        var stays = upper, moves = lower
        stays[i] = 0
        moves[i] = v.entry
        return [(lower, stays), (moves, upper)]
      }
    }
    var nodes = 0
    while let (lower, upper) = stack.popLast() {
      nodes += 1
      if nodes > Self.nodeLimit {
        if best == nil { gaveUp = true }
        return best.map { ($0.cost, $0.amounts, false) }
      }
      // LP relaxation: the lower bounds taken, then the rest filled in order of efficiency (vars are sorted).
      var amounts = lower, left = need, cost = 0.0
      for (i, v) in vars.enumerated() {
        left -= v.gain * lower[i]
        cost += v.cost * lower[i]
      }
      for (i, v) in vars.enumerated() where left > 0 {
        let take = min(upper[i] - lower[i], left / v.gain)
        amounts[i] += take
        left -= take * v.gain
        cost += take * v.cost
      }
      guard left <= need * 1e-12 else { continue }
      if let best, cost >= best.cost { continue }
      // A whole-number feature within 1e-9 of a whole number is that number; the margin covers the difference.
      var fractional: Int?
      for (i, v) in vars.enumerated() where v.integral {
        let nearest = amounts[i].rounded()
        if abs(amounts[i] - nearest) <= 1e-9 * max(1, nearest) { amounts[i] = nearest } else if fractional == nil { fractional = i }
      }
      guard let f = fractional else {
        best = (zip(vars, amounts).reduce(0) { $0 + $1.0.cost * $1.1 }, amounts)
        continue
      }
      var down = upper, up = lower
      down[f] = amounts[f].rounded(.down)
      up[f] = amounts[f].rounded(.up)
      if up[f] <= upper[f] { stack.append((up, upper)) }
      if down[f] >= lower[f] { stack.append((lower, down)) }
    }
    return best.map { ($0.cost, $0.amounts, true) }
  }

  /// A counterfactual from switches and mover amounts.
  func candidate(switches chosen: [Switch], movers using: [Int], amounts: [Double], exact: Bool) -> CounterfactualCandidate {
    var values = features.map(\.original)
    var cost = 0.0
    for s in chosen {
      values[s.feature] = .level(s.level)
      cost += s.cost
    }
    for (m, t) in zip(using, amounts) where t > 0 {
      let mover = movers[m]
      guard case let .number(x) = values[mover.feature], case let .numeric(_, lower, upper, _) = features[mover.feature].domain else { continue }
      values[mover.feature] = .number(min(max(x + mover.direction * t, lower), upper))
      cost += mover.cost * t
    }
    return CounterfactualCandidate(values: values, exact: exact)
  }

  /// The nearest counterfactual changing at most `maxChanges` features, and whether it is provably nearest.
  func nearest(maxChanges: Int) -> CounterfactualCandidate? {
    // Per feature, its best switch; the m best of those are the best m switches.
    var bestSwitch: [Int: Switch] = [:]
    for s in switches where bestSwitch[s.feature] == nil { bestSwitch[s.feature] = s }
    let ranked = bestSwitch.values.sorted { $0.gain > $1.gain || ($0.gain == $1.gain && $0.feature < $1.feature) }
    var best: (cost: Double, candidate: CounterfactualCandidate)?
    var exact = true
    for m in 0...min(maxChanges, ranked.count) {
      let chosen = Array(ranked.prefix(m))
      let need = required - chosen.reduce(0) { $0 + $1.gain }
      let switchCost = chosen.reduce(0) { $0 + $1.cost }
      if let best, switchCost >= best.cost { break }
      if need <= 0 {
        let c = candidate(switches: chosen, movers: [], amounts: [], exact: true)
        if best == nil || switchCost < best!.cost { best = (switchCost, c) }
        break
      }
      let budget = maxChanges - m
      guard budget > 0, !movers.isEmpty else { continue }
      for using in Self.subsets(of: movers.count, size: min(budget, movers.count), limit: 4096, exact: &exact) {
        var gaveUp = false
        defer { if gaveUp { exact = false } }
        guard let solved = knapsack(need: need, using: using, gaveUp: &gaveUp) else { continue }
        exact = exact && solved.exact
        let cost = switchCost + solved.cost
        if best == nil || cost < best!.cost { best = (cost, candidate(switches: chosen, movers: using, amounts: solved.amounts, exact: true)) }
      }
    }
    guard var found = best?.candidate else { return nil }
    found.exact = exact
    return found
  }

  /// For every set of at most `depth` features (switches on distinct features, movers), the nearest counterfactual
  /// changing exactly those: the candidates diverse answers are chosen from, each the exact nearest of its kind.
  /// Stops after `limit` knapsacks.
  func pool(depth: Int, limit: Int = 200_000) -> [CounterfactualCandidate] {
    var found: [CounterfactualCandidate] = []
    var solved = 0
    var ignored = true
    // Every set of movers of each size, once.
    let moverSets = (0...min(depth, movers.count)).map { Self.subsets(of: movers.count, size: $0, limit: 4096, exact: &ignored) }
    func visit(_ chosen: [Switch], from next: Int) {
      // Visits count too: without movers, switch combinations alone could run long.
      solved += 1
      guard solved < limit else { return }
      let gain = chosen.reduce(0) { $0 + $1.gain }
      let need = required - gain
      if need <= 0 {
        // Irreducible only: every switch is needed.
        if !chosen.isEmpty && chosen.allSatisfy({ need + $0.gain > 0 }) {
          found.append(candidate(switches: chosen, movers: [], amounts: [], exact: true))
        }
        return
      }
      let room = depth - chosen.count
      if room > 0 && !movers.isEmpty {
        for size in 1...min(room, movers.count) {
          for using in moverSets[size] {
            solved += 1
            var gaveUp = false
            guard let result = knapsack(need: need, using: using, gaveUp: &gaveUp), result.amounts.allSatisfy({ $0 > 0 }) else { continue }
            found.append(candidate(switches: chosen, movers: using, amounts: result.amounts, exact: result.exact))
          }
        }
      }
      guard chosen.count < depth else { return }
      for i in next..<switches.count where !chosen.contains(where: { $0.feature == switches[i].feature }) {
        visit(chosen + [switches[i]], from: i + 1)
      }
    }
    visit([], from: 0)
    return found
  }

  /// Index sets of `size` from 0..<n in lexicographic order (every one when there are at most `limit`; else the
  /// first `limit`, and `exact` becomes false).
  static func subsets(of n: Int, size: Int, limit: Int, exact: inout Bool) -> [[Int]] {
    guard size > 0 && size <= n else { return size == 0 ? [[]] : [] }
    var result: [[Int]] = []
    var current = Array(0..<size)
    while true {
      if result.count == limit { exact = false; return result }
      result.append(current)
      var i = size - 1
      while i >= 0 && current[i] == n - size + i { i -= 1 }
      guard i >= 0 else { return result }
      current[i] += 1
      for j in (i + 1)..<size { current[j] = current[j - 1] + 1 }
    }
  }
}

/// A proposed counterfactual: one value per query feature, and whether it is the exact nearest of its kind.
struct CounterfactualCandidate: Sendable, Equatable {
  var values: [WhatIfValue]
  var exact: Bool
}
