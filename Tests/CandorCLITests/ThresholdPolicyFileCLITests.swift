import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

/// `candor mitigate threshold --out` over a model file candor does not embed (XGBoost behind a spec, ONNX): the
/// saved candor-threshold-policy names its base by relative path and SHA-256, works as `--model` in every command,
/// travels with its base, and refuses a base (or spec) whose bytes changed.
@Suite struct ThresholdPolicyFileCLITests {
  /// A folder with models/ (the base and its spec) and policies/ (where the policy goes), and the data.
  static func layout() throws -> URL {
    let directory = try temporaryDirectory()
    let manager = FileManager.default
    for folder in ["models", "policies"] { try manager.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true) }
    for file in ["adult_xgb.json", "adult_numeric_v1.spec.json", "german_logreg.onnx"] {
      try manager.copyItem(atPath: Fixtures.path("models/" + file), toPath: directory.appendingPathComponent("models/" + file).path)
    }
    return directory
  }

  static let fit = ["mitigate", "threshold", "--target", "income", "--sensitive", "sex", "--constraint", "demographic_parity",
                    "--data", Fixtures.sample("adult_test.csv")]
  static let xgb = ["--model", "models/adult_xgb.json", "--model-spec", "models/adult_numeric_v1.spec.json"]

  @Test("a policy over XGBoost + spec: relative paths and digests recorded; as --model it gives the policy's probabilities; it moves with its base")
  func savesAndLoads() throws {
    let directory = try Self.layout()
    defer { try? FileManager.default.removeItem(at: directory) }
    let fitted = try CandorBinary.run(Self.fit + Self.xgb + ["--out", "policies/p.json", "--json", "fit.json"], in: directory)
    #expect(fitted.exitCode == 0, "\(fitted.standardError)")
    let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("policies/p.json"))) as! [String: Any]
    #expect(saved["format"] as? String == "candor-threshold-policy")
    #expect(saved["classes"] as? [String] == ["<=50K", ">50K"])
    let base = try #require(saved["base"] as? [String: Any])
    #expect(base["path"] as? String == "../models/adult_xgb.json")
    #expect(base["sha256"] as? String == "bd29f548549e0f1d910f31b7151406a507fcdab1f063f4c6e71ea856e20139bc")
    #expect(base["format"] as? String == "an XGBoost model (JSON)")
    let spec = try #require(base["model_spec"] as? [String: Any])
    #expect(spec["path"] as? String == "../models/adult_numeric_v1.spec.json")
    #expect(spec["sha256"] as? String == SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/adult_numeric_v1.spec.json")))))

    // As a model: P(ŷ = 1) under the policy, the saved rules applied to the bound base's scores.
    let predicted = try CandorBinary.run(["predict", "--model", "policies/p.json", "--data", Fixtures.sample("adult_test.csv"), "--out", "p.csv"], in: directory)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
    let policyFile = try ThresholdPolicyFile.decode(Data(contentsOf: directory.appendingPathComponent("policies/p.json")), path: "p.json")
    let data = try CSVReader.read(path: Fixtures.sample("adult_test.csv"))
    let bound = try SpecBoundModel(base: ModelLoader.loadModel(path: Fixtures.path("models/adult_xgb.json")).model,
                                   spec: ModelSpec.read(path: Fixtures.path("models/adult_numeric_v1.spec.json")), specPath: "s", checkingInputs: true)
    let expected = try policyFile.policy.positiveProbabilities(scores: ContiguousArray(bound.predict(data).storage), table: data)
    let out = try CSVReader.read(path: directory.appendingPathComponent("p.csv").path)
    guard case let .numeric(p) = try out.column("probability_>50K") else { Issue.record("probability column"); return }
    #expect(Array(p.values) == Array(expected))

    // Every command takes it; fairness of the policy's decisions on the data it was fitted on.
    let fairness = try CandorBinary.run(["fairness", "--model", "policies/p.json", "--data", Fixtures.sample("adult_test.csv"), "--target", "income",
                                         "--sensitive", "sex", "--json", "f.json"], in: directory)
    #expect(fairness.exitCode == 0, "\(fairness.standardError)")

    // Moved together (folder and all), it still finds its base.
    let moved = directory.appendingPathComponent("moved")
    try FileManager.default.createDirectory(at: moved, withIntermediateDirectories: true)
    for folder in ["models", "policies"] { try FileManager.default.moveItem(at: directory.appendingPathComponent(folder), to: moved.appendingPathComponent(folder)) }
    let again = try CandorBinary.run(["predict", "--model", "moved/policies/p.json", "--data", Fixtures.sample("adult_test.csv"), "--out", "q.csv"], in: directory)
    #expect(again.exitCode == 0, "\(again.standardError)")
    #expect(try String(contentsOf: directory.appendingPathComponent("q.csv"), encoding: .utf8) == String(contentsOf: directory.appendingPathComponent("p.csv"), encoding: .utf8))
  }

  @Test("a base model or spec whose bytes changed is refused naming both digests; a missing base names its path; exit 2, nothing written",
        arguments: ["models/adult_xgb.json", "models/adult_numeric_v1.spec.json", "delete"])
  func refusesChangedBase(_ changed: String) throws {
    let directory = try Self.layout()
    defer { try? FileManager.default.removeItem(at: directory) }
    let fitted = try CandorBinary.run(Self.fit + Self.xgb + ["--out", "policies/p.json"], in: directory)
    #expect(fitted.exitCode == 0, "\(fitted.standardError)")
    if changed == "delete" {
      try FileManager.default.removeItem(at: directory.appendingPathComponent("models/adult_xgb.json"))
    } else {
      let handle = try FileHandle(forWritingTo: directory.appendingPathComponent(changed))
      try handle.seekToEnd()
      try handle.write(contentsOf: Data("\n".utf8))
      try handle.close()
    }
    let result = try CandorBinary.run(["predict", "--model", "policies/p.json", "--data", Fixtures.sample("adult_test.csv"), "--out", "p.csv"], in: directory)
    #expect(result.exitCode == 2)
    let what = changed.hasSuffix("spec.json") ? "model spec" : "base model"
    if changed == "delete" {
      #expect(result.standardError.contains("models/adult_xgb.json"), "\(result.standardError)")
    } else {
      #expect(result.standardError.contains("The threshold policy policies/p.json was fitted over the \(what) "), "\(result.standardError)")
      #expect(result.standardError.contains("but that file now has SHA-256 "), "\(result.standardError)")
    }
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.csv").path))
  }

  @Test("a hand-written policy naming a device or another policy as its base is refused before reading it")
  func oddBases() throws {
    let directory = try Self.layout()
    defer { try? FileManager.default.removeItem(at: directory) }
    let fitted = try CandorBinary.run(Self.fit + Self.xgb + ["--out", "policies/p.json"], in: directory)
    #expect(fitted.exitCode == 0, "\(fitted.standardError)")
    let original = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("policies/p.json"))) as! [String: Any]
    let policyDigest = SHA256.hex(try Data(contentsOf: directory.appendingPathComponent("policies/p.json")))
    for (name, base, digest, expected) in [("device.json", "/dev/zero", String(repeating: "0", count: 64), "its base model /dev/zero is not a regular file"),
                                           ("nested.json", "p.json", policyDigest, "is itself a threshold policy")] {
      var edited = original
      var pinned = edited["base"] as! [String: Any]
      pinned["path"] = base
      pinned["sha256"] = digest
      pinned["model_spec"] = NSNull()
      edited["base"] = pinned
      try JSONSerialization.data(withJSONObject: edited).write(to: directory.appendingPathComponent("policies/" + name))
      let run = try CandorBinary.run(["predict", "--model", "policies/" + name, "--data", Fixtures.sample("adult_test.csv"), "--out", "o.csv"], in: directory)
      #expect(run.exitCode == 2)
      #expect(run.standardError.contains(expected), "\(run.standardError)")
    }
  }

  @Test("an ONNX base without a spec is pinned too; a model behind a command has nothing to pin and --out says so")
  func onnxAndBlackBox() throws {
    let directory = try Self.layout()
    defer { try? FileManager.default.removeItem(at: directory) }
    let german = ["mitigate", "threshold", "--target", "risk", "--sensitive", "sex", "--constraint", "equalized_odds",
                  "--data", Fixtures.sample("german_credit.csv")]
    let onnx = try CandorBinary.run(german + ["--model", "models/german_logreg.onnx", "--out", "policies/g.json"], in: directory)
    #expect(onnx.exitCode == 0, "\(onnx.standardError)")
    let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("policies/g.json"))) as! [String: Any]
    #expect((saved["base"] as? [String: Any])?["model_spec"] == nil || (saved["base"] as? [String: Any])?["model_spec"] is NSNull)
    let explained = try CandorBinary.run(["explain", "--model", "policies/g.json", "--data", Fixtures.sample("german_credit.csv"), "--method", "kernelshap",
                                          "--rows", "0:2", "--background", "20"], in: directory)
    #expect(explained.exitCode == 0, "\(explained.standardError)")

    let command = try CandorBinary.run(Self.fit + ["--model-cmd", "python3 \(Fixtures.path("adapters/model_command.py")) binary",
                                                   "--model-features", "age,hours_per_week", "--model-classes", "<=50K,>50K",
                                                   "--out", "policies/c.json"], in: directory)
    #expect(command.exitCode == 2)
    #expect(command.standardError.contains("a model behind a command has no file to pin"), "\(command.standardError)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("policies/c.json").path))
  }
}
