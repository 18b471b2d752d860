import CandorTestSupport
import Foundation
import Testing

/// `candor explain --method surrogate` from the command line: the JSON keys, `--surrogate-out` as a model
/// every command takes, and refusals.
@Suite struct SurrogateCLITests {
  static let data = Fixtures.sample("german_credit.csv"), model = Fixtures.path("whatif/german_logreg.json")

  @Test("a depth-3 tree surrogate of the logistic model: JSON keys, fidelity up front, the surrogate model file predicts")
  func tree() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["explain", "--model", Self.model, "--data", Self.data, "--method", "surrogate", "--surrogate", "tree", "--max-depth", "3",
                                     "--surrogate-out", "s.json", "--json", "r.json", "--html", "r.html"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any]
    for key in ["method", "surrogate", "fidelity", "fidelity_interval", "held_out_rows", "rules", "leaves"] { #expect(json[key] != nil, "missing \(key)") }
    #expect(json["method"] as? String == "surrogate" && json["held_out_rows"] as? Int == 300)
    #expect(done.standardOutput.hasPrefix("This tree agrees with the model on "))
    let html = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
    #expect(html.contains("This tree agrees with the model on") && html.contains("Where it agrees least") && html.contains("Surrogate tree: rows and class shares per node"))
    let predicted = try CandorBinary.run(["predict", "--model", "s.json", "--data", Self.data, "--out", "p.csv"], in: folder)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
  }

  @Test("refused: a depth of 0, surrogate options with another method", arguments: [
    (["--method", "surrogate", "--max-depth", "0"], "--max-depth 0: a tree needs a depth of at least 1."),
    (["--method", "pdp", "--surrogate", "tree"], "--surrogate does nothing with --method pdp"),
  ])
  func refused(_ arguments: [String], _ message: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["explain", "--model", Self.model, "--data", Self.data, "--json", "r.json"] + arguments, in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.json").path))
  }
}
