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
      δ = 1e-5 for samples/adult_train.csv; an older one is replaced), then runs candor report --config \
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
    // Read first, so a config that does not read touches nothing.
    let settings = try ReportConfig.parse(data: try InputFile.read(Self.config), path: Self.config, overrides: overrides)
    if let ledger = settings.privacyLedger, let train = settings.data.train {
      try FileManager.default.createDirectory(atPath: FilePath.folder(of: ledger), withIntermediateDirectories: true)
      for path in [ledger, LedgerFile.lockPath(of: ledger)] where FileManager.default.fileExists(atPath: path) {
        try FileManager.default.removeItem(atPath: path)
      }
      let fresh = PrivacyLedger(budget: Self.budget, dataset: try .identify(train), created: PrivacyLedger.entryTime())
      try LedgerFile.create(fresh, at: ledger)
      print("Made the fresh ledger \(ledger): ε = \(formatNumber(Self.budget.epsilon)) at δ = \(formatNumber(Self.budget.delta)) for \(FilePath.name(of: train)).")
    }
    var report = try Report.parse(["--config", Self.config] + overrides.flatMap { ["--set", $0] } + (failOnGate ? ["--fail-on-gate"] : []))
    try report.run()
  }
}
