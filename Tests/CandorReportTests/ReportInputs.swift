import CandorCore
import CandorPrivacy
import CandorExplain
import CandorFairness
import CandorModels
import CandorTestSupport
import Foundation

@testable import CandorReport

/// Result values for the page tests, with hostile markup as feature, group and file names. The mitigation and
/// explanation results are decoded from their JSON form (the shape the CLI writes), the fairness report is
/// assessed on a five-row table.
enum ReportInputs {
  struct NotATree: Error {}
  static let script = "<script>alert(1)</script>"
  static let attribute = "\"'><img src=x onerror=1>"
  static let entity = "&amp;"
  /// Every hostile string, each of which must come out as text.
  static let hostile = [script, attribute, entity]
  /// How each appears in the markup.
  static let escaped = [script: "&lt;script&gt;alert(1)&lt;/script&gt;", attribute: "&quot;&#39;&gt;&lt;img src=x onerror=1&gt;",
                        entity: "&amp;amp;"]
  static let source = "<i>data</i>&amp;.csv"

  static func decode<T: Decodable>(_ type: T.Type, _ object: [String: Any]) throws -> T {
    try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
  }

  // MARK: - Fairness

  /// Sensitive column `attribute` with groups `script` (2 rows) and `entity` (3 rows, privileged); bootstrap
  /// intervals.
  static func fairness() throws -> (FairnessReport, [String: [String: [(x: Double, y: Double)]]]) {
    let csv = """
      y,p,s,"\"\"'><img src=x onerror=1>"
      1,1,0.9,<script>alert(1)</script>
      0,0,0.2,<script>alert(1)</script>
      1,0,0.4,&amp;
      0,1,0.6,&amp;
      1,1,0.8,&amp;

      """
    let table = try CSVReader.parse(Data(csv.utf8), source: "hostile.csv")
    let outcomes = try Outcomes.fromColumns(table: table, labelColumn: "y", predictionColumn: "p", scoreColumn: "s", positive: "1", threshold: 0.5)
    var configuration = FairnessConfiguration(sensitiveSets: [[attribute]])
    configuration.bootstrapReplicates = 20
    configuration.privilegedSplits = [PrivilegedSplit(column: attribute, values: [entity])]
    let report = try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: configuration)
    guard case let .binary(labels, _, scores?) = outcomes else { throw CancellationError() }
    let curves = ROCCurves.compute(labels: labels, scores: scores, weights: nil, grouping: try table.grouping(by: [attribute]))
    return (report, [attribute: curves])
  }

  // MARK: - Mitigation

  static let groups = [script, attribute, entity]

  /// Before/after blocks with the three compared rates for every hostile group.
  static func comparison() -> [String: Any] {
    func block(_ shift: Double) -> [String: Any] {
      let rates = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, 0.1 * Double($0 + 1) + shift) })
      return ["accuracy": 0.8 + shift, "balanced_accuracy": 0.7 + shift,
              "by_group": ["selection_rate": rates, "true_positive_rate": rates, "false_positive_rate": rates],
              "disparities": ["demographic_parity_difference": 0.2 - shift, "equalized_odds_difference": 0.3 - shift,
                              "equal_opportunity_difference": 0.1 - shift]]
    }
    return ["before": block(0), "after": block(0.05)]
  }

  static func evaluation() throws -> MitigationComparison { try decode(MitigationComparison.self, comparison()) }

  /// Equalized odds on the hostile groups, fitted by grid search (or exact), with a sweep of three points.
  static func threshold(mode: String = "grid", constraint: String = "equalized_odds") throws -> ThresholdMitigationResult {
    let rule: [String: Any] = ["p0": 0.25, "p1": 0.75, "p_ignore": 0.5, "prediction_constant": 0.125, "threshold0": 0.3, "threshold1": 0.6]
    let search: [String: Any] = mode == "grid" ? ["mode": "grid", "grid_size": 1000] : ["mode": "exact", "tolerance": 0.01]
    return try decode(ThresholdMitigationResult.self, [
      "constraint": constraint, "objective": "accuracy_score", "sensitive_features": [attribute], "search": search,
      "policy": Dictionary(uniqueKeysWithValues: groups.map { ($0, rule) }),
      "fit": ["x_best": 0.1, "y_best": 0.85, "operating_points": Dictionary(uniqueKeysWithValues: groups.map { ($0, [0.1, 0.6]) })],
      "evaluation": comparison(), "disparity_name": "equalized_odds_difference",
      "sweep": [["label": "unmitigated", "accuracy": 0.86, "disparity": 0.33],
                ["label": "tolerance 0.0", "tolerance": 0, "accuracy": 0.84, "disparity": 0.04],
                ["label": "compared: \(script)", "accuracy": 0.85, "disparity": 0.3]],
    ])
  }

  static let hulls: [String: [[Double]]] = Dictionary(uniqueKeysWithValues: groups.map { ($0, [[0, 0], [0.1, 0.6], [1, 1]]) })

  static func reweighing() throws -> Reweighing {
    func perGroup(_ value: (Int) -> Any) -> [String: Any] { Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, value($0)) }) }
    return try decode(Reweighing.self, [
      "sensitive_features": [attribute], "groups": groups,
      "counts": perGroup { ["0": Double(10 + $0), "1": Double(5 + $0)] }, "weights": perGroup { ["0": 0.9 + 0.1 * Double($0), "1": 1.25] },
      "label_rate_by_group_before": perGroup { 0.2 + 0.1 * Double($0) }, "weighted_label_rate_by_group_after": perGroup { _ in 0.3 },
      "overall_label_rate": 0.3,
    ])
  }

  // MARK: - Explanations

  /// Three features; importances in the order entity (0.3), script (0.2), attribute (-0.01).
  static func permutation() throws -> PermutationImportance {
    func importance(_ mean: Double) -> [String: Any] {
      ["mean": mean, "std": 0.01, "ci_low": mean - 0.02, "ci_high": mean + 0.02, "values": [mean]]
    }
    return try decode(PermutationImportance.self, [
      "method": "permutation", "scorer": "roc_auc", "baseline_score": 0.9, "repeats": 5, "seed": 1, "features": [script, attribute, entity],
      "importances": [script: importance(0.2), attribute: importance(-0.01), entity: importance(0.3)],
    ])
  }

  /// Rows 0 and 2 of a three-row table explained, over the features `script` (numeric), `attribute`
  /// (categorical) and `entity` (numeric); one output per name in `outputs`.
  static func kernelSHAP(outputs: [String] = [">50K"]) throws -> (KernelSHAP, Table) {
    let rowValues = [[0.5, -0.25, 0.125], [-1, 0.75, 0.25]]
    func row(_ index: Int, _ number: Int) -> [String: Any] {
      ["row": number, "prediction": outputs.map { _ in 0.5 }, "values": outputs.map { _ in rowValues[index] },
       "std_errors": outputs.map { _ in [0.01, 0.02, 0.03] }, "stopped_by": "exact"]
    }
    let result = try decode(KernelSHAP.self, [
      "method": "kernelshap", "features": [script, attribute, entity], "outputs": outputs, "link": "logit",
      "base_value": outputs.map { _ in -1.0 }, "nsamples": 6, "exact": true, "seed": 0, "rows": [row(0, 0), row(1, 2)],
      "mean_abs": [script: outputs.map { _ in 0.75 }, attribute: outputs.map { _ in 0.5 }, entity: outputs.map { _ in 0.1875 }],
    ])
    let table = try Table(columns: [
      .numeric(NumericColumn(name: script, values: [1, 2, 3])),
      .categorical(CategoricalColumn(name: attribute, strings: ["a", "b", "a"])),
      .numeric(NumericColumn(name: entity, values: [10, 20, 30])),
    ])
    return (result, table)
  }

  /// A numeric feature `script` (three grid points, with ICE curves for two rows unless ALE) and a categorical
  /// feature `attribute` (levels `entity` and "b").
  /// A ledger whose dataset file name and spend notes are hostile.
  static func ledger() throws -> LedgerSummary {
    var ledger = PrivacyLedger(budget: .init(epsilon: 3, delta: 1e-5), dataset: .init(file: script, sha256: String(repeating: "0", count: 64), records: 1000),
                               created: "2026-12-02T00:00:00Z")
    for note in hostile {
      ledger = try ledger.spending(.dpSGD(samplingRate: 0.01, noiseMultiplier: 1.5, steps: 500), command: "privacy spend", note: note, time: "t")
    }
    return try LedgerSummary(ledger)
  }

  /// A LiRA audit whose note carries hostile strings (the model's path is `source`): members score higher.
  static func audit() -> MembershipAuditResult {
    let members = (0..<400).map { Double($0 % 97) / 97 + ($0 < 20 ? 5 : 0.2) }, nonMembers = (0..<500).map { Double($0 % 89) / 89 }
    var result = MembershipAuditResult(attack: "lira", members: members, nonMembers: nonMembers, delta: 1e-5)
    result.shadowModels = 16
    result.accountedEpsilon = 8
    result.note = "note " + script + attribute + entity
    return result
  }

  /// A histogram by group released from a ledger that also holds a training run; levels, bins' column and the
  /// ledger's notes are hostile.
  static func query() throws -> (QueryResult, LedgerSummary) {
    let csv = "g,x\n" + (0..<300).map { "\"\(hostile[$0 % 3].replacingOccurrences(of: "\"", with: "\"\""))\",\($0 % 50)" }.joined(separator: "\n") + "\n"
    let table = try CSVReader.parse(Data(csv.utf8), source: "q.csv")
    let query = PrivateQuery(statistic: .histogram, column: "x", by: "g", levels: hostile, lower: 0, upper: 50,
                             edges: PrivateQuery.equalWidthEdges(lower: 0, upper: 50, count: 5), epsilon: 0.5)
    var rounding = SeededRandom(seed: 1), noise = SeededRandom(seed: 2)
    let answer = try PreparedQuery(query, table: table, rounding: &rounding).release(using: &noise, insecure: true)
    var ledger = PrivacyLedger(budget: .init(epsilon: 3, delta: 1e-5), dataset: .init(file: script, sha256: String(repeating: "0", count: 64), records: 300),
                               created: "2026-12-02T00:00:00Z")
    ledger = try ledger.spending(.dpSGD(samplingRate: 0.01, noiseMultiplier: 1.5, steps: 500), command: "dp-train", note: entity, time: "2026-12-02T00:00:01Z")
    ledger = try ledger.spending(answer.events, command: "privacy query", note: query.description, time: "2026-12-02T00:00:02Z", release: .init(query: query, answer: answer))
    return (QueryResult(query: query, entry: ledger.entries.last!, cached: false, ledger: ledger), try LedgerSummary(ledger))
  }

  /// Counterfactuals on a model whose numeric feature is named `script` and text feature `attribute`, with
  /// levels `entity` and `script`; the page with its curves and interactive panel.
  static func counterfactual() throws -> (CounterfactualSection, WhatIfPanelSection) {
    func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    let rows = (0..<60).map { i in "\(i % 10),\(quoted(i % 3 == 0 ? entity : script)),\(i % 10 >= 5 || i % 3 == 0 ? 1 : 0)" }
    let csv = "\(quoted(script)),\(quoted(attribute)),y\n" + rows.joined(separator: "\n") + "\n"
    let table = try CSVReader.parse(Data(csv.utf8), source: "c.csv")
    let model = try LogisticRegression.fit(try TrainingSet.prepare(table, spec: TrainingSpec(target: "y", positive: "1"), classification: true)).0
    let request = CounterfactualRequest(model: model, data: table, rows: [1], desiredClass: "1")
    let batch = try request.run()
    var curve = WhatIfCurveRequest(model: model, table: table, rows: [1], feature: script)
    curve.gridSize = 11
    let q = batch.queries[0]
    let section = CounterfactualSection(batch, features: model.featureNames, curves: try curve.run(), binary: true)
    let panel = WhatIfPanelSection(model: model, data: table, row: 1, presets: [(entity, q.original.values)] + q.counterfactuals.map { (script, $0.values) }, focusClass: "1")
    return (section, panel)
  }

  /// A what-if on the same hostile model: the numeric feature edited, its curve, the panel.
  static func whatIf() throws -> (WhatIfSection, WhatIfPanelSection) {
    let (_, panel) = try counterfactual()
    func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    let rows = (0..<60).map { i in "\(i % 10),\(quoted(i % 3 == 0 ? entity : script)),\(i % 10 >= 5 || i % 3 == 0 ? 1 : 0)" }
    let table = try CSVReader.parse(Data(("\(quoted(script)),\(quoted(attribute)),y\n" + rows.joined(separator: "\n") + "\n").utf8), source: "c.csv")
    let model = try LogisticRegression.fit(try TrainingSet.prepare(table, spec: TrainingSpec(target: "y", positive: "1"), classification: true)).0
    let scenario = try WhatIfRequest(model: model, table: table, row: 1, scenarios: [[WhatIfEdit(column: script, operation: .set, value: "8"), WhatIfEdit(column: attribute, operation: .set, value: entity)]]).run()[0]
    var curve = WhatIfCurveRequest(model: model, table: table, rows: [1], feature: script)
    curve.gridSize = 11
    return (WhatIfSection(WhatIfReport(row: 1, before: scenario.before, scenario: scenario, curve: try curve.run().first), classes: model.classes), panel)
  }

  /// The hostile table and model of the counterfactual page, for the glass-box pages.
  /// `noisy`: a target only half explained by the features, so the model errs in cohorts that name them.
  static func glassBox(noisy: Bool = false) throws -> (Table, LogisticRegression, TrainingSummary) {
    func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    let rows = (0..<(noisy ? 120 : 60)).map { i in
      "\(i % 10),\(quoted(i % 3 == 0 ? entity : script)),\(noisy ? ((i % 10 >= 5) != (i % 3 == 0 && i % 4 == 0) ? 1 : 0) : (i % 10 >= 5 || i % 3 == 0 ? 1 : 0))"
    }
    let table = try CSVReader.parse(Data(("\(quoted(script)),\(quoted(attribute)),y\n" + rows.joined(separator: "\n") + "\n").utf8), source: "c.csv")
    let (model, summary) = try LogisticRegression.fit(try TrainingSet.prepare(table, spec: TrainingSpec(target: "y", positive: "1"), classification: true))
    return (table, model, summary)
  }

  /// A seeded (not private) DP-SGD run whose preprocessing, randomness and ledger path carry hostile strings.
  static func privateTraining() throws -> (PrivateTrainingReport, EpsilonCurve) {
    let event: [String: Any] = ["type": "SelfComposedDpEvent", "count": 500, "event": ["type": "PoissonSampledDpEvent", "sampling_probability": 0.01,
                                                                                         "event": ["type": "GaussianDpEvent", "noise_multiplier": 1.5]]]
    let report = try decode(PrivateTrainingReport.self, [
      "epsilon_spent": ["rdp": 0.8], "delta": 1e-5, "noise_multiplier": 1.5, "target_epsilon": 1, "steps": 500, "sampling_rate": 0.01,
      "clip": 1, "epochs": 5, "optimizer": "sgd", "learning_rate": 1, "model_type": "logistic",
      "batches": ["expected": 10, "smallest": 0, "largest": 22, "mean": 10.1, "empty": 1], "clipped_share": 0.2,
      "sampling": "poisson", "randomness": "insecure seed 1: reproducible and NOT private " + script, "private": false,
      "preprocessing": "fitted on the private training data " + attribute + ": NOT covered by the privacy guarantee",
      "rdp_fractional_orders": "exact", "optimal_order": 20, "train_accuracy": 0.81, "test_accuracy": 0.8, "events": event,
      "ledger": ["path": entity, "entry": 3, "budget_epsilon": 3, "spent_epsilon": 1.2, "remaining_epsilon": 1.8],
    ])
    let curve = try EpsilonCurve(step: .poissonSampled(samplingRate: 0.01, of: .gaussian(noiseMultiplier: 1.5)), upTo: 500, delta: 1e-5, pldPoints: 4)
    return (report, curve)
  }

  /// A DP-SGD run priced by every accountant, with its ε-over-steps curve.
  static func epsilon() throws -> (EpsilonResult, EpsilonCurve) {
    var request = EpsilonRequest(event: .dpSGD(samplingRate: 0.01, noiseMultiplier: 1.5, steps: 300), delta: 1e-5)
    request.accountant = .all
    let curve = try EpsilonCurve(step: .poissonSampled(samplingRate: 0.01, of: .gaussian(noiseMultiplier: 1.5)), upTo: 300, delta: 1e-5, pldPoints: 3)
    return (try request.run(), curve)
  }

  static func effects(method: String = "pdp") throws -> FeatureEffects {
    var numeric: [String: Any] = ["grid": [1, 2, 3], "average": [0.25, 0.5, 0.75]]
    if method == "pdp" { numeric["individual"] = [[0.2, 0.4, 0.6], [0.3, 0.6, 0.9]] }
    return try decode(FeatureEffects.self, [
      "method": method, "features": [script: numeric, attribute: ["levels": [entity, "b"], "average": [0.125, 0.375]]],
    ])
  }
}
