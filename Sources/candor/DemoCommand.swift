import ArgumentParser
import CandorCore
import CandorPipeline
import CandorPrivacy
import Foundation

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Run the whole tour on samples/ through one report: reports/demo.html and reports/demo.json.",
    discussion: """
      Run from the root of a Candor checkout. Makes a fresh privacy-budget ledger reports/demo.ledger (ε = 3, \
      δ = 1e-5 for samples/adult_train.csv; an older one is replaced, and put back when the report is refused \
      before it spends anything), then runs candor report --config \
      samples/demo.yaml: a logistic model on Adult, performance, fairness by sex, race and sex|race with bootstrap \
      intervals, reweighing and group thresholds with the trade-off chart, permutation importance, KernelSHAP for \
      informative rows, partial dependence, the coefficients, a counterfactual for a rejected applicant, DP-SGD at \
      ε = 1 charged to the ledger and a membership audit of both models. Exit codes as candor report's.
      """)

  static let config = "samples/demo.yaml"
  static let budget = PrivacyLedger.Budget(epsilon: 3, delta: 1e-5)

  @Option(name: .customLong("set"), help: ArgumentHelp("Override a value of samples/demo.yaml, as candor report --set does. Repeatable.", valueName: "key=value"))
  var overrides: [String] = []

  @Flag(name: .customLong("fail-on-gate"), help: "Exit 3 when any gate fails or is inconclusive.")
  var failOnGate = false

  func run() throws {
    guard FileManager.default.fileExists(atPath: Self.config) else {
      throw ValidationError("candor demo reads \(Self.config) and the data beside it: run it from the root of a Candor checkout (\(FileManager.default.currentDirectoryPath) has no \(Self.config)).")
    }
    // Read first, so a config or an override that does not read touches nothing.
    let settings = try ReportConfig.parse(data: try InputFile.read(Self.config), path: Self.config, overrides: overrides)
    let report = try Report.parse(["--config", Self.config] + overrides.flatMap { ["--set", $0] } + (failOnGate ? ["--fail-on-gate"] : []))
    var putBack: (() -> Void)?
    if let ledger = settings.privacyLedger, let train = settings.data.train {
      // reports/, where the demo writes, is made when missing; a ledger elsewhere needs its folder to exist.
      let folder = FilePath.folder(of: ledger)
      var isFolder: ObjCBool = false
      if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && folder == "reports" {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        isFolder = true
      }
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("analyses.privacy.ledger \(printable(ledger)): the folder \(printable(folder)) does not exist; candor demo makes the ledger, not its folder.")
      }
      // The training data is identified before anything changes, so a missing file leaves the old ledger in place.
      let fresh = PrivacyLedger(budget: Self.budget, dataset: try .identify(train), created: PrivacyLedger.entryTime())
      let previous = FileManager.default.fileExists(atPath: ledger) ? try InputFile.read(ledger) : nil
      if previous != nil { try FileManager.default.removeItem(atPath: ledger) }
      try LedgerFile.create(fresh, at: ledger)
      let made = try InputFile.read(ledger)
      // A report refused before it spent anything (a sensitive column that is not there) leaves the ledger as it was.
      putBack = {
        guard (try? InputFile.read(ledger)) == made else { return }
        if let previous { try? previous.write(to: URL(fileURLWithPath: ledger), options: .atomic) } else { try? FileManager.default.removeItem(atPath: ledger) }
      }
      print("Made the fresh ledger \(ledger): ε = \(formatNumber(Self.budget.epsilon)) at δ = \(formatNumber(Self.budget.delta)) for \(FilePath.name(of: train)).")
    }
    do {
      try report.run()
    } catch {
      putBack?()
      throw error
    }
  }
}
