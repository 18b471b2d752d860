import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

/// `candor compare-models`: the zoo's native models against their onnxmltools exports agree as their libraries
/// do; a row put just past a LightGBM threshold is where the double split and the ONNX export's float32 split part,
/// and the walk names the tree, node, values, thresholds and cause.
@Suite struct CompareModelsCLITests {
  static let codes = "age,workclass,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country"
  static let numeric = Fixtures.path("models/adult_numeric_features.csv")

  static func json(_ directory: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("c.json"))) as! [String: Any]
  }

  @Test("native XGBoost and LightGBM vs their ONNX exports: as far apart as xgboost/lightgbm and onnxruntime are, no decision differs",
        arguments: [("adult_xgb.json", "adult_xgb.onnx", "adult_xgb_reference.csv", "adult_xgb_onnx_reference.csv"),
                    ("adult_lgbm.txt", "adult_lgbm.onnx", "adult_lgbm_reference.csv", "adult_lgbm_onnx_reference.csv")])
  func zooExports(_ native: String, _ onnx: String, _ nativeReference: String, _ onnxReference: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try CandorBinary.run(["compare-models", Fixtures.path("models/" + native), Fixtures.path("models/" + onnx), "--features-b", Self.codes,
                                    "--data", Self.numeric, "--json", "c.json", "--html", "c.html"], in: directory)
    #expect(run.exitCode == 0, "\(run.standardError)")
    #expect(run.standardOutput.contains("The models agree: every decision is the same and no output differs by more than 1e-06"))
    let result = try Self.json(directory)
    // The libraries' own outputs differ by this much; candor reproduces each within 1e-6.
    let p = try Self.probabilities(nativeReference), q = try Self.probabilities(onnxReference)
    let expected = maxAbsoluteDifference(p, q)
    let measured = try #require(result["max_abs_difference"] as? Double)
    #expect(abs(measured - expected) < 2e-6 && measured < 1e-6)
    #expect(result["decision_flips"] as? Int == 0 && result["rows"] as? Int == 2000)
    #expect(result["tree_comparison"] as? String == "walked")
    #expect((result["a"] as? [String: Any])?["sha256"] as? String == SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/" + native)))))
    let html = try String(contentsOf: directory.appendingPathComponent("c.html"), encoding: .utf8)
    #expect(html.contains("The models agree"))
  }

  static func probabilities(_ file: String) throws -> [Double] {
    guard case let .numeric(column) = try CSVReader.read(path: Fixtures.path("models/" + file)).column("prob_1") else { return [] }
    return Array(column.values)
  }

  @Test("a value one double past a LightGBM threshold: LightGBM (double) sends it right, its ONNX export (float32) left; the walk says where and why")
  func thresholdDivergence() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let native = try #require(try ModelLoader.loadModel(path: Fixtures.path("models/adult_lgbm.txt")).model as? TreeEnsembleModel)
    let root = native.ensemble.trees[0]
    let feature = Int(root.feature[0]), t = root.threshold[0], x = t.nextUp
    try #require(Float(x) == Float(t), "the value rounds to the threshold's float32")
    // Two rows of the encoded data: the first as it is, the second with the root's feature just past the threshold.
    let text = try String(contentsOfFile: Self.numeric, encoding: .utf8).split(separator: "\n")
    var cells = text[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let header = text[0].split(separator: ",").map(String.init)
    let column = try #require(header.firstIndex(of: native.featureNames[feature]))
    cells[column] = "\(x)"
    let data = directory.appendingPathComponent("rows.csv")
    try ([String(text[0]), String(text[1]), cells.joined(separator: ",")].joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
    let run = try CandorBinary.run(["compare-models", Fixtures.path("models/adult_lgbm.txt"), Fixtures.path("models/adult_lgbm.onnx"), "--features-b", Self.codes,
                                    "--data", data.path, "--json", "c.json", "--tolerance", "1e-9"], in: directory)
    #expect(run.exitCode == 0, "\(run.standardError)")
    let result = try Self.json(directory)
    let divergences = try #require(result["divergences"] as? [[String: Any]])
    let found = try #require(divergences.first { $0["row"] as? Int == 1 })
    #expect(found["tree"] as? Int == 0 && found["depth"] as? Int == 0)
    #expect(found["feature"] as? String == native.featureNames[feature])
    let a = try #require(found["a"] as? [String: Any]), b = try #require(found["b"] as? [String: Any])
    #expect(a["goes"] as? String == "right" && b["goes"] as? String == "left")
    // (Foundation's JSON reader may miss the last bit of numbers this small.)
    let (value, threshold, thresholdB) = (try #require(a["value"] as? Double), try #require(a["threshold"] as? Double), try #require(b["threshold"] as? Double))
    #expect(abs(value - x) <= 2 * x.ulp && abs(threshold - t) <= 2 * t.ulp && abs(thresholdB - Double(Float(t))) <= 2 * t.ulp)
    #expect(found["cause"] as? String == (Double(Float(t)) == t ? "comparison" : "threshold"))
    #expect(a["rule"] as? String == "x <= t" && (b["rule"] as? String)?.contains("float32") == true)
    // Row 0 is untouched: its paths are the same in every tree.
    #expect(!divergences.contains { $0["row"] as? Int == 0 })
  }

  @Test("models that cannot be compared, and flags that do not fit, are refused: exit 2, nothing written")
  func refusals() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let cases: [([String], String)] = [
      ([Fixtures.path("models/adult_xgb.json"), Fixtures.path("models/german_xgb_multiclass.json"), "--data", Self.numeric],
       "The models cannot be compared output by output: "),
      ([Fixtures.path("models/adult_xgb.json"), Fixtures.path("models/adult_lgbm.txt"), "--features-a", "age", "--data", Self.numeric],
       "is for an ONNX model with one [N, k] input"),
      ([Fixtures.path("models/adult_xgb.json"), "missing.onnx", "--data", Self.numeric], "missing.onnx"),
    ]
    for (arguments, expected) in cases {
      let run = try CandorBinary.run(["compare-models"] + arguments + ["--json", "c.json"], in: directory)
      #expect(run.exitCode == 2, "\(arguments)")
      #expect(run.standardError.contains(expected), "\(run.standardError)")
      #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("c.json").path))
    }
  }
}
