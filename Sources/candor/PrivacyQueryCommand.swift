import ArgumentParser
import CandorCore
import CandorPrivacy
import CandorReport
import Foundation

struct PrivacyQuery: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "query",
    abstract: "Answer a statistic of a ledger's dataset with exact discrete noise, spending from the ledger; the same query again is answered from the ledger for free.",
    discussion: """
      Statistics: count (rows, or rows with a value in --column), sum, mean, variance (need --bounds lo:hi; values \
      are clamped into them and the bounds set the noise), histogram (declared --bins: a number of equal bins over \
      --bounds, the edges, or a text column's categories; values outside go to the end bins, undeclared categories \
      to none) and quantile (--quantiles 0.5,0.9: the exponential mechanism over --bins candidates, pure ε-DP). \
      --by g answers per group of g's declared --levels (rows of other levels are in no group): which groups exist \
      is itself private, so they are never taken from the data. Neighbouring datasets differ by one record added or \
      removed, as for dp-train; a mean or variance splits ε evenly between its noisy count and sums. Nothing \
      depends on what the data holds: cells that are not numbers count as missing, and a level matches a cell of \
      the same text or number (17 matches 17.0).

      Noise is exact: discrete Laplace (pure ε-DP) or, with --mechanism gaussian, discrete Gaussian ((ε, δ) through \
      zCDP), both by Canonne, Kamath & Steinke 2020's samplers on the system CSPRNG, never floating-point noise \
      (Mironov 2012). Real values are rounded at random to a grid of 2^16 steps of the bounds first (unbiased). The \
      interval is the 95 % range of the noise actually added (for a mean or variance, of all its noisy parts).

      Repeat control: the ledger keeps each answer under the query's normal form; the same query again (same \
      column, bounds, bins, levels, ε, δ, mechanism) returns it with "cached": true and spends nothing. --fresh \
      draws anew and spends again; a ledger made with --max-queries refuses fresh releases past its cap.
      """)

  @Option(help: ArgumentHelp("The dataset (CSV); it must be the ledger's (same SHA-256).", valueName: "D"))
  var data: String

  @Option(help: ArgumentHelp("The ledger to spend from and keep the answer in.", valueName: "L"))
  var ledger: String

  @Option(help: "count, sum, mean, variance, histogram or quantile.")
  var statistic: String

  @Option(help: "The column the statistic is of.")
  var column: String?

  @Option(help: ArgumentHelp("Answer per group of this column's declared --levels.", valueName: "g"))
  var by: String?

  @Option(help: ArgumentHelp("The --by column's groups, declared: comma-separated.", valueName: "a,b,…"))
  var levels: String?

  @Option(help: ArgumentHelp("Declared bounds of the column's values (they set the noise).", valueName: "lo:hi"))
  var bounds: String?

  @Option(help: ArgumentHelp("Histogram bins or quantile candidates: a number of equal bins over --bounds, increasing edges, or a text column's categories.", valueName: "N|e0,e1,…|a,b,…"))
  var bins: String?

  @Option(help: ArgumentHelp("The quantiles for --statistic quantile, in [0, 1].", valueName: "q,…"))
  var quantiles: String?

  @Option(help: "The answer's epsilon, spent from the ledger.")
  var epsilon: Double

  @Option(help: "The answer's delta (Gaussian mechanism only).")
  var delta: Double?

  @Option(help: "laplace (pure epsilon-DP, the default) or gaussian (epsilon, delta).")
  var mechanism: String = "laplace"

  @Flag(help: "Draw a new answer and spend again even when the ledger holds this query's answer.")
  var fresh = false

  @Option(help: ArgumentHelp("Seed the noise: reproducible and NOT private (anyone with the seed can remove it).", valueName: "N"))
  var insecureSeed: UInt64?

  @Flag(help: "Let an --insecure-seed answer spend from the ledger (recorded there as not private).")
  var allowInsecure = false

  @Flag(help: "Accept a Gaussian query's delta of at least 1/n.")
  var allowLargeDelta = false

  @OptionGroup var outputs: ReportOutputs

  @OptionGroup(title: "Sharding (exact sums per shard; noise and the spend once, at candor merge)") var shards: ShardOptions

  @Option(help: ArgumentHelp("With --shard-index i --shard-count n: --data is party i's own data, and its part's sums are masked with this keys file (secure aggregation: candor merge learns only the parties' totals).", valueName: "KEYS"))
  var maskWith: String?

  var inputFiles: [(Setting, String?)] {
    [(.data, data), (.ledger, ledger), (.ledger, LedgerFile.lockPath(of: ledger)), (.maskWith, maskWith)]
  }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles + [(.partialOut, shards.partialOut)] }

  func validate() throws {
    if insecureSeed != nil && !allowInsecure {
      throw ValidationError("--insecure-seed makes an answer that is not private (anyone with the seed can remove the noise), so it spends nothing real from --ledger; add --allow-insecure to record it there anyway, or drop --insecure-seed.")
    }
    if allowInsecure && insecureSeed == nil { warn("--allow-insecure does nothing without --insecure-seed.") }
    if maskWith != nil && fresh {
      throw ValidationError("--fresh cannot be masked: a second release of the same query would reuse its masks, and two parts' difference would show what changed. Run it in a new session (new keys and a new ledger).")
    }
    if maskWith != nil && !shards.isSharded {
      throw ValidationError("--mask-with needs --shard-index i --shard-count n (this party's number and the number of parties, as its keys file says) and --partial-out.")
    }
    if shards.isSharded, let flag = [("--json", outputs.json), ("--html", outputs.html)].first(where: { $0.1 != nil })?.0 {
      throw ValidationError("\(flag) does nothing with --shard-count: a shard writes its sums (--partial-out); candor merge adds the noise, spends from the ledger and writes the answer.")
    }
  }

  func run() throws {
    let query = try parsedQuery()
    let files = try outputTransaction()
    let bytes = try InputFile.read(data)
    if maskWith != nil { return try writeMaskedPart(query, bytes: bytes, files: files) }
    if shards.isSharded { return try writeShard(query, bytes: bytes, files: files) }
    var request = self.request(query, bytes: bytes)
    final class Clock { var clock = PhaseClock() }
    let timing = Clock()
    request.stepDone = { timing.clock.mark($0) }
    let result = try request.run()
    try present(result, files: files)
    timing.clock.mark("write")
    timing.clock.report()
  }

  /// The request the flags make, for the data file's bytes (a merge passes none: its sums come from the parts).
  func request(_ query: PrivateQuery, bytes: Data = Data()) -> PrivateQueryRequest {
    var request = PrivateQueryRequest(query: query, data: bytes, dataPath: data, ledgerPath: ledger, time: ledgerTime())
    request.fresh = fresh
    request.allowLargeDelta = allowLargeDelta
    request.randomness = insecureSeed.map { .insecureSeed($0) } ?? .secure
    return request
  }

  /// A shard's exact sums over its rows, spending nothing: the data must already be the ledger's (checked here so a
  /// shard of another file fails at once, and again at the merge), the rounding coins the shard's own. Only the
  /// shard's rows are parsed (`CSVReader.parse(_:source:options:shard:of:)`); their columns' kinds need not agree
  /// across shards, since a query reads cells as numbers or matches them to declared levels whatever the kind.
  func writeShard(_ query: PrivateQuery, bytes: Data, files: OutputTransaction) throws {
    // The ledger names its data by SHA-256; another file than the ledger's is named as such, before what is wrong
    // inside it.
    let expected = try LedgerFile.read(ledger).header.dataset.sha256
    let digest = SHA256.hex(bytes)
    guard digest == expected else { throw PrivacyError.datasetMismatch(path: data, ledger: ledger, expected: expected, found: digest) }
    let read = try CSVReader.parse(bytes, source: data, shard: try shards.shard(), of: shards.count!)
    // With --insecure-seed, the unsharded run's rounding seed (`PrivateQueryRequest`: stream 0), keyed by the file's
    // row numbers, so each row rounds as in the whole run; otherwise a seed of the shard's own.
    var coins = SystemRandomNumberGenerator()
    var rounding = insecureSeed.map { SeededRandom(seed: $0, stream: 0) } ?? SeededRandom(seed: coins.next())
    let sums = try PreparedQuery.aggregates(query, table: read.table, rounding: &rounding, firstRow: read.rows.lowerBound)
    // The ledger is not among the recorded inputs: it may gain entries between the shards and the merge.
    try shards.writePart(QueryPart(query: query, aggregates: sums, dataSHA256: digest), command: Self.configuration.commandName!, inputs: [(.data, data)],
                         rows: read.rows, total: read.totalRows, read: (data, read), recordingKinds: false, commandWords: 3, files: files)
  }

  /// A party's part of a federated query: its exact sums over its own data, masked (`SecureAggregation`), so that
  /// only the sum of every party's part says anything. Spends nothing; the ledger is the coordinator's, which runs
  /// the merge, and a party need not have it. The part records neither the data file's name nor its digest.
  func writeMaskedPart(_ query: PrivateQuery, bytes: Data, files: OutputTransaction) throws {
    let keys = try MaskKeys.decode(try InputFile.read(maskWith!), path: maskWith!)
    let index = try shards.shard(), count = shards.count!
    guard keys.parties == count, keys.party == index else {
      throw ValidationError("\(printable(maskWith!)) holds the keys of party \(keys.party) of \(keys.parties), but this is --shard-index \(index) of --shard-count \(count): give each party its own keys file and its number.")
    }
    let table = try CSVReader.parse(bytes, source: data)
    for note in table.readingNotes { warn(note.message(naming: Flags.spelling)) }
    var coins = SystemRandomNumberGenerator()
    var rounding = insecureSeed.map { SeededRandom(seed: $0, stream: 2 + index) } ?? SeededRandom(seed: coins.next())
    let sums = try PreparedQuery.aggregates(query, table: table, rounding: &rounding)
    // The query's normal form binds the masks to this query: the same seeds never mask another one alike.
    let context = [UInt8](try CandorJSON.data(query, layout: .sorted))
    let masked = SecureAggregation.mask(sums.words, keys: keys, context: context)
    let part = MaskedQueryPart(query: query, session: keys.session, words: masked.map { String(format: "%016llx", $0) })
    let document = try Sharding.part(part, command: Self.configuration.commandName!, inputs: [], commandWords: 3,
                                     slice: .init(index: index, count: count, firstRow: 0, rows: 0, totalRows: 0, masked: true),
                                     dropping: ["--data", "--mask-with"])
    try files.write(.partialOut, try CandorJSON.data(document, layout: .compact))
    try files.commit()
    print("Party \(index) of \(count): \(query.description) over this party's \(table.rowCount) rows, masked with session '\(keys.session)', written to \(shards.partialOut!); candor merge of every party's part gives the totals alone.")
  }

  /// Writes the answer (JSON, page) and says it: one definition for a run and for the merge of a sharded one.
  func present(_ result: QueryResult, files: OutputTransaction) throws {
    // The ledger is committed first (an answer is never shown unspent); should the output then fail, the answer
    // is still the ledger's, and asking again gives it for free.
    do {
      try outputs.write(into: files, json: { try result.jsonData() }, html: {
        PrivacyQueryPage.html(result, ledger: try LedgerSummary(try LedgerFile.read(ledger)), source: ledger)
      })
      try files.commit()
    } catch let error as any CandorError where !result.cached {
      throw FailedAfterSpend(underlying: error, said: "The answer was spent and is kept in the ledger (entry \(result.entry)); the same query again gives it without spending.")
    }
    print(Self.text(result))
  }

  func parsedQuery() throws -> PrivateQuery {
    guard let statistic = PrivateQuery.Statistic(rawValue: statistic) else {
      throw FlagError(.statistic, value: statistic, .because("use one of \(PrivateQuery.Statistic.allCases.map(\.rawValue).joined(separator: ", "))"))
    }
    guard let mechanism = PrivateQuery.Mechanism(rawValue: mechanism) else {
      throw FlagError(.mechanism, value: mechanism, .because("use laplace or gaussian"))
    }
    var (lower, upper): (Double?, Double?) = (nil, nil)
    if let bounds {
      let parts = bounds.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]) else { throw FlagError(.bounds, value: bounds, .form("lo:hi, e.g. 0:100")) }
      (lower, upper) = (lo, hi)
    }
    var edges: [Double]?, categories: [String]?
    if let bins {
      let items = bins.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      if items.count == 1, let count = Int(items[0]) {
        guard count >= 1 && count <= PrivateQuery.largestCells else { throw FlagError(.bins, value: bins, .because("a number of bins from 1 to \(PrivateQuery.largestCells)")) }
        guard let lo = lower, let hi = upper, lo < hi else { throw FlagError(.bins, value: bins, .because("a number of bins needs --bounds lo:hi to spread them over")) }
        edges = PrivateQuery.equalWidthEdges(lower: lo, upper: hi, count: count)
      } else if items.allSatisfy({ Double($0) != nil }) {
        edges = items.map { Double($0)! }
      } else {
        guard !items.contains(where: \.isEmpty) else { throw FlagError(.bins, value: bins, .because("an empty category; write a,b,c")) }
        categories = items
      }
    }
    var quantileList: [Double]?
    if let quantiles {
      let items = quantiles.split(separator: ",", omittingEmptySubsequences: false)
      guard items.allSatisfy({ Double($0) != nil }) else { throw FlagError(.quantiles, value: quantiles, .form("numbers in [0, 1], e.g. 0.5,0.9")) }
      quantileList = items.map { Double($0)! }
    }
    let levelList = levels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    if let levelList, levelList.contains(where: \.isEmpty) { throw FlagError(.groupLevels, value: levels!, .because("an empty level; write a,b,c")) }
    return PrivateQuery(statistic: statistic, column: column, by: by, levels: levelList, lower: lower, upper: upper, edges: edges,
                        categories: categories, quantiles: quantileList, epsilon: epsilon, delta: delta ?? 0, mechanism: mechanism)
  }

  /// "mean of age: 38.5817 (95 % interval 38.4 to 38.7) …" and a line per group or bin.
  static func text(_ result: QueryResult) -> String {
    func show(_ value: ReleasedValue) -> String {
      switch value {
      case let .number(n): formatRounded(n)
      case let .interval(lo, hi): "\(formatRounded(lo)) to \(formatRounded(hi))"
      case .none: "—"
      case .keyed: ""
      }
    }
    var lines: [String] = []
    func walk(_ answer: ReleasedValue, _ interval: ReleasedValue?, _ label: String, depth: Int) {
      let indent = String(repeating: "  ", count: depth)
      if case let .keyed(values) = answer {
        if !label.isEmpty { lines.append("\(indent)\(label):") }
        for key in values.keys.sorted(by: ReleasedValue.keyOrder) {
          walk(values[key]!, interval?[key], key, depth: depth + (label.isEmpty ? 0 : 1))
        }
        return
      }
      let range = interval.flatMap { if case .interval = $0 { " (95 % interval \(show($0)))" } else { nil } } ?? ""
      lines.append("\(indent)\(label.isEmpty ? "" : "\(label): ")\(show(answer))\(range)")
    }
    let title = result.query.description + (result.bounds.map { " (bounds \(formatNumber($0[0])):\(formatNumber($0[1])))" } ?? "")
    if case .keyed = result.answer {
      lines.append("\(title):")
      walk(result.answer, result.interval95, "", depth: 1)
    } else {
      walk(result.answer, result.interval95, title, depth: 0)
    }
    if let rank = result.rankError95 { lines.append("  With 95 % probability each quantile's rank is within \(formatRounded(rank)) records of the one asked for.") }
    let spent = result.cached
      ? "Answered from the ledger (entry \(result.entry), released \(result.released)): nothing spent; --fresh draws anew and spends again."
      : "Spent ε = \(formatNumber(result.epsilon))\(result.delta > 0 ? " at δ = \(formatNumber(result.delta))" : "") (entry \(result.entry))."
    lines.append(spent + " At most ε = \(formatRounded(result.remaining.epsilon)) is left at δ = \(formatNumber(result.remaining.delta)).")
    if result.insecure { lines.append("This answer's noise came from --insecure-seed: it is reproducible and NOT private.") }
    return lines.joined(separator: "\n")
  }
}

extension Setting {
  static let statistic = Setting("statistic")
}

/// A shard's part of a private query: the query in normal form and its exact sums over the shard's rows.
struct QueryPart: Codable {
  var query: PrivateQuery
  var aggregates: QueryAggregates
  /// The data file's SHA-256, by which the ledger names its data (the part's inputs record BLAKE3, as every
  /// part's do): the merge checks it against the ledger again.
  var dataSHA256: String

  enum CodingKeys: String, CodingKey {
    case query, aggregates
    case dataSHA256 = "data_sha256"
  }
}

/// A party's masked part of a federated query: the query, the keys' session, and the masked words in hexadecimal
/// (`QueryAggregates.words` plus the party's masks, modulo 2⁶⁴).
struct MaskedQueryPart: Codable {
  var query: PrivateQuery
  var session: String
  var words: [String]

  /// The words; nil when one is not 16 hexadecimal digits.
  var maskedWords: [UInt64]? {
    let values = words.map { $0.utf8.count == 16 ? UInt64($0, radix: 16) : nil }
    return values.contains(nil) ? nil : values.map { $0! }
  }
}
