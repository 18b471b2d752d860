import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `--model-output labels`: a black box that answers class labels only (a command, an endpoint). Fairness works on
/// its decisions — the same selection rates and accuracies as the scoring model's decisions at 0.5 — and leaves the
/// score metrics out; analyses that need scores refuse it, saying why.
@Suite struct LabelsOnlyModelCLITests {
  static let script = Fixtures.path("adapters/model_command.py")
  static let data = Fixtures.sample("adult_test.csv")
  static let declared = ["--model-features", "age,hours_per_week", "--model-classes", "<=50K,>50K"]

  static func fairness(_ model: [String], in directory: URL, name: String) throws -> [String: Any] {
    let run = try CandorBinary.run(["fairness"] + model + Self.declared + ["--data", Self.data, "--target", "income", "--sensitive", "sex",
                                                                          "--json", name], in: directory)
    #expect(run.exitCode == 0, "\(run.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(name))) as! [String: Any]
    return ((json["sensitive_sets"] as! [String: Any])["sex"] as! [String: Any])
  }

  @Test("fairness on a labels-only command and endpoint equals fairness on the scoring command's decisions; no score metric")
  func fairnessOnLabels() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let scoring = try Self.fairness(["--model-cmd", "python3 \(Self.script) binary"], in: directory, name: "s.json")
    let command = try Self.fairness(["--model-cmd", "python3 \(Self.script) labels", "--model-output", "labels"], in: directory, name: "l.json")
    let server = try EndpointModelCLITests.Server("labels", in: directory)
    defer { server.stop() }
    let endpoint = try Self.fairness(["--model-url", server.url, "--model-output", "labels"], in: directory, name: "e.json")
    let expected = scoring["overall"] as! [String: Any]
    for result in [command, endpoint] {
      let overall = result["overall"] as! [String: Any]
      for metric in ["selection_rate", "accuracy", "true_positive_rate", "false_positive_rate"] {
        #expect(overall[metric] as? Double == expected[metric] as? Double, "\(metric)")
      }
      #expect(overall["roc_auc"] == nil && overall["log_loss"] == nil && expected["roc_auc"] != nil)
    }
  }

  @Test("analyses that need scores refuse a labels-only model, naming why; a label none of the classes names the line",
        arguments: [
          (["explain", "--method", "kernelshap", "--rows", "0:2"], "KernelSHAP needs the model's scores, and this model answers class labels only"),
          (["explain", "--method", "pdp", "--features", "age"], "Partial dependence needs the model's scores"),
          (["explain", "--method", "permutation", "--target", "income", "--scorer", "roc_auc"], "Permutation importance with the scorer roc_auc needs the model's scores"),
          (["mitigate", "threshold", "--target", "income", "--sensitive", "sex", "--constraint", "demographic_parity"],
           "Threshold optimization needs the model's scores"),
        ])
  func refusals(_ arguments: [String], _ expected: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let run = try CandorBinary.run(arguments + ["--model-cmd", "python3 \(Self.script) labels", "--model-output", "labels"] + Self.declared
                                     + ["--data", Self.data, "--json", "o.json"], in: directory)
    #expect(run.exitCode == 2)
    #expect(run.standardError.contains(expected), "\(run.standardError)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("o.json").path))
  }

  @Test("permutation importance by accuracy works on labels; an unknown label is an error naming the batch and line")
  func accuracyAndBadLabel() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let permutation = try CandorBinary.run(["explain", "--method", "permutation", "--target", "income", "--repeats", "2",
                                            "--model-cmd", "python3 \(Self.script) labels", "--model-output", "labels"] + Self.declared
                                             + ["--data", Self.data, "--json", "o.json"], in: directory)
    #expect(permutation.exitCode == 0, "\(permutation.standardError)")
    let bad = try CandorBinary.run(["predict", "--model-cmd", "python3 \(Self.script) badlabel", "--model-output", "labels"] + Self.declared
                                     + ["--data", Self.data, "--out", "p.csv"], in: directory)
    #expect(bad.exitCode == 2)
    #expect(bad.standardError.contains("line 1 of its answer to the batch is 'maybe', which is none of the declared classes (<=50K, >50K)"), "\(bad.standardError)")
  }
}
