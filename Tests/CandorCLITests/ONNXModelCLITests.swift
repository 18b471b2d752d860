import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// Every analysis runs on ONNX models given to `--model`: scikit-learn pipelines exported by skl2onnx (German credit,
/// bound to the CSV's columns by name) and an onnxmltools export of XGBoost whose one `[N, 13]` input is fed from
/// the columns listed with `--model-features`.
@Suite struct ONNXModelCLITests {
  static let german = Fixtures.sample("german_credit.csv")
  static let adultCodes = "age,workclass,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country"

  struct Case: Sendable, CustomTestStringConvertible {
    let model: String
    let data: String
    let target: String
    let sensitive: String
    let reference: String
    var features: [String] = []
    var testDescription: String { model }
  }

  static let cases = [
    Case(model: "german_logreg.onnx", data: german, target: "risk", sensitive: "sex", reference: "german_logreg_reference.csv"),
    Case(model: "german_tree.onnx", data: german, target: "risk", sensitive: "sex", reference: "german_tree_reference.csv"),
    Case(model: "adult_xgb.onnx", data: Fixtures.path("models/adult_numeric_labelled.csv"), target: "income", sensitive: "sex",
         reference: "adult_xgb_onnx_reference.csv", features: ["--model-features", adultCodes]),
  ]

  static func run(_ arguments: [String], in directory: URL) throws -> [String: Any] {
    let result = try CandorBinary.run(arguments + ["--json", "o.json"], in: directory)
    #expect(result.exitCode == 0, "\(arguments): \(result.standardError)")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("o.json"))) as! [String: Any]
  }

  @Test("predict, fairness, mitigate threshold and explain (kernelshap, shap, permutation, pdp) on an ONNX model", arguments: cases)
  func everyAnalysis(_ c: Case) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = ["--model", Fixtures.path("models/" + c.model)] + c.features
    let data = ["--data", c.data]

    let predicted = try CandorBinary.run(["predict"] + model + data + ["--out", "p.csv", "--target", c.target], in: directory)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
    let ours = try CSVReader.read(path: directory.appendingPathComponent("p.csv").path)
    let expected = try CSVReader.read(path: Fixtures.path("models/" + c.reference))
    guard case let .numeric(p) = try ours.column("probability_1"), case let .numeric(q) = try expected.column("prob_1"),
      case let .numeric(labels) = try expected.column("label")
    else {
      Issue.record("probability columns are not numeric")
      return
    }
    #expect(maxAbsoluteDifference(p.values, q.values) <= 1e-5)

    // The model's own decisions are onnxruntime's labels, so its selection rate is theirs.
    let fairness = try Self.run(["fairness"] + model + data + ["--target", c.target, "--sensitive", c.sensitive], in: directory)
    let overall = ((fairness["sensitive_sets"] as! [String: Any])[c.sensitive] as! [String: Any])["overall"] as! [String: Double]
    #expect(abs(overall["selection_rate"]! - labels.values.reduce(0, +) / Double(labels.values.count)) < 1e-12)

    let threshold = try Self.run(["mitigate", "threshold"] + model + data + ["--target", c.target, "--sensitive", c.sensitive,
                                  "--constraint", "demographic_parity", "--eval-data", c.data], in: directory)
    let after = ((threshold["evaluation"] as! [String: Any])["after"] as! [String: Any])["disparities"] as! [String: Double]
    #expect(abs(after["demographic_parity_difference"]!) < 0.05)

    // --method shap on an ONNX graph is TreeSHAP when its score comes from one tree node (on the node's score
    // before the post transform), else KernelSHAP; efficient per row either way (within float32 rounding for trees,
    // whose graph sums its leaves in float32 while the values are exact sums in double).
    let shap = try Self.run(["explain"] + model + data + ["--method", "shap", "--rows", "0:3", "--background", "20"], in: directory)
    #expect(shap["method"] as? String == (c.model.contains("logreg") ? "kernelshap" : "treeshap"))
    let base = (shap["base_value"] as! [Double])[0]
    for row in shap["rows"] as! [[String: Any]] {
      let values = (row["values"] as! [[Double]])[0]
      #expect(abs(values.reduce(0, +) - ((row["prediction"] as! [Double])[0] - base)) < (shap["method"] as? String == "treeshap" ? 1e-6 : 1e-9))
    }
    let permutation = try Self.run(["explain"] + model + data + ["--method", "permutation", "--target", c.target, "--repeats", "2"],
                                   in: directory)
    #expect((permutation["features"] as? [String])?.count == (c.features.isEmpty ? 9 : 13))
    let pdp = try Self.run(["explain"] + model + data + ["--method", "pdp", "--features", "age"], in: directory)
    let age = (pdp["features"] as! [String: [String: Any]])["age"]!
    #expect((age["grid"] as! [Double]).count == 20)
  }

  @Test("bad ONNX input gets exit 2 and one plain sentence: an unsupported operator, a truncated file, a column the data lacks")
  func badInput() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let einsum = Fixtures.path("models/onnx_ops/bad_unsupported_operator.onnx")
    var result = try CandorBinary.run(["predict", "--model", einsum, "--model-features", "x0,x1,x2", "--data", Self.german, "--out", "p.csv"],
                                      in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: \(einsum) looks like an ONNX model, but candor cannot read it: node #0 (Einsum) is Einsum (domain ai.onnx, opset 13), an operator candor does not run.\n")

    let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/german_logreg.onnx")))
    try whole.prefix(1000).write(to: directory.appendingPathComponent("cut.onnx"))
    result = try CandorBinary.run(["predict", "--model", "cut.onnx", "--data", Self.german, "--out", "p.csv"], in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: cut.onnx looks like an ONNX model, but candor cannot read it: at byte 68, field 7 declares 2027 bytes, but only 930 remain (the file is truncated or not ONNX).\n")

    try "risk,sex,job\n1,male,2\n".write(to: directory.appendingPathComponent("few.csv"), atomically: true, encoding: .utf8)
    let model = Fixtures.path("models/german_logreg.onnx")
    result = try CandorBinary.run(["predict", "--model", model, "--data", "few.csv", "--out", "p.csv"], in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: few.csv has no column 'housing', which feeds input 'housing' of the ONNX model \(model). The columns are: risk, sex, job.\n")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.csv").path))

    result = try CandorBinary.run(["predict", "--model", Fixtures.path("models/adult_lgbm.txt"), "--model-features", "a,b", "--data", Self.german,
                                   "--out", "p.csv"], in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError.hasPrefix("error: --model-features with --model is for an ONNX model with one [N, k] input;"))
  }
}
