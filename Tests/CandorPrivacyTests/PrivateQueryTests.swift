import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// `candor privacy query`'s statistics: exact aggregates, unbiased noisy answers, intervals that hold the noise,
/// events that spend what the answer says, and the ledger's repeat control.
@Suite struct PrivateQueryTests {
  nonisolated(unsafe) static let adult = try! Fixtures.adult("train")
  nonisolated(unsafe) static let queryEvents = PrivacyFixtures.file("query_events.json")["cases"] as! [[String: Any]]
  static var ages: [Double] { Array(Self.adult["age"].flatMap { if case let .numeric(c) = $0 { Array(c.values) } else { nil } }!) }
  static var hours: [Double] { Array(Self.adult["hours_per_week"].flatMap { if case let .numeric(c) = $0 { Array(c.values) } else { nil } }!) }

  static func release(_ query: PrivateQuery, seed: UInt64) throws -> QueryAnswer {
    var rounding = SeededRandom(seed: seed, stream: 0), noise = SeededRandom(seed: seed, stream: 1)
    return try PreparedQuery(query, table: adult, rounding: &rounding).release(using: &noise, insecure: true)
  }

  // dp_accounting 0.6.0 (make_query_events.py): RdpAccountant for the zCDP trees, PLDAccountant(1e-4) for the
  // discrete Laplace ones (neither library's other accountant takes them).
  @Test("the events a query records: zCDP trees under RDP within 1e-9 relative of dp_accounting (ε and order), discrete-Laplace grid sums under PLD within 2e-4 of it and never below it by more",
        arguments: queryEvents.map { $0["id"] as! String })
  func recordedEvents(_ id: String) throws {
    let c = Self.queryEvents.first { $0["id"] as? String == id }!
    let event = try PrivacyFixtures.event(c["event"])
    let back = try PrivacyEvent.decode(try JSONEncoder().encode(event), path: "round trip")
    #expect(back == event)
    if let expected = c["rdp_epsilon"] as? Double {
      var rdp = RDPAccountant(fractionalOrders: .dpAccounting)
      try rdp.compose(event)
      let (epsilon, order) = rdp.epsilon(delta: 1e-5)
      #expect(abs(epsilon - expected) <= 1e-9 * expected, "\(epsilon) vs \(expected)")
      #expect(order == c["rdp_optimal_order"] as? Double)
      #expect(throws: PrivacyError.self) { var pld = PLDAccountant(); try pld.compose(event) }
      #expect(throws: PrivacyError.self) { _ = try PRVAccountant().epsilon(event, delta: 1e-5) }
      #expect(try LedgerEpsilon(event, delta: 1e-5).accountant == "rdp")
    } else {
      let expected = c["pld_epsilon"] as! Double
      var pld = PLDAccountant()
      try pld.compose(event)
      let epsilon = pld.epsilon(delta: 1e-5)
      #expect(epsilon >= expected - 2e-4 && epsilon <= expected + 2e-4, "\(epsilon) vs \(expected)")
    }
  }

  @Test("exact aggregates on Adult: counts by sex, a histogram's cells and a grid sum equal the data's (the sum within n·γ/2 of the clamped sum)")
  func exactAggregates() throws {
    var rounding = SeededRandom(seed: 1)
    let count = try PreparedQuery(PrivateQuery(statistic: .count, by: "sex", levels: ["Male", "Female"], epsilon: 1), table: Self.adult, rounding: &rounding)
    #expect(count.counts == [10771, 21790])  // Female, Male (sorted)
    let histogram = try PreparedQuery(PrivateQuery(statistic: .histogram, column: "age", edges: [20, 40, 60], epsilon: 1), table: Self.adult, rounding: &rounding)
    let ages = Self.ages
    #expect(histogram.cells[0] == [Int64(ages.count { $0 < 40 }), Int64(ages.count { $0 >= 40 })])
    let sum = try PreparedQuery(PrivateQuery(statistic: .sum, column: "age", lower: 20, upper: 60, epsilon: 1), table: Self.adult, rounding: &rounding)
    let grid = sum.valueGrid!
    let clamped = ages.reduce(0) { $0 + min(max($1, 20), 60) }
    #expect(grid.step == 0x1p-10 && grid.sensitivity == 61440)
    #expect(abs(Double(sum.sums[0]) * grid.step - clamped) <= Double(ages.count) * grid.step / 2)
  }

  @Test("equal-width bins found by division (20 bins of age, and 7 of a range that does not divide evenly) equal the binary search's, row for row summed")
  func equalWidthBins() throws {
    var rounding = SeededRandom(seed: 1)
    for edges in [PrivateQuery.equalWidthEdges(lower: 0, upper: 100, count: 20), PrivateQuery.equalWidthEdges(lower: 17.3, upper: 90.1, count: 7)] {
      let prepared = try PreparedQuery(PrivateQuery(statistic: .histogram, column: "age", edges: edges, epsilon: 1), table: Self.adult, rounding: &rounding)
      var expected = [Int64](repeating: 0, count: edges.count - 1)
      for x in Self.ages { expected[PreparedQuery.bin(of: x, edges: edges)] += 1 }
      #expect(prepared.cells[0] == expected)
    }
  }

  @Test("histogram bins: e_j ≤ x < e_{j+1}, the last closed, values outside in the end bins; quantile candidates: the first c ≥ x")
  func bins() {
    let edges = [0.0, 10, 20, 30]
    #expect([-5.0, 0, 9.99, 10, 29.9, 30, 99].map { PreparedQuery.bin(of: $0, edges: edges) } == [0, 0, 0, 1, 2, 2, 2])
    #expect([-5.0, 0, 0.5, 10, 29.9, 30, 99].map { PreparedQuery.firstEdge(atLeast: $0, edges: edges) } == [0, 0, 1, 1, 3, 3, 3])
  }

  @Test("noisy count, sum and mean are unbiased: the average of 400 seeded releases at ε = 0.05 within 3 standard errors of the true value")
  func unbiased() throws {
    let ages = Self.ages, n = Double(ages.count)
    let queries: [(PrivateQuery, Double)] = [
      (PrivateQuery(statistic: .count, epsilon: 0.05), n),
      (PrivateQuery(statistic: .sum, column: "age", lower: 0, upper: 100, epsilon: 0.05), ages.reduce(0, +)),
      (PrivateQuery(statistic: .mean, column: "age", lower: 0, upper: 100, epsilon: 0.05), ages.reduce(0, +) / n),
    ]
    for (query, truth) in queries {
      let draws = try (0..<400).map { try Self.release(query, seed: UInt64($0)).answer.number! }
      let mean = draws.reduce(0, +) / 400
      let sd = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 399).squareRoot()
      #expect(abs(mean - truth) <= 3 * sd / 20, "\(query.description): \(mean) vs \(truth), sd \(sd)")
    }
  }

  @Test("the 95 % intervals hold the true count, mean and variance in at least 92 % of 400 seeded releases (Laplace and Gaussian)")
  func coverage() throws {
    let ages = Self.ages, hours = Self.hours, n = Double(ages.count)
    let mean = ages.reduce(0, +) / n, hoursMean = hours.reduce(0, +) / n
    let variance = hours.map { ($0 - hoursMean) * ($0 - hoursMean) }.reduce(0, +) / n
    let queries: [(PrivateQuery, Double)] = [
      (PrivateQuery(statistic: .count, epsilon: 0.1), n),
      (PrivateQuery(statistic: .mean, column: "age", lower: 0, upper: 100, epsilon: 0.02), mean),
      (PrivateQuery(statistic: .mean, column: "age", lower: 0, upper: 100, epsilon: 0.05, delta: 1e-6, mechanism: .gaussian), mean),
      (PrivateQuery(statistic: .variance, column: "hours_per_week", lower: 0, upper: 100, epsilon: 0.05), variance),
    ]
    for (query, truth) in queries {
      var inside = 0
      for seed in 0..<400 {
        guard case let .interval(lo, hi) = try Self.release(query, seed: UInt64(seed)).interval95 else { Issue.record("no interval"); return }
        if lo <= truth && truth <= hi { inside += 1 }
      }
      #expect(inside >= 368, "\(query.description) \(query.mechanism): \(inside) of 400")
    }
  }

  @Test("a half-width is the smallest k with P(|noise| > k) ≤ 5 %: discrete Laplace by its closed form, discrete Gaussian by its summed tail")
  func halfWidths() {
    for epsilon in [0.01, 0.3, 1, 5] {
      let noise = QueryNoise.laplace(epsilon: epsilon, sensitivity: 1), a = Double(noise.denominator) / Double(noise.numerator)
      let k = Double(noise.halfWidth(coverage: 0.95))
      func beyond(_ k: Double) -> Double { 2 * exp(-a * (k + 1)) / (1 + exp(-a)) }
      #expect(beyond(k) <= 0.05 && (k == 0 || beyond(k - 1) > 0.05), "ε \(epsilon): k \(k)")
    }
    for rho in [0.5, 0.02, 1e-4] {
      let noise = QueryNoise.gaussian(rho: rho, sensitivity: 1)!, variance = noise.value
      let k = Int(noise.halfWidth(coverage: 0.95)), reach = Int(60 * variance.squareRoot()) + 5
      let mass = (-reach...reach).map { exp(-Double($0 * $0) / (2 * variance)) }, total = mass.reduce(0, +)
      func beyond(_ k: Int) -> Double { (-reach...reach).filter { abs($0) > k }.map { mass[$0 + reach] }.reduce(0, +) / total }
      #expect(beyond(k) <= 0.05 + 1e-12 && (k == 0 || beyond(k - 1) > 0.05 - 1e-12), "ρ \(rho): k \(k)")
    }
  }

  @Test("the events spend what the answer says: pure ε of a Laplace query's parts adds to ε; a Gaussian query's zCDP gives at most ε at its δ and within 1e-6 of it")
  func eventsMatchEpsilon() throws {
    for statistic in [PrivateQuery.Statistic.count, .mean, .variance] {
      let query = PrivateQuery(statistic: statistic, column: "age", lower: statistic == .count ? nil : 0, upper: statistic == .count ? nil : 100, epsilon: 0.75)
      let answer = try Self.release(query, seed: 3)
      let parts: [PrivacyEvent] = if case let .composed(list) = answer.events { list } else { [answer.events] }
      let pure = parts.map { (part: PrivacyEvent) -> Double in if case let .discreteLaplace(a, s) = part { a * Double(s) } else { Double.nan } }.reduce(0, +)
      #expect(pure >= 0.75 && pure <= 0.75 * (1 + 1e-12), "\(statistic): \(pure)")
      var gaussian = query
      (gaussian.delta, gaussian.mechanism) = (1e-6, .gaussian)
      var rdp = RDPAccountant()
      try rdp.compose(try Self.release(gaussian, seed: 3).events)
      let epsilon = rdp.epsilon(delta: 1e-6).epsilon
      #expect(epsilon <= 0.75 && epsilon >= 0.75 * (1 - 1e-6), "\(statistic) gaussian: \(epsilon)")
    }
  }

  @Test("quantiles by the exponential mechanism: at ε = 50 the candidate that minimises |#{x ≤ c} − qn| (age 37 for the median, 57 for p90); at ε = 0.2 the rank within its 95 % bound in at least 90 % of 100 releases")
  func quantiles() throws {
    let ages = Self.ages.sorted(), n = Double(ages.count)
    func best(_ q: Double) -> Double {
      (0...100).map(Double.init).min { a, b in abs(Double(ages.count { $0 <= a }) - q * n) < abs(Double(ages.count { $0 <= b }) - q * n) }!
    }
    #expect(best(0.5) == 37 && best(0.9) == 57)
    let sharp = try Self.release(PrivateQuery(statistic: .quantile, column: "age", edges: (0...100).map(Double.init), quantiles: [0.5, 0.9], epsilon: 50), seed: 1)
    #expect(sharp.answer["0.5"]?.number == 37 && sharp.answer["0.9"]?.number == 57)
    var within = 0
    let query = PrivateQuery(statistic: .quantile, column: "age", edges: (0...100).map(Double.init), quantiles: [0.5], epsilon: 0.2)
    for seed in 0..<100 {
      let answer = try Self.release(query, seed: UInt64(seed))
      let chosen = answer.answer["0.5"]!.number!
      let rank = Double(ages.count { $0 <= chosen })
      // The grid's own best is 37 (rank error of the best candidate counted in).
      let best = abs(Double(ages.count { $0 <= 37 }) - 0.5 * n)
      if abs(rank - 0.5 * n) <= best + answer.rankError95! { within += 1 }
    }
    #expect(within >= 90, "\(within) of 100")
  }

  @Test("bad queries are refused before the data or the ledger is touched, each naming its setting",
        arguments: [
          (PrivateQuery(statistic: .mean, column: "age", lower: 0, upper: 100, epsilon: 0), Setting.epsilon),
          (PrivateQuery(statistic: .mean, column: "age", lower: 100, upper: 0, epsilon: 1), .bounds),
          (PrivateQuery(statistic: .mean, column: "age", epsilon: 1), .bounds),
          (PrivateQuery(statistic: .mean, epsilon: 1), .queryColumn),
          (PrivateQuery(statistic: .count, by: "sex", epsilon: 1), .groupLevels),
          (PrivateQuery(statistic: .count, epsilon: 1, delta: 1e-6), .delta),
          (PrivateQuery(statistic: .count, epsilon: 1, mechanism: .gaussian), .delta),
          (PrivateQuery(statistic: .histogram, column: "age", epsilon: 1), .bins),
          (PrivateQuery(statistic: .histogram, column: "age", edges: [3, 2], epsilon: 1), .bins),
          (PrivateQuery(statistic: .quantile, column: "age", edges: [1, 2], quantiles: [1.5], epsilon: 1), .quantiles),
          (PrivateQuery(statistic: .quantile, column: "age", edges: [1, 2], quantiles: [0.5], epsilon: 1, delta: 1e-6, mechanism: .gaussian), .mechanism),
          (PrivateQuery(statistic: .count, epsilon: 1e-7), .epsilon),
        ])
  func refused(_ query: PrivateQuery, _ setting: Setting) {
    #expect(query.invalidSetting?.setting == setting, "\(query)")
  }

  @Test("an unknown column is refused by name; no other check depends on the data (an inferred type, which values occur)")
  func columnsRefused() {
    var rounding = SeededRandom(seed: 1)
    #expect { try PreparedQuery(PrivateQuery(statistic: .count, column: "agee", epsilon: 1), table: Self.adult, rounding: &rounding) } throws: {
      "\($0)".contains("the data has no such column")
    }
  }

  @Test("a column's inferred type never decides a query: a text cell among numbers counts as missing, levels match by text or by number alike, and neighbours get the same aggregates")
  func typeIndependent() throws {
    // Neighbours: the second has one record more, whose text cells turn both columns from numbers into text.
    let numeric = try CSVReader.parse(Data("x,g\n1,17\n2.5,17.0\n4,18\n7,19\n".utf8), source: "a.csv")
    let mixed = try CSVReader.parse(Data("x,g\n1,17\n2.5,17.0\n4,18\n7,19\nAlice,Bob\n".utf8), source: "b.csv")
    #expect(numeric["x"]!.isNumeric && numeric["g"]!.isNumeric && !mixed["x"]!.isNumeric && !mixed["g"]!.isNumeric)
    for statistic: PrivateQuery.Statistic in [.count, .sum, .mean, .variance] {
      let query = PrivateQuery(statistic: statistic, column: "x", by: "g", levels: ["17", "18.0", "Bob"], lower: statistic == .count ? nil : 0,
                               upper: statistic == .count ? nil : 10, epsilon: 1)
      var (first, second) = (SeededRandom(seed: 4), SeededRandom(seed: 4))
      let a = try PreparedQuery(query, table: numeric, rounding: &first), b = try PreparedQuery(query, table: mixed, rounding: &second)
      #expect(a.groups == ["17", "18.0", "Bob"])
      // "17" matches 17 and "17.0"; "18.0" matches 18; "Bob" matches the added record only (a count of its column's cells).
      #expect(a.counts == [2, 1, 0], "\(statistic)")
      #expect(b.counts == (statistic == .count ? [2, 1, 1] : [2, 1, 0]), "\(statistic)")
      #expect(a.sums == b.sums && a.squares == b.squares, "\(statistic)")
    }
    for levels in [["17", "17.0"], ["1e1", "10"]] {
      let query = PrivateQuery(statistic: .count, by: "g", levels: levels, epsilon: 1)
      #expect(query.invalidSetting?.message(naming: \.rawValue).contains("the two name one number") == true)
    }
  }

  /// A temporary folder with a ledger of budget ε (δ = 1e-5) for the Adult sample, the sample's bytes and the ledger's path.
  static func ledgerFolder(epsilon: Double, maxReleases: Int? = nil) throws -> (URL, Data, String) {
    let folder = try temporaryDirectory()
    let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.sample("adult_train.csv")))
    let ledgerPath = folder.appendingPathComponent("l.jsonl").path
    try LedgerFile.create(PrivacyLedger(budget: .init(epsilon: epsilon, delta: 1e-5), dataset: .init(file: "adult_train.csv", sha256: SHA256.hex(data), records: 32561),
                                        created: "t", maxReleases: maxReleases), at: ledgerPath)
    return (folder, data, ledgerPath)
  }

  @Test("the ledger answers a repeated query from itself (same answer, nothing spent, file unchanged), --fresh spends again, the cap and the budget refuse leaving the file as it was")
  func repeatControl() throws {
    let (folder, data, ledgerPath) = try Self.ledgerFolder(epsilon: 1, maxReleases: 3)
    defer { try? FileManager.default.removeItem(at: folder) }
    func ask(_ query: PrivateQuery, fresh: Bool = false, seed: UInt64 = 1) throws -> QueryResult {
      var request = PrivateQueryRequest(query: query, data: data, dataPath: "adult_train.csv", ledgerPath: ledgerPath, time: "t")
      (request.fresh, request.randomness) = (fresh, .insecureSeed(seed))
      return try request.run()
    }
    let mean = PrivateQuery(statistic: .mean, column: "age", lower: 17, upper: 90, epsilon: 0.3)
    let first = try ask(mean)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: ledgerPath))
    let again = try ask(PrivateQuery(statistic: .mean, column: "age", lower: 17, upper: 90, epsilon: 0.3), seed: 2)
    #expect(!first.cached && again.cached && again.answer == first.answer && again.entry == 1 && again.remaining == first.remaining)
    #expect(try Data(contentsOf: URL(fileURLWithPath: ledgerPath)) == bytes)
    let fresh = try ask(mean, fresh: true, seed: 2)
    #expect(!fresh.cached && fresh.entry == 2 && fresh.answer != first.answer && fresh.remaining.epsilon < first.remaining.epsilon)
    // Levels in another order are the same query.
    let count = try ask(PrivateQuery(statistic: .count, by: "sex", levels: ["Male", "Female"], epsilon: 0.1))
    #expect(try ask(PrivateQuery(statistic: .count, by: "sex", levels: ["Female", "Male"], epsilon: 0.1)).cached)
    #expect(count.entry == 3)
    let full = try Data(contentsOf: URL(fileURLWithPath: ledgerPath))
    #expect(throws: PrivacyError.releaseCapReached(cap: 3)) { _ = try ask(PrivateQuery(statistic: .count, epsilon: 0.1)) }
    #expect(try ask(mean).cached)
    #expect(try Data(contentsOf: URL(fileURLWithPath: ledgerPath)) == full)
    // Another dataset.
    var other = PrivateQueryRequest(query: mean, data: data + Data("1,a\n".utf8), dataPath: "other.csv", ledgerPath: ledgerPath, time: "t")
    other.randomness = .insecureSeed(1)
    #expect { try other.run() } throws: { "\($0)".contains("is not the dataset of the ledger") }
  }

  @Test("a query the budget cannot take is refused with what is left, and the ledger is unchanged")
  func overBudget() throws {
    let (folder, data, ledgerPath) = try Self.ledgerFolder(epsilon: 0.5)
    defer { try? FileManager.default.removeItem(at: folder) }
    var request = PrivateQueryRequest(query: PrivateQuery(statistic: .count, epsilon: 0.4), data: data, dataPath: "a", ledgerPath: ledgerPath, time: "t")
    request.randomness = .insecureSeed(1)
    _ = try request.run()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: ledgerPath))
    request.query = PrivateQuery(statistic: .sum, column: "age", lower: 0, upper: 100, epsilon: 0.4)
    #expect { try request.run() } throws: { "\($0)".contains("Nothing was spent; at most ε = 0.1") }
    #expect(try Data(contentsOf: URL(fileURLWithPath: ledgerPath)) == bytes)
  }

  @Test("the sums of any split of the rows, each part keyed by its first row's number, add up to the whole's exactly — values rounded to the grid included (a variance of Adult's ages over bounds 17:90.3, by sex)",
        arguments: [[0, 32_561], [0, 1, 32_561], [0, 12_345, 32_561], [0, 5_000, 20_000, 32_560, 32_561]])
  func splitsAddUp(_ cuts: [Int]) throws {
    let query = PrivateQuery(statistic: .variance, column: "age", by: "sex", levels: ["Female", "Male"], lower: 17, upper: 90.3,
                             edges: nil, categories: nil, quantiles: nil, epsilon: 1, delta: 0, mechanism: .laplace)
    var rounding = SeededRandom(seed: 8, stream: 0)
    let whole = try PreparedQuery.aggregates(query, table: Self.adult, rounding: &rounding)
    let parts = try zip(cuts, cuts.dropFirst()).map { start, end in
      var same = SeededRandom(seed: 8, stream: 0)
      return try PreparedQuery.aggregates(query, table: Self.adult.selecting(rows: Array(start..<end)), rounding: &same, firstRow: start)
    }
    #expect(QueryAggregates.adding(parts) == whole)
    // Centred at the bounds' midpoint 53.65, the ages are off the grid: coins decide, and another seed gives other sums.
    var other = SeededRandom(seed: 9, stream: 0)
    #expect(try PreparedQuery.aggregates(query, table: Self.adult, rounding: &other) != whole)
  }
}
