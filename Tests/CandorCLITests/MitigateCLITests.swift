import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `candor mitigate` end to end against the AIF360 / Fairlearn references (Tests/Fixtures/reweighing.json,
/// threshold_optimizer.json).
@Suite struct MitigateCLITests {
  static func json(_ url: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }

  @Test("reweigh writes AIF360's weights per row, retrains, and compares the models on test data")
  func reweigh() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let weights = directory.appendingPathComponent("w.csv"), report = directory.appendingPathComponent("r.json")
    let html = directory.appendingPathComponent("r.html")
    let result = try CandorBinary.run([
      "mitigate", "reweigh", "--data", "samples/adult_train.csv", "--target", "income", "--positive", ">50K", "--drop", "fnlwgt",
      "--sensitive", "sex", "--weights-out", weights.path, "--retrain-out", directory.appendingPathComponent("m.json").path,
      "--eval-data", "samples/adult_test.csv", "--json", report.path, "--html", html.path,
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let written = try CSVReader.read(path: weights.path)
    guard case let .numeric(column) = try written.column("weight") else { Issue.record("weights type"); return }
    #expect(column.values.count == 32_561)
    let train = try CSVReader.read(path: Fixtures.sample("adult_train.csv"))
    let reference = ((try Fixtures.json("reweighing.json") as! [String: Any])["binary_sex"] as! [String: Any])["weights"] as! [String: [String: Double]]
    for row in [0, 1, 7, 8, 100, 32_560] {
      let sex = try train.column("sex").text(at: row)!, income = try train.column("income").text(at: row)!
      #expect(abs(column.values[row] - reference[sex]![income == ">50K" ? "1" : "0"]!) < 1e-12, "row \(row)")
    }
    let evaluation = try Self.json(report)["evaluation"] as! [String: [String: Any]]
    let effect = ((try Fixtures.json("reweighing.json") as! [String: Any])["model_effect"] as! [String: Any])["after_sex_reweighing"] as! [String: Any]
    #expect(abs((evaluation["after"]!["accuracy"] as! Double) - (effect["accuracy"] as! Double)) < 0.01)
    if Chromium.isAvailable { #expect(try Chromium.load(html).consoleMessages.isEmpty) }
  }

  @Test("threshold reproduces Fairlearn's race / equalized-odds policy through the CLI, and its model file scores data")
  func threshold() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let report = directory.appendingPathComponent("t.json"), html = directory.appendingPathComponent("t.html")
    let result = try CandorBinary.run([
      "mitigate", "threshold", "--predictions", Fixtures.path("adult_train_predictions.csv"), "--score-column", "y_score",
      "--target", "y_true", "--sensitive", "race", "--constraint", "equalized_odds",
      "--eval-data", Fixtures.path("adult_test_predictions.csv"), "--sweep", "--json", report.path, "--html", html.path,
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let ours = try Self.json(report)
    let reference = (((try Fixtures.json("threshold_optimizer.json") as! [String: Any])["runs"] as! [String: Any])["race"]
      as! [String: Any])["equalized_odds"] as! [String: Any]
    let policy = ours["policy"] as! [String: [String: Any]]
    for (group, expected) in reference["policy"] as! [String: [String: Any]] {
      #expect(abs((policy[group]!["p0"] as! Double) - (expected["p0"] as! Double)) < 1e-9)
      #expect(abs((policy[group]!["p_ignore"] as! Double) - (expected["p_ignore"] as! Double)) < 1e-9)
    }
    let after = (ours["evaluation"] as! [String: [String: Any]])["after"]!
    let expectedAfter = reference["eval_expected"] as! [String: Any]
    #expect(abs((after["accuracy"] as! Double) - ((expectedAfter["overall"] as! [String: Any])["accuracy"] as! Double)) < 1e-9)
    #expect(abs(((after["disparities"] as! [String: Double])["equalized_odds_difference"]!) - (expectedAfter["equalized_odds_difference"] as! Double)) < 1e-9)
    #expect((ours["sweep"] as! [Any]).count == 13)
    if Chromium.isAvailable { #expect(try Chromium.load(html).consoleMessages.isEmpty) }
  }

  @Test("a post-processed model file works with predict (seeded draws) and fairness (expectations)")
  func postProcessedModel() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let base = directory.appendingPathComponent("base.json").path, post = directory.appendingPathComponent("post.json").path
    _ = try CandorBinary.run(["train", "--data", "samples/german_credit.csv", "--target", "risk", "--positive", "1", "--out", base])
    let fit = try CandorBinary.run(["mitigate", "threshold", "--model", base, "--data", "samples/german_credit.csv", "--target", "risk",
                                    "--sensitive", "sex", "--constraint", "demographic_parity", "--out", post])
    #expect(fit.exitCode == 0, "\(fit.standardError)")
    var runs: [String] = []
    for seed in ["1", "1", "2"] {
      let out = directory.appendingPathComponent("p\(runs.count).csv").path
      #expect(try CandorBinary.run(["predict", "--model", post, "--data", "samples/german_credit.csv", "--out", out, "--seed", seed]).exitCode == 0)
      runs.append(try String(contentsOfFile: out, encoding: .utf8))
    }
    #expect(runs[0] == runs[1])
    #expect(runs[0] != runs[2])
    let json = directory.appendingPathComponent("f.json").path
    let fairness = try CandorBinary.run(["fairness", "--model", post, "--data", "samples/german_credit.csv", "--target", "risk",
                                         "--sensitive", "sex", "--json", json])
    #expect(fairness.exitCode == 0)
    let set = ((try Self.json(URL(fileURLWithPath: json)))["sensitive_sets"] as! [String: [String: Any]])["sex"]!
    // Demographic parity on the fitting data: the policy equalizes expected selection rates up to the grid step.
    #expect(((set["disparities"] as! [String: Double])["demographic_parity_difference"]!) < 0.002)

    // The trade-off sweep places a reweighed retrain beside the relaxed policies.
    let reweighed = directory.appendingPathComponent("rw.json").path, sweep = directory.appendingPathComponent("s.json")
    #expect(try CandorBinary.run(["mitigate", "reweigh", "--data", "samples/german_credit.csv", "--target", "risk", "--positive", "1",
                                  "--sensitive", "sex", "--retrain-out", reweighed]).exitCode == 0)
    let swept = try CandorBinary.run(["mitigate", "threshold", "--model", base, "--data", "samples/german_credit.csv", "--target", "risk",
                                      "--sensitive", "sex", "--constraint", "demographic_parity", "--sweep", "--compare-model", reweighed,
                                      "--json", sweep.path])
    #expect(swept.exitCode == 0, "\(swept.standardError)")
    let points = try Self.json(sweep)["sweep"] as! [[String: Any]]
    #expect(points.first?["label"] as? String == "unmitigated")
    #expect(points.last?["label"] as? String == "compared: \(reweighed)")
    // Relaxing the constraint never lowers the fitted accuracy (evaluated here on the fitting data).
    let relaxed = points.filter { $0["tolerance"] != nil }.map { $0["accuracy"] as! Double }
    #expect(zip(relaxed, relaxed.dropFirst()).allSatisfy { $1 >= $0 - 1e-12 })
  }

  @Test("bad mitigation input exits 2 and writes nothing", arguments: [
    (["mitigate", "threshold", "--predictions", "p.csv", "--score-column", "s", "--target", "y", "--sensitive", "g", "--constraint", "equalized_odds", "--json", "o.json"],
     "error: Group 'b' has only one label class in the fitting data, so no threshold trade-off can be computed for it.\n"),
    (["mitigate", "threshold", "--predictions", "p.csv", "--target", "y", "--sensitive", "g", "--constraint", "equalized_odds", "--json", "o.json"],
     "error: --predictions needs --score-column. Run 'candor mitigate threshold --help' for usage.\n"),
    (["mitigate", "threshold", "--predictions", "p.csv", "--score-column", "s", "--target", "y", "--sensitive", "g", "--constraint", "parity", "--json", "o.json"],
     "error: The value 'parity' is invalid for '--constraint <constraint>'. Please provide one of: demographic_parity, equalized_odds, true_positive_rate_parity, false_positive_rate_parity, false_negative_rate_parity, true_negative_rate_parity. Run 'candor mitigate threshold --help' for usage.\n"),
    (["mitigate", "threshold", "--predictions", "p.csv", "--score-column", "s", "--target", "y", "--sensitive", "g", "--constraint", "equalized_odds", "--objective", "true_positive_rate", "--json", "o.json"],
     "error: --objective true_positive_rate: equalized odds maximizes accuracy_score, balanced_accuracy_score or a cost, as Fairlearn's ThresholdOptimizer does.\n"),
    (["fairness", "--predictions", "p.csv", "--target", "y", "--score-column", "s", "--sensitive", "g", "--gei-alpha", "3", "--json", "o.json"],
     "error: --gei-alpha does nothing without --privileged: it applies to the privileged comparisons (--privileged) only. Run 'candor fairness --help' for usage.\n"),
    (["fairness", "--predictions", "p.csv", "--target", "y", "--score-column", "s", "--sensitive", "g", "--privileged", "g=a", "--gei-alpha", "2,inf", "--json", "o.json"],
     "error: --gei-alpha inf: write it as finite numbers such as 0.5,2,3.\n"),
    (["mitigate", "reweigh", "--data", "p.csv", "--target", "y", "--sensitive", "g", "--eval-data", "p.csv", "--json", "o.json"],
     "error: --eval-data needs --retrain-out (a model to evaluate). Run 'candor mitigate reweigh --help' for usage.\n"),
  ])
  func refused(arguments: [String], message: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("y,s,g\n1,0.9,a\n0,0.2,a\n1,0.8,b\n1,0.4,b\n".utf8).write(to: directory.appendingPathComponent("p.csv"))
    let result = try CandorBinary.run(arguments, in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == message)
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("o.json").path))
  }

  @Test("Fairlearn's spellings selection_rate_parity, accuracy_score and balanced_accuracy_score give the same policy as Candor's")
  func fairlearnSpellings() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("y,s,g\n1,0.9,a\n0,0.2,a\n1,0.6,a\n0,0.7,b\n1,0.8,b\n0,0.1,b\n1,0.3,b\n".utf8).write(to: directory.appendingPathComponent("p.csv"))
    func policy(_ constraint: String, _ objective: String) throws -> [String: Any] {
      let result = try CandorBinary.run(["mitigate", "threshold", "--predictions", "p.csv", "--score-column", "s", "--target", "y",
                                         "--sensitive", "g", "--constraint", constraint, "--objective", objective, "--json", "o.json"], in: directory)
      #expect(result.exitCode == 0, "\(result.standardError)")
      return try Self.json(directory.appendingPathComponent("o.json"))
    }
    for (fairlearn, candor) in [("accuracy_score", "accuracy"), ("balanced_accuracy_score", "balanced_accuracy")] {
      let ours = try policy("demographic_parity", candor), theirs = try policy("selection_rate_parity", fairlearn)
      #expect(theirs["constraint"] as? String == "demographic_parity")
      #expect(NSDictionary(dictionary: ours["policy"] as! [String: Any]) == NSDictionary(dictionary: theirs["policy"] as! [String: Any]))
      #expect(ours["objective"] as? String == fairlearn)
    }
  }

  // Fairlearn 0.15 test/unit/postprocessing/test_threshold_optimization.py::
  // test_threshold_optimization_demographic_parity_e2e[example 1]: integer scores 0–3 (not probabilities),
  // flip=True; every group's mean P(ŷ = 1) is 0.572.
  @Test("--flip on scores that are not probabilities reproduces Fairlearn's example 1, with a warning about the 'before' cut-off")
  func flipOnMargins() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let groups = Array("AAAAAAABBBBBBBCCCCCC"), labels = [0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]
    let scores = [0, 0, 1, 1, 2, 3, 3, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 2]
    let csv = "s,g,y\n" + zip(zip(scores, groups), labels).map { "\($0.0),\($0.1),\($1)\n" }.joined()
    try Data(csv.utf8).write(to: directory.appendingPathComponent("ex1.csv"))
    let result = try CandorBinary.run(["mitigate", "threshold", "--predictions", "ex1.csv", "--score-column", "s", "--target", "y",
                                       "--sensitive", "g", "--constraint", "demographic_parity", "--flip", "--eval-data", "ex1.csv",
                                       "--json", "o.json"], in: directory)
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(result.standardError == "warning: The scores are not probabilities (2 is outside [0, 1]): the unmitigated model's decisions in the evaluation are scores above 0.5; give --threshold for its own cut-off.\n")
    let json = try Self.json(directory.appendingPathComponent("o.json"))
    #expect((json["search"] as! [String: Any])["flip"] as? Bool == true)
    let after = (json["evaluation"] as! [String: [String: Any]])["after"]!
    let selection = (after["by_group"] as! [String: [String: Double]])["selection_rate"]!
    for group in ["A", "B", "C"] { #expect(abs(selection[group]! - 0.572) < 1e-12, "\(group)") }
    let policy = json["policy"] as! [String: [String: Any]]
    #expect(policy["A"]!["operator1"] as? String == "<")
  }
}
