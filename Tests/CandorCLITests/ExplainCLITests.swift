import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `candor explain` end to end on German credit with a model trained by `candor train`.
@Suite struct ExplainCLITests {
  static func trainedModel(_ directory: URL, modelType: String = "logistic") throws -> String {
    let path = directory.appendingPathComponent("m.json").path
    var arguments = ["train", "--data", "samples/german_credit.csv", "--target", modelType == "linear" ? "credit_amount" : "risk", "--out", path,
                     "--model-type", modelType]
    if modelType != "linear" { arguments += ["--positive", "1"] }
    let result = try CandorBinary.run(arguments)
    #expect(result.exitCode == 0)
    return path
  }

  static func json(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
  }

  @Test("kernelshap: exact values that sum to f(x) − E f, JSON and a page that loads in Chromium")
  func kernelSHAP() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = try Self.trainedModel(directory)
    let json = directory.appendingPathComponent("k.json").path, html = directory.appendingPathComponent("k.html")
    let result = try CandorBinary.run(["explain", "--model", model, "--data", "samples/german_credit.csv", "--method", "kernelshap",
                                       "--background", "30", "--rows", "0:5,10", "--json", json, "--html", html.path])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let report = try Self.json(json)
    #expect(report["method"] as? String == "kernelshap")
    #expect(report["exact"] as? Bool == true)
    #expect((report["features"] as! [String]).count == 9)
    let base = (report["base_value"] as! [Double])[0]
    let rows = report["rows"] as! [[String: Any]]
    #expect(rows.map { $0["row"] as! Int } == [0, 1, 2, 3, 4, 10])
    for row in rows {
      let values = (row["values"] as! [[Double]])[0], prediction = (row["prediction"] as! [Double])[0]
      #expect(abs(values.reduce(0, +) - (prediction - base)) < 1e-10)
    }
    if Chromium.isAvailable { #expect(try Chromium.load(html).consoleMessages.isEmpty) }
  }

  @Test("permutation, pdp and ale write their JSON shapes")
  func otherMethods() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = try Self.trainedModel(directory)
    let path = directory.appendingPathComponent("o.json").path
    var result = try CandorBinary.run(["explain", "--model", model, "--data", "samples/german_credit.csv", "--method", "permutation",
                                       "--target", "risk", "--scorer", "log_loss", "--repeats", "10", "--group", "accounts=saving_accounts,checking_account",
                                       "--json", path])
    #expect(result.exitCode == 0, "\(result.standardError)")
    var report = try Self.json(path)
    #expect(report["scorer"] as? String == "log_loss")
    #expect((report["importances"] as! [String: Any]).keys.sorted() == ["accounts", "age", "credit_amount", "duration", "housing", "job", "purpose", "sex"])
    result = try CandorBinary.run(["explain", "--model", model, "--data", "samples/german_credit.csv", "--method", "pdp",
                                   "--features", "age,housing", "--ice", "--json", path])
    #expect(result.exitCode == 0)
    report = try Self.json(path)
    let age = (report["features"] as! [String: [String: Any]])["age"]!
    #expect((age["grid"] as! [Double]).count == 20)
    #expect((age["individual"] as! [[Double]]).count == 1000)
    result = try CandorBinary.run(["explain", "--model", model, "--data", "samples/german_credit.csv", "--method", "ale",
                                   "--features", "duration", "--json", path])
    #expect(result.exitCode == 0)
    #expect(try Self.json(path)["method"] as? String == "ale")
  }

  static let badCases: [([String], String)] = [
    (["--method", "kernelshap", "--nsamples", "5"], "error: --nsamples 5: needs at least M + 2 = 11 for 9 features.\n"),
    (["--method", "pdp", "--features", "agee"],
     "error: No feature or group 'agee'. The model's features are: sex, job, housing, saving_accounts, checking_account, credit_amount, duration, purpose, age.\n"),
    (["--method", "kernelshap", "--rows", "5000"], "error: Row 5000 is out of range: the data has rows 0 to 999.\n"),
    (["--method", "kernelshap", "--background", "bg.csv"], "error: --background bg.csv: its column 'colour' is not in the data.\n"),
    (["--method", "permutation"], "error: Permutation importance needs --target. Run 'candor explain --help' for usage.\n"),
    (["--method", "permutation", "--target", "risk", "--sample-weight", "sex"], "error: --sample-weight sex: the column must be numeric.\n"),
    (["--method", "permutation", "--target", "housing"],
     "error: --target housing: data row 1 holds 'own', which is not one of the model's classes (0, 1).\n"),
    (["--method", "permutation", "--target", "risk", "--repeats", "0"], "error: --repeats 0: needs at least 1.\n"),
    (["--method", "kernelshap", "--group", "money"], "error: --group money: write it as name=column1,column2.\n"),
    (["--method", "kernelshap", "--group", "money="],
     "error: --group money=: write it as name=column1,column2, with a name and at least one column.\n"),
    (["--method", "kernelshap", "--group", "=age"], "error: --group =age: write it as name=column1,column2, with a name and at least one column.\n"),
    (["--method", "kernelshap", "--rows-file", "nofile.txt"], "error: nofile.txt: no such file.\n"),
    (["--method", "kernelshap", "--rows", "a:b"], "error: --rows a:b: write a range as start:end.\n"),
    (["--method", "kernelshap", "--rows", "x"], "error: --rows x: not a row number.\n"),
    (["--method", "kernelshap", "--background", "0"], "error: --background 0: needs at least 1 row.\n"),
    (["--method", "kernelshap", "--background-kmeans", "0"], "error: --background-kmeans 0: needs at least 1 cluster.\n"),
    (["--method", "kernelshap", "--max-features", "0"], "error: --max-features 0: needs at least 1.\n"),
    (["--method", "kernelshap", "--tolerance", "0"], "error: --tolerance 0.0: needs a positive number.\n"),
    (["--method", "pdp", "--percentiles", "0.5"], "error: --percentiles 0.5: give two fractions, e.g. 0.05,0.95.\n"),
    (["--method", "pdp", "--grid-resolution", "1"], "error: --grid-resolution 1: needs at least 2.\n"),
    (["--method", "ale", "--features", "housing"], "error: --method ale: ALE needs numeric features; 'housing' is categorical (use pdp).\n"),
  ]

  @Test("bad explain input exits 2 with a plain message and writes nothing", arguments: badCases)
  func refused(arguments: [String], message: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = try Self.trainedModel(directory)
    try Data("colour,age\nred,30\n".utf8).write(to: directory.appendingPathComponent("bg.csv"))
    let data = Fixtures.sample("german_credit.csv")
    let result = try CandorBinary.run(["explain", "--model", model, "--data", data] + arguments + ["--json", "o.json"], in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == message)
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("o.json").path))
  }

  @Test("the logit link needs probabilities")
  func logitNeedsProbabilities() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = try Self.trainedModel(directory, modelType: "linear")
    let result = try CandorBinary.run(["explain", "--model", model, "--data", "samples/german_credit.csv", "--method", "kernelshap",
                                       "--link", "logit", "--rows", "0:2"])
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: --link logit: the logit link needs a model with probability outputs.\n")
  }
}
