import CandorTestSupport
import Foundation
import Testing

/// `candor counterfactual` on the German-credit sample: the JSON the issue names, a batch with aggregated metrics,
/// other model kinds through the search, a row already of the class, and bad input refused with exit 2 and
/// nothing written.
@Suite struct CounterfactualCLITests {
  static let model = Fixtures.path("whatif/german_logreg.json"), data = Fixtures.sample("german_credit.csv")

  static func run(_ arguments: [String]) throws -> (done: CommandResult, json: [String: Any]?) {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["counterfactual", "--data", Self.data, "--json", "c.json"] + arguments, in: folder)
    let json = (try? Data(contentsOf: folder.appendingPathComponent("c.json"))).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    return (done, json)
  }

  @Test("row 1 (bad risk) to class 1 with sex and age immutable: the issue's keys, 4 exact counterfactuals, the nearest first, each the class asked for")
  func oneRow() throws {
    let (done, json) = try Self.run(["--model", Self.model, "--row", "1", "--desired-class", "1", "--immutable", "sex,age", "--range", "duration=4:72"])
    #expect(done.exitCode == 0, "\(done.standardError)")
    let result = try #require(json)
    for key in ["row", "desired_class", "original", "counterfactuals", "metrics", "method"] { #expect(result[key] != nil, "missing \(key)") }
    #expect(result["row"] as? Int == 1 && result["desired_class"] as? String == "1" && result["method"] as? String == "exact_linear" && result["nearest_is_exact"] as? Bool == true)
    let counterfactuals = result["counterfactuals"] as! [[String: Any]]
    #expect(counterfactuals.count == 4)
    for c in counterfactuals {
      for key in ["values", "changed", "probabilities", "exact", "distance"] { #expect(c[key] != nil, "missing \(key)") }
      #expect((c["probabilities"] as! [String: Double])["1"]! > 0.5 && c["exact"] as? Bool == true)
      #expect(!(c["changed"] as! [String]).contains("sex") && !(c["changed"] as! [String]).contains("age"))
    }
    // The nearest: checking_account moderate → not_known, one switch of five categorical features.
    #expect(counterfactuals[0]["changed"] as? [String] == ["checking_account"] && (counterfactuals[0]["values"] as! [String: Any])["checking_account"] as? String == "not_known")
    #expect(abs(counterfactuals[0]["distance"] as! Double - 0.2) <= 1e-12)
    let metrics = result["metrics"] as! [String: Any]
    for key in ["validity", "proximity_numeric", "proximity_categorical", "sparsity", "diversity_numeric", "diversity_categorical", "count_diversity", "redundancy", "violations", "seconds"] {
      #expect(metrics[key] != nil, "missing metric \(key)")
    }
    #expect(metrics["validity"] as? Double == 1 && metrics["violations"] as? Int == 0)
    #expect(done.standardOutput.contains("1. checking_account moderate → not_known: P(1) = 0.655567, distance 0.2"))
  }

  @Test("--rows: the 20 DiCE queries in one call, aggregated metrics at the top, DiCE's bars met")
  func batch() throws {
    let (done, json) = try Self.run(["--model", Self.model, "--rows", "1,3,4,7,9,10,11,14,18,29,35,43,44,59,63,73,76,87,95,101", "--desired-class", "1",
                                     "--immutable", "sex,age", "--range", "duration=4:72"])
    #expect(done.exitCode == 0, "\(done.standardError)")
    let result = try #require(json)
    #expect((result["queries"] as! [Any]).count == 20 && result["success_rate"] as? Double == 1)
    let m = result["metrics"] as! [String: Any]
    #expect(m["validity"] as? Double == 1 && m["violations"] as? Int == 0)
    #expect((m["sparsity"] as! Double) <= 1.80 && (m["proximity_numeric"] as! Double) <= 0.940 && (m["diversity_numeric"] as! Double) >= 1.294, "\(m)")
    #expect(done.standardOutput.contains("20 rows (0 already of class 1), success rate 1"))
  }

  @Test("other model kinds: an ONNX tree goes through the search with the reason said; an XGBoost multiclass ensemble (120 trees) is solved exactly by leaf regions")
  func searchedKinds() throws {
    let tree = try Self.run(["--model", Fixtures.path("models/german_tree.onnx"), "--row", "1", "--desired-class", "1", "--immutable", "sex,age"])
    #expect(tree.done.exitCode == 0, "\(tree.done.standardError)")
    #expect(tree.json?["method"] as? String == "search" && (tree.json?["search_reason"] as? String)?.isEmpty == false)
    #expect(((tree.json?["counterfactuals"] as? [[String: Any]]) ?? []).allSatisfy { ($0["probabilities"] as! [String: Double])["1"]! > 0.5 })
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let multiclass = try CandorBinary.run(["counterfactual", "--model", Fixtures.path("models/german_xgb_multiclass.json"), "--data", Fixtures.path("models/german_numeric_features.csv"),
                                           "--row", "1", "--desired-class", "2", "--immutable", "sex,age", "--json", "m.json"], in: folder)
    #expect(multiclass.exitCode == 0, "\(multiclass.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("m.json"))) as! [String: Any]
    let answers = json["counterfactuals"] as! [[String: Any]]
    #expect(!answers.isEmpty && answers.allSatisfy { $0["prediction"] as? String == "2" })
    #expect(json["method"] as? String == "exact_trees" && json["nearest_is_exact"] as? Bool == true && json["search_reason"] == nil)
    #expect((tree.json?["search_reason"] as? String)?.contains("XGBoost and LightGBM ensembles read from their own files") == true)
  }

  @Test("a row the model already gives the desired class: exit 0, an empty list, and it says so")
  func alreadyDesired() throws {
    let (done, json) = try Self.run(["--model", Self.model, "--row", "0", "--desired-class", "1"])
    #expect(done.exitCode == 0 && (json?["counterfactuals"] as? [Any])?.isEmpty == true)
    #expect(done.standardOutput.contains("The model already gives row 0 the class 1; no change is needed."))
  }

  @Test("bad input exits 2 with a message that names it and writes nothing", arguments: [
    (["--row", "1000"], "Row 1000 is out of range: the data has rows 0 to 999."),
    (["--row", "1", "--immutable", "salary"], "--immutable salary: the model does not read it; its features: job, credit_amount, duration, age, sex, housing"),
    (["--row", "1", "--allowed", "purpose=yacht"], "yacht is not a level of purpose in the data; its levels: business, car, domestic appliances"),
    (["--row", "1", "--range", "age=30:20"], "--range age=30:20: 30 is above 20; write the lower bound first."),
    (["--row", "1", "--immutable", "purpose", "--allowed", "purpose=car"], "--allowed purpose: it is also immutable"),
    (["--row", "1", "--immutable", "age", "--range", "age=20:30"], "--range age: it is also immutable"),
    (["--row", "1", "--desired-class", "good"], "--desired-class good: the model's classes are 0, 1."),
    (["--row", "1", "--range", "duration"], "--range duration: write col=lo:hi"),
    (["--row", "1", "--range", "purpose=1:2"], "--range purpose: it is a text column; give it levels with --allowed."),
    (["--row", "1", "--increase-only", "housing"], "--increase-only housing: it is a text column, whose levels have no order."),
    (["--row", "1", "--range", "duration=4.2:4.8"], "--range duration: it holds no whole number."),
    (["--row", "1", "--count", "0"], "--count 0: give 1 to 100."),
    (["--desired-class", "1"], "Give --row, the 0-based data row to change, or --rows for many."),
  ])
  func refused(_ arguments: [String], _ message: String) throws {
    let full = arguments.contains("--desired-class") ? arguments : arguments + ["--desired-class", "1"]
    let (done, json) = try Self.run(["--model", Self.model] + full)
    #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
    #expect(json == nil)
  }
}

extension CounterfactualCLITests {
  @Test("--html: one self-contained page with the finding, the changed cells marked, the curves and the interactive panel; a batch lists every row", arguments: [["--row", "1"], ["--rows", "1,3,0"]])
  func page(_ rows: [String]) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["counterfactual", "--model", Self.model, "--data", Self.data, "--desired-class", "1", "--immutable", "sex,age", "--html", "c.html"] + rows, in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let html = try String(contentsOf: folder.appendingPathComponent("c.html"), encoding: .utf8)
    #expect(html.contains("The model gives row 1 the class 0 (P(1) = 0.323119). The nearest change that gives class 1 is checking_account moderate → not_known"))
    #expect(html.contains("<td class=\"text changed\">") && html.contains("P(1) over duration") && html.contains("decision threshold 0.5"))
    #expect(html.contains("class=\"panel\"") && html.contains("<script data-candor=\"whatif-panel\">") && html.contains("Content-Security-Policy"))
    if rows[0] == "--rows" { #expect(html.contains("Of 3 rows, 1 already gets class 1") && html.contains("none needed")) }
  }
}

extension CounterfactualCLITests {
  @Test("a model behind a command (--model-cmd) is searched in batched calls: every answer, recomputed from the script's own formula, gets the class")
  func commandModel() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = ["--model-cmd", "python3 \(Fixtures.path("adapters/model_command.py")) binary", "--model-features", "age,hours_per_week", "--model-classes", "<=50K,>50K"]
    let done = try CandorBinary.run(["counterfactual"] + model + ["--data", Fixtures.sample("adult_test.csv"), "--rows", "0:5", "--desired-class", ">50K",
                                                                   "--range", "hours_per_week=1:80", "--json", "c.json"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("c.json"))) as! [String: Any]
    var answered = 0
    for q in json["queries"] as! [[String: Any]] {
      for c in q["counterfactuals"] as! [[String: Any]] {
        let values = c["values"] as! [String: Any]
        let age = (values["age"] as! NSNumber).doubleValue, hours = (values["hours_per_week"] as! NSNumber).doubleValue
        #expect(1 / (1 + exp(-(0.05 * (age - 40) + 0.03 * (hours - 40)))) > 0.5 && (1...80).contains(hours))
        answered += 1
      }
      if q["note"] == nil { #expect(q["method"] as? String == "search" && (q["search_reason"] as? String)?.isEmpty == false) }
    }
    #expect(answered > 0)
  }
}
