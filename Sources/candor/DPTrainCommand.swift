import ArgumentParser
import CandorCore
import CandorModels
import CandorPrivacy
import CandorReport
import Foundation

enum DPOptimizerChoice: String, ExpressibleByArgument, CaseIterable {
  case sgd, adam
}

struct DPTrain: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "dp-train",
    abstract: "Train a logistic regression or MLP with differentially private SGD, optionally spending from a privacy-budget ledger.",
    discussion: """
      DP-SGD (Abadi et al. 2016) with true Poisson sampling: at every step each training row joins the batch on its \
      own with probability q = batch-size / n, so batches vary in size and may be empty (a step of noise only); the \
      accounting assumes exactly this. Each row's gradient is clipped to L2 norm --clip over all parameters, \
      Gaussian noise of sigma * clip is added to every coordinate of the sum, and the sum is divided by the expected \
      batch size. Steps = ceil(epochs * n / batch-size). Give --noise-multiplier, or --epsilon to calibrate sigma \
      (RDP accountant). Sampling and noise come from the system CSPRNG; --insecure-seed makes a reproducible run \
      that is not private and is recorded as such. With --ledger the planned run is charged before training and \
      refused (nothing trained, ledger unchanged) if the budget cannot take it under the tightest of the RDP, PLD \
      and PRV accountants.
      """)

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "Column to predict.")
  var target: String

  @Option(help: "Target value that counts as the positive class (binary classification).")
  var positive: String?

  @Option(name: .customLong("model-type"), help: "logistic (default) or mlp.")
  var modelType: ModelType = .logistic

  @Option(help: ArgumentHelp("MLP hidden layer widths (default 32,16).", valueName: "n,m"))
  var hidden: String?

  @Option(help: ArgumentHelp("Columns not to use.", valueName: "a,b"))
  var drop: [String] = []

  @Option(help: ArgumentHelp("Feature columns (default: all but the target and dropped).", valueName: "a,b"))
  var features: [String] = []

  @Option(name: .customLong("feature-spec"),
          help: ArgumentHelp("Declared features (centres, scales, categories from public metadata), so preprocessing reads nothing from the private data.", valueName: "FILE"))
  var featureSpec: String?

  @Option(help: "Noise multiplier sigma: the noise's standard deviation over the clipping norm.")
  var noiseMultiplier: Double?

  @Option(help: "Target epsilon: sigma is calibrated so that the run costs at most this (with --delta).")
  var epsilon: Double?

  @Option(help: "The accountant --epsilon is met under: rdp (default), or pld (tighter, so less noise for the same epsilon).")
  var calibrateWith: NoiseMultiplierRequest.Accountant = .rdp

  @Option(help: "The delta the run is accounted at, below 1/n (default with --ledger: the ledger's).")
  var delta: Double?

  @Flag(help: "Accept a delta of at least 1/n.")
  var allowLargeDelta = false

  @Option(help: "Per-example L2 clipping norm C (default 1).")
  var clip: Double = 1

  @Option(name: .customLong("batch-size"), help: "Expected batch size q*n (default 256).")
  var batchSize: Double = 256

  @Option(help: "Epochs (default 10).")
  var epochs: Double = 10

  @Option(help: "sgd (default) or adam.")
  var optimizer: DPOptimizerChoice = .sgd

  @Option(name: [.customLong("learning-rate"), .customLong("lr")], help: "Learning rate (default 1 for sgd, 0.001 for adam).")
  var learningRate: Double?

  @Option(help: "SGD momentum in [0, 1) (default 0).")
  var momentum: Double?

  @Option(help: ArgumentHelp("The privacy-budget ledger to spend from (made by candor privacy ledger init).", valueName: "L"))
  var ledger: String?

  @Option(help: "What the run is for, kept in the ledger.")
  var note: String = ""

  @Option(help: "Seed every random step: reproducible and NOT private (the noise can be recomputed).")
  var insecureSeed: UInt64?

  @Flag(help: "Let an --insecure-seed run spend from a --ledger (it is recorded there as not private).")
  var allowInsecure = false

  @Option(name: .customLong("eval-data"), help: "Held-out CSV to report test accuracy on.")
  var evalData: String?

  @OptionGroup var rdp: RDPOptions

  @Option(name: .customLong("audit-canaries"), help: ArgumentHelp("Audit this run (Steinke, Nasr & Jagielski 2023): take m rows out, put each back with its label changed with probability 1/2, and report the epsilon the trained model proves.", valueName: "m"))
  var auditCanaries: Int?

  @Option(help: "Where to write the model (candor-model JSON, with its privacy parameters).")
  var out: String

  @OptionGroup var outputs: ReportOutputs

  var inputFiles: [(Setting, String?)] { [(.data, dataOptions.data), (.featureSpec, featureSpec), (.evalData, evalData), (.ledger, ledger), (.ledger, ledger.map(LedgerFile.lockPath))] }
  var outputFiles: [(Setting, String?)] { [(.out, out)] + outputs.outputFiles }

  func validate() throws {
    if (noiseMultiplier == nil) == (epsilon == nil) {
      throw ValidationError("Give --noise-multiplier (the noise) or --epsilon (a target to calibrate the noise for), one of the two.")
    }
    if delta == nil && ledger == nil {
      throw ValidationError("Give --delta (the run's delta, below 1/n), or a --ledger whose delta is used.")
    }
    if insecureSeed != nil && ledger != nil && !allowInsecure {
      throw ValidationError("--insecure-seed makes a run that is not private (anyone with the seed can remove the noise), so it spends nothing real from --ledger; add --allow-insecure to record it there anyway, or drop --insecure-seed.")
    }
    if allowInsecure && insecureSeed == nil { warn("--allow-insecure does nothing without --insecure-seed.") }
    if !features.isEmpty && !drop.isEmpty { throw ValidationError("Give --features (the columns to use) or --drop (the columns not to use), not both.") }
    if featureSpec != nil && (!features.isEmpty || !drop.isEmpty) {
      throw ValidationError("--feature-spec declares the features; --features and --drop do nothing with it.")
    }
    guard modelType == .logistic || modelType == .mlp else {
      throw ValidationError("--model-type \(modelType.rawValue): dp-train trains logistic or mlp.")
    }
    try refuseUnused([("--hidden", hidden != nil)], unless: modelType == .mlp, here: "with --model-type logistic", scope: "with --model-type mlp")
    try refuseUnused([("--momentum", momentum != nil)], unless: optimizer == .sgd, here: "with --optimizer adam", scope: "with --optimizer sgd")
  }

  func hiddenLayers() throws -> [Int] {
    guard let hidden else { return [32, 16] }
    return try layerWidths(hidden)
  }

  /// The training set, with the encoder declared (`--feature-spec`) or fitted on the data, and the words for which.
  func trainingSet(_ table: Table) throws -> (TrainingSet, String) {
    let spec = TrainingSpec(target: target, positive: positive, features: features.isEmpty ? nil : commaSeparated(features), drop: commaSeparated(drop))
    guard let featureSpec else {
      return (try TrainingSet.prepare(table, spec: spec, classification: true),
              "fitted on the private training data (means, scales, categories): NOT covered by the privacy guarantee; declare them with --feature-spec")
    }
    let encoder = try FeatureSpecFile.decode(try InputFile.read(featureSpec), path: featureSpec)
    let data = try TrainingSet.declared(table, encoder: encoder, specPath: featureSpec, target: target, positive: positive)
    return (data, "declared in \(FilePath.name(of: featureSpec)) (read nothing from the private data)")
  }

  func run() throws {
    var clock = PhaseClock()
    let files = try outputTransaction()
    let table = try dataOptions.readTable()
    var (data, preprocessing) = try trainingSet(table)
    var audit: OneRunAudit?
    if let auditCanaries {
      guard case let .classes(classes, _) = data.target else { preconditionFailure("a class target") }
      var random: any RandomNumberGenerator = insecureSeed.map { SeededRandom(seed: $0, stream: 0xA0D17) } ?? BufferedSystemRandom()
      let drawn = try OneRunAudit.draw(count: auditCanaries, from: table, target: target, classes: classes, using: &random)
      (data, preprocessing) = try trainingSet(try drawn.trainingRows(of: table))
      audit = drawn
    }
    if featureSpec == nil {
      warn("The encoder's means, scales and categories come from the private data (\(dataOptions.data)) and are not covered by the privacy guarantee; declare them with --feature-spec.")
    }
    guard case let .classes(classes, _) = data.target else { preconditionFailure("a class target") }
    // Read before anything is spent, so a bad held-out file costs no budget.
    let evalTable = try evalData.map { try dataOptions.reading.read($0, numericColumns: []) }
    let ledgerBefore = try ledger.map { try LedgerFile.read($0) }
    if let ledgerBefore, let ledger { try checkDataset(dataOptions.data, against: ledgerBefore, ledgerPath: ledger) }
    let delta = self.delta ?? ledgerBefore!.header.budget.delta
    if !allowLargeDelta && delta * Double(data.rowCount) >= 1 { throw PrivacyError.deltaTooLarge(delta: delta, records: data.rowCount) }

    var request = PrivateTrainingRequest(data: data, noise: noiseMultiplier.map { .multiplier($0) } ?? .targetEpsilon(epsilon!),
                                         delta: delta, preprocessing: preprocessing)
    request.architecture = modelType == .mlp ? .mlp(hiddenLayers: try hiddenLayers()) : .logistic
    request.calibrationAccountant = calibrateWith
    request.settings.clipNorm = clip
    request.settings.expectedBatchSize = batchSize
    request.settings.epochs = epochs
    request.settings.optimizer = switch optimizer {
    case .sgd: .sgd(learningRate: learningRate ?? 1, momentum: momentum ?? 0)
    case .adam: .adam(learningRate: learningRate ?? 0.001)
    }
    request.randomness = insecureSeed.map { .insecureSeed($0) } ?? .secure
    request.fractionalOrders = rdp.fractionalOrders
    clock.mark("read")
    let plan = try request.plan()
    clock.mark("plan")

    var ledgerState: PrivateTrainingReport.LedgerState?
    // The ledger after the spend, accounted once for the output and the page.
    var ledgerSummary: LedgerSummary?
    if let ledger {
      let command = insecureSeed == nil ? "dp-train" : "dp-train --insecure-seed \(insecureSeed!) (NOT private)"
      let time = ledgerTime()
      let after = try request.charge(plan, toLedger: ledger, readBefore: ledgerBefore!, command: command, note: note, time: time)
      let summary = try LedgerSummary(after)
      ledgerSummary = summary
      ledgerState = .init(path: ledger, entry: after.entries.count, budgetEpsilon: summary.budget.epsilon,
                          spentEpsilon: summary.spentEpsilon, remainingEpsilon: summary.remainingEpsilon)
    }

    clock.mark("ledger")
    // The ledger is charged before training; should anything after fail, say that the spend stands.
    let report: PrivateTrainingReport
    do {
      if !(plan.epsilon.epsilon.isFinite) {
        warn("This run's ε is infinite at δ = \(formatNumber(delta)) (noise multiplier \(formatNumber(plan.settings.noiseMultiplier))): the model it trains has no privacy guarantee.")
      }
      let result = try request.run(plan)
      clock.mark("train")
      let model = result.model.model
      let trainScore = try ClassificationScore.of(model, classes: classes, positive: positive, on: table, target: target)
      let testAccuracy = try evalTable.map { try ClassificationScore.of(model, classes: classes, positive: positive, on: $0, target: target).accuracy }
      try files.write(.out, try result.modelFile(target: target, data: data, score: trainScore).encoded())
      var made = PrivateTrainingReport(request: request, plan: plan, result: result, trainAccuracy: trainScore.accuracy,
                                       testAccuracy: testAccuracy, ledger: ledgerState)
      made.audit = try audit?.result(model: model, delta: delta, accountedEpsilon: made.tightest?.epsilon)
      report = made
      try outputs.write(into: files, json: { try report.jsonData() }, html: {
        let step = PrivacyEvent.poissonSampled(samplingRate: result.run.samplingRate, of: .gaussian(noiseMultiplier: result.run.noiseMultiplier))
        let curve = try EpsilonCurve(step: step, upTo: result.run.steps, delta: delta, fractionalOrders: rdp.fractionalOrders, pldPoints: 12)
        let spent = ledgerSummary.flatMap { summary in ledger.map { (summary: summary, source: $0) } }
        return PrivateTrainingPage.html(report, curve: curve, source: out, ledger: spent)
      })
      try files.commit()
    } catch let error as any CandorError where ledgerState != nil {
      throw FailedAfterSpend(underlying: error, said: "The run was charged to the ledger \(ledger!) (entry \(ledgerState!.entry)) before training; that spend stands.")
    }
    clock.mark("evaluate+write")
    clock.report()
    print(Self.text(report, out: out))
  }

  static func text(_ report: PrivateTrainingReport, out: String) -> String {
    var lines: [String] = []
    if !report.isPrivate { lines.append("NOT PRIVATE: \(report.randomness).") }
    let calibrated = report.targetEpsilon.map { " (calibrated for ε ≤ \(formatNumber($0)) under \((report.calibratedWith ?? "rdp").uppercased()))" } ?? ""
    lines.append("DP-SGD \(report.modelType.rawValue): \(report.steps) steps, Poisson sampling rate \(formatRounded(report.samplingRate)) (expected batch \(formatNumber(report.batches.expected)); batches \(report.batches.smallest)–\(report.batches.largest), \(report.batches.empty) empty), clip \(formatNumber(report.clip)), noise multiplier \(formatRounded(report.noiseMultiplier))\(calibrated).")
    let orders = report.rdpFractionalOrders == .exact ? "exact fractional orders" : "dp_accounting's fractional-order series"
    let each = ["rdp", "pld", "prv"].compactMap { name in
      report.epsilonSpent[name].map { "\(name.uppercased()) \(formatRounded($0))" + (name == "rdp" ? " (\(orders))" : "") }
    }.joined(separator: ", ")
    let (name, value) = report.tightest ?? ("rdp", .nan)
    lines.append("Privacy spent: ε = \(formatRounded(value)) at δ = \(formatNumber(report.delta)) (\(name.uppercased()), the tightest accountant; \(each)). It assumes Poisson sampling, which is what ran: each row joined each step on its own with probability q.")
    lines.append("Clipped: \(formatRounded(100 * report.clippedShare))% of sampled gradients. Preprocessing: \(report.preprocessing).")
    lines.append("Training accuracy \(String(format: "%.4f", report.trainAccuracy))" + (report.testAccuracy.map { "; test accuracy \(String(format: "%.4f", $0))" } ?? "") + ".")
    if let ledger = report.ledger {
      lines.append("Ledger \(ledger.path) entry \(ledger.entry): ε = \(formatRounded(ledger.spentEpsilon)) of \(formatNumber(ledger.budgetEpsilon)) spent; at most ε = \(formatRounded(ledger.remainingEpsilon)) left.")
    }
    if let audit = report.audit {
      let accounted = audit.accountedEpsilon.map { "the accountant's ε = \(formatRounded($0))" } ?? "no accounted ε"
      lines.append("One-run audit: \(audit.canaries) canaries (\(audit.included) included in training), \(audit.correct) of \(audit.guesses) membership guesses right: ε ≥ \(formatRounded(audit.epsilonLowerBound, significantDigits: 3)) at \(formatNumber(100 * audit.confidence)) % confidence, against \(accounted). A lower bound far below it is expected; one above it would mean the accounting is wrong.")
      lines.append("The model is the audited one: \(audit.canaries) rows were taken out of its training data and \(audit.included) of them put back with their labels changed.")
    }
    lines.append("Wrote \(out).")
    return lines.joined(separator: "\n")
  }
}

extension Setting {
  static let featureSpec = Setting("featureSpec")
}
