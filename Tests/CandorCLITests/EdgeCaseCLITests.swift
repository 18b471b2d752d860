import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// Inputs at the edges of what the commands accept, each of which once crashed: they run to a result.
@Suite struct EdgeCaseCLITests {
  /// Runs `arguments` in a fresh directory holding `files`; returns the result and the directory's files as text.
  static func run(_ arguments: [String], files: [String: String]) throws -> (CommandResult, [String: String]) {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
    let result = try CandorBinary.run(arguments, in: directory)
    var written: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where files[name] == nil {
      written[name] = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
    return (result, written)
  }

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
}
