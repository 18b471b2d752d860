import CandorCore
import Foundation

/// `candor privacy query` as a library call: answer a statistic of a ledger's dataset with exact discrete noise,
/// spending from the ledger — or, when the same query was answered before, give that answer again and spend nothing.
///
/// Repeat control: the ledger keys every release by the query in normal form (`PrivateQuery`: statistic, columns,
/// declared bounds, bins and levels, ε, δ, mechanism) on its own dataset (its SHA-256). Asking again returns the
/// stored answer, so noise cannot be averaged away by asking twice; `fresh` draws anew and spends again. A ledger
/// made with `maxReleases` refuses fresh releases past the cap (cached answers are still given).
public struct PrivateQueryRequest {
  public var query: PrivateQuery
  /// The dataset file's bytes and its name for messages: its digest must be the ledger's.
  public var data: Data
  public var dataPath: String
  public var ledgerPath: String
  public var fresh = false
  public var randomness: DPSGD.Randomness = .secure
  /// Accept a Gaussian query's δ of at least 1/n.
  public var allowLargeDelta = false
  public var time: String
  /// Called as each step ends ("parse": the CSV read; "statistic": the aggregates; "release": noised and written
  /// to the ledger), for timing.
  public var stepDone: (String) -> Void = { _ in }

  public init(query: PrivateQuery, data: Data, dataPath: String, ledgerPath: String, time: String) {
    (self.query, self.data, self.dataPath, self.ledgerPath, self.time) = (query, data, dataPath, ledgerPath, time)
  }

  /// - Throws: `PrivacyError` (a query that cannot be answered, another dataset, over budget, the release cap, a
  ///   damaged ledger) or the CSV reader's `TableError`; the ledger is then unchanged.
  public func run() throws -> QueryResult {
    try answer(digest: SHA256.hex(data)) { rounding in
      let table = try CSVReader.parse(data, source: dataPath)
      stepDone("parse")
      return try PreparedQuery.aggregates(query, table: table, rounding: &rounding)
    }
  }

  /// A sharded query's answer from the sum of its parts' sums (`candor merge`; `QueryAggregates.adding`): the same
  /// checks, cache and spend as `run`, the noise drawn once, here, for the merged sums. `digest` is the data file's
  /// SHA-256 the parts recorded. The sums must fit the query (`fits`), as the merge checks of every part it reads.
  public func run(merged total: QueryAggregates, digest: String) throws -> QueryResult {
    precondition(total.fits(query), "sums of another query's shape")
    return try answer(digest: digest) { _ in total }
  }

  /// The answer of the data whose SHA-256 is `digest`: the ledger's stored one, or the sums `aggregate` makes
  /// (given the rounding coins) released with fresh noise and spent, under the ledger's lock.
  private func answer(digest: String, aggregate: (inout SeededRandom) throws -> QueryAggregates) throws -> QueryResult {
    if let invalid = query.invalidSetting { throw PrivacyError.invalidSetting(invalid) }
    let before = try LedgerFile.read(ledgerPath)
    try checkDigest(digest, of: before)
    let insecure = if case .insecureSeed = randomness { true } else { false }
    if !fresh, let entry = before.release(of: query, insecure: insecure) { return QueryResult(query: query, entry: entry, cached: true, ledger: before) }
    // Coins for rounding values to the grid need no secrecy; the noise comes from `noise`.
    var noise: any RandomNumberGenerator = switch randomness {
    case .secure: BufferedSystemRandom()
    case let .insecureSeed(seed): SeededRandom(seed: seed, stream: 1)
    }
    var rounding = switch randomness {
    case .secure: SeededRandom(seed: noise.next())
    case let .insecureSeed(seed): SeededRandom(seed: seed, stream: 0)
    }
    let aggregates = try aggregate(&rounding)
    if query.mechanism == .gaussian && !allowLargeDelta && aggregates.rows > 0 && query.delta >= 1 / Double(aggregates.rows) {
      throw PrivacyError.deltaTooLarge(delta: query.delta, records: aggregates.rows)
    }
    let prepared = PreparedQuery(query, aggregates: aggregates)
    stepDone("statistic")
    let command = switch randomness {
    case .secure: "privacy query"
    case let .insecureSeed(seed): "privacy query --insecure-seed \(seed) (NOT private)"
    }
    var cached = false
    let after = try LedgerFile.update(ledgerPath) { (current) throws(PrivacyError) -> PrivacyLedger in
      try checkDigest(digest, of: current)
      // Another process may have released it since the first look.
      if !fresh, current.release(of: query, insecure: insecure) != nil {
        cached = true
        return current
      }
      let answer = try prepared.release(using: &noise, insecure: insecure)
      return try current.spending(answer.events, command: command, note: query.description, time: time,
                                  release: .init(query: query, answer: answer))
    }
    stepDone("release")
    let entry = cached ? after.release(of: query, insecure: insecure)! : after.entries.last!
    return QueryResult(query: query, entry: entry, cached: cached, ledger: after)
  }

  private func checkDigest(_ digest: String, of ledger: PrivacyLedger) throws(PrivacyError) {
    guard digest == ledger.header.dataset.sha256 else {
      throw .datasetMismatch(path: dataPath, ledger: ledgerPath, expected: ledger.header.dataset.sha256, found: digest)
    }
  }
}

/// What `candor privacy query --json` writes.
public struct QueryResult: Sendable, Equatable, Codable, JSONDocument {
  public var statistic: String
  public var column: String?
  public var by: String?
  public var answer: ReleasedValue
  public var interval95: ReleasedValue
  public var rankError95: Double?
  public var epsilon: Double
  public var delta: Double
  public var mechanism: String
  /// True when the answer is the ledger's stored one and nothing was spent.
  public var cached: Bool
  public var events: PrivacyEvent
  public var noise: [NoisePart]
  public var insecure: Bool
  /// The ledger entry that holds the release.
  public var entry: Int
  public var released: String
  public var remaining: Remaining
  public var bounds: [Double]?
  public var query: PrivateQuery

  public struct Remaining: Sendable, Equatable, Codable {
    /// Budget minus the ε the ledger's whole history spends (at the budget's δ, tightest accountant).
    public var epsilon: Double
    /// The budget's δ, at which every ε of the ledger is measured.
    public var delta: Double
  }

  enum CodingKeys: String, CodingKey {
    case statistic, column, by, answer, epsilon, delta, mechanism, cached, events, noise, insecure, entry, released, remaining, bounds, query
    case interval95 = "interval_95"
    case rankError95 = "rank_error_95"
  }

  /// The result of `query`, released in `entry` (which must hold a release) of `ledger`.
  public init(query: PrivateQuery, entry: PrivacyLedger.Entry, cached: Bool, ledger: PrivacyLedger) {
    let answer = entry.release!.answer
    statistic = query.statistic.rawValue
    column = query.column
    by = query.by
    self.answer = answer.answer
    interval95 = answer.interval95
    rankError95 = answer.rankError95
    epsilon = query.epsilon
    delta = query.delta
    mechanism = query.statistic == .quantile ? "exponential" : query.mechanism.rawValue
    self.cached = cached
    events = answer.events
    noise = answer.noise
    insecure = answer.insecure
    self.entry = entry.index
    released = entry.time
    remaining = Remaining(epsilon: max(0, ledger.header.budget.epsilon - ledger.recordedSpent), delta: ledger.header.budget.delta)
    bounds = query.lower.map { [$0, query.upper!] }
    self.query = query
  }
}
