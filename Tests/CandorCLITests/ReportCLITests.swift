import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `candor report --config`: one HTML page and its JSON twin from a YAML config on German credit — gates, the audit
/// trail, the model card, determinism, a failed analysis kept in the report, and bad input refused with nothing written.
@Suite struct ReportCLITests {
  static let data = Fixtures.sample("german_credit.csv")

  /// With `privacy`, the config shows the ledger g.ledger of the folder it runs in.
  static func config(gates: [String] = ["accuracy >= 0.7", "demographic_parity_difference(sex) < 0.5"], pdp: String = "[age]", privacy: Bool = false,
                     train: String = data, test: String = data) -> String {
    """
    data: {train: "\(train)", test: "\(test)", target: risk, positive: "1"}
    model: {train: logistic}
    sensitive: [sex, [sex, housing]]
    analyses:
      performance: {}
      fairness: {bootstrap: 40, seed: 2}
      explanations: {permutation: {repeats: 2}, pdp: {features: \(pdp)}}
      glassbox: {}
      mitigation: {reweigh: true, threshold: {constraint: demographic_parity}}
      whatif: {counterfactual_rows: [1], immutable: [sex, age]}
    \(privacy ? "  privacy: {ledger: g.ledger, audit: {}}" : "")
    gates: [\(gates.map { "\"\($0)\"" }.joined(separator: ", "))]
    model_card: {name: "German <script>alert(1)</script> credit", owners: [a team], limitations: [small data]}
    output: {html: r.html, json: r.json}
    """
  }

  static func run(_ config: String, _ arguments: [String] = [], in folder: URL, environment: [String: String] = [:]) throws -> CommandResult {
    try config.write(to: folder.appendingPathComponent("rai.yaml"), atomically: true, encoding: .utf8)
    return try CandorBinary.run(["report", "--config", "rai.yaml"] + arguments, in: folder, environment: environment)
  }

  @Test("the report: a schema-valid JSON with every analysis, the gates with their intervals and verdicts, provenance hashes and a model card; the page opens with the summary and escapes the config's text; the same inputs give the same JSON but for its times")
  func report() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let ledger = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "g.ledger", "--epsilon", "3", "--delta", "1e-5", "--dataset", Self.data], in: folder)
    #expect(ledger.exitCode == 0, "\(ledger.standardError)")
    // Train on 700 rows, measure on the other 300 (members and non-members of the audit).
    let lines = try String(contentsOfFile: Self.data, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
    try (lines[0...700].joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
    try ([lines[0]] + lines[701...]).joined(separator: "\n").appending("\n").write(to: folder.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
    let full = Self.config(gates: ["accuracy >= 0.7", "demographic_parity_difference(sex) < 0.5", "epsilon_spent <= 1", "membership_auc < 0.9"], privacy: true,
                           train: "train.csv", test: "test.csv")
    let done = try Self.run(full, ["--model-card-out", "card.json"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    #expect(done.standardOutput.contains("gate accuracy >= 0.7: pass"), "\(done.standardOutput)")
    let data = try Data(contentsOf: folder.appendingPathComponent("r.json"))
    try LibraryParityCLITests.expectValid(data, "candor-report.schema.json")
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let analyses = json["analyses"] as! [String: [String: Any]]
    #expect(Set(analyses.keys) == ["performance", "fairness", "mitigation", "explanations", "glassbox", "whatif", "privacy"])
    let queries = (analyses["whatif"]!["result"] as! [String: Any])["queries"] as! [[String: Any]]
    #expect(queries.count == 1 && !(queries[0]["counterfactuals"] as! [[String: Any]]).isEmpty)
    #expect((queries[0]["counterfactuals"] as! [[String: Any]]).allSatisfy { !(($0["changed"] as! [String]).contains("sex")) })
    let mitigation = analyses["mitigation"]!["result"] as! [String: [String: Any]]
    #expect(mitigation["reweighing"]?["evaluation"] != nil && mitigation["threshold"]?["policy"] != nil)
    let sweep = mitigation["threshold"]!["sweep"] as! [[String: Any]]
    #expect(sweep.contains { $0["label"] as? String == "reweighed and retrained" }, "the trade-off compares the reweighed model")
    #expect(analyses.allSatisfy { $0.value["status"] as? String == "ok" }, "\(analyses.mapValues { $0["status"] ?? "" })")
    let gates = json["gates"] as! [[String: Any]]
    #expect(gates.count == 4 && gates[0]["verdict"] as? String == "pass" && (gates[0]["interval"] as? [Double])?.count == 2)
    #expect(gates[2]["value"] as? Double == 0 && gates[2]["verdict"] as? String == "pass", "a fresh ledger has spent nothing")
    let audit = (analyses["privacy"]!["result"] as! [String: [String: Any]])["audit"]!
    #expect(audit["members"] as? Int == 700 && audit["non_members"] as? Int == 300 && gates[3]["value"] as? Double == audit["auc"] as? Double)
    #expect(((json["provenance"] as! [String: Any])["inputs"] as! [String: Any])["ledger"] != nil)
    let fairness = (analyses["fairness"]!["result"] as! [String: Any])["sensitive_sets"] as! [String: [String: Any]]
    let measured = (fairness["sex"]!["disparities"] as! [String: Double])["demographic_parity_difference"]!
    #expect(gates[1]["value"] as? Double == measured)
    let inputs = (json["provenance"] as! [String: Any])["inputs"] as! [String: [String: Any]]
    #expect(inputs["test"]?["sha256"] as? String == SHA256.hex(try Data(contentsOf: folder.appendingPathComponent("test.csv"))))
    // The model card alone validates against the Model Card Toolkit's own schema (v0.0.2).
    let cardData = try Data(contentsOf: folder.appendingPathComponent("card.json"))
    let toolkit = try JSONSchemaValidator(schema: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("modelcard/model_card.schema.json"))))
    let violations = try toolkit.violations(of: ParsedJSON.parse(cardData))
    #expect(violations.isEmpty, "\(violations.prefix(5))")
    let card = try JSONSerialization.jsonObject(with: cardData) as! [String: Any]
    let metrics = (card["quantitative_analysis"] as! [String: Any])["performance_metrics"] as! [[String: Any]]
    #expect(metrics.first { $0["type"] as? String == "accuracy" }?["value"] as? Double == gates[0]["value"] as? Double)
    #expect(metrics.first { $0["type"] as? String == "demographic_parity_difference" && $0["slice"] as? String == "sex" }?["value"] as? Double == measured)
    #expect(((card["model_details"] as! [String: Any])["name"] as? String) == "German <script>alert(1)</script> credit")
    #expect(((card["quantitative_analysis"] as! [String: Any])["performance_metrics"] as! [[String: Any]]).contains { $0["type"] as? String == "accuracy" })
    let html = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
    #expect(!html.contains("<script>alert(1)") && html.contains("&lt;script&gt;alert(1)"))
    #expect(html.range(of: "Summary")!.lowerBound < html.range(of: "Fairness assessment")!.lowerBound)
    #expect(html.contains("Gates: 4 of 4 pass.") && html.contains("id=\"model-card\"") && html.contains("small data"))
    // Determinism: a second run gives the same JSON apart from the start and end times.
    let again = try Self.run(full, ["--model-card-out", "card.json"], in: folder)
    #expect(again.exitCode == 0)
    func timeless(_ d: Data) throws -> Data {
      var o = try JSONSerialization.jsonObject(with: d) as! [String: Any]
      var p = o["provenance"] as! [String: Any]
      p["started"] = nil; p["finished"] = nil
      o["provenance"] = p
      return try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
    }
    #expect(try timeless(data) == timeless(Data(contentsOf: folder.appendingPathComponent("r.json"))))
  }

  @Test("privacy.dp_train: the DP-SGD run is charged to the ledger before training (one spend, the report's epsilon_spent), the DP model is audited beside the report's model and its audited ε stays within its accounted ε; over budget the privacy analysis fails, the ledger byte for byte unchanged, and the rest is written")
  func privateTraining() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let lines = try String(contentsOfFile: Self.data, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
    try (lines[0...700].joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
    try ([lines[0]] + lines[701...]).joined(separator: "\n").appending("\n").write(to: folder.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
    for (name, epsilon) in [("g.ledger", "3"), ("small.ledger", "0.5")] {
      let made = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", name, "--epsilon", epsilon, "--delta", "1e-5", "--dataset", "train.csv"], in: folder)
      #expect(made.exitCode == 0, "\(made.standardError)")
    }
    let privacy = "  privacy: {ledger: g.ledger, dp_train: {epsilon: 1, epochs: 2, batch_size: 64}, audit: {}}"
    let config = Self.config(gates: ["epsilon_spent <= 1", "dp_membership_auc < 0.9", "dp_accuracy > 0.5"], privacy: true, train: "train.csv", test: "test.csv")
      .replacingOccurrences(of: "  privacy: {ledger: g.ledger, audit: {}}", with: privacy)
    let done = try Self.run(config, in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let data = try Data(contentsOf: folder.appendingPathComponent("r.json"))
    try LibraryParityCLITests.expectValid(data, "candor-report.schema.json")
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let result = ((json["analyses"] as! [String: [String: Any]])["privacy"]!["result"]) as! [String: [String: Any]]
    let spent = result["dp_train"]!["epsilon_spent"] as! [String: Double]
    #expect(result["dp_train"]!["target_epsilon"] as? Double == 1 && spent["rdp"]! <= 1 + 1e-9 && result["dp_train"]!["private"] as? Bool == true)
    #expect((result["ledger"]!["spends"] as! [Any]).count == 1)
    let gates = json["gates"] as! [[String: Any]]
    #expect(gates[0]["value"] as? Double == spent.values.min(), "the ledger's spend is the run's tightest ε")
    #expect(gates[1]["value"] as? Double == result["dp_audit"]!["auc"] as? Double)
    #expect(gates[2]["value"] as? Double == result["dp_train"]!["test_accuracy"] as? Double)
    let accounted = try #require(result["dp_audit"]!["accounted_epsilon"] as? Double)
    #expect(accounted == spent.values.min() && (result["dp_audit"]!["epsilon_lower_bound"] as! Double) <= accounted, "an audited ε never exceeds the accounted one")
    let warnings = (json["analyses"] as! [String: [String: Any]])["privacy"]!["warnings"] as! [String]
    #expect(warnings.contains { $0.contains("not covered by the privacy guarantee; declare it with privacy.dp_train.feature_spec") })

    // Over budget: refused before training, the ledger untouched, the other analyses written.
    let small = folder.appendingPathComponent("small.ledger")
    let before = try Data(contentsOf: small)
    let refused = try Self.run(config.replacingOccurrences(of: "ledger: g.ledger", with: "ledger: small.ledger"), in: folder)
    #expect(refused.exitCode == 4, "\(refused.standardError)")
    let analyses = (try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any])["analyses"] as! [String: [String: Any]]
    #expect(analyses["privacy"]?["status"] as? String == "failed" && analyses["fairness"]?["status"] as? String == "ok")
    #expect((analyses["privacy"]?["error"] as? String)?.contains("budget") == true, "\(analyses["privacy"] ?? [:])")
    #expect(try Data(contentsOf: small) == before)
  }

  @Test("model: {cmd: …}: a model behind a command is reviewed like any other — its accuracy is the one its formula gives, counterfactuals come from its answers — and the config keeps the command, no hash")
  func commandModel() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let lines = try String(contentsOfFile: Fixtures.sample("adult_test.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
    try (lines[0...1500].joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("adult.csv"), atomically: true, encoding: .utf8)
    let script = Fixtures.path("adapters/model_command.py")
    let config = """
      data: {test: adult.csv, target: income, positive: ">50K"}
      model: {cmd: "python3 \(script) binary", features: [age, hours_per_week], classes: ["<=50K", ">50K"], batch_size: 500}
      sensitive: [sex]
      analyses:
        performance: {}
        fairness: {}
        explanations: {permutation: {repeats: 2}}
        whatif: {counterfactual_rows: [0]}
      gates: ["accuracy >= 0.5"]
      output: {json: r.json}
      """
    let done = try Self.run(config, in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any]
    let analyses = json["analyses"] as! [String: [String: Any]]
    #expect(analyses.allSatisfy { $0.value["status"] as? String == "ok" }, "\(analyses.mapValues { $0["error"] ?? $0["status"] ?? "" })")
    // The script's model: P(>50K) = logistic(0.05·(age − 40) + 0.03·(hours_per_week − 40)).
    let table = try CSVReader.read(path: folder.appendingPathComponent("adult.csv").path)
    let age = try table.column("age"), hours = try table.column("hours_per_week"), income = try table.column("income")
    let right = (0..<table.rowCount).count { r in
      let z = 0.05 * (Double(age.text(at: r)!)! - 40) + 0.03 * (Double(hours.text(at: r)!)! - 40)
      return (1 / (1 + exp(-z)) > 0.5) == (income.text(at: r) == ">50K")
    }
    #expect((json["gates"] as! [[String: Any]])[0]["value"] as? Double == Double(right) / Double(table.rowCount))
    let model = (json["config"] as! [String: Any])["model"] as! [String: Any]
    #expect(model["cmd"] as? String == "python3 \(script) binary" && model["features"] as? [String] == ["age", "hours_per_week"])
    #expect(((json["provenance"] as! [String: Any])["inputs"] as! [String: Any])["model"] == nil, "a command has no file to hash")
    let importance = ((analyses["explanations"]!["result"] as! [String: Any])["permutation"] as! [String: Any])["importances"] as! [String: Any]
    #expect(Set(importance.keys) == ["age", "hours_per_week"], "the command reads two columns")
  }

  @Test("a model that gives every row one score: the report is written, and the model card leaves out the ROC AUC interval such scores leave undefined")
  func constantModel() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let config = """
      data: {test: "\(Fixtures.sample("adult_test.csv"))", target: income, positive: ">50K"}
      model: {cmd: "python3 \(Fixtures.path("adapters/model_command.py")) constant", features: [age, hours_per_week], classes: ["<=50K", ">50K"]}
      sensitive: [sex]
      analyses: {performance: {}, fairness: {}}
      output: {json: r.json, html: r.html}
      """
    let done = try Self.run(config, ["--model-card-out", "card.json"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any]
    let overall = ((json["analyses"] as! [String: [String: Any]])["performance"]!["result"] as! [String: Any])["overall"] as! [String: Any]
    #expect(overall["roc_auc"] as? Double == 0.5 && overall["selection_rate"] as? Double == 0 && overall["precision"] as? Double == 0)
    let card = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("card.json"))) as! [String: Any]
    let metrics = (card["quantitative_analysis"] as! [String: Any])["performance_metrics"] as! [[String: Any]]
    #expect(!metrics.isEmpty && metrics.allSatisfy { ($0["value"] as? Double)?.isFinite == true })
    let auc = metrics.first { $0["type"] as? String == "roc_auc" }
    #expect(auc?["value"] as? Double == 0.5 && auc?["confidence_interval"] == nil)
    let toolkit = try JSONSchemaValidator(schema: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("modelcard/model_card.schema.json"))))
    #expect(try toolkit.violations(of: ParsedJSON.parse(Data(contentsOf: folder.appendingPathComponent("card.json")))).isEmpty)
  }

  @Test("model: {url: …} with a header from the environment: the endpoint's model is reviewed, the token reaches no output and the config records only the variable's name")
  func endpointModel() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let server = try EndpointModelCLITests.Server("auth", in: folder)
    defer { server.stop() }
    let config = """
      data: {test: "\(Fixtures.sample("adult_test.csv"))", target: income, positive: ">50K"}
      model: {url: "\(server.url)", features: [age, hours_per_week], classes: ["<=50K", ">50K"], headers_from_env: {Authorization: CANDOR_TEST_MODEL_AUTH}}
      analyses: {performance: {}}
      output: {json: r.json}
      """
    try config.write(to: folder.appendingPathComponent("rai.yaml"), atomically: true, encoding: .utf8)
    let done = try CandorBinary.run(["report", "--config", "rai.yaml"], in: folder, environment: ["CANDOR_TEST_MODEL_AUTH": "Bearer secret-token"])
    #expect(done.exitCode == 0, "\(done.standardError)")
    let text = try String(contentsOf: folder.appendingPathComponent("r.json"), encoding: .utf8)
    #expect(!text.contains("secret-token") && !done.standardOutput.contains("secret-token") && text.contains("CANDOR_TEST_MODEL_AUTH"))
    let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    let table = try CSVReader.read(path: Fixtures.sample("adult_test.csv"))
    let age = try table.column("age"), hours = try table.column("hours_per_week"), income = try table.column("income")
    let right = (0..<table.rowCount).count { r in
      (EndpointModelCLITests.probability(age: Double(age.text(at: r)!)!, hours: Double(hours.text(at: r)!)!) > 0.5) == (income.text(at: r) == ">50K")
    }
    let overall = ((json["analyses"] as! [String: [String: Any]])["performance"]!["result"] as! [String: Any])["overall"] as! [String: Double]
    // The same rows right (the report averages 0/1 outcomes, so the last bit of the ratio may differ).
    #expect((overall["accuracy"]! * Double(table.rowCount)).rounded() == Double(right) && abs(overall["accuracy"]! - Double(right) / Double(table.rowCount)) < 1e-15)
  }

  @Test("the report page loads in headless Chromium with no console message, its what-if panel among its parts",
        .enabled(if: Chromium.isAvailable, "needs Debian's chromium; make test installs it"))
  func rendersInChromium() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try Self.run(Self.config(), in: folder).exitCode == 0)
    let (dom, console) = try Chromium.load(folder.appendingPathComponent("r.html"))
    #expect(console.isEmpty, "\(console)")
    #expect(dom.contains("class=\"panel\"") && dom.contains("id=\"summary\"") && dom.contains("id=\"provenance\""))
  }

  @Test("--fail-on-gate exits 3 when a gate fails, and an inconclusive gate fails it unless --inconclusive-passes")
  func gatesBlock() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let failing = try Self.run(Self.config(gates: ["accuracy >= 0.99"]), ["--fail-on-gate"], in: folder)
    #expect(failing.exitCode == 3 && failing.standardError.contains("a gate did not pass"), "\(failing.standardError)")
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.html").path), "the report is written all the same")
    // The accuracy's interval straddles its own value.
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any]
    let accuracy = ((json["gates"] as! [[String: Any]])[0]["value"] as! Double)
    let straddling = "accuracy >= \(accuracy)"
    #expect(try Self.run(Self.config(gates: [straddling]), ["--fail-on-gate"], in: folder).exitCode == 3)
    #expect(try Self.run(Self.config(gates: [straddling]), ["--fail-on-gate", "--inconclusive-passes"], in: folder).exitCode == 0)
  }

  @Test("an analysis that fails is kept as failed with its error, the others are written, and the exit code is 4")
  func failedAnalysis() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try Self.run(Self.config().replacingOccurrences(of: "counterfactual_rows: [1]", with: "counterfactual_rows: [5000]"), in: folder)
    #expect(done.exitCode == 4 && done.standardError.contains("an analysis failed"), "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any]
    let analyses = json["analyses"] as! [String: [String: Any]]
    #expect(analyses["whatif"]?["status"] as? String == "failed"
      && (analyses["whatif"]?["error"] as? String) == "rai.yaml, line 10, analyses.whatif.counterfactual_rows: row 5000 is past the test data's 1000 rows (rows count from 0).")
    #expect(analyses["fairness"]?["status"] as? String == "ok" && analyses["explanations"]?["status"] as? String == "ok")
    #expect(try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8).contains("What-if (failed)"))
  }

  @Test("a library's refusal names the config's key, not a flag: a linear model with data.positive")
  func namesConfigKeys() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try Self.run(Self.config().replacingOccurrences(of: "model: {train: logistic}", with: "model: {train: linear}"), in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains("data.positive 1: a linear (regression) model has no positive class."), "\(done.standardError)")
  }

  @Test("bad input exits 2 and writes nothing", arguments: [
    ("gate", "a gate naming a value nothing measured"),
    ("yaml", "YAML that does not parse"),
    ("folder", "an output in a folder that does not exist"),
    ("missing", "no config file"),
    ("column", "a pdp feature that is not a column"),
    ("sensitive", "a sensitive feature that is not a column"),
    ("overwrite", "an output that is the test data"),
    ("mlflow", "an MLflow tracking URI that is not http(s), its password not repeated"),
    ("blackbox", "a model behind a command without its features"),
    ("classes", "a binary model behind a command with three classes"),
    ("envheader", "a header read from an environment variable that is not set"),
    ("headername", "a header name with a line break in it (a second header smuggled in)"),
    ("headervalue", "a header value from the environment with a line break in it, the value never shown"),
    ("mlflowport", "an MLflow tracking URI with a port above 65535"),
    ("mlflowname", "an empty MLflow experiment name"),
    ("mlflowtoken", "an MLflow token with a line break in it, never shown"),
    ("ledger", "a privacy ledger that is not there, refused before any analysis"),
    ("featurespec", "a DP-SGD feature spec that is not there, refused before any analysis"),
    ("modelfeatures", "a model behind a command that reads a column the data lacks"),
    ("batchsize", "a DP-SGD batch larger than the training rows, refused before anything is charged"),
    ("delta", "a DP-SGD δ of at least 1/n, refused before anything is charged"),
  ])
  func refused(_ kind: String, _ what: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done: CommandResult
    switch kind {
    case "gate": done = try Self.run(Self.config(gates: ["roc_auc_of_the_moon >= 0.7"]), in: folder)
    case "yaml": done = try Self.run("data: {test: x\nmodel: [", in: folder)
    case "folder": done = try Self.run(Self.config(), ["--html", "nowhere/r.html"], in: folder)
    case "overwrite": done = try Self.run(Self.config(), ["--html", Self.data], in: folder)
    case "mlflow": done = try Self.run(Self.config(), ["--mlflow-tracking-uri", "ftp://u:pw-secret@h/"], in: folder)
    case "blackbox": done = try Self.run(Self.config().replacingOccurrences(of: "model: {train: logistic}", with: "model: {cmd: \"python3 m.py\"}"), in: folder)
    case "classes": done = try Self.run(Self.config().replacingOccurrences(of: "model: {train: logistic}", with: "model: {cmd: \"python3 m.py\", features: [age], classes: [a, b, c]}"), in: folder)
    case "envheader": done = try Self.run(Self.config().replacingOccurrences(of: "model: {train: logistic}", with: "model: {url: \"http://127.0.0.1:1/invocations\", features: [age], headers_from_env: {Authorization: CANDOR_UNSET_TOKEN_VARIABLE}}"), in: folder)
    case "headername": done = try Self.run(Self.config().replacingOccurrences(of: "model: {train: logistic}", with: "model: {url: \"http://127.0.0.1:1/invocations\", features: [age], headers_from_env: {\"X-Ok\\r\\nX-Evil\": CANDOR_TEST_HEADER}}"), in: folder,
                                           environment: ["CANDOR_TEST_HEADER": "fine"])
    case "headervalue": done = try Self.run(Self.config().replacingOccurrences(of: "model: {train: logistic}", with: "model: {url: \"http://127.0.0.1:1/invocations\", features: [age], headers_from_env: {Authorization: CANDOR_TEST_HEADER}}"), in: folder,
                                            environment: ["CANDOR_TEST_HEADER": "Bearer pw-secret\r\nX-Injected: 1"])
    case "mlflowport": done = try Self.run(Self.config(), ["--mlflow-tracking-uri", "http://127.0.0.1:99999"], in: folder)
    case "mlflowname": done = try Self.run(Self.config(), ["--mlflow-tracking-uri", "http://127.0.0.1:5000", "--mlflow-experiment", " "], in: folder)
    case "mlflowtoken": done = try Self.run(Self.config(), ["--mlflow-tracking-uri", "http://127.0.0.1:5000"], in: folder, environment: ["MLFLOW_TRACKING_TOKEN": "pw-secret\nX-Injected: 1"])
    case "ledger": done = try Self.run(Self.config(privacy: true), in: folder)
    case "featurespec":
      let made = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "g.ledger", "--epsilon", "3", "--delta", "1e-5", "--dataset", Self.data], in: folder)
      try #require(made.exitCode == 0, "\(made.standardError)")
      done = try Self.run(Self.config().replacingOccurrences(of: "  whatif: {counterfactual_rows: [1], immutable: [sex, age]}",
                                                             with: "  whatif: {counterfactual_rows: [1], immutable: [sex, age]}\n  privacy: {ledger: g.ledger, dp_train: {epsilon: 1, feature_spec: no_spec.json}}"), in: folder)
    case "batchsize", "delta":
      let made = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "g.ledger", "--epsilon", "3", "--delta", "1e-5", "--dataset", Self.data], in: folder)
      try #require(made.exitCode == 0, "\(made.standardError)")
      let before = try Data(contentsOf: folder.appendingPathComponent("g.ledger"))
      let settings = kind == "batchsize" ? "epsilon: 1, batch_size: 5000" : "epsilon: 1, delta: 0.01"
      done = try Self.run(Self.config().replacingOccurrences(of: "  whatif: {counterfactual_rows: [1], immutable: [sex, age]}",
                                                             with: "  whatif: {counterfactual_rows: [1], immutable: [sex, age]}\n  privacy:\n    ledger: g.ledger\n    dp_train: {\(settings)}"), in: folder)
      #expect(try Data(contentsOf: folder.appendingPathComponent("g.ledger")) == before, "the ledger was changed")
    case "modelfeatures": done = try Self.run(Self.config().replacingOccurrences(of: "model: {train: logistic}", with: "model: {cmd: \"python3 m.py\", features: [age, no_such_column], classes: [\"0\", \"1\"]}"), in: folder)
    case "column": done = try Self.run(Self.config(pdp: "[no_such_feature]"), in: folder)
    case "sensitive": done = try Self.run(Self.config().replacingOccurrences(of: "sensitive: [sex, [sex, housing]]", with: "sensitive: [sex, [sex, nope]]"), in: folder)
    default: done = try CandorBinary.run(["report", "--config", "absent.yaml"], in: folder)
    }
    #expect(done.exitCode == 2, "\(what): \(done.standardError)")
    let expected = ["gate": "the gate 'roc_auc_of_the_moon >= 0.7' names roc_auc_of_the_moon, which no analysis measured; the values are accuracy, ",
                    "yaml": "rai.yaml, line 2, column", "folder": "nowhere", "missing": "absent.yaml",
                    "column": "rai.yaml, line 7, analyses.explanations.pdp.features: 'no_such_feature' is not a column of",
                    "sensitive": "rai.yaml, line 3, sensitive: 'nope' is not a column of",
                    "overwrite": "the HTML output (output.html or --html) \(Self.data) is the data.test file",
                    "mlflow": "--mlflow-tracking-uri ftp://h/: give the server's http:// or https:// address",
                    "blackbox": "rai.yaml, line 2, model: a model behind a URL or a command needs features (the columns it reads, in its order).",
                    "classes": "rai.yaml, line 2, model.classes: a, b, c: a binary model has two classes, the positive one last.",
                    "envheader": "rai.yaml, line 2, model.headers_from_env.Authorization: the environment variable CANDOR_UNSET_TOKEN_VARIABLE is not set.",
                    "headername": "a header name is letters, digits and !#$%&'*+-.^_`|~ only (no space, colon or line break)",
                    "headervalue": "'Authorization' (its value not shown): a header value may not hold a line break or another control character",
                    "mlflowport": "--mlflow-tracking-uri http://127.0.0.1:99999: give the server's http:// or https:// address (e.g. http://127.0.0.1:5000; a port from 1 to 65535)",
                    "mlflowname": "--mlflow-experiment: give the experiment's name, 1 to 500 characters (found 1).",
                    "mlflowtoken": "MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD holds a line break or another control character",
                    "ledger": "g.ledger", "featurespec": "no_spec.json",
                    "batchsize": "rai.yaml, line 13, analyses.privacy.dp_train.batch_size: found 5000; the expected batch size must be above 0 and at most the 1000 training rows.",
                    "delta": "rai.yaml, line 13, analyses.privacy.dp_train.delta: δ = 0.01 is at least 1/n for the 1000 rows of",
                    "modelfeatures": "rai.yaml, line 2, model.features: 'no_such_column' is not a column of"][kind]!
    #expect(done.standardError.contains(expected), "\(what): \(done.standardError)")
    #expect(!done.standardError.contains("pw-secret"))
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.html").path) && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.json").path))
  }
}
