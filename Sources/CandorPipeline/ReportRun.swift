import CandorCore
import CandorExplain
import CandorFairness
import CandorModels
import CandorPrivacy
import CandorReport
import Foundation

/// `candor report`: every analysis a config names, run as library calls on the test data, composed into one HTML
/// document (a summary first: model, data, gates, one sentence per analysis) and its JSON twin. An analysis that
/// fails is kept in the document as failed, with its error; the others still run.
public struct ReportRun {
  /// What an analysis came to.
  public struct Analysis: @unchecked Sendable {
    public enum Status: String, Sendable { case ok, failed, notRun = "not_run" }
    public var name: String
    public var status: Status
    /// One plain sentence for the summary.
    public var headline: String
    public var error: String?
    /// The analysis's own JSON (an object), or nil.
    public var json: Any?
    public var sections: [any ReportSection]
    /// What the data calls for a reader to know (small groups, a mitigation that worsens another disparity, …).
    public var warnings: [String] = []

    init(name: String, status: Status, headline: String, error: String? = nil, json: Any? = nil, sections: [any ReportSection] = []) {
      (self.name, self.status, self.headline, self.error, self.json, self.sections) = (name, status, headline, error, json, sections)
    }
  }

  public struct Outcome {
    public var html: String
    public var json: Data
    public var analyses: [Analysis]
    public var gates: [GateResult]
    /// Every value the analyses measured (what gates and MLflow metrics read).
    public var measured: MeasuredValues
    public var anyAnalysisFailed: Bool { analyses.contains { $0.status == .failed } }
  }

  /// Where the run came from, for the audit trail.
  public struct Provenance: Sendable {
    public var configPath: String
    public var configData: Data
    public var commandLine: [String]
    public var candorVersion: String
    public var gitCommit: String?
    public var started: Date

    public init(configPath: String, configData: Data, commandLine: [String], candorVersion: String, gitCommit: String?, started: Date) {
      (self.configPath, self.configData, self.commandLine, self.candorVersion, self.gitCommit, self.started) = (configPath, configData, commandLine, candorVersion, gitCommit, started)
    }
  }

  /// - Throws: `ConfigError`, `TableError` or `ModelError` when the data or the model cannot be read (no analysis
  ///   could run), or a gate names a value no analysis measured (the values that were measured listed).
  public static func run(_ config: ReportConfig, provenance: Provenance, readOptions: CSVOptions = CSVOptions(), now: () -> Date = Date.init) throws -> Outcome {
    var options = readOptions
    let (loaded, modelName, training) = try loadModel(config, options: options, file: provenance.configPath)
    let model = loaded.model, modelHash = loaded.sha256
    options.modelNumericColumns = model.numericFeatureNames
    let test = try CSVReader.read(path: config.data.test, options: options)
    try preflight(config, test: test, model: model, options: options, file: provenance.configPath)
    let positive = config.data.positive ?? (model.outputKind == .binaryProbability ? model.classes[1] : nil)
    var measured = MeasuredValues()
    var analyses: [Analysis] = []
    let source = config.data.test

    if config.performance || config.fairness != nil {
      // Performance is the overall row of the fairness metrics (on every row when no sensitive set is given).
      let settings = config.fairness ?? ReportConfig.FairnessSettings()
      let sets = config.fairness != nil ? config.sensitive : []
      analyses += attempt((config.performance ? ["performance"] : []) + (config.fairness != nil ? ["fairness"] : [])) {
        var table = test, sensitive = sets
        if sensitive.isEmpty {
          table = try Table(columns: test.columns + [.categorical(CategoricalColumn(name: "all rows", codes: ContiguousArray(repeating: 0, count: test.rowCount), levels: ["all rows"]))], source: test.source)
          sensitive = [["all rows"]]
        }
        var request = FairnessRequest(targetColumn: config.data.target, outcome: .model(threshold: settings.threshold), sensitiveSets: sensitive)
        request.positive = positive
        request.configuration.bootstrapReplicates = settings.bootstrap
        request.configuration.seed = settings.seed
        request.rocCurves = true
        let result = try FairnessAssessment.run(request, data: table, model: model)
        let report = result.report
        let json = try JSONSerialization.jsonObject(with: try report.jsonData())
        record(report, sets: sensitive, into: &measured)
        var out: [Analysis] = []
        let first = report.sensitiveSets[Grouping.key(sensitive[0])]!
        if config.performance {
          out.append(Analysis(name: "performance", status: .ok, headline: performanceHeadline(first, rows: report.rows),
                              json: ["rows": report.rows, "overall": (json as? [String: Any]).flatMap { ($0["sensitive_sets"] as? [String: Any])?[Grouping.key(sensitive[0])] as? [String: Any] }?["overall"] ?? [:]],
                              sections: []))
        }
        if config.fairness != nil {
          var analysis = Analysis(name: "fairness", status: .ok, headline: fairnessHeadline(report), json: json,
                                  sections: [FairnessSection(report, source: source, rocCurves: result.rocCurves)])
          for key in sensitive.map(Grouping.key) {
            guard let small = report.sensitiveSets[key]?.smallGroups, !small.isEmpty else { continue }
            analysis.warnings.append("By \(key), \(small.count) group\(small.count == 1 ? " has" : "s have") fewer than 30 rows (\(small.prefix(6).joined(separator: ", "))\(small.count > 6 ? ", …" : "")): their metrics rest on few rows and their intervals are wide.")
          }
          out.append(analysis)
        }
        return out
      }
    }
    if let mitigation = config.mitigation {
      analyses += attempt(["mitigation"]) {
        try mitigate(mitigation, config: config, model: model, loaded: loaded, test: test, options: options, positive: positive, source: source)
      }
    }
    if let explanations = config.explanations {
      analyses += attempt(["explanations"]) {
        var json: [String: Any] = [:], sections: [any ReportSection] = [], sentences: [String] = [], warnings: [String] = []
        if let repeats = explanations.permutationRepeats {
          var request = PermutationImportanceRequest(targetColumn: config.data.target)
          request.repeats = repeats
          request.seed = explanations.permutationSeed
          let result = try PermutationImportance.run(request, model: model, data: test)
          json["permutation"] = try JSONSerialization.jsonObject(with: try result.jsonData())
          sections.append(PermutationImportanceSection(result, source: source))
          warnings += ExplanationWarnings.uncertainImportance(result)
          if let top = result.importances.max(by: { $0.value.mean < $1.value.mean || ($0.value.mean == $1.value.mean && $0.key > $1.key) }) {
            sentences.append("Shuffling \(top.key) costs the model the most: \(formatRounded(top.value.mean, significantDigits: 3)) of its \(result.scorer.rawValue) on average over \(repeats) repeats.")
          }
        }
        if let rowsText = explanations.shapRows {
          let rows = rowsText == "informative"
            ? try informativeRows(model: model, test: test, target: config.data.target, positive: positive, groups: config.sensitive.first)
            : try KernelSHAPRequest.rows(parsing: rowsText, rowCount: test.rowCount)
          if model.treeEnsembleView != nil {
            var request = TreeSHAPRequest(rows: rows)
            request.seed = explanations.shapSeed
            let result = try TreeSHAP.run(request, model: model, data: test)
            json["shap"] = try JSONSerialization.jsonObject(with: try result.jsonData())
            sections.append(ShapleyValuesSection(result, explained: test, source: source))
          } else {
            var request = KernelSHAPRequest(rows: rows)
            request.configuration.seed = explanations.shapSeed
            let result = try KernelSHAP.run(request, model: model, data: test)
            json["shap"] = try JSONSerialization.jsonObject(with: try result.jsonData())
            sections.append(ShapleyValuesSection(result, explained: test, source: source))
            warnings += ExplanationWarnings.uncertainShapley(result)
          }
          sentences.append("SHAP values explain \(rows.count) rows.")
        }
        if let features = explanations.pdpFeatures {
          var request = FeatureEffectsRequest(method: .pdp)
          request.players = PlayerSelection(features: features)
          let result = try FeatureEffects.run(request, model: model, data: test)
          json["pdp"] = try JSONSerialization.jsonObject(with: try result.jsonData())
          let correlated = ExplanationWarnings.correlatedFeatures(result.features.keys.sorted(), in: test,
                                                                  others: test.columnNames.filter { $0 != config.data.target })
          sections.append(FeatureEffectsSection(result, source: source, warnings: correlated))
          sentences.append("Partial dependence shows how the prediction moves with \(features.isEmpty ? "each feature" : features.joined(separator: ", ")).")
          warnings += correlated
        }
        var analysis = Analysis(name: "explanations", status: .ok, headline: sentences.joined(separator: " "), json: json, sections: sections)
        analysis.warnings = warnings
        return [analysis]
      }
    }
    if config.glassBox {
      analyses += attempt(["glassbox"]) {
        switch model {
        case is LogisticRegression, is LinearRegression:
          let table = try CoefficientTable.make(model, training: training)
          return [Analysis(name: "glassbox", status: .ok, headline: CoefficientsSection.finding(table), json: try JSONSerialization.jsonObject(with: try table.jsonData()),
                           sections: [CoefficientsSection(table, source: modelName)])]
        case let ebm as ExplainableBoostingMachine:
          let terms = try AdditiveTerms.make(ebm, data: test, rows: Array(0..<min(5, test.rowCount)))
          return [Analysis(name: "glassbox", status: .ok, headline: AdditiveTermsSection.finding(terms), json: try JSONSerialization.jsonObject(with: try terms.jsonData()),
                           sections: [AdditiveTermsSection(terms, source: source)])]
        case let tree as DecisionTree:
          return [Analysis(name: "glassbox", status: .ok, headline: DecisionTreeSection.finding(tree), json: ["nodes": tree.nodeCount, "depth": tree.depth, "rules": tree.rules],
                           sections: [DecisionTreeSection(tree, source: modelName)])]
        default:
          throw ConfigError(file: provenance.configPath, line: config.lines["analyses.glassbox"] ?? 1, keyPath: "analyses.glassbox",
                            problem: "the model is not a glass-box model (logistic, linear, tree or ebm), so it has no view of its own; use analyses.explanations")
        }
      }
    }
    if let whatIf = config.whatIf {
      analyses += attempt(["whatif"]) {
        guard model.isClassifier, let desired = whatIf.desiredClass ?? positive else {
          throw ConfigError(file: provenance.configPath, line: config.lines["analyses.whatif"] ?? 1, keyPath: "analyses.whatif",
                            problem: "counterfactuals need a classifier and a class to reach: add whatif.desired_class (the model's classes are \(model.classes.joined(separator: ", ")))")
        }
        for row in whatIf.counterfactualRows where row >= test.rowCount {
          throw ConfigError(file: provenance.configPath, line: config.lines["analyses.whatif"] ?? 1, keyPath: "analyses.whatif.counterfactual_rows", problem: "row \(row) is past the test data's \(test.rowCount) rows (rows count from 0)")
        }
        var request = CounterfactualRequest(model: model, data: test, rows: whatIf.counterfactualRows, desiredClass: desired)
        request.count = whatIf.count
        request.constraints.immutable = whatIf.immutable
        let batch = try request.run { _, _ in }
        let (section, panel) = try CounterfactualPage.sections(batch, model: model, data: test)
        let headline = batch.queries.map { CounterfactualSection.finding($0) }.joined(separator: " ")
        // Wall-clock seconds are left out, so the document is the same for the same inputs (the run's times are in
        // the provenance).
        let json = withoutTimings(try JSONSerialization.jsonObject(with: try CandorJSON.data(batch)))
        return [Analysis(name: "whatif", status: .ok, headline: headline, json: json, sections: [section, panel])]
      }
    }
    if config.privacyLedger != nil || config.membershipAudit || config.privateTraining != nil {
      analyses += attempt(["privacy"]) {
        try privacy(config, model: model, loaded: loaded, modelName: modelName, test: test, options: options, positive: positive, measured: &measured)
      }
    }

    // Gates: every one must name a value some analysis measured.
    var gates: [GateResult] = []
    for (index, gate) in config.gates.enumerated() {
      if let result = measured.evaluate(gate) { gates.append(result); continue }
      // A value an analysis that failed would have measured is "not measured", and the gate fails.
      let failedSource = analyses.contains { $0.status == .failed }
      if failedSource { gates.append(GateResult(gate: gate, value: .nan, interval: nil)); continue }
      // The measured values, the overall ones and one set's disparities in full, the rest counted.
      let known = measured.values.keys.sorted()
      let shown = known.filter { !$0.contains("(") } + Array(known.filter { $0.contains("(") }.prefix(6))
      let list = shown.joined(separator: ", ") + (known.count > shown.count ? ", and \(known.count - shown.count) more disparities by set" : "")
      throw ConfigError(file: provenance.configPath, line: config.lines["gates[\(index)]"] ?? 1, keyPath: "gates[\(index)]", problem: "the gate '\(printable(gate.text))' names \(gate.key), which no analysis measured"
        + (known.isEmpty ? " (no analysis that measures values is configured: add analyses.performance or analyses.fairness)" : "; the values are \(list)"))
    }

    let summary = SummarySection(modelName: modelName, modelKind: model.outputKind, data: config.data, positive: positive,
                                 threshold: config.fairness?.threshold ?? 0.5, rows: test.rowCount, analyses: analyses, gates: gates)
    let finished = now()
    let provenanceJSON = provenanceObject(provenance, config: config, modelHash: modelHash, finished: finished)
    let footer = ProvenanceSection(entries: provenanceRows(provenanceJSON))
    let title = "Responsible-AI report: \(config.modelCard["name"].map { if case let .text(t) = $0 { t } else { modelName } } ?? modelName)"
    let card: [any ReportSection] = config.modelCard.keys.contains { $0 != "name" } ? [ModelCardSection(fields: config.modelCard)] : []
    let html = HTMLDocument(title: title, sections: [summary] + card + analyses.flatMap { a in a.status == .ok ? a.sections : [StatusSection(analysis: a)] } + [footer]).rendered()
    var analysesJSON: [String: Any] = [:]
    for a in analyses {
      var entry: [String: Any] = ["status": a.status.rawValue, "headline": a.headline]
      if let error = a.error { entry["error"] = error }
      if let json = a.json { entry["result"] = json }
      if !a.warnings.isEmpty { entry["warnings"] = a.warnings }
      analysesJSON[a.name] = entry
    }
    let document: [String: Any] = [
      "schema_version": 1, "title": title, "analyses": analysesJSON,
      "gates": gates.map(gateObject), "provenance": provenanceJSON, "config": configObject(config),
      "model_card": modelCard(config, modelName: modelName, model: model, measured: measured, positive: positive),
    ]
    let json = try JSONSerialization.data(withJSONObject: Self.finite(document), options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    return Outcome(html: html, json: json + Data("\n".utf8), analyses: analyses, gates: gates, measured: measured)
  }

  // MARK: - Pieces

  /// The privacy analysis: a DP-SGD model trained on data.train (charged to the ledger first when there is one), the
  /// ledger as it then stands, and the loss-threshold membership audit (Yeom et al. 2018) of the report's model and
  /// of the DP-SGD model, data.train the members and data.test the non-members.
  static func privacy(_ config: ReportConfig, model: any Model, loaded: LoadedModel, modelName: String, test: Table, options: CSVOptions,
                      positive: String?, measured: inout MeasuredValues) throws -> [Analysis] {
    var json: [String: Any] = [:], sections: [any ReportSection] = [], sentences: [String] = [], warnings: [String] = []
    var privateModel: (model: any Model, delta: Double, epsilon: Double?)?
    if let dp = config.privateTraining {
      let trained = try trainPrivately(dp, config: config, test: test, options: options, positive: positive)
      let report = trained.report
      json["dp_train"] = try JSONSerialization.jsonObject(with: try report.jsonData())
      sections.append(PrivateTrainingSection(report, curve: trained.curve, source: config.data.train!))
      sentences.append("DP-SGD: " + PrivateTrainingSection.finding(report))
      if let accuracy = report.testAccuracy { measured.values["dp_accuracy"] = (accuracy, nil) }
      if let tightest = report.tightest { measured.values["dp_epsilon"] = (tightest.epsilon, nil) }
      if !report.isPrivate { warnings.append("The DP-SGD run is seeded (privacy.dp_train.insecure_seed): reproducible and NOT private, since anyone with the seed can remove its noise.") }
      if dp.featureSpec == nil { warnings.append("The DP-SGD model's encoder (means, scales, categories) was fitted on data.train and is not covered by the privacy guarantee; declare it with privacy.dp_train.feature_spec.") }
      privateModel = (trained.model, report.delta, report.tightest?.epsilon)
    }
    if let ledger = config.privacyLedger {
      let summary = try LedgerSummary(try LedgerFile.read(ledger))
      measured.values["epsilon_spent"] = (summary.spentEpsilon, nil)
      measured.values["epsilon_remaining"] = (summary.remainingEpsilon, nil)
      json["ledger"] = try JSONSerialization.jsonObject(with: try summary.jsonData())
      sections.append(PrivacyLedgerSection(summary, source: ledger))
      sentences.append(PrivacyLedgerPage.finding(summary))
    }
    if config.membershipAudit {
      let members = try CSVReader.read(path: config.data.train!, options: options)
      // A test row that repeats a training row is both a member and not: it is left out of the non-members.
      func key(_ t: Table, _ r: Int) -> String { t.columns.map { $0.text(at: r) ?? "\u{0}" }.joined(separator: "\u{1}") }
      let seen = Set((0..<members.rowCount).map { key(members, $0) })
      let outside = (0..<test.rowCount).filter { !seen.contains(key(test, $0)) }
      let nonMembers = outside.count == test.rowCount ? test : test.selecting(rows: outside)
      func audit(_ audited: any Model, delta: Double, accounted: Double?) throws -> MembershipAuditResult {
        var request = MembershipAuditRequest(model: audited, members: members, nonMembers: nonMembers, target: config.data.target)
        request.delta = delta
        var result = try request.run()
        result.accountedEpsilon = accounted
        return result
      }
      let privacy = loaded.file?.privacy
      let result = try audit(model, delta: privacy?.delta ?? 0, accounted: privacy?.epsilon.values.min())
      measured.values["membership_auc"] = (result.auc, result.aucInterval)
      measured.values["membership_epsilon_lower_bound"] = (result.epsilonLowerBound, nil)
      json["audit"] = try JSONSerialization.jsonObject(with: try result.jsonData())
      sections.append(PrivacyAuditSection(result, model: modelName, titleSuffix: privateModel == nil ? nil : "of the report's model"))
      sentences.append(PrivacyAuditSection.finding(result))
      if let privateModel {
        let dpResult = try audit(privateModel.model, delta: privateModel.delta, accounted: privateModel.epsilon)
        measured.values["dp_membership_auc"] = (dpResult.auc, dpResult.aucInterval)
        measured.values["dp_membership_epsilon_lower_bound"] = (dpResult.epsilonLowerBound, nil)
        json["dp_audit"] = try JSONSerialization.jsonObject(with: try dpResult.jsonData())
        sections.append(PrivacyAuditSection(dpResult, model: "the DP-SGD model", titleSuffix: "of the DP-SGD model"))
        sentences.append("Of the DP-SGD model: " + PrivacyAuditSection.finding(dpResult))
      }
      if outside.count < test.rowCount {
        sentences.append("\(test.rowCount - outside.count) test rows that repeat a training row were left out of the non-members.")
      }
    }
    var analysis = Analysis(name: "privacy", status: .ok, headline: sentences.joined(separator: " "), json: json, sections: sections)
    analysis.warnings = warnings
    return [analysis]
  }

  /// `candor dp-train` from the config: plan the run, charge it to the ledger (refused, ledger unchanged, when the
  /// budget cannot take it), then train it on data.train and score it on data.test.
  static func trainPrivately(_ dp: ReportConfig.PrivateTrainingSettings, config: ReportConfig, test: Table, options: CSVOptions,
                             positive: String?) throws -> (model: any Model, report: PrivateTrainingReport, curve: EpsilonCurve) {
    let trainPath = config.data.train!
    var reading = options
    reading.modelNumericColumns = []
    let table = try CSVReader.read(path: trainPath, options: reading)
    let data: TrainingSet, preprocessing: String
    if let spec = dp.featureSpec {
      let encoder = try FeatureSpecFile.decode(try InputFile.read(spec), path: spec)
      data = try TrainingSet.declared(table, encoder: encoder, specPath: spec, target: config.data.target, positive: config.data.positive)
      preprocessing = "declared in \(FilePath.name(of: spec)) (read nothing from the private data)"
    } else {
      data = try TrainingSet.prepare(table, spec: trainingSpec(config), classification: true)
      preprocessing = "fitted on the private training data (means, scales, categories): NOT covered by the privacy guarantee; declare them with privacy.dp_train.feature_spec"
    }
    guard case let .classes(classes, _) = data.target else { preconditionFailure("a class target") }
    let ledgerBefore = try config.privacyLedger.map { try LedgerFile.read($0) }
    if let ledgerBefore, let ledger = config.privacyLedger { try ledgerBefore.checkDataset(at: trainPath, ledgerPath: ledger) }
    let delta = dp.delta ?? ledgerBefore!.header.budget.delta
    if delta * Double(data.rowCount) >= 1 { throw PrivacyError.deltaTooLarge(delta: delta, records: data.rowCount) }
    var request = PrivateTrainingRequest(data: data, noise: .targetEpsilon(dp.epsilon), delta: delta, preprocessing: preprocessing)
    request.architecture = dp.modelType == "mlp" ? .mlp(hiddenLayers: [32, 16]) : .logistic
    request.settings.clipNorm = dp.clip
    request.settings.expectedBatchSize = dp.batchSize
    request.settings.epochs = dp.epochs
    request.settings.optimizer = .sgd(learningRate: dp.learningRate, momentum: 0)
    request.randomness = dp.insecureSeed.map { .insecureSeed($0) } ?? .secure
    let plan = try request.plan()
    var ledgerState: PrivateTrainingReport.LedgerState?
    if let ledger = config.privacyLedger {
      let command = dp.insecureSeed.map { "candor report (dp_train, insecure seed \($0): NOT private)" } ?? "candor report (dp_train)"
      let after = try request.charge(plan, toLedger: ledger, readBefore: ledgerBefore!, command: command, note: dp.note, time: PrivacyLedger.entryTime())
      let summary = try LedgerSummary(after)
      ledgerState = .init(path: ledger, entry: after.entries.count, budgetEpsilon: summary.budget.epsilon,
                          spentEpsilon: summary.spentEpsilon, remainingEpsilon: summary.remainingEpsilon)
    }
    do {
      let result = try request.run(plan)
      let trained = result.model.model
      let trainScore = try ClassificationScore.of(trained, classes: classes, positive: config.data.positive, on: table, target: config.data.target)
      let testScore = try ClassificationScore.of(trained, classes: classes, positive: config.data.positive, on: test, target: config.data.target)
      let report = PrivateTrainingReport(request: request, plan: plan, result: result, trainAccuracy: trainScore.accuracy,
                                         testAccuracy: testScore.accuracy, ledger: ledgerState)
      let step = PrivacyEvent.poissonSampled(samplingRate: result.run.samplingRate, of: .gaussian(noiseMultiplier: result.run.noiseMultiplier))
      let curve = try EpsilonCurve(step: step, upTo: result.run.steps, delta: delta, fractionalOrders: request.fractionalOrders, pldPoints: 12)
      return (trained, report, curve)
    } catch let error as any CandorError where ledgerState != nil {
      throw FailedAfterSpend(underlying: error, said: "The run was charged to the ledger \(config.privacyLedger!) (entry \(ledgerState!.entry)) before training; that spend stands.")
    }
  }

  static func loadModel(_ config: ReportConfig, options: CSVOptions, file: String) throws -> (LoadedModel, String, TrainingSummary?) {
    switch config.model {
    case let .path(path):
      let loaded = try ModelLoader.loadModel(path: path)
      return (loaded, path, loaded.file?.training)
    case let .url(url, box):
      var headers: [String] = []
      for (name, variable) in box.headersFromEnvironment.sorted(by: { $0.key < $1.key }) {
        guard let value = ProcessInfo.processInfo.environment[variable] else {
          throw ConfigError(file: file, line: config.lines["model"] ?? 1, keyPath: "model.headers_from_env.\(name)",
                            problem: "the environment variable \(printable(variable)) is not set")
        }
        headers.append("\(name): \(value)")
      }
      let model = try EndpointModel(url: url, headers: headers, features: box.features, output: try blackBoxOutput(box), options: batching(box))
      return (LoadedModel(model: model, format: .modelEndpoint, file: nil, path: model.shownURL), model.shownURL, nil)
    case let .command(command, box):
      let model = try CommandModel(command: command, features: box.features, output: try blackBoxOutput(box), options: batching(box))
      return (LoadedModel(model: model, format: .modelCommand, file: nil, path: command), "the model behind \(command)", nil)
    case let .train(type):
      let train = try CSVReader.read(path: config.data.train!, options: options)
      let (model, summary) = try ModelTrainer.fit(train, spec: trainingSpec(config), options: trainingOptions(type))
      let name = "\(type) model trained on \(config.data.train!)"
      return (LoadedModel(model: model.model, format: .candor, file: ModelFile(model: model, target: config.data.target, training: summary), path: name), name, summary)
    }
  }

  /// The declared output (checked when the config was read).
  static func blackBoxOutput(_ box: ReportConfig.BlackBox) throws -> BlackBoxOutput {
    try BlackBoxOutput.declared(kind: box.output, classes: box.classes).get()
  }

  static func batching(_ box: ReportConfig.BlackBox) -> BatchingOptions {
    var options = BatchingOptions()
    if let size = box.batchSize { options.batchSize = size }
    if let concurrency = box.concurrency { options.concurrency = concurrency }
    if let timeout = box.timeout { options.timeout = timeout }
    return options
  }

  static func trainingSpec(_ config: ReportConfig) -> TrainingSpec {
    TrainingSpec(target: config.data.target, positive: config.data.positive, drop: config.data.drop)
  }

  static func trainingOptions(_ type: String) -> TrainingOptions {
    var training = TrainingOptions()
    training.modelType = ModelType(rawValue: type)!
    return training
  }

  /// Reweighing (and, for a model the config trains, the model retrained with the weights) and threshold
  /// optimization fitted on the training rows, both judged on the test rows; the threshold trade-off chart compares
  /// the unmitigated, reweighed and threshold-optimized models.
  static func mitigate(_ m: ReportConfig.MitigationSettings, config: ReportConfig, model: any Model, loaded: LoadedModel, test: Table,
                       options: CSVOptions, positive: String?, source: String) throws -> [Analysis] {
    let sensitive = m.sensitive ?? config.sensitive[0]
    let train = try config.data.train.map { try CSVReader.read(path: $0, options: options) }
    var json: [String: Any] = [:], sections: [any ReportSection] = [], sentences: [String] = []
    var reweighed: (any Model)?
    var mitigationWarnings: [String] = []
    /// A mitigation that lowers its own disparity but raises another by more than 0.01.
    func worsened(_ c: MitigationComparison, _ what: String, target: String) {
      for (name, after) in c.after.disparities.sorted(by: { $0.key < $1.key }) where name != target {
        guard let before = c.before.disparities[name], after > before + 0.01, (c.after.disparities[target] ?? .infinity) < (c.before.disparities[target] ?? -.infinity) else { continue }
        mitigationWarnings.append("\(what) lowers the \(target.replacingOccurrences(of: "_", with: " ")) but raises the \(name.replacingOccurrences(of: "_", with: " ")) from \(formatRounded(before, significantDigits: 3)) to \(formatRounded(after, significantDigits: 3)).")
      }
    }
    func change(_ c: MitigationComparison, _ name: String) -> String {
      let before = c.before.disparities[name] ?? .nan, after = c.after.disparities[name] ?? .nan
      return "\(name.replacingOccurrences(of: "_", with: " ")) \(formatRounded(before, significantDigits: 3)) → \(formatRounded(after, significantDigits: 3)), accuracy \(formatRounded(c.before.accuracy, significantDigits: 3)) → \(formatRounded(c.after.accuracy, significantDigits: 3))"
    }
    if m.reweigh, let train {
      var request = ReweighingRequest(targetColumn: config.data.target, sensitiveFeatures: sensitive)
      request.positive = positive
      if case let .train(type) = config.model { request.retraining = .init(spec: trainingSpec(config), options: trainingOptions(type)) }
      let analysis = try Reweighing.run(request, data: train, evaluationData: test)
      reweighed = analysis.retrained?.model.model
      json["reweighing"] = try JSONSerialization.jsonObject(with: try analysis.report.jsonData())
      sections.append(ReweighingSection(analysis.reweighing, evaluation: analysis.evaluation, source: config.data.train!))
      if let evaluation = analysis.evaluation { worsened(evaluation, "Reweighing", target: "demographic_parity_difference") }
      sentences.append(analysis.evaluation.map { "Reweighing by \(sensitive.joined(separator: "|")) and retraining: \(change($0, "demographic_parity_difference"))." }
        ?? "Reweighing by \(sensitive.joined(separator: "|")) computed the weights; a model file cannot be retrained, so there is no before/after (train the model from the config for one).")
    }
    if let name = m.thresholdConstraint {
      var request = ThresholdRequest(targetColumn: config.data.target, sensitiveFeatures: sensitive, constraint: FairnessConstraint(rawValue: name)!)
      request.positive = positive
      request.sweepTolerances = ThresholdRequest.defaultSweepTolerances
      let analysis = try ThresholdMitigation.run(request, fitData: train ?? test, evaluationData: train == nil ? nil : test, model: loaded,
                                                 comparedModel: reweighed.map { (label: "reweighed and retrained", model: $0) })
      json["threshold"] = try JSONSerialization.jsonObject(with: try analysis.result.jsonData())
      sections.append(ThresholdMitigationSection(analysis.result, hulls: analysis.fit.hulls, source: source))
      if let evaluation = analysis.result.evaluation {
        worsened(evaluation, "The threshold policy", target: analysis.result.disparityName)
        // A chosen operating point another candidate beats on both accuracy and the disparity.
        let chosen = (accuracy: evaluation.after.accuracy, disparity: evaluation.after.disparities[analysis.result.disparityName] ?? .nan)
        for point in analysis.result.sweep ?? [] where point.tolerance == nil {
          if point.accuracy >= chosen.accuracy && point.disparity <= chosen.disparity && (point.accuracy > chosen.accuracy || point.disparity < chosen.disparity) {
            mitigationWarnings.append("The chosen threshold policy is dominated: \(point.label) has accuracy \(formatRounded(point.accuracy, significantDigits: 3)) and \(analysis.result.disparityName.replacingOccurrences(of: "_", with: " ")) \(formatRounded(point.disparity, significantDigits: 3)), no worse on both.")
          }
        }
        sentences.append("Group thresholds under \(name.replacingOccurrences(of: "_", with: " ")) for \(sensitive.joined(separator: "|")): \(change(evaluation, analysis.result.disparityName)).")
      } else {
        sentences.append("Group thresholds under \(name.replacingOccurrences(of: "_", with: " ")) for \(sensitive.joined(separator: "|")) were fitted on the test rows (there is no data.train), so there is no held-out before and after.")
      }
    }
    var analysis = Analysis(name: "mitigation", status: .ok, headline: sentences.joined(separator: " "), json: json, sections: sections)
    analysis.warnings = mitigationWarnings
    return [analysis]
  }

  /// Rows worth explaining: the highest and the lowest score, the first misclassified row (at 0.5), and the first row
  /// of each group of the first sensitive set — each once, in that order. A model that is not binary: the first 10.
  static func informativeRows(model: any Model, test: Table, target: String, positive: String?, groups: [String]?) throws -> [Int] {
    guard model.outputKind == .binaryProbability, test.rowCount > 0 else { return Array(0..<min(10, test.rowCount)) }
    let (positiveClass, scores) = try model.positiveClassProbabilities(test, positive: positive)
    var rows: [Int] = []
    func add(_ r: Int?) { if let r, !rows.contains(r) { rows.append(r) } }
    add(scores.indices.max { scores[$0] < scores[$1] })
    add(scores.indices.min { scores[$0] < scores[$1] })
    let labels = try test.column(target)
    add(scores.indices.first { r in (labels.text(at: r) == positiveClass) != (scores[r] > 0.5) })
    if let groups {
      let columns = try groups.map { try test.column($0) }
      var seen: Set<String> = []
      for r in 0..<test.rowCount {
        let key = columns.map { $0.text(at: r) ?? "missing" }.joined(separator: "|")
        if seen.insert(key).inserted { add(r) }
        if seen.count >= 12 { break }
      }
    }
    return rows
  }

  /// `value` without its `seconds` and `seconds_per_query` keys, at any depth.
  static func withoutTimings(_ value: Any) -> Any {
    if let object = value as? [String: Any] {
      return object.filter { $0.key != "seconds" && $0.key != "seconds_per_query" }.mapValues(withoutTimings)
    }
    if let array = value as? [Any] { return array.map(withoutTimings) }
    return value
  }

  /// Runs `body`; its error becomes one failed analysis per name, worded as the library words it.
  static func attempt(_ names: [String], _ body: () throws -> [Analysis]) -> [Analysis] {
    do { return try body() } catch {
      let message = (error as? any CandorError)?.message(naming: configSpelling) ?? "\(error)"
      return names.map { Analysis(name: $0, status: .failed, headline: "The \($0) analysis failed: \(message)", error: message) }
    }
  }

  /// Every column and class the config names, checked against the test data and the model before any analysis runs,
  /// so a misspelt name is bad input (exit 2, its key and line), not a failed analysis.
  static func preflight(_ config: ReportConfig, test: Table, model: any Model, options: CSVOptions, file: String) throws {
    func check(_ names: [String], _ key: String, line: String) throws {
      for name in names where test.index(of: name) == nil {
        let columns = test.columnNames.prefix(20).map { printable($0) }.joined(separator: ", ") + (test.columnNames.count > 20 ? ", …" : "")
        throw ConfigError(file: file, line: config.lines[line] ?? 1, keyPath: key,
                          problem: "'\(printable(name))' is not a column of \(printable(config.data.test)) (its columns: \(columns))")
      }
    }
    if !config.sensitive.isEmpty && (config.fairness != nil || config.mitigation != nil) {
      try check(config.sensitive.flatMap { $0 }, "sensitive", line: "sensitive")
      if config.sensitive.contains(where: \.isEmpty) { throw ConfigError(file: file, line: config.lines["sensitive"] ?? 1, keyPath: "sensitive", problem: "a sensitive set is empty") }
    }
    if let m = config.mitigation, let sensitive = m.sensitive { try check(sensitive, "analyses.mitigation.sensitive", line: "analyses.mitigation") }
    if let features = config.explanations?.pdpFeatures { try check(features, "analyses.explanations.pdp.features", line: "analyses.explanations") }
    if let w = config.whatIf {
      try check(w.immutable, "analyses.whatif.immutable", line: "analyses.whatif")
      if let desired = w.desiredClass, model.isClassifier, !model.classes.contains(desired) {
        throw ConfigError(file: file, line: config.lines["analyses.whatif"] ?? 1, keyPath: "analyses.whatif.desired_class",
                          problem: "'\(printable(desired))' is not one of the model's classes (\(model.classes.map { printable($0) }.joined(separator: ", ")))")
      }
    }
    switch config.model {
    case let .url(_, box), let .command(_, box): try check(box.features, "model.features", line: "model")
    default: break
    }
    // The privacy inputs are read now, so a ledger or feature spec that does not read is refused before any
    // analysis runs or anything is written (a spend over the budget is found only when charged: exit 4).
    let ledger = try config.privacyLedger.map { try LedgerFile.read($0) }
    if let dp = config.privateTraining, let train = config.data.train {
      if let ledger, let path = config.privacyLedger { try ledger.checkDataset(at: train, ledgerPath: path) }
      if let spec = dp.featureSpec { _ = try FeatureSpecFile.decode(try InputFile.read(spec), path: spec) }
      try checkPrivateTraining(dp, delta: dp.delta ?? ledger!.header.budget.delta, train: train, options: options, config: config, file: file)
    }
    if (config.fairness != nil || config.mitigation != nil || config.performance), model.isClassifier, model.classes.count > 2 {
      throw ConfigError(file: file, line: 1, keyPath: "data.target", problem: "performance, fairness and mitigation measure a binary classifier, and the model has \(model.classes.count) classes")
    }
  }

  /// DP-SGD's settings against the training rows, before anything runs or is charged: δ below 1/n, an expected
  /// batch of at most n rows, at least one step (the run checks them again on the rows it trains on).
  static func checkPrivateTraining(_ dp: ReportConfig.PrivateTrainingSettings, delta: Double, train: String, options: CSVOptions,
                                   config: ReportConfig, file: String) throws {
    var reading = options
    reading.modelNumericColumns = []
    let rows = try CSVReader.read(path: train, options: reading).rowCount
    func line(_ key: String) -> Int { config.lines[key] ?? config.lines["analyses.privacy"] ?? 1 }
    if delta * Double(rows) >= 1 {
      let key = dp.delta == nil ? "analyses.privacy.ledger" : "analyses.privacy.dp_train.delta"
      throw ConfigError(file: file, line: line(key), keyPath: key,
                        problem: "δ = \(formatNumber(delta))\(dp.delta == nil ? " (the ledger's)" : "") is at least 1/n for the \(rows) rows of \(printable(train)): a mechanism could then publish a record outright and still meet it; give dp_train a delta well below 1/n")
    }
    var settings = DPSGD.Settings(noiseMultiplier: 1)
    settings.clipNorm = dp.clip
    settings.expectedBatchSize = dp.batchSize
    settings.epochs = dp.epochs
    settings.optimizer = .sgd(learningRate: dp.learningRate, momentum: 0)
    do { try settings.validate(examples: rows) } catch {
      guard case let .invalidSetting(invalid) = error else { throw error }
      let key = configSpelling(invalid.setting)
      throw ConfigError(file: file, line: line(key), keyPath: key, problem: "found \(printable(invalid.value)); \(invalid.requirement)")
    }
  }

  /// A library setting as the config names it (the settings a config sets; others by their own name).
  public static func configSpelling(_ setting: Setting) -> String {
    let names: [String: String] = [
      "positiveClass": "data.positive", "targetColumn": "data.target", "sensitiveFeatures": "sensitive", "sensitiveSets": "sensitive",
      "bootstrapReplicates": "analyses.fairness.bootstrap", "threshold": "analyses.fairness.threshold", "desiredClass": "analyses.whatif.desired_class",
      "immutable": "analyses.whatif.immutable", "repeats": "analyses.explanations.permutation.repeats", "rows": "analyses.explanations.kernelshap.rows",
      "features": "analyses.explanations.pdp.features", "modelType": "model.train",
      "batchSize": "analyses.privacy.dp_train.batch_size", "epochs": "analyses.privacy.dp_train.epochs", "clip": "analyses.privacy.dp_train.clip",
      "learningRate": "analyses.privacy.dp_train.learning_rate", "nonMembers": "data.test (the non-members)", "members": "data.train (the members)",
    ]
    return names[setting.rawValue] ?? setting.rawValue
  }

  static func notRun(_ name: String) -> Analysis {
    let command = name == "mitigation" ? "candor mitigate" : name == "whatif" ? "candor whatif and candor counterfactual" : "candor dp-train, candor privacy and candor privacy audit"
    return Analysis(name: name, status: .notRun, headline: "The config asks for \(name), which candor report does not run yet; run \(command) on their own (this document leaves it out).")
  }

  /// Every overall metric and disparity of every set, with its bootstrap interval (or the Wilson interval of an
  /// overall rate when there is no bootstrap). The overall metrics are the first set's in the config's order (every
  /// set's bootstrap draws the same replicates, so their overall intervals agree).
  static func record(_ report: FairnessReport, sets: [[String]], into measured: inout MeasuredValues) {
    for key in sets.map(Grouping.key) {
      guard let set = report.sensitiveSets[key] else { continue }
      for (metric, value) in set.overall where measured.values[metric] == nil {
        measured.values[metric] = (value, set.intervals?.overall[metric] ?? set.wilsonIntervals?.overall[metric])
      }
      guard key != "all rows" else { continue }
      for (metric, value) in set.disparities { measured.values["\(metric)(\(key))"] = (value, set.intervals?.disparities[metric]) }
    }
  }

  static func performanceHeadline(_ set: SensitiveSetResult, rows: Int) -> String {
    var parts: [String] = []
    for (metric, words) in [("accuracy", "accuracy"), ("roc_auc", "ROC AUC"), ("selection_rate", "selection rate")] {
      guard let value = set.overall[metric] else { continue }
      let interval = set.intervals?.overall[metric] ?? set.wilsonIntervals?.overall[metric]
      parts.append("\(words) \(formatRounded(value, significantDigits: 3))" + (interval.map { " [\(formatRounded($0[0], significantDigits: 3)), \(formatRounded($0[1], significantDigits: 3))]" } ?? ""))
    }
    return "On \(rows) test rows: " + parts.joined(separator: ", ") + "."
  }

  static func fairnessHeadline(_ report: FairnessReport) -> String {
    report.sensitiveSets.keys.sorted().compactMap { key -> String? in
      let set = report.sensitiveSets[key]!
      // Ties broken by group name, so the sentence is the same on every run.
      guard let rates = set.byGroup["selection_rate"], let low = rates.min(by: { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }),
            let high = rates.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
            let difference = set.disparities["demographic_parity_difference"] else { return nil }
      let interval = set.intervals?.disparities["demographic_parity_difference"]
      var text = "By \(key): \(low.key) are selected at \(formatRounded(low.value, significantDigits: 2)) against \(formatRounded(high.value, significantDigits: 2)) for \(high.key) (difference \(formatRounded(difference, significantDigits: 3))"
      if let interval {
        text += ", 95 % interval [\(formatRounded(interval[0], significantDigits: 3)), \(formatRounded(interval[1], significantDigits: 3))]); "
        text += interval[0] > 0 ? "the difference is clearly not chance." : "chance could explain it."
      } else {
        text += ")."
      }
      return text
    }.joined(separator: " ")
  }

  static func gateObject(_ g: GateResult) -> [String: Any] {
    var o: [String: Any] = ["gate": g.gate.text, "metric": g.gate.metric, "comparison": g.gate.comparison.rawValue, "limit": g.gate.limit, "verdict": g.verdict.rawValue]
    if let set = g.gate.sensitiveSet { o["sensitive_set"] = set }
    if g.value.isFinite { o["value"] = g.value } else { o["value"] = NSNull(); o["note"] = "not measured: an analysis failed (see analyses)" }
    if let interval = g.interval { o["interval"] = interval }
    return o
  }

  static func configObject(_ c: ReportConfig) -> [String: Any] {
    var data: [String: Any] = ["test": c.data.test, "target": c.data.target, "drop": c.data.drop]
    if let train = c.data.train { data["train"] = train }
    if let positive = c.data.positive { data["positive"] = positive }
    let model: [String: Any] = switch c.model {
    case let .train(t): ["train": t]
    case let .path(p): ["path": p]
    // The URL without credentials; header values never (only which variables they come from).
    case let .url(u, box): ["url": HTTPExchange.redacted(u), "features": box.features, "output": box.output, "headers_from_env": box.headersFromEnvironment]
    case let .command(command, box): ["cmd": command, "features": box.features, "output": box.output]
    }
    var analyses: [String] = []
    if c.performance { analyses.append("performance") }
    if c.fairness != nil { analyses.append("fairness") }
    if c.explanations != nil { analyses.append("explanations") }
    if c.glassBox { analyses.append("glassbox") }
    if c.mitigation != nil { analyses.append("mitigation") }
    if c.whatIf != nil { analyses.append("whatif") }
    if c.privacyLedger != nil || c.membershipAudit || c.privateTraining != nil { analyses.append("privacy") }
    return ["data": data, "model": model, "sensitive": c.sensitive, "analyses": analyses + c.notYetRun, "gates": c.gates.map(\.text)]
  }

  static func provenanceObject(_ p: Provenance, config: ReportConfig, modelHash: String?, finished: Date) -> [String: Any] {
    var inputs: [String: Any] = ["config": ["path": p.configPath, "sha256": SHA256.hex(p.configData)]]
    for (key, path) in [("train", config.data.train), ("test", Optional(config.data.test))] {
      guard let path, let data = FileManager.default.contents(atPath: path) else { continue }
      inputs[key] = ["path": path, "sha256": SHA256.hex(data)]
    }
    if case let .path(path) = config.model { inputs["model"] = ["path": path, "sha256": modelHash.map { $0 as Any } ?? NSNull()] }
    if let ledger = config.privacyLedger, let data = FileManager.default.contents(atPath: ledger) { inputs["ledger"] = ["path": ledger, "sha256": SHA256.hex(data)] }
    let formatter = ISO8601DateFormatter()
    var seeds: [String: Any] = [:]
    if let f = config.fairness { seeds["fairness_bootstrap"] = f.seed }
    if let e = config.explanations { seeds["permutation"] = e.permutationSeed; seeds["shap"] = e.shapSeed }
    return ["inputs": inputs, "candor_version": p.candorVersion, "git_commit": p.gitCommit ?? NSNull(), "command_line": p.commandLine,
            "seeds": seeds, "started": formatter.string(from: p.started), "finished": formatter.string(from: finished),
            "machine": ["cores": ProcessInfo.processInfo.activeProcessorCount, "os": ProcessInfo.processInfo.operatingSystemVersionString,
                        "memory_gib": Int((Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824).rounded())]]
  }

  static func provenanceRows(_ p: [String: Any]) -> [(String, String)] {
    var rows: [(String, String)] = []
    for (key, value) in ((p["inputs"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
      let entry = value as? [String: Any]
      rows.append(("input \(key)", "\(entry?["path"] ?? "") — SHA-256 \(entry?["sha256"] as? String ?? "unknown")"))
    }
    rows.append(("Candor", "\(p["candor_version"] ?? "")" + ((p["git_commit"] as? String).map { ", commit \($0)" } ?? "")))
    rows.append(("command", ((p["command_line"] as? [String]) ?? []).joined(separator: " ")))
    rows.append(("run", "\(p["started"] ?? "") to \(p["finished"] ?? "")"))
    return rows
  }

  /// The model card in Google's Model Card Toolkit field names (schema v0.0.2): details from the config, the
  /// measured overall metrics as performance metrics, the considerations from the config.
  /// `value` with every NaN or infinity written as null (JSON has neither): a metric undefined for a model that
  /// gives every row one score, a gate that could not be measured. Other values, numbers included, stay as they are.
  static func finite(_ value: Any) -> Any {
    switch value {
    case let number as Double where !number.isFinite: NSNull()
    case let list as [Any]: list.map(finite)
    case let object as [String: Any]: object.mapValues(finite)
    default: value
    }
  }

  static func modelCard(_ c: ReportConfig, modelName: String, model: any Model, measured: MeasuredValues, positive: String?) -> [String: Any] {
    func text(_ key: String) -> String? { if case let .text(t)? = c.modelCard[key] { t } else if case let .list(l)? = c.modelCard[key] { l.joined(separator: "; ") } else { nil } }
    func list(_ key: String) -> [String] { if case let .list(l)? = c.modelCard[key] { l } else if case let .text(t)? = c.modelCard[key] { [t] } else { [] } }
    var details: [String: Any] = ["name": text("name") ?? modelName]
    if let overview = text("overview") { details["overview"] = overview }
    if let version = text("version") { details["version"] = ["name": version] }
    let owners = list("owners")
    if !owners.isEmpty { details["owners"] = owners.map { ["name": $0] } }
    // An undefined metric (precision when nothing is predicted positive) has no number to give, and is left out.
    let metrics: [[String: Any]] = measured.values.keys.sorted().compactMap { key in
      let (value, interval) = measured.values[key]!
      guard value.isFinite else { return nil }
      // The toolkit's schema (v0.0.2) takes a number; the interval rides along as its later protos name it.
      var m: [String: Any] = ["type": key, "value": value]
      if let open = key.firstIndex(of: "(") { m["type"] = String(key[..<open]); m["slice"] = String(key[key.index(after: open)..<key.index(before: key.endIndex)]) }
      if let interval, interval.allSatisfy(\.isFinite) { m["confidence_interval"] = ["lower_bound": interval[0], "upper_bound": interval[1]] }
      return m
    }
    var considerations: [String: Any] = [:]
    if let use = text("intended_use") { considerations["use_cases"] = [["description": use]] }
    let limitations = list("limitations")
    if !limitations.isEmpty { considerations["limitations"] = limitations.map { ["description": $0] } }
    let ethics = list("ethical_considerations")
    if !ethics.isEmpty { considerations["ethical_considerations"] = ethics.map { ["name": $0] } }
    var data: [[String: Any]] = []
    if let train = c.data.train { data.append(["name": train, "description": "training rows"]) }
    data.append(["name": c.data.test, "description": "evaluation rows: every measured value is on them"])
    return ["schema_version": "0.0.2", "model_details": details,
            "model_parameters": ["model_architecture": "\(model.outputKind.rawValue) model: \(modelName)", "data": data,
                                 "input_format": model.featureNames.joined(separator: ", "), "output_format": positive.map { "P(\(c.data.target) = \($0))" } ?? model.outputKind.rawValue],
            "quantitative_analysis": ["performance_metrics": metrics], "considerations": considerations]
  }
}
