import CandorTestSupport
import Foundation
import Testing

/// `candor train --model-type tree` and `candor inspect --model`: scikit-learn's training accuracy, the tree as
/// rules, every analysis on it, and what is refused.
@Suite struct DecisionTreeCLITests {
  static let data = Fixtures.sample("german_credit.csv")

  @Test("a depth-3 tree on German credit: scikit-learn's training accuracy (0.74), its rules from inspect, and fairness, whatif, counterfactual and explain run on it")
  func trainAndUse() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let trained = try CandorBinary.run(["train", "--data", Self.data, "--target", "risk", "--positive", "1", "--model-type", "tree", "--max-depth", "3", "--out", "t.json"], in: folder)
    #expect(trained.exitCode == 0 && trained.standardOutput.contains("Training accuracy: 0.74000"), "\(trained.standardOutput)\(trained.standardError)")
    try LibraryParityCLITests.expectValid(Data(contentsOf: folder.appendingPathComponent("t.json")), "candor-model.schema.json")
    let inspected = try CandorBinary.run(["inspect", "--model", "t.json"], in: folder)
    #expect(inspected.exitCode == 0, "\(inspected.standardError)")
    #expect(inspected.standardOutput.contains("Decision tree (gini, depth 3, 15 nodes, 8 leaves):"))
    #expect(inspected.standardOutput.contains("  checking_account ≠ not_known (606 rows)\n    duration ≤ 22.5 (349 rows)\n      duration ≤ 11.5: class 1 (P(1) = 0.786), 103 rows"))
    let drawn = try CandorBinary.run(["inspect", "--model", "t.json", "--html", "t.html"], in: folder)
    let page = try String(contentsOf: folder.appendingPathComponent("t.html"), encoding: .utf8)
    #expect(drawn.exitCode == 0 && page.contains("This classification tree (gini) has 8 leaves at depth 3, grown on 1000 training rows.") && page.contains("<svg"), "\(drawn.standardError)")
    for arguments in [["fairness", "--model", "t.json", "--data", Self.data, "--target", "risk", "--sensitive", "sex"],
                      ["whatif", "--model", "t.json", "--data", Self.data, "--row", "1", "--set", "duration=12"],
                      ["counterfactual", "--model", "t.json", "--data", Self.data, "--row", "1", "--desired-class", "1"],
                      ["explain", "--model", "t.json", "--data", Self.data, "--method", "permutation", "--target", "risk"],
                      ["mitigate", "threshold", "--model", "t.json", "--data", Self.data, "--target", "risk", "--sensitive", "sex", "--constraint", "demographic_parity", "--out", "p.json"]] {
      let done = try CandorBinary.run(arguments, in: folder)
      #expect(done.exitCode == 0, "\(arguments[0]): \(done.standardError)")
    }
  }

  @Test("refused: a depth of 0, tree options on another model type, --l2 on a tree, a regression tree with a positive class", arguments: [
    (["--model-type", "tree", "--max-depth", "0"], "--max-depth 0: a tree needs a depth of at least 1"),
    (["--model-type", "tree", "--min-samples-leaf", "501"], "--min-samples-leaf 501: a split needs 1002 rows and the data has 1000, so the tree would be one leaf."),
    (["--max-depth", "3"], "--max-depth does nothing with --model-type logistic"),
    (["--model-type", "tree", "--l2", "1"], "--l2 does nothing with --model-type tree"),
    (["--model-type", "tree", "--criterion", "squared_error"], "--positive 1: a regression tree (criterion squared_error) has no positive class"),
  ])
  func refused(_ arguments: [String], _ message: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["train", "--data", Self.data, "--target", "risk", "--positive", "1", "--out", "t.json"] + arguments, in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("t.json").path))
  }
}
