import CandorCore
import Foundation
import CandorTestSupport
import Testing

@testable import CandorPipeline
import CandorReport

/// The report config is read strictly — every error names the file, line and key path — and gates read and judge
/// as written.
@Suite struct ReportConfigTests {
  static let minimal = """
    data: {train: t.csv, test: e.csv, target: y, positive: "1"}
    model: {train: logistic}
    sensitive: [sex, [sex, race]]
    analyses:
      performance: {}
      fairness: {bootstrap: 10, seed: 3}
    gates: ["accuracy >= 0.8", "demographic_parity_difference(sex, race) < 0.1"]
    output: {html: r.html}
    """

  @Test("YAML that ends inside a flow mapping, with no final newline, is refused at the end of its last line, not the line after (found by Fuzz/ReportConfig)")
  func errorAtTheEnd() {
    #expect(throws: ConfigError(file: "rai.yaml", line: 2, column: 11, keyPath: "", problem: "the YAML does not parse: did not find expected ',' or '}'")) {
      try ReportConfig.parse("data: {test: t.csv, target: y}\nmodel: {tr", path: "rai.yaml")
    }
  }

  @Test("a config reads into its settings: data, model, sensitive sets (a list is intersectional), analyses, gates, outputs")
  func reads() throws {
    let c = try ReportConfig.parse(Self.minimal, path: "rai.yaml")
    #expect(c.data == .init(train: "t.csv", test: "e.csv", target: "y", positive: "1", drop: []))
    #expect(c.model == .train("logistic") && c.sensitive == [["sex"], ["sex", "race"]])
    #expect(c.performance && c.fairness == .init(bootstrap: 10, seed: 3, threshold: 0.5) && c.explanations == nil)
    #expect(c.gates.map(\.key) == ["accuracy", "demographic_parity_difference(sex|race)"] && c.html == "r.html" && c.json == nil)
  }

  @Test("privacy.dp_train reads into the DP-SGD settings: the target ε, δ from the ledger when not given, the defaults of candor dp-train")
  func readsPrivateTraining() throws {
    let text = "data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {ledger: l.ledger, dp_train: {epsilon: 1.5, feature_spec: f.json, insecure_seed: 7, allow_insecure: true, epochs: 2}}\n"
    let dp = try #require(try ReportConfig.parse(text, path: "rai.yaml").privateTraining)
    #expect(dp.epsilon == 1.5 && dp.delta == nil && dp.featureSpec == "f.json" && dp.insecureSeed == 7 && dp.allowInsecure)
    #expect(dp.epochs == 2 && dp.batchSize == 256 && dp.clip == 1 && dp.learningRate == 1 && dp.modelType == "logistic")
  }

  @Test("--set overrides a value, adds a key, takes YAML values, and its errors say they come from --set")
  func overrides() throws {
    let c = try ReportConfig.parse(Self.minimal, path: "rai.yaml", overrides: ["analyses.fairness.bootstrap=500", "analyses.glassbox={}", "sensitive=[race]", "output.json=r.json"])
    #expect(c.fairness?.bootstrap == 500 && c.fairness?.seed == 3 && c.glassBox && c.sensitive == [["race"]] && c.json == "r.json" && c.html == "r.html")
    for (override, message) in [("analyses.fairness.bootstrap=many", "rai.yaml with --set, analyses.fairness.bootstrap: expected a whole number, found 'many'."),
                                ("analyses.fairness", "rai.yaml with --set, --set analyses.fairness: write it as key.path=value, e.g. analyses.fairness.bootstrap=500."),
                                ("data.test.x=1", "rai.yaml with --set, --set data.test.x=1: x would go inside a value that is not a mapping."),
                                // The mapping is in the file, the unknown key only in --set: the error names --set, not the mapping's line.
                                ("analyses.fairness.foo=1", "rai.yaml with --set, analyses.fairness.foo: unknown key; the keys here are bootstrap, seed, threshold."),
                                ("analyses.fairness.seed=\"3\"", "rai.yaml with --set, analyses.fairness.seed: expected a whole number, found the text '3' in quotes (YAML reads a quoted value as text); write it without the quotes.")] {
      do {
        _ = try ReportConfig.parse(Self.minimal, path: "rai.yaml", overrides: [override])
        Issue.record("\(override) was accepted")
      } catch let error as ConfigError {
        #expect(error.description == message)
      }
    }
  }

  @Test("refused with the file, line and key path", arguments: [
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  fairnes: {}\n", "rai.yaml, line 4, analyses.fairnes: unknown key; the keys here are explanations, fairness, glassbox, mitigation, performance, privacy, whatif."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nsensitive: [sex]\nanalyses:\n  fairness: {bootstrap: many}\n", "rai.yaml, line 5, analyses.fairness.bootstrap: expected a whole number, found 'many'."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses: [fairness]\n", "rai.yaml, line 3, analyses: expected keys (a mapping), found a list."),
    ("data: {test: e.csv}\nmodel: {path: m.json}\n", "rai.yaml, line 1, data: the key target is missing."),
    ("data: {test: e.csv, target: y}\nmodel: {train: forest}\n", "rai.yaml, line 2, model.train: 'forest' is not a model type; the types are logistic, linear, mlp, tree, ebm."),
    ("data: {test: e.csv, target: y}\nmodel: {train: logistic}\n", "rai.yaml, line 2, model: training a model needs data.train (the rows to fit it on)."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses: {fairness: {}}\n", "rai.yaml, line 3, analyses.fairness: fairness needs sensitive (the features whose groups are compared) at the top level."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\ngates: [\"accuracy about 0.8\"]\n", "rai.yaml, line 3, gates[0]: the gate 'accuracy about 0.8' has no comparison; write it as metric < limit, e.g. \"demographic_parity_difference(sex) < 0.1\" or \"accuracy >= 0.8\"."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nsensitive: [sex]\nanalyses:\n  mitigation: {reweigh: true}\n", "rai.yaml, line 5, analyses.mitigation: reweighing needs data.train (the rows it weighs)."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nsensitive: [sex]\nanalyses:\n  mitigation: {threshold: {constraint: fairness}}\n", "rai.yaml, line 5, analyses.mitigation.threshold: 'fairness' is not a constraint; the constraints are demographic_parity, equalized_odds,"),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  whatif: {immutable: [sex]}\n", "rai.yaml, line 4, analyses.whatif: whatif needs counterfactual_rows (the test rows to find counterfactuals for, e.g. [3, 17])."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {audit: {}}\n", "rai.yaml, line 4, analyses.privacy.audit: a membership audit needs data.train (the model's training rows, the members)."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  whatif: {counterfactual_rows: []}\n", "rai.yaml, line 4, analyses.whatif.counterfactual_rows: give at least one row, e.g. [3, 17]."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  explanations: {permutation: {repeats: 1000000000000}}\n", "rai.yaml, line 4, analyses.explanations.permutation.repeats: expected a whole number of at most 1000, found 1000000000000."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nsensitive: [sex]\nanalyses:\n  fairness: {bootstrap: 1}\n", "rai.yaml, line 5, analyses.fairness.bootstrap: expected 0 (no bootstrap) or at least 2 replicates, found 1."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nmodel: {path: n.json}\n", "rai.yaml, line 3: the key 'model' is given twice."),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nsensitive: [sex]\nanalyses:\n  mitigation: {}\n", "rai.yaml, line 5, analyses.mitigation: names no mitigation: give reweigh: true or threshold: {constraint: …}."),
    ("data: {test: e.csv, target: y\nmodel: x\n", "rai.yaml, line 2, column 6: the YAML does not parse"),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {dp_train: {delta: 1e-6}}\n", "rai.yaml, line 4, analyses.privacy.dp_train: dp_train needs epsilon (the target ε the noise is calibrated for, e.g. 1)."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {dp_train: {epsilon: 1}}\n", "rai.yaml, line 4, analyses.privacy.dp_train: dp_train needs delta (below 1/n), or privacy.ledger, whose delta is used."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {dp_train: {epsilon: -1, delta: 1e-6}}\n", "rai.yaml, line 4, analyses.privacy.dp_train.epsilon: expected a number above 0, found -1."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {dp_train: {epsilon: 1, delta: 2}}\n", "rai.yaml, line 4, analyses.privacy.dp_train.delta: expected a number below 1, found 2."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {dp_train: {epsilon: 1, delta: 1e-6, model: tree}}\n", "rai.yaml, line 4, analyses.privacy.dp_train.model: DP-SGD trains logistic or mlp, not 'tree'."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {dp_train: {epsilon: 1, delta: 1e-6, sigma: 2}}\n", "rai.yaml, line 4, analyses.privacy.dp_train.sigma: unknown key; the keys here are allow_insecure, batch_size, clip, delta, epochs, epsilon, feature_spec, insecure_seed, learning_rate, model, note."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {ledger: l.ledger, dp_train: {epsilon: 1, insecure_seed: 7}}\n", "rai.yaml, line 4, analyses.privacy.dp_train.insecure_seed: a seeded run is not private"),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy: {dp_train: {epsilon: 1, delta: 1e-6}}\n", "rai.yaml, line 4, analyses.privacy.dp_train: DP-SGD trains on data.train: add it (the private training rows)."),
    // A quoted number or flag is text in YAML: refused, not guessed.
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  privacy:\n    dp_train:\n      epsilon: \"1\"\n      delta: 1e-6\n", "rai.yaml, line 6, analyses.privacy.dp_train.epsilon: expected a number, found the text '1' in quotes (YAML reads a quoted value as text); write it without the quotes."),
    ("data: {train: t.csv, test: e.csv, target: y}\nmodel: {path: m.json}\nsensitive: [sex]\nanalyses:\n  mitigation: {reweigh: 'true'}\n", "rai.yaml, line 5, analyses.mitigation.reweigh: expected true or false, found the text 'true' in quotes"),
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\nanalyses:\n  fairness: {bootstrap: [200]}\n", "rai.yaml, line 4, analyses.fairness.bootstrap: expected a whole number, found a list."),
    // The reader gives an offset, counted into a line and column (é is two bytes, one column).
    ("data: {test: e.csv, target: y}\nmodel: {path: m.json}\n# é \u{1B}\n", "rai.yaml, line 3, column 5: the file cannot be read as YAML: control characters are not allowed (U+001B)."),
  ])
  func refused(_ text: String, _ message: String) throws {
    #expect(throws: ConfigError.self) { try ReportConfig.parse(text, path: "rai.yaml") }
    do { _ = try ReportConfig.parse(text, path: "rai.yaml") } catch let error as ConfigError {
      #expect(error.description.hasPrefix(message), "\(error.description)")
      #expect(error.exitStatus == .badInput)
    }
  }

  @Test("the file's bytes: a byte-order mark is skipped; bytes that are not UTF-8 are refused with their line")
  func bytes() throws {
    let bom = Data([0xEF, 0xBB, 0xBF]) + Data(Self.minimal.utf8)
    #expect(try ReportConfig.parse(data: bom, path: "rai.yaml") == ReportConfig.parse(Self.minimal, path: "rai.yaml"))
    let latin = Data("data: {test: e.csv, target: y}\nmodel: {path: m\u{0}.json}\n".utf8).map { $0 == 0 ? UInt8(0xE9) : $0 }
    do {
      _ = try ReportConfig.parse(data: Data(latin), path: "rai.yaml")
      Issue.record("Latin-1 bytes were read")
    } catch let error as ConfigError {
      #expect(error.description == "rai.yaml, line 2: the file is not UTF-8 text.")
    }
  }

  @Test("gates: pass only when the value and the whole interval meet the limit, fail when none does, inconclusive when the interval straddles it")
  func verdicts() throws {
    let below = try Gate(parsing: "demographic_parity_difference(sex) < 0.1"), atLeast = try Gate(parsing: "accuracy ≥ 0.8")
    #expect(below.metric == "demographic_parity_difference" && below.sensitiveSet == "sex" && below.comparison == .below && below.limit == 0.1)
    #expect(atLeast.comparison == .atLeast && atLeast.sensitiveSet == nil)
    #expect(GateResult(gate: below, value: 0.05, interval: [0.02, 0.08]).verdict == .pass)
    #expect(GateResult(gate: below, value: 0.05, interval: [0.02, 0.12]).verdict == .inconclusive)
    #expect(GateResult(gate: below, value: 0.15, interval: [0.11, 0.19]).verdict == .fail)
    #expect(GateResult(gate: below, value: 0.15, interval: [0.09, 0.19]).verdict == .inconclusive)
    #expect(GateResult(gate: below, value: 0.1, interval: nil).verdict == .fail)
    #expect(GateResult(gate: atLeast, value: 0.8, interval: nil).verdict == .pass)
    #expect(GateResult(gate: atLeast, value: 0.85, interval: [0.8, 0.9]).verdict == .pass)
    #expect(throws: Gate.ParseError.self) { try Gate(parsing: "(sex) < 0.1") }
    // A sensitive column whose name holds a comparison sign: the gate's comparison is the one after the set.
    let signed = try Gate(parsing: "demographic_parity_difference(age<30, x>y) <= 0.2")
    #expect(signed.sensitiveSet == "age<30|x>y" && signed.comparison == .atMost && signed.limit == 0.2 && signed.key == "demographic_parity_difference(age<30|x>y)")
    #expect(throws: Gate.ParseError.self) { try Gate(parsing: "accuracy > high") }
  }
}

@Suite struct MetricGlossaryTests {
  @Test("every measured value a gate can name has a plain name, a meaning and a direction")
  func names() {
    #expect(MetricGlossary.entry("accuracy") == .init(name: "Accuracy", meaning: "share of rows predicted correctly", direction: "higher is better"))
    let dp = MetricGlossary.entry("demographic_parity_difference(sex)")!
    #expect(dp.name == "Demographic parity difference (sex)" && dp.meaning == "largest difference of selection rates between the groups of sex" && dp.direction == "lower is fairer (0: parity)")
    #expect(MetricGlossary.entry("equalized_odds_ratio_to_overall_mean(race)")?.name == "Equalized odds ratio to overall (race)")
    #expect(MetricGlossary.entry("epsilon_spent")?.direction == "lower is better")
    for name in ["balanced_accuracy", "roc_auc", "selection_rate", "precision", "true_positive_rate", "false_positive_rate", "true_negative_rate",
                 "false_negative_rate", "log_loss", "brier_score", "expected_calibration_error", "equal_opportunity_difference(sex|race)",
                 "dp_accuracy", "dp_epsilon", "dp_membership_auc", "dp_membership_epsilon_lower_bound"] {
      #expect(MetricGlossary.entry(name) != nil, "\(name)")
    }
    #expect(MetricGlossary.entry("roc_auc_of_the_moon") == nil)
  }
}

/// Until Fuzz/run.sh can build Yams (Swift over a C library) instrumented, the YAML config gets a seeded mutation
/// run here: every mutant of the sample config either reads or is refused with a `ConfigError` — never another
/// error, never a trap.
@Suite struct ReportConfigMutationTests {
  @Test("4000 seeded mutants of samples/rai.yaml (byte flips, deletions, YAML punctuation and huge numbers inserted) read or are refused with a ConfigError")
  func mutants() throws {
    let sample = try Data(contentsOf: URL(fileURLWithPath: Fixtures.sample("rai.yaml")))
    var random = SeededRandom(seed: 31)
    let inserts: [[UInt8]] = [":", "{", "}", "[", "]", "- ", "&a ", "*a", "!!", "\n", "\t", "'", "\"", "#", "? ", "|", ">", "%", "@", "99999999999999999999", "-1", "1e400", "\u{0}", "\u{FEFF}"].map { Array($0.utf8) }
    var read = 0, refused = 0
    for _ in 0..<4000 {
      var bytes = seededMutant(of: [UInt8](sample), inserts: inserts, maxEdits: 4, maxDeletion: 8, random: &random)
      if bytes.isEmpty { bytes = [UInt8]("a: b".utf8) }
      do {
        _ = try ReportConfig.parse(data: Data(bytes), path: "rai.yaml", overrides: random.nextIndex(below: 10) == 0 ? ["analyses.fairness.bootstrap=3"] : [])
        read += 1
      } catch is ConfigError {
        refused += 1
      }
    }
    #expect(read + refused == 4000 && read > 0 && refused > 0, "read \(read), refused \(refused)")
  }
}

@Suite struct MLflowTrackingTests {
  @Test("names MLflow accepts: a disparity of a set as metric/set, an intersection as metric/a/b, other characters as _")
  func keys() {
    #expect(MLflowTracking.key("accuracy") == "accuracy")
    #expect(MLflowTracking.key("demographic_parity_difference(sex)") == "demographic_parity_difference/sex")
    #expect(MLflowTracking.key("equalized_odds_difference(sex|race)") == "equalized_odds_difference/sex/race")
    #expect(MLflowTracking.key("ratio(größe)") == "ratio/gr__e" && MLflowTracking.key("a<b>") == "a_b_")
  }

  @Test("a tracking URI must be http(s) with a host and no credentials; credentials come from MLflow's variables")
  func uris() {
    #expect(MLflowTracking(uri: "http://127.0.0.1:5000/", experiment: "e")?.trackingURI.absoluteString == "http://127.0.0.1:5000")
    for bad in ["ftp://host/", "http://user:secret@host:5000", "127.0.0.1:5000", "http://"] {
      #expect(MLflowTracking(uri: bad, experiment: "e") == nil, "\(bad)")
    }
    #expect(MLflowTracking(uri: "https://mlflow.example", experiment: "e", environment: ["MLFLOW_TRACKING_TOKEN": "t0k"])?.authorization == "Bearer t0k")
    #expect(MLflowTracking(uri: "https://mlflow.example", experiment: "e", environment: ["MLFLOW_TRACKING_USERNAME": "u", "MLFLOW_TRACKING_PASSWORD": "p"])?.authorization == "Basic dTpw")
    #expect(MLflowTracking(uri: "https://mlflow.example", experiment: "e", environment: [:])?.authorization == nil)
  }
}
