import CandorTestSupport
import Foundation
import Testing

/// `candor privacy audit` on real Adult rows and real models trained by Candor: the laws the issue names — no
/// leakage found in a model that saw neither set, real leakage in an overfitted one, and an audited ε that never
/// exceeds a DP-SGD model's accounted ε — and bad input refused.
@Suite(.serialized) struct PrivacyAuditCLITests {
  /// members: the first 500 Adult training rows; non-members: 500 test rows; other: 2,000 training rows neither holds.
  static func folder() throws -> URL {
    let folder = try temporaryDirectory()
    let train = try String(contentsOfFile: Fixtures.sample("adult_train.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    let test = try String(contentsOfFile: Fixtures.sample("adult_test.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    func write(_ name: String, _ lines: ArraySlice<Substring>, header: Substring) throws {
      try ([header] + lines).joined(separator: "\n").appending("\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    try write("members.csv", train[1...500], header: train[0])
    try write("non.csv", test[1001...1500], header: test[0])
    try write("other.csv", train[5001...7000], header: train[0])
    return folder
  }

  static func audit(_ folder: URL, _ model: String, _ extra: [String] = []) throws -> [String: Any] {
    let done = try CandorBinary.run(["privacy", "audit", "--model", model, "--members", "members.csv", "--non-members", "non.csv", "--target", "income", "--json", "a.json"] + extra, in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    return try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("a.json"))) as! [String: Any]
  }

  @Test("the laws: a model that saw neither set shows AUC ≈ 0.5 within its interval and proves nothing; an MLP overfitted on the 500 members leaks (AUC interval above 0.5)")
  func leakage() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try CandorBinary.run(["train", "--data", "other.csv", "--target", "income", "--out", "unseen.json"], in: folder).exitCode == 0)
    let unseen = try Self.audit(folder, "unseen.json")
    let interval = unseen["auc_interval"] as! [Double]
    #expect(interval[0] <= 0.5 && 0.5 <= interval[1], "\(interval)")
    #expect(unseen["epsilon_lower_bound"] as? Double == 0)
    for key in ["attack", "members", "non_members", "auc", "balanced_accuracy", "tpr_at_fpr", "top_records", "roc"] { #expect(unseen[key] != nil, "missing \(key)") }
    #expect((unseen["tpr_at_fpr"] as! [String: Any]).keys.sorted() == ["0.001", "0.01"])
    #expect(try CandorBinary.run(["train", "--data", "members.csv", "--target", "income", "--model-type", "mlp", "--hidden", "128,64", "--epochs", "2000", "--out", "overfit.json"], in: folder).exitCode == 0)
    let overfit = try Self.audit(folder, "overfit.json")
    #expect((overfit["auc_interval"] as! [Double])[0] > 0.5 && (overfit["balanced_accuracy"] as! Double) > 0.55, "\(overfit["auc_interval"]!)")
  }

  @Test("DP-SGD models at ε = 1 and 4 (two seeds each): the audited ε lower bound (at the model's own δ) never exceeds the accounted ε, which the JSON and the page give", arguments: [("1", 1), ("4", 2), ("1", 3), ("4", 4)])
  func auditedBelowAccounted(_ epsilon: String, _ seed: Int) throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let trained = try CandorBinary.run(["dp-train", "--data", "members.csv", "--target", "income", "--feature-spec", Fixtures.sample("adult_feature_spec.json"),
                                         "--epsilon", epsilon, "--delta", "1e-5", "--epochs", "20", "--batch-size", "50", "--insecure-seed", "\(seed)", "--out", "dp.json"], in: folder)
    #expect(trained.exitCode == 0, "\(trained.standardError)")
    let audit = try Self.audit(folder, "dp.json", ["--html", "a.html"])
    let accounted = try #require(audit["accounted_epsilon"] as? Double)
    #expect(audit["delta"] as? Double == 1e-5 && accounted <= Double(epsilon)!)
    #expect((audit["epsilon_lower_bound"] as! Double) <= accounted, "\(audit["epsilon_lower_bound"]!)")
    let page = try String(contentsOf: folder.appendingPathComponent("a.html"), encoding: .utf8)
    #expect(page.contains("its training accounted for.") && page.contains("aria-label=\"ROC, log–log\""))
  }

  @Test("bad input exits 2 naming the problem: other columns, shared rows (how many), an unknown label (by its own file and line, LiRA too), an unknown attack, an odd number of shadows, shadow options without LiRA or for a non-MLP, a device output that fails (no other output left)")
  func refused() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try CandorBinary.run(["train", "--data", "other.csv", "--target", "income", "--out", "m.json"], in: folder).exitCode == 0)
    let members = try String(contentsOf: folder.appendingPathComponent("members.csv"), encoding: .utf8)
    let lines = members.split(separator: "\n")
    try (lines.prefix(1) + lines[1...30]).joined(separator: "\n").appending("\n").write(to: folder.appendingPathComponent("shared.csv"), atomically: true, encoding: .utf8)
    try members.replacingOccurrences(of: "<=50K", with: "low").write(to: folder.appendingPathComponent("relabelled.csv"), atomically: true, encoding: .utf8)
    try String(contentsOf: folder.appendingPathComponent("non.csv"), encoding: .utf8).replacingOccurrences(of: "<=50K", with: "low")
      .write(to: folder.appendingPathComponent("relabelled_non.csv"), atomically: true, encoding: .utf8)
    try "age,income\n30,<=50K\n".write(to: folder.appendingPathComponent("narrow.csv"), atomically: true, encoding: .utf8)
    for (members, non, extra, message) in [
      ("members.csv", "shared.csv", [String](), "30 of its rows also appear among the members"),
      ("members.csv", "narrow.csv", [], "its columns differ from the members'"),
      ("relabelled.csv", "non.csv", [], "--target income: line 2 of relabelled.csv holds 'low'; the model's classes are <=50K, >50K."),
      ("members.csv", "relabelled_non.csv", ["--attack", "lira"], "--target income: line 2 of relabelled_non.csv holds 'low'; the model's classes are <=50K, >50K."),
      ("members.csv", "non.csv", ["--attack", "lira", "--epochs", "5"], "--epochs does nothing here: it is for MLP shadows, and m.json is a logistic model."),
      ("members.csv", "non.csv", ["--html", "a.html", "--json", "/dev/full"], "Cannot write /dev/full"),
      ("members.csv", "non.csv", ["--attack", "shadow"], "--attack shadow: use loss, lira or lira-offline."),
      ("members.csv", "non.csv", ["--attack", "lira", "--shadow-models", "3"], "--shadow-models 3: give an even number from 2 to 1024"),
      ("members.csv", "non.csv", ["--epochs", "30"], "--epochs does nothing with --attack loss: it applies with --attack lira or lira-offline only."),
      ("members.csv", "shared.csv", ["--attack", "lira"], "30 of its rows also appear among the members"),
    ] {
      let done = try CandorBinary.run(["privacy", "audit", "--model", "m.json", "--members", members, "--non-members", non, "--target", "income", "--json", "a.json"] + extra, in: folder)
      #expect(done.exitCode == 2 && done.standardError.contains(message), "\(done.standardError)")
      #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("a.json").path))
      #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("a.html").path))
    }
  }

  @Test("LiRA finds the overfitted MLP's leakage the loss attack misses at low FPR (TPR at 1 % FPR above 1 %, AUC interval above 0.5 and above the loss attack's AUC), the same seed gives the same audit, and the same architecture under DP-SGD at ε = 1 shows none")
  func likelihoodRatio() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try CandorBinary.run(["train", "--data", "members.csv", "--target", "income", "--model-type", "mlp", "--hidden", "128,64", "--epochs", "2000", "--out", "overfit.json"], in: folder).exitCode == 0)
    let loss = try Self.audit(folder, "overfit.json")
    let shadows = ["--attack", "lira", "--shadow-models", "4", "--epochs", "2000"]
    let lira = try Self.audit(folder, "overfit.json", shadows)
    #expect(lira["attack"] as? String == "lira" && lira["shadow_models"] as? Int == 4 && lira["note"] == nil)
    let atOnePercent = (lira["tpr_at_fpr"] as! [String: [String: Any]])["0.01"]!
    #expect((atOnePercent["tpr"] as! Double) > 0.01 && (atOnePercent["fpr"] as! Double) <= 0.01, "\(atOnePercent)")
    #expect((lira["auc_interval"] as! [Double])[0] > 0.5 && (lira["auc"] as! Double) > (loss["auc"] as! Double), "\(lira["auc"]!) vs \(loss["auc"]!)")
    #expect((lira["epsilon_lower_bound"] as! Double) > 0)
    let again = try Self.audit(folder, "overfit.json", shadows)
    #expect(again["auc"] as? Double == lira["auc"] as? Double && (again["top_records"] as! [[String: Any]]).map { $0["row"] as! Int } == (lira["top_records"] as! [[String: Any]]).map { $0["row"] as! Int })
    let offline = try Self.audit(folder, "overfit.json", ["--attack", "lira-offline", "--shadow-models", "4", "--epochs", "2000"])
    #expect(offline["attack"] as? String == "lira-offline" && (offline["auc_interval"] as! [Double])[0] > 0.5)
    let trained = try CandorBinary.run(["dp-train", "--data", "members.csv", "--target", "income", "--feature-spec", Fixtures.sample("adult_feature_spec.json"), "--model-type", "mlp",
                                         "--hidden", "128,64", "--epsilon", "1", "--delta", "1e-5", "--epochs", "20", "--batch-size", "50", "--insecure-seed", "1", "--out", "dp.json"], in: folder)
    #expect(trained.exitCode == 0, "\(trained.standardError)")
    let dp = try Self.audit(folder, "dp.json", ["--attack", "lira", "--shadow-models", "4", "--epochs", "20", "--delta", "1e-5"])
    let interval = dp["auc_interval"] as! [Double]
    #expect(interval[0] <= 0.5 && 0.5 <= interval[1] && (dp["epsilon_lower_bound"] as! Double) <= 1, "\(interval)")
  }

  @Test("LiRA on a model Candor cannot retrain (a threshold policy) runs the loss attack instead and says so, exit 0")
  func likelihoodRatioFallsBack() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try CandorBinary.run(["train", "--data", "members.csv", "--target", "income", "--out", "m.json"], in: folder).exitCode == 0)
    #expect(try CandorBinary.run(["mitigate", "threshold", "--model", "m.json", "--data", "members.csv", "--target", "income", "--sensitive", "sex",
                                  "--constraint", "demographic_parity", "--out", "policy.json"], in: folder).exitCode == 0)
    let done = try CandorBinary.run(["privacy", "audit", "--model", "policy.json", "--members", "members.csv", "--non-members", "non.csv", "--target", "income",
                                     "--attack", "lira", "--json", "a.json"], in: folder)
    #expect(done.exitCode == 0, "\(done.standardError)")
    let said = "LiRA needs shadow models Candor can train like this one, but a threshold policy is post-processing of another model, which Candor cannot retrain from it; the loss-threshold attack was run instead."
    #expect(done.standardError.contains(said) && done.standardOutput.hasPrefix("Loss-threshold attack, 500 members"))
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("a.json"))) as! [String: Any]
    #expect(json["attack"] as? String == "loss" && json["note"] as? String == said && json["shadow_models"] == nil)
  }

  @Test("dp-train --audit-canaries at ε = 1 and 4 (two seeds each): the one-run audit's ε lower bound never exceeds the accounted ε", arguments: [("1", 11), ("4", 12), ("1", 13), ("4", 14)])
  func oneRunBelowAccounted(_ epsilon: String, _ seed: Int) throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let trained = try CandorBinary.run(["dp-train", "--data", "other.csv", "--target", "income", "--feature-spec", Fixtures.sample("adult_feature_spec.json"), "--epsilon", epsilon,
                                         "--delta", "1e-5", "--epochs", "20", "--batch-size", "50", "--insecure-seed", "\(seed)", "--audit-canaries", "500", "--json", "r.json", "--out", "dp.json"], in: folder)
    #expect(trained.exitCode == 0, "\(trained.standardError)")
    let audit = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any]
    let one = audit["audit"] as! [String: Any]
    #expect(one["canaries"] as? Int == 500 && (one["readings"] as! [Any]).count == 6 && one["confidence"] as? Double == 0.95)
    let accounted = one["accounted_epsilon"] as! Double
    #expect(accounted <= Double(epsilon)! && (one["epsilon_lower_bound"] as! Double) <= accounted, "\(one)")
    #expect(trained.standardOutput.contains("One-run audit: 500 canaries ("))
  }

  @Test("the one-run audit finds what a nearly noiseless run leaks: an MLP trained with σ = 0.05 proves ε above 0.5; bad canary counts exit 2 with nothing written")
  func oneRunFindsLeakage() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = ["dp-train", "--data", "members.csv", "--target", "income", "--feature-spec", Fixtures.sample("adult_feature_spec.json"), "--noise-multiplier", "0.05",
                     "--delta", "1e-5", "--model-type", "mlp", "--hidden", "128,64", "--epochs", "200", "--batch-size", "50", "--optimizer", "adam",
                     "--learning-rate", "0.005", "--clip", "10", "--insecure-seed", "3", "--json", "r.json", "--out", "dp.json"]
    let trained = try CandorBinary.run(arguments + ["--audit-canaries", "250"], in: folder)
    #expect(trained.exitCode == 0, "\(trained.standardError)")
    let one = (try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r.json"))) as! [String: Any])["audit"] as! [String: Any]
    #expect((one["epsilon_lower_bound"] as! Double) > 0.5, "\(one)")
    try FileManager.default.removeItem(at: folder.appendingPathComponent("r.json"))
    for count in ["1", "500"] {
      let refused = try CandorBinary.run(arguments + ["--audit-canaries", count], in: folder)
      #expect(refused.exitCode == 2 && refused.standardError.contains("--audit-canaries \(count): the canaries are made from training rows"), "\(refused.standardError)")
      #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.json").path))
    }
  }

  @Test("dp-train whose output fails after the ledger was charged (--out /dev/full) exits 2 saying the spend stands, and leaves no other output")
  func dpTrainOutputFailsAfterCharge() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "L", "--epsilon", "3", "--delta", "1e-5", "--dataset", "other.csv"], in: folder).exitCode == 0)
    let failed = try CandorBinary.run(["dp-train", "--data", "other.csv", "--target", "income", "--feature-spec", Fixtures.sample("adult_feature_spec.json"), "--epsilon", "0.5",
                                        "--ledger", "L", "--epochs", "2", "--out", "/dev/full", "--html", "p.html"], in: folder)
    #expect(failed.exitCode == 2)
    #expect(failed.standardError.contains("Cannot write /dev/full") && failed.standardError.contains("The run was charged to the ledger L (entry 1) before training; that spend stands."), "\(failed.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("p.html").path))
  }
}
