import CandorCore
import Foundation

/// A released answer: the noisy values, the interval that holds the noise actually added with probability 95 %,
/// how it was made and what it spent. This is what a ledger keeps to answer the same query again.
public struct QueryAnswer: Sendable, Hashable, Codable {
  public var answer: ReleasedValue
  /// Per value, [lower, upper]: for a count, sum or histogram cell the answer ± the noise's 95 % half-width; for a
  /// mean or variance the range its noisy parts allow when each holds its noise at 1 − 5 %/parts (Bonferroni, so the
  /// true value is inside with probability ≥ 95 %); null for a quantile (see `rankError95`).
  public var interval95: ReleasedValue
  /// For quantiles: with probability ≥ 95 % the released candidate's rank is within this many records of the one
  /// asked for (McSherry & Talwar 2007; Dwork & Roth 2014, Thm. 3.11: 2(ln m + ln 20)/ε for m candidates).
  public var rankError95: Double?
  public var noise: [NoisePart]
  public var events: PrivacyEvent
  /// Drawn from a seeded generator (`--insecure-seed`): reproducible and not private.
  public var insecure: Bool

  enum CodingKeys: String, CodingKey {
    case answer, noise, events, insecure
    case interval95 = "interval_95"
    case rankError95 = "rank_error_95"
  }
}

/// How one part of an answer was noised, in the answer's units.
public struct NoisePart: Sendable, Hashable, Codable {
  /// "count", "sum", "sum of squares", "cells", "quantile 0.5".
  public var part: String
  /// discrete_laplace, discrete_gaussian or exponential (the exponential mechanism over the declared candidates).
  public var kind: String
  /// The noise's standard deviation in the part's units (grid steps × step); nil for the exponential mechanism.
  public var standardDeviation: Double?
  /// The grid step real values were rounded to (randomly, unbiased); 1 for counts.
  public var step: Double
  /// The part's own ε (pure DP) or ρ (zCDP).
  public var epsilon: Double?
  public var rho: Double?

  enum CodingKeys: String, CodingKey {
    case part, kind, step, epsilon, rho
    case standardDeviation = "standard_deviation"
  }
}

/// A query's exact aggregates over the private data — counts, grid sums, histogram cells, ranks per group — ready to
/// be noised. Nothing here is released; `release` adds the noise and returns only noisy values.
/// A query's exact sums over some rows — per group its count, its clamped values' and squares' sums in grid steps,
/// its histogram cells — which add up across the shards of a sharded query (integers: no rounding in the addition).
/// Noise is added once, to the merged sums (`PreparedQuery(_:aggregates:)`, then `release`).
public struct QueryAggregates: Sendable, Equatable, Codable {
  public var rows: Int
  public var counts: [Int64]
  public var sums: [Int64]
  public var squares: [Int64]
  public var cells: [[Int64]]

  public init(rows: Int, counts: [Int64], sums: [Int64], squares: [Int64], cells: [[Int64]]) {
    (self.rows, self.counts, self.sums, self.squares, self.cells) = (rows, counts, sums, squares, cells)
  }

  /// Whether the sums have `query`'s shape (one entry per group, its bins per group), with counts and cells that
  /// are not negative: what a part read from a file is checked for.
  public func fits(_ query: PrivateQuery) -> Bool {
    let (groups, numeric) = Self.shape(query)
    guard rows >= 0, counts.count == groups, counts.allSatisfy({ $0 >= 0 }) else { return false }
    guard sums.count == (numeric ? groups : 0), squares.count == (numeric ? groups : 0) else { return false }
    let bins = query.binCount
    return bins == 0 ? cells.isEmpty : cells.count == groups && cells.allSatisfy { $0.count == bins && $0.allSatisfy { $0 >= 0 } }
  }

  /// How many groups `query` answers, and whether it has value sums (and squares): its sums' shape.
  static func shape(_ query: PrivateQuery) -> (groups: Int, numeric: Bool) {
    (query.by == nil ? 1 : (query.levels?.count ?? 0), PreparedQuery.grids(query).values != nil)
  }

  /// The sums of all `parts`; nil when a sum leaves Int64 (only a forged part can make it).
  public static func adding(_ parts: [QueryAggregates]) -> QueryAggregates? {
    guard var total = parts.first else { return nil }
    func add(_ a: inout [Int64], _ b: [Int64]) -> Bool {
      for k in a.indices {
        let (sum, overflow) = a[k].addingReportingOverflow(b[k])
        if overflow { return false }
        a[k] = sum
      }
      return true
    }
    for part in parts.dropFirst() {
      let (rows, overflow) = total.rows.addingReportingOverflow(part.rows)
      guard !overflow, add(&total.counts, part.counts), add(&total.sums, part.sums), add(&total.squares, part.squares) else { return nil }
      total.rows = rows
      for g in total.cells.indices { guard add(&total.cells[g], part.cells[g]) else { return nil } }
    }
    return total
  }
}

extension PrivateQuery {
  /// Histogram bins or quantile candidates (0 for the other statistics).
  var binCount: Int {
    guard statistic == .histogram || statistic == .quantile else { return 0 }
    return categories?.count ?? max(0, (edges?.count ?? 0) - (statistic == .histogram ? 1 : 0))
  }
}

public struct PreparedQuery: Sendable {
  public let query: PrivateQuery
  /// The groups answered, in declared (sorted) order; [nil] without `by`.
  let groups: [String?]
  var counts: [Int64]
  var sums: [Int64] = []
  var squares: [Int64] = []
  var cells: [[Int64]] = []
  let valueGrid: ValueGrid?
  let squareGrid: ValueGrid?
  /// The midpoint the mean and variance centre values at (public: from the bounds).
  let middle: Double

  /// Reads the query's columns from `table` and aggregates them. Values are clamped to the declared bounds and
  /// rounded to the grid with coins keyed by a seed from `rounding` (any generator: the coins need not be secret).
  /// - Throws: `PrivacyError.invalidSetting` for a query that cannot be answered or a column it cannot use.
  public init(_ query: PrivateQuery, table: Table, rounding: inout SeededRandom) throws(PrivacyError) {
    self.init(query, aggregates: try Self.aggregates(query, table: table, rounding: &rounding))
  }

  /// The query over sums already made (`aggregates(_:table:rounding:)`, or the merge of a sharded run's parts).
  public init(_ query: PrivateQuery, aggregates: QueryAggregates) {
    self.query = query
    groups = query.by == nil ? [nil] : query.levels!
    let (lower, upper) = (query.lower ?? 0, query.upper ?? 1)
    middle = lower / 2 + upper / 2
    (valueGrid, squareGrid) = Self.grids(query)
    counts = aggregates.counts
    if valueGrid != nil { (sums, squares) = (aggregates.sums, aggregates.squares) }
    cells = aggregates.cells
  }

  /// The value grid of a sum, mean or variance, and the grid of a variance's squares.
  static func grids(_ query: PrivateQuery) -> (values: ValueGrid?, squares: ValueGrid?) {
    let (lower, upper) = (query.lower ?? 0, query.upper ?? 1)
    let half = upper / 2 - lower / 2
    // A sum is of the values in [lo, hi]; a mean and a variance centre them at the midpoint first, which halves
    // the sensitivity of their sums (as Google's BoundedMean and BoundedVariance).
    let numeric: Set<PrivateQuery.Statistic> = [.sum, .mean, .variance]
    let grid = !numeric.contains(query.statistic) ? nil : query.statistic == .sum ? ValueGrid(lower: lower, upper: upper) : ValueGrid(lower: -half, upper: half)
    let squared = query.statistic == .variance ? ValueGrid(lower: -half * half / 2, upper: half * half / 2) : nil
    return (grid, squared)
  }

  /// The query's sums over `table`'s rows: what a shard of a sharded query computes, and what the merge adds up.
  /// A value's rounding coin is keyed by the seed `rounding` gives and the row's number, `firstRow` + its row in
  /// `table` (`KeyedRandom`): a shard of rows firstRow … with the same generator rounds each row as the whole run does,
  /// so the merged sums are the unsharded ones, on or off the grid.
  /// - Throws: `PrivacyError.invalidSetting` for a query that cannot be answered or a column it cannot use.
  public static func aggregates(_ query: PrivateQuery, table: Table, rounding: inout SeededRandom, firstRow: Int = 0) throws(PrivacyError) -> QueryAggregates {
    if let invalid = query.invalidSetting { throw .invalidSetting(invalid) }
    let rows = table.rowCount
    // The group of each row: its declared level's index, or −1 (not answered).
    var group: [Int32]?
    if let by = query.by {
      group = Self.codes(of: try Self.column(by, in: table, setting: .groupColumn), declared: query.levels!)
    }
    let values: ContiguousArray<Double>?
    var categoryCodes: [Int32]?
    if let name = query.column {
      let column = try Self.column(name, in: table, setting: .queryColumn)
      if query.statistic == .histogram, let categories = query.categories {
        categoryCodes = Self.codes(of: column, declared: categories)
        values = nil
      } else if query.statistic == .count {
        values = nil
        switch column {
        case let .numeric(numbers): categoryCodes = numbers.values.map { $0.isNaN ? -1 : 0 }
        case let .categorical(text): categoryCodes = text.codes.map { $0 < 0 ? -1 : 0 }
        }
      } else {
        // Cells that are not numbers count as missing, whatever type the reader gave the column: a type inferred
        // from every record would let one record decide whether the query is answered.
        values = column.numbersOrMissing
      }
    } else {
      values = nil
    }
    let groupCount = query.by == nil ? 1 : query.levels!.count
    let (lower, upper) = (query.lower ?? 0, query.upper ?? 1)
    let (grid, squared) = grids(query)
    let binCount = query.binCount
    let partials = Self.aggregate(rows: rows, groupCount: groupCount, binCount: binCount, group: group, values: values, codes: categoryCodes,
                                  statistic: query.statistic, edges: query.edges, bounds: (lower, upper),
                                  shift: query.statistic == .sum ? 0 : lower / 2 + upper / 2, grid: grid, squared: squared, seed: rounding.next(),
                                  firstRow: firstRow)
    return QueryAggregates(rows: rows, counts: partials.counts, sums: grid != nil ? partials.sums : [], squares: grid != nil ? partials.squares : [],
                           cells: binCount == 0 ? [] : (0..<groupCount).map { g in Array(partials.cells[(g * binCount)..<((g + 1) * binCount)]) })
  }

  /// Counts, grid sums and cells per group (cells flattened group-major).
  struct Aggregates: Sendable {
    var counts: [Int64], sums: [Int64], squares: [Int64], cells: [Int64]

    init(groups: Int, bins: Int) {
      counts = [Int64](repeating: 0, count: groups)
      sums = counts
      squares = counts
      cells = [Int64](repeating: 0, count: groups * bins)
    }

    mutating func add(_ other: Aggregates) {
      for k in counts.indices { counts[k] += other.counts[k]; sums[k] += other.sums[k]; squares[k] += other.squares[k] }
      for k in cells.indices { cells[k] += other.cells[k] }
    }
  }

  /// One pass over the rows on every core: row r's coins are keyed by `seed` and its number firstRow + r (stream 0
  /// for its value, 1 for its square), so the result depends on the seed and the rows only, never on scheduling or
  /// on how the rows are split. Histogram bins of equal width are found by division.
  static func aggregate(rows: Int, groupCount: Int, binCount: Int, group: [Int32]?, values: ContiguousArray<Double>?, codes: [Int32]?,
                        statistic: PrivateQuery.Statistic, edges: [Double]?, bounds: (Double, Double), shift: Double,
                        grid: ValueGrid?, squared: ValueGrid?, seed: UInt64, firstRow: Int) -> Aggregates {
    let blocks = rows >= 50_000 ? 2 * ProcessInfo.processInfo.activeProcessorCount : 1
    let results = DisjointWrites(repeating: Aggregates(groups: groupCount, bins: binCount), count: blocks)
    let (lower, upper) = bounds
    let histogram = statistic == .histogram
    // Equal-width edges (as `--bins N` makes them): the bin is ⌊(x − e₀)/w⌋, nudged to respect the edges exactly.
    let width: Double? = edges.flatMap { e in
      e.count > 2 && e == PrivateQuery.equalWidthEdges(lower: e[0], upper: e[e.count - 1], count: e.count - 1) ? (e[e.count - 1] - e[0]) / Double(e.count - 1) : nil
    }
    parallelFor(blocks) { b in
      var part = Aggregates(groups: groupCount, bins: binCount)
      let range = (b * rows / blocks)..<((b + 1) * rows / blocks)
      let half = upper / 2 - lower / 2, offset = half * half / 2
      for r in range {
        var g = 0
        if let group {
          guard group[r] >= 0 else { continue }
          g = Int(group[r])
        }
        switch statistic {
        case .count:
          if let codes, codes[r] < 0 { continue }
          part.counts[g] += 1
        case .sum, .mean, .variance:
          let x = values![r]
          guard !x.isNaN else { continue }
          let centred = min(max(x, lower), upper) - shift
          part.counts[g] += 1
          part.sums[g] += grid!.steps(centred, coin: KeyedRandom.uniform(seed: seed, stream: 0, index: firstRow + r))
          if let squared { part.squares[g] += squared.steps(centred * centred - offset, coin: KeyedRandom.uniform(seed: seed, stream: 1, index: firstRow + r)) }
        case .histogram, .quantile:
          let bin: Int
          if let codes {
            guard codes[r] >= 0 else { continue }
            bin = Int(codes[r])
          } else {
            let x = values![r]
            guard !x.isNaN else { continue }
            if histogram, let width, let e = edges {
              var j = Int(max(0, min(Double(binCount - 1), ((x - e[0]) / width).rounded(.down))))
              while j > 0 && x < e[j] { j -= 1 }
              while j < binCount - 1 && x >= e[j + 1] { j += 1 }
              bin = j
            } else {
              bin = histogram ? Self.bin(of: x, edges: edges!) : Self.firstEdge(atLeast: x, edges: edges!)
            }
          }
          part.counts[g] += 1
          part.cells[g * binCount + bin] += 1
        }
      }
      results[b] = part
    }
    var total = Aggregates(groups: groupCount, bins: binCount)
    for part in results.values { total.add(part) }
    return total
  }

  static func column(_ name: String, in table: Table, setting: Setting) throws(PrivacyError) -> Column {
    guard let column = table[name] else {
      throw .invalidSetting(InvalidSetting(setting, value: name, .because("the data has no such column (it has \(table.columnNames.prefix(12).joined(separator: ", "))\(table.columnNames.count > 12 ? ", …" : ""))")))
    }
    return column
  }

  /// Each row's index among `declared` levels (−1: missing or not declared). A cell matches a level with the same
  /// text, or, when both read as numbers, the same number — the same rows whether the reader judged the column
  /// numeric or text (a type inferred from every record must not decide which rows a group holds).
  static func codes(of column: Column, declared: [String]) -> [Int32] {
    var byNumber: [Double: Int32] = [:]
    for (k, level) in declared.enumerated() { if let value = Column.number(from: level) { byNumber[value] = Int32(k) } }
    switch column {
    case let .categorical(text):
      let byText = Dictionary(declared.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
      let map = text.levels.map { level in byText[level] ?? Column.number(from: level).flatMap { byNumber[$0] } ?? -1 }
      return text.codes.map { $0 < 0 ? -1 : map[Int($0)] }
    case let .numeric(numbers):
      return numbers.values.map { byNumber[$0] ?? -1 }
    }
  }

  /// The histogram bin of x (clamped into the edges): e_j ≤ x < e_{j+1}, the last bin closed.
  static func bin(of x: Double, edges: [Double]) -> Int {
    let last = edges.count - 2
    if x >= edges[last + 1] { return last }
    var (low, high) = (0, last)
    while low < high {
      let middle = (low + high + 1) / 2
      if edges[middle] <= x { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// The first candidate c_j ≥ x (clamped: the last when x is above them all).
  static func firstEdge(atLeast x: Double, edges: [Double]) -> Int {
    var (low, high) = (0, edges.count - 1)
    while low < high {
      let middle = (low + high) / 2
      if edges[middle] >= x { high = middle } else { low = middle + 1 }
    }
    return low
  }

  /// The noise parts the statistic releases (each with its share of the budget) and their sensitivities.
  var parts: [(name: String, sensitivity: Int, step: Double)] {
    switch query.statistic {
    case .count: [("count", 1, 1)]
    case .sum: [("sum", valueGrid!.sensitivity, valueGrid!.step)]
    case .mean: [("count", 1, 1), ("sum", valueGrid!.sensitivity, valueGrid!.step)]
    case .variance: [("count", 1, 1), ("sum", valueGrid!.sensitivity, valueGrid!.step), ("sum of squares", squareGrid!.sensitivity, squareGrid!.step)]
    case .histogram: [("cells", 1, 1)]
    case .quantile: query.quantiles!.map { ("quantile \(formatNumber($0))", 1, 1) }
    }
  }

  /// The noise of each part: the budget split evenly (ε/k each, or ρ/k of the ρ that gives (ε, δ)).
  /// - Throws: `PrivacyError.invalidSetting` when the discrete Gaussian would need more noise than it can draw here.
  func noises() throws(PrivacyError) -> [QueryNoise] {
    let parts = self.parts
    switch query.mechanism {
    case .laplace:
      return parts.map { QueryNoise.laplace(epsilon: query.epsilon / Double(parts.count), sensitivity: $0.sensitivity) }
    case .gaussian:
      let rho = Self.zCDPRho(epsilon: query.epsilon, delta: query.delta) / Double(parts.count)
      var noises: [QueryNoise] = []
      for part in parts {
        guard let noise = QueryNoise.gaussian(rho: rho, sensitivity: part.sensitivity) else {
          throw .invalidSetting(InvalidSetting(.epsilon, value: formatNumber(query.epsilon), .because(
            "the discrete Gaussian for it needs σ above 2²⁴ grid steps; ask for a larger ε or δ, or use the Laplace mechanism")))
        }
        noises.append(noise)
      }
      return noises
    }
  }

  /// The largest ρ whose zCDP guarantee gives at most ε at δ through the RDP conversion at dp_accounting's orders
  /// (Bun & Steinke 2016: (α, ρα)-RDP at every α), by bisection to 1e-12 relative on the side that fits.
  public static func zCDPRho(epsilon: Double, delta: Double) -> Double {
    let orders = RDPAccountant.defaultOrders
    func epsilonOf(_ rho: Double) -> Double { RDPAccountant.epsilon(rdp: orders.map { rho * $0 }, orders: orders, delta: delta).epsilon }
    var (low, high) = (0.0, 1.0)
    while epsilonOf(high) <= epsilon && high < 1e12 { (low, high) = (high, high * 2) }
    while high - low > 1e-12 * high {
      let middle = (low + high) / 2
      if epsilonOf(middle) <= epsilon { low = middle } else { high = middle }
    }
    return low
  }

  /// The noisy answer. Counts, sums and cells get their part's noise; a mean is the midpoint plus noisy sum over
  /// noisy count (at least 1), clamped into the bounds; a variance E[y²] − E[y]² of the centred values from noisy
  /// count, sum and sum of squares, clamped into [0, ((hi − lo)/2)²]; a quantile is the exponential mechanism over
  /// the declared candidates with utility −|#{x ≤ c} − q·n| (sensitivity 1; Smith 2011, "Privacy-preserving
  /// statistical estimation with optimal convergence rates", over a declared grid), sampled exactly.
  /// - Throws: `PrivacyError.invalidSetting` as `noises()`.
  public func release(using random: inout some RandomNumberGenerator, insecure: Bool) throws(PrivacyError) -> QueryAnswer {
    let noises = try self.noises()
    var answers: [ReleasedValue] = [], intervals: [ReleasedValue] = []
    var rankError: Double?
    for g in groups.indices {
      let (answer, interval, rank) = releaseGroup(g, noises: noises, using: &random)
      answers.append(answer)
      intervals.append(interval)
      rankError = rank ?? rankError
    }
    func shaped(_ values: [ReleasedValue]) -> ReleasedValue {
      query.by == nil ? values[0] : .keyed(Dictionary(uniqueKeysWithValues: zip(groups.map { $0! }, values)))
    }
    let parts = self.parts
    var described: [NoisePart] = []
    for (part, noise) in zip(parts, noises) {
      if query.statistic == .quantile {
        described.append(NoisePart(part: part.name, kind: "exponential", standardDeviation: nil, step: 1, epsilon: noise.epsilon, rho: nil))
        continue
      }
      described.append(NoisePart(part: part.name, kind: noise.kind.rawValue, standardDeviation: noise.standardDeviation * part.step, step: part.step,
                                 epsilon: noise.kind == .discreteLaplace ? noise.epsilon : nil,
                                 rho: noise.kind == .discreteGaussian ? noise.rho : nil))
    }
    let events = noises.map(\.event)
    return QueryAnswer(answer: shaped(answers), interval95: shaped(intervals), rankError95: rankError, noise: described,
                       events: events.count == 1 ? events[0] : .composed(events), insecure: insecure)
  }

  private func releaseGroup(_ g: Int, noises: [QueryNoise], using random: inout some RandomNumberGenerator) -> (ReleasedValue, ReleasedValue, Double?) {
    let (lower, upper) = (query.lower ?? 0, query.upper ?? 1)
    func noisy(_ value: Int64, _ noise: QueryNoise) -> Int64 { value + noise.draw(using: &random) }
    switch query.statistic {
    case .count:
      let c = Double(noisy(counts[g], noises[0])), k = Double(noises[0].halfWidth(coverage: 0.95))
      return (.number(c), .interval(c - k, c + k), nil)
    case .sum:
      let step = valueGrid!.step, s = Double(noisy(sums[g], noises[0])), k = Double(noises[0].halfWidth(coverage: 0.95))
      return (.number(s * step), .interval((s - k) * step, (s + k) * step), nil)
    case .mean:
      let c = Double(noisy(counts[g], noises[0])), s = Double(noisy(sums[g], noises[1])), step = valueGrid!.step
      let kc = Double(noises[0].halfWidth(coverage: 1 - 0.05 / 2)), ks = Double(noises[1].halfWidth(coverage: 1 - 0.05 / 2))
      func clamped(_ m: Double) -> Double { min(max(m, lower), upper) }
      let mean = clamped(middle + step * s / max(c, 1))
      guard c - kc >= 1 else { return (.number(mean), .interval(lower, upper), nil) }
      let corners = [(s - ks) / (c - kc), (s - ks) / (c + kc), (s + ks) / (c - kc), (s + ks) / (c + kc)].map { clamped(middle + step * $0) }
      return (.number(mean), .interval(corners.min()!, corners.max()!), nil)
    case .variance:
      let c = Double(noisy(counts[g], noises[0])), s = Double(noisy(sums[g], noises[1])), w = Double(noisy(squares[g], noises[2]))
      let (step, squareStep) = (valueGrid!.step, squareGrid!.step)
      let half = upper / 2 - lower / 2, largest = half * half
      func variance(_ c: Double, _ s: Double, _ w: Double) -> Double {
        let meanSquare = squareStep * w / c + largest / 2, mean = step * s / c
        return min(max(meanSquare - mean * mean, 0), largest)
      }
      let value = variance(max(c, 1), s, w)
      let miss = 1 - 0.05 / 3
      let (kc, ks, kw) = (Double(noises[0].halfWidth(coverage: miss)), Double(noises[1].halfWidth(coverage: miss)), Double(noises[2].halfWidth(coverage: miss)))
      guard c - kc >= 1 else { return (.number(value), .interval(0, largest), nil) }
      // Increasing in w; in s extreme at the ends or 0; in c at the ends or where its derivative vanishes.
      let ss = [s - ks, s + ks] + (s - ks < 0 && s + ks > 0 ? [0] : [])
      var candidates: [Double] = []
      for w in [w - kw, w + kw] {
        for s in ss {
          var cs = [c - kc, c + kc]
          let a = squareStep * w, b = step * s
          if a > 0 { let turn = 2 * b * b / a; if turn > c - kc && turn < c + kc { cs.append(turn) } }
          for c in cs { candidates.append(variance(c, s, w)) }
        }
      }
      return (.number(value), .interval(candidates.min()!, candidates.max()!), nil)
    case .histogram:
      let labels = binLabels, k = Double(noises[0].halfWidth(coverage: 0.95))
      var answer: [String: ReleasedValue] = [:], interval: [String: ReleasedValue] = [:]
      for (j, label) in labels.enumerated() {
        let v = Double(noisy(cells[g][j], noises[0]))
        answer[label] = .number(v)
        interval[label] = .interval(v - k, v + k)
      }
      return (.keyed(answer), .keyed(interval), nil)
    case .quantile:
      let edges = query.edges!
      var answer: [String: ReleasedValue] = [:], interval: [String: ReleasedValue] = [:]
      var rank = 0.0
      for (q, noise) in zip(query.quantiles!, noises) {
        let j = exponentialMechanism(group: g, quantile: q, noise: noise, using: &random)
        answer[formatNumber(q)] = .number(edges[j])
        interval[formatNumber(q)] = ReleasedValue.none
        rank = 2 * (log(Double(edges.count)) + log(20)) / noise.epsilon
      }
      return (.keyed(answer), .keyed(interval), rank)
    }
  }

  /// "[0, 10)", …, "[90, 100]" for numeric edges; the categories for a text column.
  var binLabels: [String] {
    if let categories = query.categories { return categories }
    let edges = query.edges!
    return (0..<(edges.count - 1)).map { j in "[\(formatNumber(edges[j])), \(formatNumber(edges[j + 1]))\(j == edges.count - 2 ? "]" : ")")" }
  }

  /// The exponential mechanism (McSherry & Talwar 2007) sampled exactly: with q ≈ N/2²⁰ and ε' = E/2²⁰ (the part's ε,
  /// rounded down), the utility of candidate j is −U_j/2²⁰ with U_j = |2²⁰·r_j − N·n| an integer, so
  /// P(j) ∝ exp(−E·(U_j − U_min)/2⁴¹); a uniform candidate is accepted with exactly that probability
  /// (`DiscreteNoise.bernoulliExp`), which is the distribution itself — no floating-point weights.
  private func exponentialMechanism(group g: Int, quantile q: Double, noise: QueryNoise, using random: inout some RandomNumberGenerator) -> Int {
    let n = UInt128(counts[g]), scaledQ = UInt128((q * 0x1p20).rounded())
    var ranks: [UInt128] = []
    var below: UInt128 = 0
    for count in cells[g] {
      below += UInt128(count)
      let target = scaledQ * n, scaledRank = below << 20
      ranks.append(scaledRank > target ? scaledRank - target : target - scaledRank)
    }
    let best = ranks.min()!
    // noise.numerator/denominator is 2²⁰/E for a sensitivity of 1.
    let e = UInt128(noise.denominator) * (UInt128(1) << 20) / UInt128(noise.numerator)
    while true {
      let j = Int.random(in: 0..<ranks.count, using: &random)
      if DiscreteNoise.bernoulliExp(e * (ranks[j] - best), over: UInt128(1) << 41, using: &random) { return j }
    }
  }
}
