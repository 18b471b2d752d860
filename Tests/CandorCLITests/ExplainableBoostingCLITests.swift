import CandorTestSupport
import Foundation
import Testing

/// `candor train --model-type ebm`, `candor explain --method terms` and every analysis on the EBM, and what is refused.
@Suite struct ExplainableBoostingCLITests {
  static let data = Fixtures.sample("german_credit.csv")

  @Test("an EBM on German credit: a schema-valid model file, inspect names its pairs, explain --method terms writes its shapes and each row's contributions, and fairness, whatif, counterfactual, TreeSHAP and mitigate threshold run on it")
  func trainAndUse() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let trained = try CandorBinary.run(["train", "--data", Self.data, "--target", "risk", "--positive", "1", "--model-type", "ebm", "--interactions", "4", "--out", "e.json"], in: folder)
    #expect(trained.exitCode == 0 && trained.standardOutput.contains("Trained ebm model on 1000 rows, 9 features"), "\(trained.standardOutput)\(trained.standardError)")
    try LibraryParityCLITests.expectValid(Data(contentsOf: folder.appendingPathComponent("e.json")), "candor-model.schema.json")
    let inspected = try CandorBinary.run(["inspect", "--model", "e.json", "--html", "i.html"], in: folder)
    #expect(try String(contentsOf: folder.appendingPathComponent("i.html"), encoding: .utf8).contains("Main effects"))
    #expect(inspected.exitCode == 0 && inspected.standardOutput.contains("9 main effects, 4 pairs: "), "\(inspected.standardOutput)")
    let explained = try CandorBinary.run(["explain", "--model", "e.json", "--data", Self.data, "--method", "terms", "--rows", "0:3", "--json", "t.json", "--html", "t.html"], in: folder)
    #expect(explained.exitCode == 0 && explained.standardOutput.contains("The model adds up 9 main effects and 4 pairs"), "\(explained.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("t.json"))) as! [String: Any]
    #expect(json["method"] as? String == "terms" && (json["terms"] as? [Any])?.count == 13 && (json["rows"] as? [Any])?.count == 3)
    let row = (json["rows"] as! [[String: Any]])[0], contributions = row["contributions"] as! [String: Double]
    #expect(abs((json["intercept"] as! Double) + contributions.values.reduce(0, +) - (row["margin"] as! Double)) <= 1e-9)
    let html = try String(contentsOf: folder.appendingPathComponent("t.html"), encoding: .utf8)
    #expect(html.contains("score by value") && html.contains("training rows per bin (density)"))
    for arguments in [["fairness", "--model", "e.json", "--data", Self.data, "--target", "risk", "--sensitive", "sex"],
                      ["whatif", "--model", "e.json", "--data", Self.data, "--row", "1", "--set", "duration=12"],
                      ["counterfactual", "--model", "e.json", "--data", Self.data, "--row", "1", "--desired-class", "1"],
                      ["explain", "--model", "e.json", "--data", Self.data, "--method", "shap", "--rows", "0:2"],
                      ["explain", "--model", "e.json", "--method", "terms"],
                      ["mitigate", "threshold", "--model", "e.json", "--data", Self.data, "--target", "risk", "--sensitive", "sex", "--constraint", "demographic_parity", "--out", "p.json"]] {
      let done = try CandorBinary.run(arguments, in: folder)
      #expect(done.exitCode == 0, "\(arguments[0]): \(done.standardError)")
    }
  }

  @Test("refused: a multiclass target, --max-bins 1, EBM options on another model type, --objective squared_error with a positive class, --method terms on a logistic model", arguments: [
    (["--model-type", "ebm", "--target", "housing"], "an explainable boosting machine fits a binary or numeric target, and housing has 3 classes"),
    (["--model-type", "ebm", "--target", "risk", "--positive", "1", "--max-bins", "1"], "--max-bins 1: needs at least 2"),
    (["--model-type", "ebm", "--target", "risk", "--positive", "1", "--learning-rate", "0"], "--learning-rate 0: it needs a positive finite number."),
    (["--model-type", "ebm", "--target", "risk", "--positive", "1", "--validation-size", "1"], "--validation-size 1:"),
    (["--target", "risk", "--interactions", "3"], "--interactions does nothing with --model-type logistic: it applies with --model-type ebm only."),
    (["--model-type", "ebm", "--target", "credit_amount", "--positive", "1", "--objective", "squared_error"], "a regression EBM (objective squared_error) has no positive class"),
  ])
  func refused(_ arguments: [String], _ message: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["train", "--data", Self.data, "--out", "e.json"] + arguments, in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("e.json").path))
  }

  @Test("explain --method terms and inspect --html on a logistic model are refused, naming what applies")
  func termsNeedAnEBM() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    _ = try CandorBinary.run(["train", "--data", Self.data, "--target", "risk", "--positive", "1", "--out", "l.json"], in: folder)
    let done = try CandorBinary.run(["explain", "--model", "l.json", "--method", "terms"], in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains("the model is not an additive model with terms (an EBM, --model-type ebm)"), "\(done.standardError)")
    let drawn = try CandorBinary.run(["inspect", "--model", "l.json", "--html", "l.html"], in: folder)
    #expect(drawn.exitCode == 2 && drawn.standardError.contains("--html draws a decision tree or an explainable boosting machine; l.json is neither"), "\(drawn.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("l.html").path))
  }
}
