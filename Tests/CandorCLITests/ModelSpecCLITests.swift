import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `--model-spec`: every analysis on raw Adult rows for models that read codes (XGBoost, LightGBM) or filled text
/// (a scikit-learn pipeline in ONNX) or that sit behind a command, speaking in the data's columns.
@Suite struct ModelSpecCLITests {
  static let numericSpec = Fixtures.path("models/adult_numeric_v1.spec.json")
  static let pipelineSpec = Fixtures.path("models/adult_pipeline.spec.json")

  /// The first 2,000 rows of adult_test, raw (empty cells empty), as a file.
  static func rawRows(in directory: URL) throws -> String {
    let lines = try String(contentsOfFile: Fixtures.sample("adult_test.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    let path = directory.appendingPathComponent("raw.csv").path
    try (lines.prefix(2001).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  static func json(_ directory: URL, _ name: String = "o.json") throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(name))) as! [String: Any]
  }

  @Test("XGBoost behind its codes: predict gives the reference on raw rows; shap is TreeSHAP over raw columns; fairness, threshold, permutation and pdp run",
        arguments: [("adult_xgb.json", "adult_xgb_reference.csv"), ("adult_lgbm.txt", "adult_lgbm_reference.csv")])
  func treeModel(_ model: String, _ reference: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = try Self.rawRows(in: directory)
    let bound = ["--model", Fixtures.path("models/" + model), "--model-spec", Self.numericSpec, "--data", data]
    let predicted = try CandorBinary.run(["predict"] + bound + ["--out", "p.csv"], in: directory)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
    let ours = try CSVReader.read(path: directory.appendingPathComponent("p.csv").path)
    let expected = try CSVReader.read(path: Fixtures.path("models/" + reference))
    guard case let .numeric(p) = try ours.column("probability_>50K"), case let .numeric(q) = try expected.column("prob_1") else {
      Issue.record("probability columns")
      return
    }
    #expect(maxAbsoluteDifference(p.values, q.values) <= 1e-6)

    let shap = try CandorBinary.run(["explain", "--method", "shap", "--rows", "0:5", "--json", "o.json"] + bound, in: directory)
    #expect(shap.exitCode == 0, "\(shap.standardError)")
    let result = try Self.json(directory)
    #expect(result["method"] as? String == "treeshap")
    #expect((result["features"] as? [String])?.contains("workclass") == true)
    #expect((result["features"] as? [String])?.contains("income") == false)

    for arguments in [["fairness", "--target", "income", "--positive", ">50K", "--sensitive", "sex,race"],
                      ["mitigate", "threshold", "--target", "income", "--positive", ">50K", "--sensitive", "sex", "--constraint", "demographic_parity"],
                      ["explain", "--method", "permutation", "--target", "income", "--repeats", "2", "--features", "sex,age"],
                      ["explain", "--method", "pdp", "--features", "workclass"]] {
      let run = try CandorBinary.run(arguments + bound + ["--json", "o.json"], in: directory)
      #expect(run.exitCode == 0, "\(arguments): \(run.standardError)")
    }
    // The partial dependence of a coded column is over its categories, by name.
    let pdp = try Self.json(directory)
    #expect("\(pdp)".contains("Self-emp-inc"))
  }

  @Test("a scikit-learn pipeline behind a spec filling empty text: KernelSHAP over the raw rows, efficiency holds")
  func onnxPipeline() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = try Self.rawRows(in: directory)
    let run = try CandorBinary.run(["explain", "--model", Fixtures.path("models/adult_logreg.onnx"), "--model-spec", Self.pipelineSpec,
                                    "--data", data, "--method", "shap", "--rows", "0:3", "--background", "30", "--json", "o.json"], in: directory)
    #expect(run.exitCode == 0, "\(run.standardError)")
    let result = try Self.json(directory)
    #expect(result["method"] as? String == "kernelshap")
    #expect((result["features"] as? [String])?.count == 13)
  }

  @Test("a model behind a command takes its columns, classes and a coded input from the spec")
  func commandModel() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let spec = directory.appendingPathComponent("cmd.spec.json").path
    try """
      {"inputs": [{"name": "age"}, {"name": "hours_per_week", "missing": 40},
                  {"name": "sex_code", "column": "sex", "type": "category", "codes": {"Female": 0, "Male": 1}}],
       "classes": ["<=50K", ">50K"]}
      """.write(toFile: spec, atomically: true, encoding: .utf8)
    let model = ["--model-cmd", "python3 \(Fixtures.path("adapters/model_command.py")) binary", "--model-spec", spec]
    let data = Fixtures.sample("adult_test.csv")
    let predicted = try CandorBinary.run(["predict"] + model + ["--data", data, "--out", "p.csv"], in: directory)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
    #expect(try CSVReader.read(path: directory.appendingPathComponent("p.csv").path).columnNames.contains("probability_>50K"))
    let shap = try CandorBinary.run(["explain", "--method", "kernelshap", "--rows", "0:2", "--background", "10", "--json", "o.json",
                                     "--data", data] + model, in: directory)
    #expect(shap.exitCode == 0, "\(shap.standardError)")
    let result = try Self.json(directory)
    let features = try #require(result["features"] as? [String])
    #expect(features == ["age", "hours_per_week", "sex"])
    // The command never reads sex_code: φ(sex) = 0 on every row.
    for row in try #require(result["rows"] as? [[String: Any]]) {
      let values = try #require((row["values"] as? [[Double]])?.first)
      #expect(abs(values[2]) < 1e-12)
    }
  }

  /// adult_numeric_v1 with one input changed (`nil` drops it).
  static func numericSpec(changing index: Int, to input: [String: Any]?, top: [String: Any] = [:]) throws -> String {
    var spec = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: numericSpec))) as! [String: Any]
    var inputs = spec["inputs"] as! [Any]
    if let input { inputs[index] = input } else { inputs.remove(at: index) }
    spec["inputs"] = inputs
    for (key, value) in top { spec[key] = value }
    return String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
  }

  static let refusalCases: [(String, String)] = [
    ("column", "has no column 'years', which the model spec spec.json feeds to input 'age'. The columns are: age, workclass,"),
    ("input", "The model spec spec.json cannot be used: inputs[0] names 'years', which the model does not read; it reads age, workclass"),
    ("output", "it declares \"output\", which only a model behind --model-cmd or --model-url takes"),
    ("classes", "it names 3 classes, but the model has 2 (0, 1)"),
    ("codes", "data row 3, column 'workclass': 'Local-gov' is not among the categories the model spec spec.json codes for input 'workclass' (Private)"),
    ("syntax", "The model spec spec.json cannot be used: it is not valid JSON (unexpected end of file during JSON parse)"),
    ("features", "--model-features with --model is for an ONNX model with one [N, k] input"),
  ]

  @Test("bad specs and conflicting flags: exit 2, one message naming the file and the fault, no output", arguments: refusalCases)
  func refusals(_ fault: String, _ expected: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let spec: String = switch fault {
    case "column": try Self.numericSpec(changing: 0, to: ["name": "age", "column": "years"])
    case "input": try Self.numericSpec(changing: 0, to: ["name": "years"])
    case "output": try Self.numericSpec(changing: 0, to: ["name": "age"], top: ["output": "binary"])
    case "classes": try Self.numericSpec(changing: 0, to: ["name": "age"], top: ["classes": ["a", "b", "c"]])
    case "codes": try Self.numericSpec(changing: 1, to: ["name": "workclass", "type": "category", "codes": ["Private": 3]])
    case "syntax": #"{"inputs": [{"name": "age","#
    default: try Self.numericSpec(changing: 0, to: ["name": "age"])
    }
    try spec.write(to: directory.appendingPathComponent("spec.json"), atomically: true, encoding: .utf8)
    let extra = fault == "features" ? ["--model-features", "age"] : []
    let result = try CandorBinary.run(["predict", "--model", Fixtures.path("models/adult_xgb.json"), "--model-spec", "spec.json",
                                       "--data", Fixtures.sample("adult_test.csv"), "--out", "p.csv"] + extra, in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError.contains(expected), "\(result.standardError)")
    #expect(result.standardError.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.csv").path))
  }

  @Test("a black box given its columns twice, or its classes twice, is refused before anything starts")
  func conflicts() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try #"{"inputs": [{"name": "age"}], "classes": ["a", "b"]}"#.write(to: directory.appendingPathComponent("s.json"), atomically: true, encoding: .utf8)
    let base = ["predict", "--model-cmd", "python3 -c 'pass'", "--model-spec", "s.json", "--data", Fixtures.sample("adult_test.csv"), "--out", "p.csv"]
    for (extra, expected) in [(["--model-features", "age"], "with --model-features or as the inputs of --model-spec, not both"),
                              (["--model-classes", "a,b"], "The model's classes are given twice: with --model-classes and as \"classes\" in s.json")] {
      let result = try CandorBinary.run(base + extra, in: directory)
      #expect(result.exitCode == 2)
      #expect(result.standardError.contains(expected), "\(result.standardError)")
    }
    let unused = try CandorBinary.run(["fairness", "--model-spec", "s.json", "--data", Fixtures.sample("adult_test.csv"), "--target", "income",
                                       "--sensitive", "sex", "--predictions", Fixtures.path("adult_test_predictions.csv")], in: directory)
    #expect(unused.exitCode == 2)
    #expect(unused.standardError.contains("--model-spec"), "\(unused.standardError)")
  }
}
