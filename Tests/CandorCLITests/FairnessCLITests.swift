import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `candor fairness` end to end; the numbers are compared with the Fairlearn reference straight from the
/// CLI's JSON (Tests/Fixtures/adult_metricframe.json).
@Suite struct FairnessCLITests {
  static func number(_ value: Any?) -> Double? {
    if let string = value as? String { return Double(string) ?? (string == "nan" ? .nan : nil) }
    return (value as? NSNumber)?.doubleValue
  }

  static func matches(_ ours: Any?, _ expected: Any, tolerance: Double) -> Bool {
    guard let a = number(ours), let b = number(expected) else { return false }
    return (a.isNaN && b.isNaN) || abs(a - b) <= tolerance * max(1, abs(b))
  }

  static func run(_ extra: [String]) throws -> (CommandResult, [String: Any]) {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let json = directory.appendingPathComponent("f.json").path
    let result = try CandorBinary.run([
      "fairness", "--predictions", Fixtures.path("adult_test_predictions.csv"), "--target", "y_true", "--pred-column", "y_pred",
      "--score-column", "y_score", "--sensitive", "sex", "--sensitive", "race", "--sensitive", "sex,race", "--json", json,
    ] + extra)
    let data = (try? Data(contentsOf: URL(fileURLWithPath: json))) ?? Data("{}".utf8)
    return (result, try JSONSerialization.jsonObject(with: data) as! [String: Any])
  }

  @Test("the CLI's JSON reproduces Fairlearn's unweighted and weighted MetricFrame", arguments: [false, true])
  func referenceThroughCLI(weighted: Bool) throws {
    let (result, json) = try Self.run(weighted ? ["--weights-column", "weight"] : [])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let reference = (try Fixtures.json("adult_metricframe.json") as! [String: Any])[weighted ? "weighted" : "unweighted"] as! [String: Any]
    let tolerance = weighted ? 1e-10 : 1e-12
    let ours = json["sensitive_sets"] as! [String: [String: Any]]
    var compared = 0
    for (key, expected) in reference["sensitive_feature_sets"] as! [String: [String: Any]] {
      let set = try #require(ours[key])
      for block in ["overall", "group_min", "group_max", "difference_between_groups", "difference_to_overall",
                    "ratio_between_groups", "ratio_to_overall"] {
        for (metric, value) in expected[block] as! [String: Any] {
          #expect(Self.matches((set[block] as! [String: Any])[metric], value, tolerance: tolerance), "\(key) \(block) \(metric)")
          compared += 1
        }
      }
      for (metric, groups) in expected["by_group"] as! [String: [String: Any]] {
        for (group, value) in groups {
          let ourGroups = (set["by_group"] as! [String: Any])[metric] as? [String: Any]
          #expect(Self.matches(ourGroups?[group], value, tolerance: tolerance), "\(key) \(metric) \(group)")
          compared += 1
        }
      }
      let disparities = set["disparities"] as! [String: Any]
      for (function, variants) in expected["fairness_functions"] as! [String: [String: Any]] {
        for (variant, value) in variants {
          let suffix = ["between_groups": "", "to_overall": "_to_overall", "between_groups_agg_mean": "_mean",
                        "to_overall_agg_mean": "_to_overall_mean"][variant]!
          #expect(Self.matches(disparities[function + suffix], value, tolerance: tolerance), "\(key) \(function)\(suffix)")
          compared += 1
        }
      }
    }
    #expect(compared == 466)
  }

  @Test("model mode scores the data with the model and writes a report that loads in Chromium")
  func modelMode() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = directory.appendingPathComponent("m.json").path, html = directory.appendingPathComponent("r.html")
    let json = directory.appendingPathComponent("f.json").path
    _ = try CandorBinary.run(["train", "--data", "samples/german_credit.csv", "--target", "risk", "--positive", "1", "--out", model])
    let result = try CandorBinary.run(["fairness", "--model", model, "--data", "samples/german_credit.csv", "--target", "risk",
                                       "--sensitive", "sex", "--privileged", "sex=male", "--bootstrap", "50", "--html", html.path,
                                       "--json", json])
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(result.standardOutput.hasPrefix("1000 rows, binary classification.\n\nSensitive set: sex\n"))
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
    let sets = report["sensitive_sets"] as! [String: [String: Any]]
    #expect((sets["sex"]!["by_group"] as! [String: [String: Double]])["count"] == ["female": 310, "male": 690])
    #expect((report["privileged_comparisons"] as! [String: Any])["sex=male"] != nil)
    if Chromium.isAvailable {
      let (dom, console) = try Chromium.load(html)
      #expect(console.isEmpty)
      #expect(dom.contains("Sensitive set: <bdi>sex</bdi>"))
    }
  }

  struct BadCase: Sendable, CustomTestStringConvertible {
    let name: String
    let csv: String
    let arguments: [String]
    let message: String
    var testDescription: String { name }
  }

  static let base = ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--score-column", "s", "--json", "out.json"]

  static let badCases: [BadCase] = [
    BadCase(name: "sensitive column missing", csv: "y,p,s,g\n1,1,0.9,a\n0,0,0.1,b\n", arguments: base + ["--sensitive", "sexx"],
            message: "error: p.csv has no column 'sexx'. The columns are: y, p, s, g.\n"),
    BadCase(name: "label not binary", csv: "y,p,s,g\n1,1,0.9,a\n0,0,0.1,b\n2,0,0.1,b\n", arguments: base + ["--sensitive", "g"],
            message: "error: p.csv: the label column 'y' must hold two classes for binary metrics, but it holds 3: 0, 1, 2.\n"),
    BadCase(name: "prediction not 0/1", csv: "y,p,s,g\n1,1,0.9,a\n0,yes,0.1,b\n", arguments: base + ["--sensitive", "g"],
            message: "error: p.csv, data row 2, column 'p': prediction 'yes' is not 0 or 1 (nor one of the label's two values).\n"),
    BadCase(name: "score outside [0, 1]", csv: "y,p,s,g\n1,1,1.5,a\n0,0,0.1,b\n", arguments: base + ["--sensitive", "g"],
            message: "error: p.csv, data row 1, column 's': score 1.5 is outside [0, 1]; scores are probabilities P(y = positive).\n"),
    BadCase(name: "missing label", csv: "y,p,s,g\n1,1,0.9,a\n,0,0.1,b\n", arguments: base + ["--sensitive", "g"],
            message: "error: p.csv, data row 2, column 'y': the value is missing. Labels, predictions, scores and weights may not be missing.\n"),
    BadCase(name: "missing score", csv: "y,p,s,g\n1,1,0.9,a\n0,0,,b\n", arguments: base + ["--sensitive", "g"],
            message: "error: p.csv, data row 2, column 's': the value is missing. Labels, predictions, scores and weights may not be missing.\n"),
    BadCase(name: "negative weight", csv: "y,p,s,g,w\n1,1,0.9,a,1\n0,0,0.1,b,-1\n", arguments: base + ["--sensitive", "g", "--weights-column", "w"],
            message: "error: p.csv, data row 2, column 'w': weight -1 is negative.\n"),
    BadCase(name: "all weights zero", csv: "y,p,s,g,w\n1,1,0.9,a,0\n0,0,0.1,b,0\n", arguments: base + ["--sensitive", "g", "--weights-column", "w"],
            message: "error: p.csv: every weight in column 'w' is zero.\n"),
    BadCase(name: "weights that overflow", csv: "y,p,s,g,w\n1,1,0.9,a,1e308\n0,0,0.1,a,1e308\n1,0,0.3,b,1\n", arguments: base + ["--sensitive", "g", "--weights-column", "w"],
            message: "error: p.csv: the weights in column 'w' add up (or their squares do) beyond the largest number a double holds (about 1.8e308). Divide them by a common factor: no metric changes.\n"),
    BadCase(name: "no sensitive feature", csv: "y,p,s,g\n1,1,0.9,a\n", arguments: base,
            message: "error: Give at least one --sensitive feature. Run 'candor fairness --help' for usage.\n"),
    BadCase(name: "privileged value absent", csv: "y,p,s,g\n1,1,0.9,a\n0,0,0.1,b\n", arguments: base + ["--sensitive", "g", "--privileged", "g=c"],
            message: "error: --privileged: column 'g' never holds 'c'. Its values are: a, b.\n"),
  ]

  @Test("bad fairness input exits 2 with a plain message and writes no JSON", arguments: badCases)
  func refused(_ testCase: BadCase) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data(testCase.csv.utf8).write(to: directory.appendingPathComponent("p.csv"))
    let result = try CandorBinary.run(testCase.arguments, in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == testCase.message)
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.json").path))
  }

  @Test("predictions mode with --task regression reports regression metrics by group")
  func regressionPredictions() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("y,p,g\n1,1.5,a\n2,2,a\n3,2,a\n10,12,b\n20,18,b\n".utf8).write(to: directory.appendingPathComponent("r.csv"))
    let result = try CandorBinary.run(["fairness", "--predictions", "r.csv", "--task", "regression", "--target", "y",
                                       "--pred-column", "p", "--sensitive", "g", "--json", "out.json"], in: directory)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("out.json"))) as! [String: Any]
    #expect(json["task"] as? String == "regression")
    let set = (json["sensitive_sets"] as! [String: [String: Any]])["g"]!
    #expect((set["by_group"] as! [String: [String: Double]])["mse"]!["b"] == 4)
  }

  @Test("a sensitive set with a single group warns and still reports")
  func singleGroup() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("y,p,s,g\n1,1,0.9,a\n0,0,0.1,a\n".utf8).write(to: directory.appendingPathComponent("p.csv"))
    let result = try CandorBinary.run(Self.base + ["--sensitive", "g"], in: directory)
    #expect(result.exitCode == 0)
    #expect(result.standardError == "warning: Every row of sensitive set 'g' falls in one group ('a'): no disparity can be measured.\n")
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.json").path))
  }
}
