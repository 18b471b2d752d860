import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// Every analysis runs on XGBoost (JSON, UBJSON) and LightGBM model files given to `--model`, on the Adult rows
/// of the reference zoo in its numeric encoding (`Tests/Fixtures/models/adult_numeric_labelled.csv`: the
/// features of `adult_numeric_features.csv` and the label of those rows of `samples/adult_test.csv`).
@Suite struct TreeModelCLITests {
  static let data = Fixtures.path("models/adult_numeric_labelled.csv")
  static let models = ["adult_xgb.json", "adult_xgb.ubj", "adult_lgbm.txt"]

  static func run(_ arguments: [String], in directory: URL) throws -> [String: Any] {
    let result = try CandorBinary.run(arguments + ["--json", "o.json"], in: directory)
    #expect(result.exitCode == 0, "\(arguments): \(result.standardError)")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("o.json"))) as! [String: Any]
  }

  @Test("predict, fairness, mitigate threshold and explain (kernelshap, permutation, pdp) on a tree model file", arguments: models)
  func everyAnalysis(_ name: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = Fixtures.path("models/" + name)
    let reference = name.hasPrefix("adult_xgb") ? "adult_xgb_reference.csv" : "adult_lgbm_reference.csv"

    let predicted = try CandorBinary.run(["predict", "--model", model, "--data", Self.data, "--out", "p.csv", "--target", "income"], in: directory)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
    let ours = try CSVReader.read(path: directory.appendingPathComponent("p.csv").path)
    let expected = try CSVReader.read(path: Fixtures.path("models/" + reference))
    guard case let .numeric(p) = try ours.column("probability_1"), case let .numeric(q) = try expected.column("prob_1") else {
      Issue.record("probability columns are not numeric")
      return
    }
    #expect(maxAbsoluteDifference(p.values, q.values) < 1e-6)

    let fairness = try Self.run(["fairness", "--model", model, "--data", Self.data, "--target", "income", "--sensitive", "sex"], in: directory)
    let overall = ((fairness["sensitive_sets"] as! [String: Any])["sex"] as! [String: Any])["overall"] as! [String: Double]
    // The model's own decisions (probability above 0.5) are the reference's labels.
    guard case let .numeric(labels) = try expected.column("label") else { return }
    #expect(abs(overall["selection_rate"]! - labels.values.reduce(0, +) / Double(labels.values.count)) < 1e-12)

    let threshold = try Self.run(["mitigate", "threshold", "--model", model, "--data", Self.data, "--target", "income", "--sensitive", "sex",
                                  "--constraint", "demographic_parity", "--eval-data", Self.data], in: directory)
    let after = ((threshold["evaluation"] as! [String: Any])["after"] as! [String: Any])["disparities"] as! [String: Double]
    #expect(abs(after["demographic_parity_difference"]!) < 0.01)

    let shap = try Self.run(["explain", "--model", model, "--data", Self.data, "--method", "kernelshap", "--rows", "0:3",
                             "--background", "20"], in: directory)
    let base = (shap["base_value"] as! [Double])[0]
    for row in shap["rows"] as! [[String: Any]] {
      // Efficiency: the values add up to f(x) − E f.
      let values = (row["values"] as! [[Double]])[0]  // outputs × features
      #expect(abs(values.reduce(0, +) - ((row["prediction"] as! [Double])[0] - base)) < 1e-9)
    }
    let permutation = try Self.run(["explain", "--model", model, "--data", Self.data, "--method", "permutation", "--target", "income",
                                    "--repeats", "2"], in: directory)
    #expect((permutation["features"] as? [String])?.count == 13)
    // capital_gain moves the model's accuracy most, as both libraries' own importances rank it near the top.
    let importances = permutation["importances"] as! [String: [String: Any]]
    #expect(importances.max { ($0.value["mean"] as! Double) < ($1.value["mean"] as! Double) }?.key == "capital_gain")
    let pdp = try Self.run(["explain", "--model", model, "--data", Self.data, "--method", "pdp", "--features", "age"], in: directory)
    let age = (pdp["features"] as! [String: [String: Any]])["age"]!
    #expect((age["grid"] as! [Double]).count == 20)
  }

  @Test("a threshold policy over a LightGBM model is saved as a policy file pinning it, and scores as --model")
  func thresholdOverTrees() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = Fixtures.path("models/adult_lgbm.txt")
    let result = try CandorBinary.run(["mitigate", "threshold", "--model", model, "--data", Self.data, "--target", "income", "--sensitive", "sex",
                                       "--constraint", "demographic_parity", "--out", "post.json"], in: directory)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("post.json"))) as! [String: Any]
    #expect(saved["format"] as? String == "candor-threshold-policy")
    #expect((saved["base"] as? [String: Any])?["sha256"] as? String == "2a74cc23921f9f613b04a11aaae3ab9f61a5899d365fc11485d3d2a1f83d13bf")
    let predicted = try CandorBinary.run(["predict", "--model", "post.json", "--data", Self.data, "--out", "p.csv"], in: directory)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
  }

  @Test("--method shap on a tree model is TreeSHAP: exact values on the margin, efficient per row, valid JSON; KernelSHAP's options refused")
  func shapChoosesTreeSHAP() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = Fixtures.path("models/adult_lgbm.txt")
    let arguments = ["explain", "--model", model, "--data", Self.data, "--method", "shap", "--rows", "0:4", "--background", "30"]
    let result = try CandorBinary.run(arguments + ["--json", "o.json"], in: directory)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let data = try Data(contentsOf: directory.appendingPathComponent("o.json"))
    try LibraryParityCLITests.expectValid(data, "explain.schema.json")
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    #expect(json["method"] as? String == "treeshap" && json["output_space"] as? String == "margin" && json["background_rows"] as? Int == 30)
    let base = (json["base_value"] as! [Double])[0]
    for row in json["rows"] as! [[String: Any]] {
      let values = (row["values"] as! [[Double]])[0]
      #expect(abs(values.reduce(0, +) - ((row["prediction"] as! [Double])[0] - base)) < 1e-9)
    }
    let refused = try CandorBinary.run(arguments + ["--nsamples", "100"], in: directory)
    #expect(refused.exitCode == 2)
    #expect(refused.standardError == "error: --nsamples does nothing with TreeSHAP: it applies with KernelSHAP (--method kernelshap) only. Run 'candor explain --help' for usage.\n")
  }

  @Test("--method treeshap on a model that is not a tree ensemble is refused, naming the way out")
  func treeSHAPNeedsTrees() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = try ExplainCLITests.trainedModel(directory)
    let result = try CandorBinary.run(["explain", "--model", model, "--data", "samples/german_credit.csv", "--method", "treeshap"])
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: --method treeshap: TreeSHAP needs a tree ensemble (an XGBoost or LightGBM model, or an ONNX graph scored by one tree node whose features each come from one column); use --method kernelshap or shap.\n")
    let shap = try CandorBinary.run(["explain", "--model", model, "--data", "samples/german_credit.csv", "--method", "shap", "--rows", "0:2",
                                     "--json", directory.appendingPathComponent("k.json").path])
    #expect(shap.exitCode == 0, "\(shap.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("k.json"))) as! [String: Any]
    #expect(json["method"] as? String == "kernelshap")
  }
}
