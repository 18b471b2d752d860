import ArgumentParser
import CandorCore
import CandorPrivacy
import CandorReport
import Foundation

/// The time a spend is recorded, UTC, to the second.
func ledgerTime() -> String { PrivacyLedger.entryTime() }

/// A dataset file's digest and number of records.
func datasetIdentity(_ path: String) throws -> PrivacyLedger.Dataset { try .identify(path) }

/// Refuses data that is not the ledger's dataset.
func checkDataset(_ path: String?, against ledger: PrivacyLedger, ledgerPath: String) throws {
  guard let path else { return }
  try ledger.checkDataset(at: path, ledgerPath: ledgerPath)
}

struct PrivacyLedgerGroup: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ledger",
    abstract: "A privacy budget for one dataset, kept on disk with every spend: make it, show it, verify it.",
    discussion: """
      The ledger is a JSON Lines file: a header (the budget, the dataset's SHA-256 and record count), then one line per \
      spend holding its events. Every line carries its own SHA-256 and the one of the line before, so an edited, \
      removed or damaged line is found. It is changed only under an exclusive lock (<ledger>.lock beside it) and only \
      by replacing the whole file (written, flushed to disk, renamed), so a killed run never leaves half an entry and \
      two runs cannot both spend the last of the budget.
      """,
    subcommands: [LedgerInit.self, LedgerShow.self, LedgerVerify.self])
}

struct LedgerInit: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "init", abstract: "Make a ledger: the budget (epsilon, delta) granted for a dataset.")

  @Option(help: ArgumentHelp("The ledger file to make.", valueName: "L"))
  var ledger: String

  @Option(help: "The budget's epsilon.")
  var epsilon: Double

  @Option(help: "The budget's delta, below 1/n for n records.")
  var delta: Double

  @Option(help: ArgumentHelp("The dataset (CSV) the budget is for; its SHA-256 and record count are kept.", valueName: "FILE"))
  var dataset: String?

  @Option(help: ArgumentHelp("Instead of --dataset: the budget is for the rows of every party of this masked-keys session together (candor privacy query --mask-with, merged by candor merge).", valueName: "SESSION"))
  var federation: String?

  @Option(help: ArgumentHelp("With --federation: the number of records the parties hold together, declared (no file is read), which δ must stay below one over.", valueName: "N"))
  var records: Int?

  @Flag(help: "Accept a delta of at least 1/n.")
  var allowLargeDelta = false

  @Option(help: ArgumentHelp("At most this many statistics released by `candor privacy query` (answers given again from the ledger do not count).", valueName: "N"))
  var maxQueries: Int?

  func validate() throws {
    switch (dataset, federation) {
    case (nil, nil): throw ValidationError("Give --dataset FILE (the data the budget is for), or --federation SESSION --records N for the parties of a masked run.")
    case (_?, _?): throw ValidationError("Give --dataset or --federation, not both: a ledger is for one dataset.")
    case (_?, nil): if records != nil { throw ValidationError("--records goes with --federation; a --dataset's records are counted from the file.") }
    case let (nil, session?):
      if let problem = MaskKeys.sessionProblem(session) { throw ValidationError("--federation: the session name cannot be used: \(problem).") }
      guard let records, records >= 1 else { throw ValidationError("--federation needs --records N: how many records the parties hold together (at least 1).") }
    }
    if let maxQueries, maxQueries < 1 { throw ValidationError("--max-queries \(maxQueries): it needs at least 1.") }
    guard epsilon > 0 && epsilon.isFinite else { throw ValidationError("--epsilon \(formatNumber(epsilon)): it must be a positive finite number.") }
    guard delta > 0 && delta < 1 else { throw ValidationError("--delta \(formatNumber(delta)): it must be between 0 and 1.") }
  }

  func run() throws {
    let identity = try federation.map { PrivacyLedger.Dataset.federation(session: $0, records: records!) } ?? datasetIdentity(dataset!)
    if !allowLargeDelta && identity.records > 0 && delta >= 1 / Double(identity.records) {
      throw PrivacyError.deltaTooLarge(delta: delta, records: identity.records)
    }
    let made = PrivacyLedger(budget: .init(epsilon: epsilon, delta: delta), dataset: identity, created: ledgerTime(), maxReleases: maxQueries)
    try LedgerFile.create(made, at: ledger)
    print("Made the ledger \(ledger): ε = \(formatNumber(epsilon)) at δ = \(formatNumber(delta)) for \(identity.file) (\(identity.records) records, SHA-256 \(identity.sha256.prefix(12))…)\(maxQueries.map { "; at most \($0) released statistics" } ?? "").")
  }
}

struct LedgerShow: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(commandName: "show", abstract: "Every spend (when, what, its events, epsilon after it) and the budget left.")

  @Option(help: ArgumentHelp("The ledger.", valueName: "L"))
  var ledger: String

  @OptionGroup var outputs: ReportOutputs

  var inputFiles: [(Setting, String?)] { [(.ledger, ledger), (.ledger, LedgerFile.lockPath(of: ledger))] }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles }

  func run() throws {
    let files = try outputTransaction()
    let summary = try LedgerSummary(try LedgerFile.read(ledger))
    try outputs.write(into: files, json: { try summary.jsonData() }, html: { PrivacyLedgerPage.html(summary, source: ledger) })
    try files.commit()
    var lines = ["Ledger \(ledger): ε = \(formatNumber(summary.budget.epsilon)) at δ = \(formatNumber(summary.budget.delta)) for \(summary.dataset.file) (\(summary.dataset.records) records), made \(summary.created)."]
    for (spend, alone) in zip(summary.spends, summary.spendAlone) {
      lines.append("  \(spend.index). \(spend.time) \(spend.command)\(spend.note.isEmpty ? "" : " — \(printable(spend.note))"): \(spend.events.summary); alone ε \(LedgerSummary.byAccountant(alone.byAccountant)); ε after \(formatRounded(spend.epsilonAfter)) (\((spend.accountant ?? "rdp").uppercased()))")
    }
    let each = LedgerSummary.byAccountant(summary.spentByAccountant)
    lines.append("Spent ε = \(formatRounded(summary.spentEpsilon)) (\(summary.accountant.uppercased()), the tightest accountant, the whole history composed; \(each)); at most ε = \(formatRounded(summary.remainingEpsilon)) left.")
    print(lines.joined(separator: "\n"))
  }
}

struct LedgerVerify: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check every line's digest and link, and (with --dataset) that the data is the ledger's dataset.")

  @Option(help: ArgumentHelp("The ledger.", valueName: "L"))
  var ledger: String

  @Option(help: ArgumentHelp("A dataset file to check against the ledger's digest.", valueName: "FILE"))
  var dataset: String?

  func run() throws {
    let read = try LedgerFile.read(ledger)
    try checkDataset(dataset, against: read, ledgerPath: ledger)
    let spent = try read.spentEpsilon().epsilon
    print("The ledger \(ledger) is intact: \(read.entries.count) spend\(read.entries.count == 1 ? "" : "s"), ε = \(formatRounded(spent)) of \(formatNumber(read.header.budget.epsilon)) spent at δ = \(formatNumber(read.header.budget.delta))\(dataset == nil ? "" : "; \(dataset!) is its dataset").")
  }
}

struct PrivacySpend: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "spend",
    abstract: "Record a release made elsewhere (its events) against a ledger, refused if the budget cannot take it.",
    discussion: "The ledger's events and the new ones are composed at the budget's delta under the tightest of the RDP, PLD and PRV accountants (each an upper bound, so the smallest holds); above the budget, nothing is written and the message says what is spent, what the release needs and what is left.")

  @Option(help: ArgumentHelp("The ledger.", valueName: "L"))
  var ledger: String

  @Option(help: ArgumentHelp("The release's events (dp_accounting's DpEvent JSON).", valueName: "E.json"))
  var events: String

  @Option(help: "What was released, for the record.")
  var note: String = ""

  @Option(help: ArgumentHelp("The dataset the release was computed on; refused unless it is the ledger's.", valueName: "FILE"))
  var dataset: String?

  @Option(help: "Write the ledger's summary after the spend as JSON here.")
  var json: String?

  var inputFiles: [(Setting, String?)] { [(.events, events), (.data, dataset)] }
  var outputFiles: [(Setting, String?)] { [(.json, json)] }

  func run() throws {
    let files = try outputTransaction()
    let spent = try PrivacyEvent.decode(try InputFile.read(events), path: events)
    let time = ledgerTime()
    var datasetError: (any Error)?
    let after = try LedgerFile.update(ledger) { (current) throws(PrivacyError) -> PrivacyLedger in
      do {
        try checkDataset(dataset, against: current, ledgerPath: ledger)
      } catch let error as PrivacyError {
        throw error
      } catch {
        datasetError = error
        return current
      }
      return try current.spending(spent, command: "privacy spend", note: note, time: time)
    }
    if let datasetError { throw datasetError }
    let summary = try LedgerSummary(after)
    if json != nil { try files.write(.json, try summary.jsonData()) }
    try files.commit()
    let entry = after.entries.last!
    print("Spent (entry \(entry.index)): the ledger is at ε = \(formatRounded(summary.spentEpsilon)) of \(formatNumber(summary.budget.epsilon)) at δ = \(formatNumber(summary.budget.delta)); at most ε = \(formatRounded(summary.remainingEpsilon)) left.")
  }
}
