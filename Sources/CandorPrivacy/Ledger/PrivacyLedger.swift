import CandorCore
import Foundation

/// A privacy budget for one dataset and every spend from it, as events (DESIGN.md: the ledger stores events, not
/// ε, so the whole history is re-accounted — tightly, not summed — and a tighter accountant can re-account it
/// later).
///
/// On disk (`LedgerFile`) it is JSON Lines: the header, then one line per spend. Every line carries the SHA-256 of
/// its own canonical JSON (`sha256`, computed without that field) and of the line before (`previous_sha256`), so
/// a line edited by hand, removed, reordered or cut short is found when the ledger is read.
public struct PrivacyLedger: Sendable, Equatable {
  public struct Header: Sendable, Equatable, Codable {
    public var format = "candor-privacy-ledger"
    public var version = 1
    public var budget: Budget
    public var dataset: Dataset
    public var created: String
    /// The most answers `candor privacy query` may release from the dataset (`--max-queries`); nil: no cap. Missing
    /// from ledgers made without one (their digest is unchanged).
    public var maxReleases: Int?
    public var sha256 = ""

    enum CodingKeys: String, CodingKey {
      case format, version, budget, dataset, created, sha256
      case maxReleases = "max_releases"
    }
  }

  public struct Budget: Sendable, Equatable, Codable {
    public var epsilon: Double
    public var delta: Double

    public init(epsilon: Double, delta: Double) {
      (self.epsilon, self.delta) = (epsilon, delta)
    }
  }

  /// The dataset the budget is for: its file name when the ledger was made, its SHA-256 and its number of records.
  public struct Dataset: Sendable, Equatable, Codable {
    public var file: String
    public var sha256: String
    public var records: Int

    public init(file: String, sha256: String, records: Int) {
      (self.file, self.sha256, self.records) = (file, sha256, records)
    }
  }

  public struct Entry: Sendable, Equatable, Codable {
    public var index: Int
    public var time: String
    /// What spent it: the command (`privacy spend`, `dp-train`) and the user's note.
    public var command: String
    public var note: String
    public var events: PrivacyEvent
    /// The ledger's ε after this entry at the budget's δ, under `accountant`.
    public var epsilonAfter: Double
    /// The accountant that gave `epsilonAfter`: the tightest one; missing in entries written before the ledger
    /// composed under the tightest accountant, whose ε is RDP's.
    public var accountant: String?
    /// For a statistic released by `candor privacy query`: the query and its noisy answer, kept so that the same
    /// query is answered again from here without spending (absent from other entries).
    public var release: Release?
    public var previousSHA256: String
    public var sha256 = ""

    enum CodingKeys: String, CodingKey {
      case index, time, command, note, events, sha256, accountant, release
      case epsilonAfter = "epsilon_after"
      case previousSHA256 = "previous_sha256"
    }
  }

  /// A released statistic: the query in normal form and the answer given.
  public struct Release: Sendable, Equatable, Codable {
    public var query: PrivateQuery
    public var answer: QueryAnswer

    public init(query: PrivateQuery, answer: QueryAnswer) {
      (self.query, self.answer) = (query, answer)
    }
  }

  public var header: Header
  public var entries: [Entry]

  /// A new ledger (its header sealed with its digest).
  public init(budget: Budget, dataset: Dataset, created: String, maxReleases: Int? = nil) {
    header = Header(budget: budget, dataset: dataset, created: created, maxReleases: maxReleases)
    header.sha256 = Self.digest(of: header)
    entries = []
  }

  init(header: Header, entries: [Entry]) {
    self.header = header
    self.entries = entries
  }

  /// Every spend composed.
  public var history: PrivacyEvent { .composed(entries.map(\.events)) }

  /// The ε spent so far at the budget's δ, under every accountant and the tightest.
  public func spentEpsilon() throws(PrivacyError) -> LedgerEpsilon {
    try LedgerEpsilon(history, delta: header.budget.delta)
  }

  /// The ledger with `events` spent, or a refusal when the history and the spend together exceed the budget.
  /// - Throws: `PrivacyError.overBudget` (naming what is spent, what the spend needs and what is left),
  ///   `.unsupportedEvent`, `.invalidSetting` for an event whose parameters are not a mechanism.
  public func spending(_ events: PrivacyEvent, command: String, note: String, time: String, release: Release? = nil) throws(PrivacyError) -> PrivacyLedger {
    if let (place, reason) = events.invalidPart { throw .invalidSetting(.init(.events, value: place, .because(reason))) }
    if release != nil, let cap = header.maxReleases, releaseCount >= cap {
      throw .releaseCapReached(cap: cap)
    }
    let after = try LedgerEpsilon(.composed(entries.map(\.events) + [events]), delta: header.budget.delta)
    guard after.epsilon <= header.budget.epsilon else {
      let before = try spentEpsilon().epsilon, alone = try LedgerEpsilon(events, delta: header.budget.delta).epsilon
      throw .overBudget(budget: header.budget.epsilon, delta: header.budget.delta, spent: before, spend: alone, total: after.epsilon)
    }
    var entry = Entry(index: entries.count + 1, time: time, command: command, note: note, events: events, epsilonAfter: after.epsilon,
                      accountant: after.accountant, release: release, previousSHA256: entries.last?.sha256 ?? header.sha256)
    entry.sha256 = Self.digest(of: entry)
    return PrivacyLedger(header: header, entries: entries + [entry])
  }

  /// How many statistics `candor privacy query` has released from the ledger (each fresh draw counts).
  public var releaseCount: Int { entries.count { $0.release != nil } }

  /// The latest release of `query`, if it was asked before — a private one for a private request, and a seeded
  /// (`--insecure-seed`, not private) one only for a seeded request: a secure query is never served a seeded answer.
  public func release(of query: PrivateQuery, insecure: Bool = false) -> Entry? {
    entries.last { $0.release?.query == query && $0.release?.answer.insecure == insecure }
  }

  /// The ε spent after the last entry, as recorded there (0 for a new ledger): no re-accounting.
  public var recordedSpent: Double { entries.last?.epsilonAfter ?? 0 }

  /// The least noise with which a run (`event` of σ) still fits the budget after the history: calibrated to 1e-6
  /// under RDP on the composed total (the side that fits), then lowered by bisection to 1e-4 relative while the
  /// tightest of RDP and PLD still fits; nil when nothing fits (the history alone is at the budget).
  public func fittingNoise(_ event: @escaping (Double) -> PrivacyEvent) -> FittingNoise? {
    let history = entries.map(\.events), (budget, delta) = (header.budget.epsilon, header.budget.delta)
    guard let found = try? NoiseCalibration.noiseMultiplier(targetEpsilon: budget, delta: delta, tolerance: 1e-6,
                                                             event: { .composed(history + [event($0)]) })
    else { return nil }
    func fits(_ sigma: Double) -> Bool {
      ((try? LedgerEpsilon(.composed(history + [event(sigma)]), delta: delta, accountants: [.rdp, .pld]))?.epsilon ?? .infinity) <= budget
    }
    var (low, high) = (found.noiseMultiplier / 2, found.noiseMultiplier)
    if fits(low) { high = low } else {
      while (high - low) > 1e-4 * high {
        let middle = (low + high) / 2
        if fits(middle) { high = middle } else { low = middle }
      }
    }
    guard let alone = try? LedgerEpsilon(event(high), delta: delta) else { return nil }
    return FittingNoise(noiseMultiplier: high, epsilon: alone.epsilon)
  }

  // MARK: - Digests and lines

  /// SHA-256 of the canonical JSON (sorted keys, compact) of a line without its `sha256`.
  static func digest<Line: Encodable & HasDigest>(of line: Line) -> String {
    var unsealed = line
    unsealed.sha256 = ""
    return SHA256.hex(canonical(unsealed))
  }

  /// One line: sorted keys, no spaces, numbers in their shortest exact form (read back bit for bit).
  static func canonical(_ value: some Encodable) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    // Encoding these plain values cannot fail.
    return (try? encoder.encode(value)) ?? Data()
  }

  /// The file's bytes: the header line, then one line per entry.
  public func encoded() -> Data {
    var data = Self.canonical(header)
    data.append(0x0A)
    for entry in entries {
      data.append(Self.canonical(entry))
      data.append(0x0A)
    }
    return data
  }

  /// Reads and checks a ledger: the header's format, every line's digest and link to the one before, entry
  /// numbers in order, events that are mechanisms.
  /// - Throws: `PrivacyError.corruptLedger` naming the line and what is wrong with it.
  public static func decode(_ data: Data, path: String) throws(PrivacyError) -> PrivacyLedger {
    func corrupt(_ line: Int, _ reason: String) -> PrivacyError { .corruptLedger(path: path, line: line, reason: reason) }
    guard data.last == 0x0A else { throw corrupt(max(1, data.split(separator: 0x0A).count), "the file does not end with a complete line (it was cut short)") }
    let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
    guard let first = lines.first else { throw corrupt(1, "the file is empty") }
    let header: Header
    do {
      header = try CandorJSON.decode(Header.self, from: Data(first))
    } catch {
      throw corrupt(1, "it is not a ledger header")
    }
    guard header.format == "candor-privacy-ledger" else { throw corrupt(1, "its format is '\(printable(header.format))', not candor-privacy-ledger") }
    guard header.version == 1 else { throw corrupt(1, "it is version \(header.version); this candor reads version 1") }
    guard digest(of: header) == header.sha256 else { throw corrupt(1, "its SHA-256 does not match its contents (edited or damaged)") }
    var entries: [Entry] = []
    var previous = header.sha256
    for (k, line) in lines.dropFirst().enumerated() {
      let number = k + 2
      let entry: Entry
      do {
        entry = try CandorJSON.decode(Entry.self, from: Data(line))
      } catch {
        throw corrupt(number, "it is not a ledger entry")
      }
      guard digest(of: entry) == entry.sha256 else { throw corrupt(number, "its SHA-256 does not match its contents (edited or damaged)") }
      guard entry.previousSHA256 == previous else { throw corrupt(number, "it does not follow the line before it (a line was removed, added or reordered)") }
      guard entry.index == k + 1 else { throw corrupt(number, "it is entry \(entry.index), not \(k + 1)") }
      if let (place, reason) = entry.events.invalidPart { throw corrupt(number, "its \(place): \(reason)") }
      entries.append(entry)
      previous = entry.sha256
    }
    return PrivacyLedger(header: header, entries: entries)
  }
}

protocol HasDigest { var sha256: String { get set } }
extension PrivacyLedger.Header: HasDigest {}
extension PrivacyLedger.Entry: HasDigest {}

/// What `candor privacy ledger show` reports: the budget, every spend, and what is spent and left.
public struct LedgerSummary: Sendable, Equatable, Codable, JSONDocument {
  public var budget: PrivacyLedger.Budget
  public var dataset: PrivacyLedger.Dataset
  public var created: String
  /// Every entry as the ledger holds it (with its digests, for an auditor).
  public var spends: [PrivacyLedger.Entry]
  /// The whole history re-accounted at the budget's δ under the tightest accountant.
  public var spentEpsilon: Double
  /// Budget minus spent: what a further spend may bring the total up by, at most (composition is not additive).
  public var remainingEpsilon: Double
  /// The tightest accountant, whose ε is `spentEpsilon`.
  public var accountant: String
  /// The history's ε under each accountant that can account it (PRV: the upper end of its bracket).
  public var spentByAccountant: [String: Double]
  /// Each spend's own ε under each accountant, in entry order (what it would cost alone; the history composes
  /// tighter than their sum).
  public var spendAlone: [SpendEpsilon]

  public struct SpendEpsilon: Sendable, Equatable, Codable {
    public var entry: Int
    public var byAccountant: [String: Double]
    enum CodingKeys: String, CodingKey {
      case entry
      case byAccountant = "epsilon"
    }
  }

  enum CodingKeys: String, CodingKey {
    case budget, dataset, created, spends, accountant
    case spentEpsilon = "spent_epsilon"
    case remainingEpsilon = "remaining_epsilon"
    case spentByAccountant = "spent_by_accountant"
    case spendAlone = "spend_alone"
  }

  public init(_ ledger: PrivacyLedger) throws(PrivacyError) {
    budget = ledger.header.budget
    dataset = ledger.header.dataset
    created = ledger.header.created
    spends = ledger.entries
    let spent = try ledger.spentEpsilon()
    (spentEpsilon, accountant, spentByAccountant) = (spent.epsilon, spent.accountant, spent.byAccountant)
    // A ledger repeats the same runs: each distinct spend is priced once.
    var priced: [PrivacyEvent: [String: Double]] = [:]
    spendAlone = []
    for entry in ledger.entries {
      var values: [String: Double]
      if let known = priced[entry.events] { values = known } else { values = try LedgerEpsilon(entry.events, delta: budget.delta).byAccountant }
      priced[entry.events] = values
      spendAlone.append(SpendEpsilon(entry: entry.index, byAccountant: values))
    }
    remainingEpsilon = max(0, budget.epsilon - spentEpsilon)
  }
}

extension LedgerSummary {
  /// "RDP 1, PLD 0.903742, PRV 0.913795": the accountants that answered, in that order.
  public static func byAccountant(_ values: [String: Double]) -> String {
    ["rdp", "pld", "prv"].compactMap { name in values[name].map { "\(name.uppercased()) \(formatRounded($0))" } }.joined(separator: ", ")
  }
}

/// An event tree's ε under each accountant that can account it, and the tightest: every one is an upper bound on
/// the true ε, so the smallest holds (RDP with exact fractional orders; PLD on a 1e-4 grid; PRV's upper end).
public struct LedgerEpsilon: Sendable, Equatable {
  public var epsilon: Double
  public var accountant: String
  public var byAccountant: [String: Double]

  /// - Throws: `PrivacyError.unsupportedEvent` when no accountant can account the tree (the first one's reason).
  public init(_ event: PrivacyEvent, delta: Double, accountants: [EpsilonRequest.Accountant] = [.rdp, .pld, .prv]) throws(PrivacyError) {
    var values: [String: Double] = [:]
    var firstError: PrivacyError?
    // A ledger repeats the same runs: k equal spends are one event repeated k times, which PLD self-composes with
    // one FFT power instead of k convolutions (the same distribution, up to its tail truncation).
    let merged = Self.mergingRepeats(event)
    for accountant in accountants {
      var request = EpsilonRequest(event: merged, delta: delta)
      request.accountant = accountant
      do throws(PrivacyError) {
        let value = try request.run().epsilon
        // A value that is not a number bounds nothing.
        if !value.isNaN { values[accountant.rawValue] = value }
      } catch { firstError = firstError ?? error }
    }
    // The first of the tied smallest, in the accountants' order.
    guard let tightest = accountants.map(\.rawValue).filter({ values[$0] != nil }).min(by: { values[$0]! < values[$1]! }) else {
      throw firstError ?? .unsupportedEvent(accountant: "any", part: event.shortDescription, reason: "no accountant gives a number for its ε")
    }
    (epsilon, accountant, byAccountant) = (values[tightest]!, tightest, values)
  }

  /// A composition with equal parts gathered: each distinct part once, repeated as often as it occurs, in the order
  /// of first occurrence.
  static func mergingRepeats(_ event: PrivacyEvent) -> PrivacyEvent {
    guard case let .composed(parts) = event, parts.count > 1 else { return event }
    var order: [PrivacyEvent] = [], counts: [PrivacyEvent: Int] = [:]
    for part in parts {
      if counts[part] == nil { order.append(part) }
      counts[part, default: 0] += 1
    }
    if order.count == parts.count { return event }
    return .composed(order.map { counts[$0]! == 1 ? $0 : .repeated($0, times: counts[$0]!) })
  }
}
