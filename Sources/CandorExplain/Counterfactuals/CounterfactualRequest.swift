import CandorCore
import CandorModels
import Foundation

/// `candor counterfactual` as a library call: for each query row, up to `count` diverse points the model really
/// gives `desiredClass`, each honouring `constraints` by construction and re-scored through the model.
///
/// Candidates: for a binary linear model, the exact nearest counterfactual under DiCE's distance (numeric
/// |Δ|/MAD averaged over numeric features plus the share of categorical features switched) and, for every set of
/// up to three features, the exact nearest that changes just those (`LinearCounterfactualSolver`); for any other
/// model, a sparse beam search (`CounterfactualSearch`). Selection: the nearest first, then greedily — with swaps
/// — the set that maximises mean pairwise distance minus `proximityWeight` × mean distance to the query minus
/// `sparsityWeight` × mean features changed: DiCE's diversity–proximity trade-off (Mothilal, Sharma & Tan 2020,
/// eq. 4) with the mean pairwise distance standing in for the determinant of its DPP kernel.
public struct CounterfactualRequest {
  public enum Method: String, Sendable, Codable {
    case exactLinear = "exact_linear"
    case exactTrees = "exact_trees"
    case search
  }

  public var model: any Model
  public var data: Table
  public var rows: [Int]
  public var desiredClass: String
  public var count = 4
  public var constraints = CounterfactualConstraints()
  public var seed: UInt64 = 0
  /// Search even where an exact method applies (to compare them).
  public var forceSearch = false
  public var proximityWeight = 0.2
  public var sparsityWeight = 0.4
  /// Features changed at once in the candidates a diverse set is chosen from (the nearest may change more).
  public var candidateDepth = 3

  public init(model: any Model, data: Table, rows: [Int], desiredClass: String) {
    (self.model, self.data, self.rows, self.desiredClass) = (model, data, rows, desiredClass)
  }

  /// - Parameter progress: called with (queries done, queries) after each query.
  /// - Throws: `ExplainError` for a regression model, a class the model lacks, a row out of range, a constraint
  ///   that names an unknown column or contradicts itself; the model's errors.
  public func run(progress: ((Int, Int) -> Void)? = nil) throws -> CounterfactualBatch {
    guard model.isClassifier else {
      throw ExplainError.invalidSetting(InvalidSetting(.desiredClass, value: desiredClass, .because("the model is a regression model (it predicts \(printable(model.classes.first ?? "a number"))); counterfactuals need a classifier")))
    }
    var named = Set<String>()
    if let twice = model.featureNames.first(where: { !named.insert($0).inserted }) {
      throw ExplainError.invalidSetting(InvalidSetting(.modelFeatures, value: twice, .because("the model's inputs name it twice; a counterfactual changes a column by its name")))
    }
    var asked = Set<Int>()
    if let twice = rows.first(where: { !asked.insert($0).inserted }) {
      throw ExplainError.invalidSetting(InvalidSetting(.rows, value: String(twice), .because("the row is given twice")))
    }
    guard model.classes.contains(desiredClass) else {
      throw ExplainError.invalidSetting(InvalidSetting(.desiredClass, value: desiredClass, .because("the model's classes are \(model.classes.map { printable($0) }.joined(separator: ", "))")))
    }
    guard count >= 1 else { throw ExplainError.invalidSetting(InvalidSetting(.counterfactualCount, value: String(count), .atLeast(1))) }
    for row in rows where !(row >= 0 && row < data.rowCount) { throw ExplainError.rowOutOfRange(row: row, rowCount: data.rowCount) }
    let space = try CounterfactualSpace.fit(data, features: model.featureNames)
    let clock = ContinuousClock()
    let start = clock.now
    var results: [CounterfactualResult] = []
    for (i, row) in rows.enumerated() {
      results.append(try query(row, space: space))
      progress?(i + 1, rows.count)
    }
    return CounterfactualBatch(desiredClass: desiredClass, queries: results, summary: .init(results, asked: count, seconds: Self.seconds(clock.now - start)))
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }

  func unitCosts(_ features: [CounterfactualFeature], space: CounterfactualSpace) -> [Double] {
    features.map { f in
      f.isNumeric ? 1 / (Double(space.numeric.count) * space.mad[f.name]!) : 1 / Double(space.categorical.count)
    }
  }

  /// Candidates for one query under `constraints`, and how they were found.
  func candidates(_ row: Int, constraints: CounterfactualConstraints, space: CounterfactualSpace, scorer: CounterfactualScorer) throws
    -> (features: [CounterfactualFeature], candidates: [CounterfactualCandidate], method: Method, exactNearest: Bool, searchReason: String?)
  {
    let features = try constraints.features(of: model, data: data, query: row)
    let costs = unitCosts(features, space: space)
    let maxChanges = constraints.maxChanges ?? features.count
    let depth = min(maxChanges, candidateDepth)
    if !forceSearch, let decision = model.linearDecision, model.classes.count == 2 {
      let solver = LinearCounterfactualSolver(decision: decision, features: features, unitCost: costs, sign: desiredClass == model.classes[1] ? 1 : -1)
      let nearest = solver.nearest(maxChanges: maxChanges)
      return (features, (nearest.map { [$0] } ?? []) + solver.pool(depth: depth), .exactLinear, nearest?.exact ?? false, nil)
    }
    var reason = searchReason
    if !forceSearch {
      let (solver, why) = TreeCounterfactualSolver.make(model, features: features, unitCost: costs, desiredClass: desiredClass, maxChanges: maxChanges)
      if let solver {
        let solved = solver.solve()
        if solved.exhaustive { return (features, solved.candidates, .exactTrees, true, nil) }
        reason = "exact enumeration of the ensemble's \(model.treeEnsembleView?.ensemble.trees.count ?? 0) trees' leaf regions stopped after \(TreeCounterfactualSolver.nodeLimit) boxes"
      } else if let why {
        reason = why
      }
    }
    let search = CounterfactualSearch(scorer: scorer, features: features, unitCost: costs, seed: seed &+ UInt64(row))
    return (features, try search.pool(depth: depth, data: data), .search, false, reason)
  }

  /// Why a query is searched rather than solved exactly.
  var searchReason: String {
    if forceSearch { return "a search was asked for" }
    if model.treeEnsembleView != nil { return "the model is a tree ensemble inside a pipeline (ONNX); exact search covers XGBoost and LightGBM ensembles read from their own files" }
    if model.classes.count > 2 { return "exact search covers binary linear models, and this model has \(model.classes.count) classes" }
    return "the model's decision is not a known hyperplane in its features"
  }

  func query(_ row: Int, space: CounterfactualSpace) throws -> CounterfactualResult {
    let clock = ContinuousClock()
    let start = clock.now
    let scorer = CounterfactualScorer(model: model, data: data, row: row, names: model.featureNames, desired: desiredClass)
    let features = try constraints.features(of: model, data: data, query: row)
    let original = features.map(\.original)
    let names = features.map(\.name)
    func dictionary(_ values: [WhatIfValue]) -> [String: WhatIfValue] { Dictionary(uniqueKeysWithValues: zip(names, values)) }
    let originalScore = try scorer.score([original])[0]
    var result = CounterfactualResult(row: row, desiredClass: desiredClass, original: .init(values: dictionary(original), prediction: originalScore.point.prediction, probabilities: originalScore.point.probabilities))
    if originalScore.valid {
      result.note = "The model already gives row \(row) the class \(desiredClass); no change is needed."
      result.metrics.seconds = Self.seconds(clock.now - start)
      return result
    }
    let found = try candidates(row, constraints: constraints, space: space, scorer: scorer)
    result.method = found.method
    result.searchReason = found.searchReason
    // Distinct candidates, re-scored through the model: only what the model really classifies as desired stays.
    var seen = Set<[WhatIfValue]>(), pool: [CounterfactualCandidate] = []
    for c in found.candidates where c.values != original && seen.insert(c.values).inserted { pool.append(c) }
    let scores = try scorer.score(pool.map(\.values))
    // Only valid points that break no constraint (checked afresh) are answers.
    var valid: [(candidate: CounterfactualCandidate, score: CounterfactualScorer.Score)] = []
    for (c, s) in zip(pool, scores) where s.valid && Self.violations(c.values, features: features, original: original, maxChanges: constraints.maxChanges) == 0 {
      valid.append((c, s))
    }
    // A point that only adds changes to another valid point (same values where that one changes, the row's
    // elsewhere) is not minimal: dropped, so no answer carries a change it does not need.
    // Checked through the subsets of each point's changes (a hash lookup each), not against every other point.
    let known = Set(valid.map(\.candidate.values))
    valid = valid.filter { c in
      let changed = c.candidate.values.indices.filter { c.candidate.values[$0] != original[$0] }
      guard changed.count > 1, changed.count <= 12 else { return true }
      for mask in 1..<((1 << changed.count) - 1) {
        var reduced = c.candidate.values
        for (bit, f) in changed.enumerated() where mask & (1 << bit) == 0 { reduced[f] = original[f] }
        if known.contains(reduced) { return false }
      }
      return true
    }
    result.candidatesExamined = pool.count
    let costs = unitCosts(features, space: space)
    let selector = CounterfactualSelector(original: original, pool: valid.map(\.candidate.values), unitCost: costs,
                                          proximityWeight: proximityWeight, sparsityWeight: sparsityWeight)
    let chosen = selector.select(count)
    result.nearestIsExact = found.method != .search && found.exactNearest && chosen.first == 0 && valid.first?.candidate == found.candidates.first
    result.counterfactuals = chosen.map { i in
      let (candidate, score) = valid[i]
      return CounterfactualAnswer(values: dictionary(candidate.values), changed: zip(names, zip(candidate.values, original)).filter { $0.1.0 != $0.1.1 }.map(\.0),
                                  prediction: score.point.prediction, probabilities: score.point.probabilities,
                                  distance: selector.proximity(candidate.values), exact: candidate.exact)
    }
    let answers = chosen.map { valid[$0].candidate.values }
    let redundancy = try Self.redundancy(answers, original: original, scorer: scorer)
    let violations = answers.reduce(0) { $0 + Self.violations($1, features: features, original: original, maxChanges: constraints.maxChanges) }
    let quality = space.quality(query: dictionary(original), counterfactuals: answers.map(dictionary), valid: answers.map { _ in true }, asked: count)
    result.metrics = CounterfactualMetrics(quality: quality, redundancy: redundancy, violations: violations)
    if answers.isEmpty { result.notFound = try explainNothingFound(row, space: space, scorer: scorer, examined: pool.count, method: found.method) }
    result.metrics.seconds = Self.seconds(clock.now - start)
    return result
  }

  /// CARLA's redundancy (Pawelczyk et al. 2021): per counterfactual, how many of its changes could each be undone
  /// alone with the point still valid; the mean.
  static func redundancy(_ answers: [[WhatIfValue]], original: [WhatIfValue], scorer: CounterfactualScorer) throws -> Double {
    var probes: [[WhatIfValue]] = []
    for a in answers { for f in a.indices where a[f] != original[f] { var p = a; p[f] = original[f]; probes.append(p) } }
    guard !answers.isEmpty else { return 0 }
    return Double(try scorer.score(probes).count(where: \.valid)) / Double(answers.count)
  }

  /// How many constraints `values` breaks, checked afresh from the query's features (not from how it was built).
  static func violations(_ values: [WhatIfValue], features: [CounterfactualFeature], original: [WhatIfValue], maxChanges: Int?) -> Int {
    var count = 0, changes = 0
    for (f, feature) in features.enumerated() where values[f] != original[f] {
      changes += 1
      guard feature.mutable else { count += 1; continue }
      switch (feature.domain, values[f]) {
      case let (.numeric(_, lower, upper, integral), .number(v)):
        if !(v >= lower && v <= upper) || (integral && v != v.rounded()) { count += 1 }
      case let (.categorical(_, levels), .level(level)):
        if !levels.contains(level) { count += 1 }
      default: count += 1
      }
    }
    if let maxChanges, changes > maxChanges { count += 1 }
    return count
  }

  /// Nothing valid within the constraints: which single relaxation would give the nearest counterfactual.
  func explainNothingFound(_ row: Int, space: CounterfactualSpace, scorer: CounterfactualScorer, examined: Int, method: Method) throws -> CounterfactualResult.NothingFound {
    var relaxations: [(String, String?, CounterfactualConstraints)] = []
    for name in constraints.immutable { var c = constraints; c.immutable.removeAll { $0 == name }; relaxations.append((Setting.immutable.rawValue, name, c)) }
    for name in constraints.ranges.keys.sorted() { var c = constraints; c.ranges[name] = nil; relaxations.append((Setting.permittedRange.rawValue, name, c)) }
    for name in constraints.allowed.keys.sorted() { var c = constraints; c.allowed[name] = nil; relaxations.append((Setting.allowedLevels.rawValue, name, c)) }
    for name in constraints.increaseOnly { var c = constraints; c.increaseOnly.removeAll { $0 == name }; relaxations.append((Setting.increaseOnly.rawValue, name, c)) }
    for name in constraints.decreaseOnly { var c = constraints; c.decreaseOnly.removeAll { $0 == name }; relaxations.append((Setting.decreaseOnly.rawValue, name, c)) }
    if constraints.maxChanges != nil { var c = constraints; c.maxChanges = nil; relaxations.append((Setting.maxChanges.rawValue, nil, c)) }
    var best: CounterfactualResult.Relaxation?
    for (setting, column, relaxed) in relaxations {
      let found = try candidates(row, constraints: relaxed, space: space, scorer: scorer)
      let scores = try scorer.score(found.candidates.map(\.values))
      let selector = CounterfactualSelector(original: found.features.map(\.original), pool: [], unitCost: unitCosts(found.features, space: space), proximityWeight: 0, sparsityWeight: 0)
      let distances = zip(found.candidates, scores).filter { $0.1.valid }.map { selector.proximity($0.0.values) }
      if let nearest = distances.min(), best == nil || nearest < best!.nearestDistance { best = .init(constraint: setting, column: column, nearestDistance: nearest) }
    }
    let tried = method != .search
      ? "an exact search of every change the constraints permit (the largest score gain they allow falls short of the boundary)"
      : "a beam search over single changes and combinations of up to \(min(constraints.maxChanges ?? candidateDepth, candidateDepth)) features (\(examined) valid-looking candidates kept)"
    return .init(tried: tried, relax: best)
  }
}

/// DiCE's distance between two points of a query's features: Σ numeric |a − b|·unitCost (1/(|N|·MAD)) + Σ
/// categorical [a ≠ b]·unitCost (1/|K|).
func counterfactualDistance(_ a: [WhatIfValue], _ b: [WhatIfValue], unitCost: [Double]) -> Double {
  var sum = 0.0
  for f in a.indices where a[f] != b[f] {
    if case let .number(x) = a[f], case let .number(y) = b[f] { sum += abs(x - y) * unitCost[f] } else { sum += unitCost[f] }
  }
  return sum
}

/// Chooses k of a pool of valid counterfactuals: the nearest first, then greedy additions and swaps on mean
/// pairwise distance − proximityWeight · mean distance to the query − sparsityWeight · mean features changed.
struct CounterfactualSelector {
  let original: [WhatIfValue]
  let pool: [[WhatIfValue]]
  let unitCost: [Double]
  let proximityWeight: Double
  let sparsityWeight: Double

  func distance(_ a: [WhatIfValue], _ b: [WhatIfValue]) -> Double { counterfactualDistance(a, b, unitCost: unitCost) }

  func proximity(_ a: [WhatIfValue]) -> Double { distance(a, original) }

  func select(_ k: Int) -> [Int] {
    guard !pool.isEmpty else { return [] }
    let near = pool.map(proximity)
    let changes = pool.map { c in c.indices.count { c[$0] != original[$0] } }
    var pairwise: [Int: Double] = [:]
    func d(_ i: Int, _ j: Int) -> Double {
      let key = min(i, j) * pool.count + max(i, j)
      if let known = pairwise[key] { return known }
      let value = distance(pool[i], pool[j])
      pairwise[key] = value
      return value
    }
    func objective(_ set: [Int]) -> Double {
      var pairs = 0.0, sum = 0.0
      for a in 0..<set.count { for b in (a + 1)..<max(a + 1, set.count) { sum += d(set[a], set[b]); pairs += 1 } }
      let n = Double(set.count)
      return (pairs > 0 ? sum / pairs : 0) - proximityWeight * set.reduce(0) { $0 + near[$1] } / n - sparsityWeight * Double(set.reduce(0) { $0 + changes[$1] }) / n
    }
    let nearest = near.indices.min { near[$0] < near[$1] || (near[$0] == near[$1] && $0 < $1) }!
    var chosen = [nearest]
    while chosen.count < min(k, pool.count) {
      var best: (value: Double, index: Int)?
      for c in pool.indices where !chosen.contains(c) {
        let value = objective(chosen + [c])
        if best == nil || value > best!.value + 1e-12 { best = (value, c) }
      }
      chosen.append(best!.index)
    }
    // Swaps, the nearest kept: a few passes of first improvement.
    for _ in 0..<4 {
      var improved = false
      for position in 1..<max(1, chosen.count) {
        var current = objective(chosen)
        for c in pool.indices where !chosen.contains(c) {
          var trial = chosen
          trial[position] = c
          let value = objective(trial)
          if value > current + 1e-12 { chosen = trial; current = value; improved = true }
        }
      }
      if !improved { break }
    }
    return chosen
  }
}

/// One counterfactual as `--json` writes it.
public struct CounterfactualAnswer: Sendable, Equatable, Codable {
  public var values: [String: WhatIfValue]
  public var changed: [String]
  public var prediction: String
  public var probabilities: [String: Double]
  /// DiCE's distance to the query (numeric proximity + categorical proximity).
  public var distance: Double
  /// True: the exact nearest counterfactual that changes only `changed` (exact search on a linear model).
  public var exact: Bool
}

/// DiCE's and CARLA's quality measures of one query's counterfactuals.
public struct CounterfactualMetrics: Sendable, Equatable, Codable {
  public var validity = 0.0
  public var proximityNumeric = 0.0
  public var proximityCategorical = 0.0
  public var sparsity = 0.0
  public var diversityNumeric = 0.0
  public var diversityCategorical = 0.0
  public var countDiversity = 0.0
  public var redundancy = 0.0
  public var violations = 0
  public var seconds = 0.0

  init() {}

  init(quality q: CounterfactualQuality, redundancy: Double, violations: Int) {
    (validity, proximityNumeric, proximityCategorical, sparsity) = (q.validity, q.proximityNumeric, q.proximityCategorical, q.sparsity)
    (diversityNumeric, diversityCategorical, countDiversity) = (q.diversityNumeric, q.diversityCategorical, q.countDiversity)
    (self.redundancy, self.violations) = (redundancy, violations)
  }

  enum CodingKeys: String, CodingKey {
    case validity, sparsity, redundancy, violations, seconds
    case proximityNumeric = "proximity_numeric"
    case proximityCategorical = "proximity_categorical"
    case diversityNumeric = "diversity_numeric"
    case diversityCategorical = "diversity_categorical"
    case countDiversity = "count_diversity"
  }
}

/// One query's answer.
public struct CounterfactualResult: Sendable, Equatable, Codable {
  public struct Original: Sendable, Equatable, Codable {
    public var values: [String: WhatIfValue]
    public var prediction: String
    public var probabilities: [String: Double]
  }

  /// The one relaxation that would let a counterfactual exist, and how near the nearest would then be.
  public struct Relaxation: Sendable, Equatable, Codable {
    /// The constraint's setting (`immutable`, `range`, `allowed`, `increaseOnly`, `decreaseOnly`, `maxChanges`).
    public var constraint: String
    public var column: String?
    public var nearestDistance: Double

    enum CodingKeys: String, CodingKey {
      case constraint, column
      case nearestDistance = "nearest_distance"
    }
  }

  public struct NothingFound: Sendable, Equatable, Codable {
    public var tried: String
    /// nil: no single relaxation helps.
    public var relax: Relaxation?
  }

  public var row: Int
  public var desiredClass: String
  public var original: Original
  public var method: CounterfactualRequest.Method?
  /// Why the search ran rather than an exact method.
  public var searchReason: String?
  public var counterfactuals: [CounterfactualAnswer] = []
  /// The first counterfactual is provably the nearest of all.
  public var nearestIsExact = false
  public var candidatesExamined = 0
  public var metrics = CounterfactualMetrics()
  public var note: String?
  public var notFound: NothingFound?

  init(row: Int, desiredClass: String, original: Original) {
    (self.row, self.desiredClass, self.original) = (row, desiredClass, original)
  }

  enum CodingKeys: String, CodingKey {
    case row, original, method, counterfactuals, metrics, note
    case desiredClass = "desired_class"
    case nearestIsExact = "nearest_is_exact"
    case candidatesExamined = "candidates_examined"
    case notFound = "not_found"
    case searchReason = "search_reason"
  }
}

/// What `candor counterfactual --json` writes: every query, and the metrics aggregated the way DiCE's benchmark
/// does — validity, diversity and time over all queries that needed a change, proximity and sparsity over those
/// that got at least one counterfactual.
public struct CounterfactualBatch: Sendable, Equatable, Encodable, JSONDocument {
  public struct Summary: Sendable, Equatable, Codable {
    public var queries: Int
    public var alreadyDesired: Int
    /// CARLA's success rate: queries (needing a change) with at least one counterfactual.
    public var successRate: Double
    public var metrics: CounterfactualMetrics
    public var seconds: Double
    /// The whole batch's time over the rows that needed a change (a row already of the class costs one call).
    public var secondsPerQuery: Double

    init(_ results: [CounterfactualResult], asked: Int, seconds: Double) {
      let needing = results.filter { $0.note == nil }
      let answered = needing.filter { !$0.counterfactuals.isEmpty }
      func mean(_ of: [CounterfactualResult], _ value: (CounterfactualMetrics) -> Double) -> Double {
        of.isEmpty ? 0 : of.reduce(0) { $0 + value($1.metrics) } / Double(of.count)
      }
      var m = CounterfactualMetrics()
      m.validity = mean(needing, \.validity)
      m.proximityNumeric = mean(answered, \.proximityNumeric)
      m.proximityCategorical = mean(answered, \.proximityCategorical)
      m.sparsity = mean(answered, \.sparsity)
      m.diversityNumeric = mean(needing, \.diversityNumeric)
      m.diversityCategorical = mean(needing, \.diversityCategorical)
      m.countDiversity = mean(needing, \.countDiversity)
      m.redundancy = mean(answered, \.redundancy)
      m.violations = results.reduce(0) { $0 + $1.metrics.violations }
      queries = results.count
      alreadyDesired = results.count - needing.count
      successRate = needing.isEmpty ? 1 : Double(answered.count) / Double(needing.count)
      metrics = m
      self.seconds = seconds
      secondsPerQuery = seconds / Double(max(needing.count, 1))
    }

    enum CodingKeys: String, CodingKey {
      case queries, metrics, seconds
      case alreadyDesired = "already_desired"
      case successRate = "success_rate"
      case secondsPerQuery = "seconds_per_query"
    }
  }

  public var desiredClass: String
  public var queries: [CounterfactualResult]
  public var summary: Summary

  enum CodingKeys: String, CodingKey {
    case queries, summary
    case desiredClass = "desired_class"
  }

  /// Flat: `desired_class`, the summary's keys (`metrics` aggregated, `seconds`, …), then `queries`.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(desiredClass, forKey: .desiredClass)
    try summary.encode(to: encoder)
    try c.encode(queries, forKey: .queries)
  }
}
