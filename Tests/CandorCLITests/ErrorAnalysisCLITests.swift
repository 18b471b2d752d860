import CandorTestSupport
import Foundation
import Testing

/// `candor explain --method error-analysis` and `--cohort`: the issue's JSON keys, a cohort passed back to fairness
/// and explain, and refusals.
@Suite struct ErrorAnalysisCLITests {
  static let data = Fixtures.sample("german_credit.csv"), model = Fixtures.path("whatif/german_logreg.json")

  @Test("error analysis JSON and page; the worst cohort passed back with --cohort gives fairness and explain exactly its rows")
  func cohortsBack() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["explain", "--model", Self.model, "--data", Self.data, "--method", "error-analysis", "--target", "risk",
                                     "--json", "e.json", "--html", "e.html"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("e.json"))) as! [String: Any]
    #expect(json["method"] as? String == "error-analysis" && json["overall_error"] as? Double == 0.246)
    let cohorts = json["cohorts"] as! [[String: Any]]
    for key in ["condition", "rows", "error_rate", "interval"] { #expect(cohorts.allSatisfy { $0[key] != nil }, "missing \(key)") }
    let worst = cohorts[0]
    let fairness = try CandorBinary.run(["fairness", "--model", Self.model, "--data", Self.data, "--target", "risk", "--sensitive", "sex",
                                         "--cohort", worst["condition"] as! String], in: folder)
    #expect(fairness.exitCode == 0 && fairness.standardOutput.hasPrefix("\(worst["rows"] as! Int) rows, binary classification."), "\(fairness.standardOutput)\(fairness.standardError)")
    let again = try CandorBinary.run(["explain", "--model", Self.model, "--data", Self.data, "--method", "error-analysis", "--target", "risk",
                                      "--cohort", worst["condition"] as! String], in: folder)
    #expect(again.exitCode == 0 && again.standardOutput.hasPrefix("The model misclassifies 54 % of the 50 rows.\nTwo cohorts of at least 30 rows need 60; the data has 50, so all rows are one cohort."), "\(again.standardOutput)")
    // Within a cohort, the cohorts carry its conditions: passed back alone, they select the same rows.
    let within = try CandorBinary.run(["explain", "--model", Self.model, "--data", Self.data, "--method", "error-analysis", "--target", "risk",
                                       "--cohort", "checking_account ≠ not_known", "--min-cohort", "20", "--json", "w.json"], in: folder)
    #expect(within.exitCode == 0, "\(within.standardError)")
    let inner = (try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("w.json"))) as! [String: Any])["cohorts"] as! [[String: Any]]
    #expect(inner.allSatisfy { ($0["condition"] as! String).hasPrefix("checking_account ≠ not_known") })
    let first = try CandorBinary.run(["fairness", "--model", Self.model, "--data", Self.data, "--target", "risk", "--sensitive", "sex",
                                      "--cohort", inner[0]["condition"] as! String], in: folder)
    #expect(first.standardOutput.hasPrefix("\(inner[0]["rows"] as! Int) rows,"), "\(first.standardOutput)\(first.standardError)")
    let html = try String(contentsOf: folder.appendingPathComponent("e.html"), encoding: .utf8)
    #expect(html.contains("Cohorts, worst first") && html.contains("Error by checking_account × duration"))
  }

  @Test("refused: no --target, --min-cohort 0, a cohort naming no column", arguments: [
    (["--method", "error-analysis"], "Error analysis compares the model with the truth; give --target COLUMN."),
    (["--method", "error-analysis", "--target", "risk", "--min-cohort", "0"], "--min-cohort 0: a cohort holds at least 1 row."),
    (["--method", "error-analysis", "--target", "risk", "--cohort", "salary > 3"], "--cohort salary > 3: salary > 3: the data has no column 'salary'."),
  ])
  func refused(_ arguments: [String], _ message: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["explain", "--model", Self.model, "--data", Self.data, "--json", "e.json"] + arguments, in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("e.json").path))
  }
}
