import CandorTestSupport
import Foundation
import Testing

/// `candor train --l2 0` and `candor explain --method coefficients`: the JSON keys, the table in text and on
/// a page, and what is refused.
@Suite struct CoefficientsCLITests {
  static let data = Fixtures.sample("german_credit.csv")

  @Test("an unpenalized logistic model (reference coding) explained by its coefficients: JSON keys, statsmodels' estimate for duration, the page")
  func unpenalized() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let trained = try CandorBinary.run(["train", "--data", Self.data, "--target", "risk", "--positive", "1", "--l2", "0", "--out", "m.json"], in: folder)
    #expect(trained.exitCode == 0, "\(trained.standardError)")
    try LibraryParityCLITests.expectValid(Data(contentsOf: folder.appendingPathComponent("m.json")), "candor-model.schema.json")
    let done = try CandorBinary.run(["explain", "--model", "m.json", "--method", "coefficients", "--json", "c.json", "--html", "c.html"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("c.json"))) as! [String: Any]
    #expect(json["method"] as? String == "coefficients" && json["inference_valid"] as? Bool == true)
    let terms = json["terms"] as! [[String: Any]]
    for key in ["term", "estimate", "std_error", "z", "p_value", "ci_low", "ci_high", "odds_ratio"] { #expect(terms.allSatisfy { $0[key] != nil }, "missing \(key)") }
    let duration = try #require(terms.first { $0["term"] as? String == "duration" })
    #expect(abs((duration["estimate"] as! Double) - -0.42402627) <= 1e-6 && abs((duration["std_error"] as! Double) - 0.0992888640) <= 1e-6)
    #expect(done.standardOutput.contains("7 of the 21 besides the intercept have 95 % intervals that exclude 0"))
    let html = try String(contentsOf: folder.appendingPathComponent("c.html"), encoding: .utf8)
    #expect(html.contains("Estimates with 95 % intervals") && html.contains("checking_account=not_known"))
  }

  @Test("refused: --data with coefficients, coefficients of an MLP (the methods that apply listed), --l2 0 for a linear model", arguments: [
    (["explain", "--model", "MODEL", "--method", "coefficients", "--data", "DATA"], "--data does nothing with --method coefficients"),
    (["explain", "--model", "MLP", "--method", "coefficients"], "the model has no coefficients (it is not a logistic or linear model); use permutation, shap, kernelshap, pdp, ale, surrogate or error-analysis"),
    (["train", "--data", "DATA", "--target", "credit_amount", "--model-type", "linear", "--l2", "0", "--out", "x.json"], "--l2 0: no penalty is for --model-type logistic"),
    (["explain", "--model", "MODEL", "--method", "pdp"], "--method pdp explains the model on data; give --data FILE.csv."),
  ])
  func refused(_ arguments: [String], _ message: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try CandorBinary.run(["train", "--data", Self.data, "--target", "risk", "--positive", "1", "--out", "m.json"], in: folder).exitCode == 0)
    #expect(try CandorBinary.run(["train", "--data", Self.data, "--target", "risk", "--positive", "1", "--model-type", "mlp", "--epochs", "1", "--out", "mlp.json"], in: folder).exitCode == 0)
    let resolved = arguments.map { ["MODEL": "m.json", "MLP": "mlp.json", "DATA": Self.data][$0] ?? $0 }
    let done = try CandorBinary.run(resolved, in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
  }
}
