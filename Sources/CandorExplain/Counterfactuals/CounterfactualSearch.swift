import CandorCore
import CandorModels
import Foundation

/// Counterfactuals for any model, by sparse beam search in batched model calls: every single-feature change on a
/// grid (training quantiles within the permitted range, its ends, and seeded uniform draws) is scored at once;
/// the most promising changes that are not yet enough are extended by a second and third feature, a beam at a
/// time; and every valid point found is pulled back toward the query — each numeric change bisected to the
/// boundary, each categorical change undone where it is not needed (DiCE's post-hoc sparsity step, Mothilal,
/// Sharma & Tan 2020, §4, done by bisection instead of a linear scan).
struct CounterfactualSearch {
  let scorer: CounterfactualScorer
  let features: [CounterfactualFeature]
  let unitCost: [Double]
  /// Grid values per numeric feature besides the range ends.
  var quantiles = 24
  var randomDraws = 8
  /// Partial changes kept per level.
  var beamWidth = 12
  /// Valid points pulled back to the boundary per set of changed features, the nearest first.
  var perSupport = 12
  var seed: UInt64

  init(scorer: CounterfactualScorer, features: [CounterfactualFeature], unitCost: [Double], seed: UInt64) {
    (self.scorer, self.features, self.unitCost, self.seed) = (scorer, features, unitCost, seed)
  }

  /// The options of each mutable feature: its grid values or levels, each a full row.
  func options(data: Table) -> [(feature: Int, value: WhatIfValue)] {
    var random = SeededRandom(seed: seed)
    var result: [(Int, WhatIfValue)] = []
    for (f, feature) in features.enumerated() where feature.mutable {
      switch feature.domain {
      case let .numeric(x, lower, upper, integral):
        guard case let .numeric(numbers)? = data[feature.name] else { continue }
        let sorted = numbers.values.filter { !$0.isNaN && $0 >= lower && $0 <= upper }.sorted()
        var values = [lower, upper]
        if !sorted.isEmpty { values += (0...quantiles).map { Statistics.quantile(sorted: sorted, Double($0) / Double(quantiles)) } }
        for _ in 0..<randomDraws { values.append(lower + (upper - lower) * Double(random.next() >> 11) * 0x1.0p-53) }
        var seen = Set<Double>()
        for v in values {
          let value = integral ? v.rounded() : v
          guard value >= lower && value <= upper && value != x && seen.insert(value).inserted else { continue }
          result.append((f, .number(value)))
        }
      case let .categorical(_, levels):
        for level in levels { result.append((f, .level(level))) }
      }
    }
    return result
  }

  /// Valid counterfactuals changing at most `depth` features, each pulled back to the boundary.
  func pool(depth: Int, data: Table) throws -> [CounterfactualCandidate] {
    let original = features.map(\.original)
    let options = options(data: data)
    var valid: [[WhatIfValue]] = []
    var frontier: [([WhatIfValue], Set<Int>)] = [(original, [])]
    for _ in 0..<depth {
      var rows: [[WhatIfValue]] = [], changed: [Set<Int>] = []
      var seen = Set<[WhatIfValue]>()
      for (base, used) in frontier {
        for (f, value) in options where !used.contains(f) {
          var row = base
          row[f] = value
          guard seen.insert(row).inserted else { continue }
          rows.append(row)
          changed.append(used.union([f]))
        }
      }
      guard !rows.isEmpty else { break }
      let scored = try scorer.score(rows)
      var partial: [(score: Double, index: Int)] = []
      for (i, s) in scored.enumerated() {
        if s.valid { valid.append(rows[i]) } else { partial.append((s.desirability, i)) }
      }
      partial.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
      frontier = partial.prefix(beamWidth).map { (rows[$0.index], changed[$0.index]) }
    }
    // Pulling back thousands of points costs more than it finds: per set of changed features, `perSupport` distinct
    // valid points spread from its nearest to its farthest go on (every direction and reach stays represented, so
    // the diverse choice keeps its range).
    var distinct = Set<[WhatIfValue]>(), bySupport: [[Int]: [(cost: Double, values: [WhatIfValue])]] = [:]
    for v in valid where distinct.insert(v).inserted {
      bySupport[v.indices.filter { v[$0] != original[$0] }, default: []].append((distance(v, original), v))
    }
    var kept: [[WhatIfValue]] = []
    for support in bySupport.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
      let ranked = bySupport[support]!.sorted { $0.cost < $1.cost }
      // Spread over the ranks, nearest and farthest included.
      let picks = ranked.count <= perSupport ? Array(ranked.indices) : Set((0..<perSupport).map { $0 * (ranked.count - 1) / (perSupport - 1) }).sorted()
      kept += picks.map { ranked[$0].values }
    }
    // Twice: a change pulled back can make an earlier one unnecessary.
    return try pullBack(pullBack(kept)).map { CounterfactualCandidate(values: $0, exact: false) }
  }

  func distance(_ a: [WhatIfValue], _ b: [WhatIfValue]) -> Double {
    counterfactualDistance(a, b, unitCost: unitCost)
  }

  /// Every candidate moved as close to the query as validity allows: numeric changes bisected toward the query
  /// (to a whole number, or 1e-9 of the range), then categorical changes undone where the point stays valid.
  func pullBack(_ candidates: [[WhatIfValue]]) throws -> [[WhatIfValue]] {
    var rows = candidates
    let original = features.map(\.original)
    for (f, feature) in features.enumerated() {
      let active = rows.indices.filter { rows[$0][f] != original[f] }
      guard !active.isEmpty else { continue }
      // First: is the change needed at all?
      let reverted = active.map { i -> [WhatIfValue] in var r = rows[i]; r[f] = original[f]; return r }
      let revertedScores = try scorer.score(reverted)
      var open: [Int] = []
      for (k, i) in active.enumerated() {
        if revertedScores[k].valid { rows[i] = reverted[k] } else if feature.isNumeric { open.append(i) }
      }
      guard case let .numeric(x, lower, upper, integral) = feature.domain, !open.isEmpty else { continue }
      let tolerance = integral ? 1 : 1e-9 * max(upper - lower, .leastNormalMagnitude)
      // Bracket [the query's side, the candidate (valid)], the query's side clamped into the permitted range (a row
      // outside the range may keep its value, but a changed value must lie inside): when the clamped end is
      // valid it is the answer, else bisection never leaves the range.
      let entry = min(max(x, lower), upper)
      if entry != x {
        let probes = open.map { i -> [WhatIfValue] in var r = rows[i]; r[f] = .number(entry); return r }
        let scores = try scorer.score(probes)
        for (k, i) in open.enumerated() where scores[k].valid { rows[i] = probes[k] }
        open = open.enumerated().filter { !scores[$0.offset].valid }.map(\.element)
        guard !open.isEmpty else { continue }
      }
      var near = open.map { _ in entry }
      var far = open.map { i -> Double in if case let .number(v) = rows[i][f] { v } else { x } }
      for _ in 0..<64 {
        let moving = open.indices.filter { abs(far[$0] - near[$0]) > tolerance }
        guard !moving.isEmpty else { break }
        let probes = moving.map { k -> [WhatIfValue] in
          var mid = (near[k] + far[k]) / 2
          if integral { mid = far[k] > near[k] ? mid.rounded(.up) : mid.rounded(.down) }
          var r = rows[open[k]]
          r[f] = .number(mid)
          return r
        }
        let scores = try scorer.score(probes)
        for (j, k) in moving.enumerated() {
          guard case let .number(mid) = probes[j][f] else { continue }
          if scores[j].valid { far[k] = mid } else { near[k] = mid }
        }
      }
      for (k, i) in open.enumerated() { rows[i][f] = .number(far[k]) }
    }
    return rows
  }
}

/// Scores rows of a query's features through the real model, in one batch: whether each is of the desired class,
/// how far toward it (the desired class's probability minus the largest other), and its probabilities.
struct CounterfactualScorer {
  struct Score {
    var valid: Bool
    var desirability: Double
    var point: WhatIfPoint
  }

  let model: any Model
  let data: Table
  let row: Int
  let names: [String]
  let desired: String

  func score(_ rows: [[WhatIfValue]]) throws -> [Score] {
    guard !rows.isEmpty else { return [] }
    let variants = rows.map { values in
      (row, Dictionary(uniqueKeysWithValues: zip(names, values).filter { $0.1 != .missing }))
    }
    let scores = try WhatIfScores(model: model, table: try WhatIfCurveRequest.table(data, variants))
    return rows.indices.map { r in
      let point = scores.point(r)
      let p = point.probabilities[desired] ?? 0
      let other = point.probabilities.filter { $0.key != desired }.map(\.value).max() ?? 0
      return Score(valid: point.prediction == desired, desirability: p - other, point: point)
    }
  }
}
