import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// Inputs at the edges of what the commands accept, each of which once crashed: they run to a result.
@Suite struct EdgeCaseCLITests {
  /// Runs each command of `steps` in turn in one fresh directory holding `files`; returns their results and the
  /// files they wrote, as text.
  static func run(steps: [[String]], files: [String: String]) throws -> ([CommandResult], [String: String]) {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
    let results = try steps.map { try CandorBinary.run($0, in: directory) }
    var written: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where files[name] == nil {
      written[name] = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
    return (results, written)
  }

  static func run(_ arguments: [String], files: [String: String]) throws -> (CommandResult, [String: String]) {
    let (results, written) = try run(steps: [arguments], files: files)
    return (results[0], written)
  }

  static func json(_ text: String?) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(try #require(text).utf8)) as! [String: Any]
  }

  /// (a, b) = (P|Q, R), (P, Q|R) and (X, R), four rows each with both labels; x predicts y.
  static let pipes = "x,y,a,b\n" + ["P|Q,R", "P,Q|R", "X,R"].flatMap { group in
    ["1,0,\(group)", "2,0,\(group)", "3,1,\(group)", "4,1,\(group)"]
  }.joined(separator: "\n") + "\n"

  @Test("fairness --html with one-class labels (ROC AUC undefined in every group) writes the page with a note for ROC AUC")
  func undefinedMetricInEveryGroup() throws {
    let (result, written) = try Self.run(
      ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--score-column", "s", "--sensitive", "g", "--html", "f.html"],
      files: ["p.csv": "y,p,s,g\n1,1,0.9,a\n1,0,0.2,b\n1,1,0.7,a\n1,0,0.4,b\n"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let page = try HTMLStructure(try #require(written["f.html"]))
    #expect(page.elements("p").map(\.text).contains(
      "roc_auc is undefined in every group: each group holds labels of one class only, and ROC AUC (like an ROC curve) needs both."))
    #expect(!page.elements("svg").contains { $0.attributes["aria-label"] == "roc_auc" })
  }

  @Test("values holding '|' make distinct intersectional groups in fairness, reweighing and a saved threshold policy")
  func sensitiveValuesWithPipes() throws {
    let sensitive = ["--sensitive", "a,b"]
    let (results, written) = try Self.run(steps: [
      ["train", "--data", "d.csv", "--target", "y", "--features", "x", "--out", "m.json"],
      ["mitigate", "threshold", "--model", "m.json", "--data", "d.csv", "--target", "y", "--constraint", "demographic_parity",
       "--out", "post.json"] + sensitive,
      ["fairness", "--model", "post.json", "--data", "d.csv", "--target", "y", "--json", "f.json"] + sensitive,
      ["mitigate", "reweigh", "--data", "d.csv", "--target", "y", "--json", "r.json"] + sensitive,
    ], files: ["d.csv": Self.pipes])
    for result in results { #expect(result.exitCode == 0, "\(result.standardError)") }
    let keys = ["P|Q\\|R", "P\\|Q|R", "X|R"], values = [["P", "Q|R"], ["P|Q", "R"], ["X", "R"]]
    let policy = (try Self.json(written["post.json"])["parameters"] as? [String: Any])?["policy"] as? [String: Any]
    #expect((policy?["rules"] as? [String: Any])?.keys.sorted() == keys.sorted())
    let set = (try Self.json(written["f.json"])["sensitive_sets"] as? [String: Any])?["a|b"] as? [String: Any]
    #expect(set?["groups"] as? [String] == keys)
    #expect(set?["group_values"] as? [[String]] == values)
    let reweighing = try Self.json(written["r.json"])["reweighing"] as? [String: Any]
    #expect(reweighing?["groups"] as? [String] == keys)
    #expect(reweighing?["group_values"] as? [[String]] == values)
  }

  @Test("--allow-many-classes trains a classifier on a target of more than 50 classes")
  func allowManyClasses() throws {
    let (result, written) = try Self.run(["train", "--data", "d.csv", "--target", "y", "--allow-many-classes", "--out", "m.json"],
                                         files: ["d.csv": BadInputCLITests.manyClasses(prefix: "")])
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect((try Self.json(written["m.json"])["classes"] as? [String])?.count == 51)
  }
}
