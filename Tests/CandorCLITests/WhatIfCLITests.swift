import CandorTestSupport
import Foundation
import Testing

/// `candor whatif` on the German-credit sample with the reference's logistic regression: the JSON the issue names
/// and the reference's numbers, a curve with its flip, and bad input refused with exit 2 and nothing written.
@Suite struct WhatIfCLITests {
  static let model = Fixtures.path("whatif/german_logreg.json"), data = Fixtures.sample("german_credit.csv")

  @Test("row 1 with duration=12, checking_account=rich and credit_amount*=0.5 (reference case 7): the JSON keys, before and after within 1e-12, the flip; the duration curve flips once")
  func scenarioAndCurve() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--row", "1", "--set", "duration=12", "--set", "checking_account=rich",
                                     "--set", "credit_amount*=0.5", "--curve", "duration", "--json", "w.json"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("w.json"))) as! [String: Any]
    for key in ["row", "edits", "before", "after", "delta", "flipped", "curve"] { #expect(json[key] != nil, "missing \(key)") }
    let before = json["before"] as! [String: Any], after = json["after"] as! [String: Any]
    #expect(abs((before["probabilities"] as! [String: Double])["1"]! - 0.32311907917686217) <= 1e-12)
    #expect(abs((after["probabilities"] as! [String: Double])["1"]! - 0.7534435266943905) <= 1e-12)
    #expect(before["prediction"] as? String == "0" && after["prediction"] as? String == "1" && json["flipped"] as? Bool == true)
    let edits = json["edits"] as! [[String: Any]]
    #expect(edits.map { $0["column"] as! String } == ["duration", "checking_account", "credit_amount"])
    #expect(edits[2]["from"] as? Double == 5951 && edits[2]["to"] as? Double == 2975.5 && edits[1]["to"] as? String == "rich")
    let flips = (json["curve"] as! [String: Any])["flips"] as! [[String: Any]]
    #expect(flips.count == 1 && flips[0]["from"] as? String == "1" && flips[0]["to"] as? String == "0")
    #expect(done.standardOutput.contains("After duration 48 → 12, checking_account moderate → rich, credit_amount 5951 → 2975.5: prediction 1"))
    #expect(done.standardOutput.contains("Flips from 1 to 0 at "))
  }

  @Test("--edits FILE.csv: the 40 reference cases as one file (a row column, cells that set, scale or shift), scored in one call, each within 1e-12")
  func editsFile() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let cases = (try Fixtures.json("whatif/whatif_german.json") as! [String: Any])["cases"] as! [[String: Any]]
    let columns = Array(Set(cases.flatMap { ($0["edits"] as! [[String: Any]]).map { $0["feature"] as! String } })).sorted()
    func number(_ any: Any) -> String { "\((any as! NSNumber).doubleValue)" }
    var lines = [(["row"] + columns).joined(separator: ",")]
    for c in cases {
      var cells = [String](repeating: "", count: columns.count)
      for e in c["edits"] as! [[String: Any]] {
        let k = columns.firstIndex(of: e["feature"] as! String)!
        switch e["op"] as! String {
        case "scale": cells[k] = "*=" + number(e["factor"]!)
        case "add": cells[k] = "+=" + number(e["delta"]!)
        default: cells[k] = (e["value"] as? String).map { "\"\($0)\"" } ?? number(e["value"]!)
        }
      }
      lines.append((["\(c["row_index"]!)"] + cells).joined(separator: ","))
    }
    try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("edits.csv"), atomically: true, encoding: .utf8)
    let done = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--edits", "edits.csv", "--json", "w.json"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let results = (try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("w.json"))) as! [String: Any])["cases"] as! [[String: Any]]
    #expect(results.count == 40)
    for (result, c) in zip(results, cases) {
      let after = (result["after"] as! [String: Any])["probabilities"] as! [String: Double]
      #expect(abs(after["1"]! - ((c["after"] as! [String: Any])["probability"] as! Double)) <= 1e-12, "case \(c["case_id"]!)")
      #expect(result["row"] as? Int == c["row_index"] as? Int && result["flipped"] as? Bool == c["prediction_flipped"] as? Bool)
    }
  }

  @Test("--explain: SHAP values of both points add up (base + Σφ = the output; Σ difference = its change): KernelSHAP on the logistic model's probability, TreeSHAP on XGBoost's margin")
  func explain() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    for (model, data, edits, method) in [
      (Self.model, Self.data, ["--row", "1", "--set", "duration=12", "--set", "checking_account=rich"], "kernelshap"),
      (Fixtures.path("models/adult_xgb.json"), Fixtures.path("models/adult_numeric_features.csv"), ["--row", "3", "--set", "age=60", "--set", "hours_per_week=70"], "treeshap"),
    ] {
      let done = try CandorBinary.run(["whatif", "--model", model, "--data", data, "--explain", "--json", "w.json"] + edits, in: folder)
      #expect(done.exitCode == 0, "\(done.standardError)")
      let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("w.json"))) as! [String: Any]
      let e = json["explanation"] as! [String: Any]
      #expect(e["method"] as? String == method && e["output"] as? String == "1" && e["exact"] as? Bool == true)
      let p0 = ((json["before"] as! [String: Any])["probabilities"] as! [String: Double])["1"]!, p1 = ((json["after"] as! [String: Any])["probabilities"] as! [String: Double])["1"]!
      func space(_ p: Double) -> Double { method == "treeshap" ? log(p) - log1p(-p) : p }
      let base = e["base_value"] as! Double
      let before = (e["before"] as! [String: Double]).values.reduce(0, +), after = (e["after"] as! [String: Double]).values.reduce(0, +)
      let difference = (e["difference"] as! [String: Double]).values.reduce(0, +)
      // XGBoost scores in float32, so its probability carries the margin to about 1e-7 only.
      let tolerance = method == "treeshap" ? 1e-5 : 1e-9
      #expect(abs(base + before - space(p0)) <= tolerance && abs(base + after - space(p1)) <= tolerance, "\(method)")
      #expect(abs(difference - (space(p1) - space(p0))) <= tolerance, "\(method)")
    }
  }

  @Test("--values gives a whole row: data row 1's own values answer exactly as --row 1 does, before and after the same edit")
  func wholeRow() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let lines = try String(contentsOfFile: Self.data, encoding: .utf8).split(separator: "\n")
    let header = lines[0].split(separator: ","), cells = lines[2].split(separator: ",")
    let values = zip(header, cells).filter { $0.0 != "risk" }.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    var answers: [[String: Any]] = []
    for arguments in [["--row", "1"], ["--values", values]] {
      let done = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--set", "duration=12", "--json", "w.json"] + arguments, in: folder)
      #expect(done.exitCode == 0, "\(done.standardError)")
      answers.append(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("w.json"))) as! [String: Any])
    }
    #expect(answers[0]["row"] as? Int == 1 && answers[1]["row"] == nil)
    for key in ["before", "after"] {
      #expect((answers[0][key] as! [String: Any])["probabilities"] as! [String: Double] == (answers[1][key] as! [String: Any])["probabilities"] as! [String: Double])
    }
  }

  @Test("bad input exits 2 with a message that names it and writes nothing", arguments: [
    (["--row", "1000", "--set", "age=30"], "Row 1000 is out of range: the data has rows 0 to 999."),
    (["--row", "1", "--set", "durations=12"], "No feature or group 'durations'."),
    (["--row", "1", "--set", "housing=castle"], "castle is not a level of housing in the data; its levels: free, own, rent."),
    (["--row", "1", "--set", "housing*=2"], "it is a text column; only col=level applies"),
    (["--row", "1", "--set", "duration"], "--set duration: write col=value, col*=factor or col+=amount."),
    (["--row", "1"], "Give --set edits, a --curve feature, --edits FILE.csv, or several."),
    (["--set", "age=30"], "Give --row, the 0-based data row to ask about, or the whole row as --values."),
    (["--values", "age=30", "--set", "age=31"], "--values job: the model reads it, so --values must give it"),
    (["--values", "age=30,sex=male,job=2,housing=castle,saving_accounts=little,checking_account=rich,credit_amount=1,duration=2,purpose=car", "--set", "age=31"],
     "castle is not a level of housing in the data"),
    (["--row", "1", "--values", "age=30", "--set", "age=31"], "Give --row (a data row) or --values (a whole row), not both."),
    (["--row", "1", "--set", "duration*=1e308"], "--set duration*=1e308: it takes duration from 48 to inf, which is not a finite number."),
    (["--row", "1", "--set", "age=31", "--json", ""], "Cannot write \"\": an empty path names no file."),
    (["--row", "1", "--curve", "age", "--explain"], "--explain explains a row before and after its --set edits; give some."),
    (["--row", "1", "--curve", "housing", "--grid-size", "1"], "--grid-size 1: give 2 to 10000."),
  ])
  func refused(_ arguments: [String], _ message: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--json", "w.json"] + arguments, in: folder)
    #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("w.json").path))
  }
}

extension WhatIfCLITests {
  @Test("more refusals: the target (the model does not read it), a column twice in --values, --grid-size without --curve, --background-size without --explain; a bad --edits cell named by file, line and column", arguments: [
    (["--row", "1", "--set", "risk=0"], "No feature or group 'risk'. The model's features are: job, credit_amount, duration, age, sex, housing, saving_accounts, checking_account, purpose."),
    (["--row", "1", "--curve", "risk"], "No feature or group 'risk'."),
    (["--values", "age=30,age=31", "--set", "age=3"], "--values age: it is given twice; a row has one value per column."),
    (["--row", "1", "--set", "age=3", "--grid-size", "5"], "--grid-size sets the points of a --curve"),
    (["--row", "1", "--set", "age=3", "--background-size", "5"], "--background-size is the background of --explain"),
    (["--edits", "EDITS", "--row", "1"], "--edits EDITS, line 2: column housing: castle is not a level of housing in the data; its levels: free, own, rent."),
    (["--edits", "ROWS"], "--edits ROWS, line 3: row 1000 is out of range: the data has rows 0 to 999."),
    (["--edits", "EMPTY", "--row", "1"], "EMPTY has a header but no data rows."),
  ])
  func refusedMore(_ arguments: [String], _ message: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    try "housing,age\ncastle,\n".write(to: folder.appendingPathComponent("e.csv"), atomically: true, encoding: .utf8)
    try "row,age\n1,30\n1000,3\n".write(to: folder.appendingPathComponent("r.csv"), atomically: true, encoding: .utf8)
    try "housing,age\n".write(to: folder.appendingPathComponent("empty.csv"), atomically: true, encoding: .utf8)
    let resolved = arguments.map { $0 == "EDITS" ? "e.csv" : $0 == "ROWS" ? "r.csv" : $0 == "EMPTY" ? "empty.csv" : $0 }
    let done = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--json", "w.json"] + resolved, in: folder)
    let expected = message.replacingOccurrences(of: "EDITS", with: "e.csv").replacingOccurrences(of: "ROWS", with: "r.csv").replacingOccurrences(of: "EMPTY", with: "empty.csv")
    #expect(done.exitCode == 2 && done.standardError.contains(expected), "\(done.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("w.json").path))
  }

  @Test("--set with --curve draws the curve of the edited row (said in the text and the JSON); an empty --edits line says it has no edits")
  func curveOfEditedRow() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--row", "1", "--set", "checking_account=rich", "--curve", "duration", "--json", "w.json"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let curve = (try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("w.json"))) as! [String: Any])["curve"] as! [String: Any]
    #expect(curve["of_edited_row"] as? Bool == true && curve["row"] as? Int == 1)
    // P at duration 48 on the curve is the edited row's, the scenario's after.
    let after = try WhatIfCLITests.probability(["--row", "1", "--set", "checking_account=rich", "--set", "duration=48"])
    let grid = curve["grid"] as! [Double], points = curve["points"] as! [[String: Any]]
    let onCurve = try #require(zip(grid, points).first { $0.0 == 36 }).1
    #expect(done.standardOutput.contains("What-if curve over duration of the edited row (its value 48):"))
    #expect(((onCurve["probabilities"] as! [String: Double])["1"]!) > after)
    try "row,age\n1,\n".write(to: folder.appendingPathComponent("e.csv"), atomically: true, encoding: .utf8)
    let empty = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--edits", "e.csv"], in: folder)
    #expect(empty.exitCode == 0 && empty.standardOutput.contains("With no edits (an empty line): prediction 0 (P(1) = 0.323119)."), "\(empty.standardOutput)\(empty.standardError)")
  }

  static func probability(_ arguments: [String]) throws -> Double {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["whatif", "--model", model, "--data", data, "--json", "p.json"] + arguments, in: folder)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("p.json"))) as! [String: Any]
    return ((json["after"] as! [String: Any])["probabilities"] as! [String: Double])["1"]!
  }
}

extension WhatIfCLITests {
  @Test("--html: the finding, both points, the curve with the threshold, the SHAP moves and the interactive panel, in one self-contained page")
  func page() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let done = try CandorBinary.run(["whatif", "--model", Self.model, "--data", Self.data, "--row", "1", "--set", "duration=12", "--set", "checking_account=rich",
                                     "--curve", "credit_amount", "--explain", "--html", "w.html"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let html = try String(contentsOf: folder.appendingPathComponent("w.html"), encoding: .utf8)
    #expect(html.contains("Row 1 gets class 0 (P(1) = 0.323119). After duration 48 → 12, checking_account moderate → rich it gets class 1"))
    #expect(html.contains("P(1) over credit_amount") && html.contains("decision threshold 0.5") && html.contains("How each feature") && html.contains("class=\"panel\""))
  }
}
