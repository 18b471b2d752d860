import CandorTestSupport
import Foundation
import Testing

/// `candor dp-train` end to end: the JSON a user scripts against, the model file's privacy record, a seeded run
/// that reproduces, the ledger charged before training (and refusing a run it cannot take), and every bad input
/// refused with exit 2 and no file changed.
@Suite struct DPTrainCLITests {
  /// `d.csv` (200 rows: x, g, y), `spec.json` declaring x and g, broken and mismatched specs, a ledger `l.jsonl` of
  /// ε = 1 at δ = 1e-4 for d.csv.
  static func folder() throws -> URL {
    let folder = try temporaryDirectory()
    var rows = "x,g,y\n"
    for i in 0..<200 {
      let x = Double((i * 37) % 101) / 10
      rows += "\(x),\(["a", "b", "c"][i % 3]),\(x > 5 + Double(i % 3) / 2 ? "yes" : "no")\n"
    }
    let files = [
      "d.csv": rows,
      "e.csv": "x,g,y\n1,a,no\n9,b,yes\n",
      "spec.json": #"{"features": [{"name": "x", "kind": "numeric", "mean": 5, "scale": 3}, {"name": "g", "kind": "categorical", "categories": ["a", "b", "c"]}]}"#,
      "badspec.json": "{\"features\": [{\"name\": \"x\", \"kind\": \"numeric\", \"mean\": 5,\n \"scale\": }]}\n",
      "nospec.json": #"{"features": [{"name": "z", "kind": "numeric", "mean": 5, "scale": 1}]}"#,
    ]
    for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
    let made = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "l.jsonl", "--epsilon", "1", "--delta", "1e-4", "--dataset", "d.csv"], in: folder)
    try #require(made.exitCode == 0, "\(made.standardError)")
    return folder
  }

  static let base = ["dp-train", "--data", "d.csv", "--target", "y", "--positive", "yes", "--feature-spec", "spec.json", "--out", "m.json"]
  static let small = ["--batch-size", "20", "--epochs", "2"]

  static func json(_ folder: URL, _ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(name))) as! [String: Any]
  }

  @Test("a seeded run: the JSON keys, its events and ε as privacy epsilon prices them, the model's privacy record, the same bytes twice")
  func seededRun() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = Self.base + Self.small + ["--noise-multiplier", "1", "--delta", "1e-4", "--insecure-seed", "1", "--eval-data", "e.csv", "--json", "r.json", "--html", "r.html"]
    let result = try CandorBinary.run(arguments, in: folder)
    #expect(result.exitCode == 0 && result.standardError == "", "\(result.standardError)")
    #expect(result.standardOutput.hasPrefix("NOT PRIVATE: insecure seed 1: reproducible and NOT private.\nDP-SGD logistic: 20 steps, Poisson sampling rate 0.1 (expected batch 20; batches "))
    let html = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
    #expect(html.contains("This logistic model is NOT private") && html.contains("aria-label=\"ε after each step of the run\""))
    let report = try Self.json(folder, "r.json")
    #expect(Set(report.keys).isSuperset(of: ["epsilon_spent", "delta", "noise_multiplier", "steps", "sampling_rate", "clip", "test_accuracy", "events", "private", "preprocessing", "batches"]))
    #expect(report["steps"] as? Int == 20 && report["sampling_rate"] as? Double == 0.1 && report["clip"] as? Double == 1)
    #expect(report["noise_multiplier"] as? Double == 1 && report["delta"] as? Double == 1e-4 && report["private"] as? Bool == false)
    #expect(report["preprocessing"] as? String == "declared in spec.json (read nothing from the private data)")
    let accuracy = try #require(report["test_accuracy"] as? Double)
    #expect([0, 0.5, 1].contains(accuracy))
    // The run's ε is what privacy epsilon says of the same event.
    try JSONSerialization.data(withJSONObject: report["events"]!).write(to: folder.appendingPathComponent("ev.json"))
    let priced = try CandorBinary.run(["privacy", "epsilon", "--events", "ev.json", "--delta", "1e-4", "--json", "p.json"], in: folder)
    #expect(priced.exitCode == 0)
    let epsilon = try Self.json(folder, "p.json")["epsilon"] as! Double
    #expect((report["epsilon_spent"] as! [String: Double])["rdp"] == epsilon)
    #expect(abs(epsilon - 3.49215) < 1e-5)
    let batches = report["batches"] as! [String: Any]
    #expect(batches["expected"] as? Double == 20 && (batches["smallest"] as! Int) <= (batches["largest"] as! Int))
    let model = try Self.json(folder, "m.json")
    let privacy = try #require(model["privacy"] as? [String: Any])
    #expect(privacy["insecure_seed"] as? Int == 1 && privacy["noise_multiplier"] as? Double == 1 && privacy["steps"] as? Int == 20)
    #expect(privacy["sampling"] as? String == "poisson" && privacy["expected_batch_size"] as? Double == 20)
    // Seeded: the same model twice; the model scores data like any other.
    let first = try Data(contentsOf: folder.appendingPathComponent("m.json"))
    #expect(try CandorBinary.run(arguments.map { $0 == "m.json" ? "m2.json" : $0 == "r.json" ? "r2.json" : $0 == "r.html" ? "r2.html" : $0 }, in: folder).exitCode == 0)
    #expect(try Data(contentsOf: folder.appendingPathComponent("m2.json")) == first)
    let predicted = try CandorBinary.run(["predict", "--model", "m.json", "--data", "e.csv", "--out", "p.csv"], in: folder)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
  }

  @Test("a private run differs every time; without --feature-spec the output warns that preprocessing is not covered")
  func privateRun() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = ["dp-train", "--data", "d.csv", "--target", "y", "--positive", "yes"] + Self.small + ["--epsilon", "2", "--delta", "1e-4", "--json", "r.json"]
    let one = try CandorBinary.run(arguments + ["--out", "a.json"], in: folder)
    #expect(one.exitCode == 0)
    #expect(one.standardError == "warning: The encoder's means, scales and categories come from the private data (d.csv) and are not covered by the privacy guarantee; declare them with --feature-spec.\n")
    let report = try Self.json(folder, "r.json")
    #expect(report["private"] as? Bool == true && (report["epsilon_spent"] as! [String: Double])["rdp"]! <= 2)
    #expect(report["target_epsilon"] as? Double == 2)
    #expect((report["preprocessing"] as! String).contains("NOT covered by the privacy guarantee"))
    #expect(try CandorBinary.run(arguments + ["--out", "b.json"], in: folder).exitCode == 0)
    let a = try Self.json(folder, "a.json")["parameters"] as! [String: Any], b = try Self.json(folder, "b.json")["parameters"] as! [String: Any]
    #expect(NSDictionary(dictionary: a) != NSDictionary(dictionary: b))
  }

  @Test("a run whose ε is infinite (σ = 1e-300) trains but warns that the model has no privacy guarantee")
  func infiniteEpsilon() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try CandorBinary.run(Self.base + Self.small + ["--noise-multiplier", "1e-300", "--delta", "1e-4", "--insecure-seed", "1"], in: folder)
    #expect(result.exitCode == 0)
    #expect(result.standardError.contains("warning: This run's ε is infinite at δ = 0.0001 (noise multiplier 1e-300): the model it trains has no privacy guarantee.\n"))
  }

  @Test("--calibrate-with pld meets the target under PLD: less noise than RDP's calibration, PLD's ε at most the target, RDP's above it")
  func pldCalibration() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = Self.base + Self.small + ["--epsilon", "2", "--delta", "1e-4", "--insecure-seed", "3"]
    #expect(try CandorBinary.run(arguments + ["--json", "rdp.json"], in: folder).exitCode == 0)
    let result = try CandorBinary.run(arguments + ["--calibrate-with", "pld", "--json", "pld.json"], in: folder)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let rdp = try Self.json(folder, "rdp.json"), pld = try Self.json(folder, "pld.json")
    let spent = pld["epsilon_spent"] as! [String: Double]
    #expect(pld["calibrated_with"] as? String == "pld" && rdp["calibrated_with"] as? String == "rdp")
    #expect((pld["noise_multiplier"] as! Double) < (rdp["noise_multiplier"] as! Double))
    #expect(spent["pld"]! <= 2 && spent["rdp"]! > 2)
    #expect(result.standardOutput.contains("(calibrated for ε ≤ 2 under PLD)") && result.standardOutput.contains("(PLD, the tightest accountant; RDP "))
  }

  @Test("the ledger is charged before training; a run past the budget is refused, ledger and folder unchanged, with the noise that would fit")
  func ledgerRefusal() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let fits = try CandorBinary.run(Self.base + Self.small + ["--noise-multiplier", "3", "--ledger", "l.jsonl", "--note", "first"], in: folder)
    #expect(fits.exitCode == 0, "\(fits.standardError)")
    let ledger = try String(contentsOf: folder.appendingPathComponent("l.jsonl"), encoding: .utf8).split(separator: "\n")
    #expect(ledger.count == 2 && ledger[1].contains(#""command":"dp-train""#) && ledger[1].contains(#""note":"first""#))
    try FileManager.default.removeItem(at: folder.appendingPathComponent("m.json"))
    try RefusalCase(
      name: "over budget", arguments: Self.base + Self.small + ["--noise-multiplier", "1", "--ledger", "l.jsonl"],
      message: "error: The privacy budget is ε = 1 at δ = 0.0001: 0.495613 is spent, and this spend (ε = 2.87772 alone) would bring it to 2.92677. Nothing was spent, nothing trained. The same run fits with --noise-multiplier 2.00863 or more (ε = 0.861263 alone, the largest that fits).\n"
    ).expectRefused(in: folder)
    // The noise the message names fits.
    let suggested = try CandorBinary.run(Self.base + Self.small + ["--noise-multiplier", "2.00863", "--ledger", "l.jsonl"], in: folder)
    #expect(suggested.exitCode == 0, "\(suggested.standardError)")
    let insecure = try CandorBinary.run(Self.base + Self.small + ["--noise-multiplier", "1000", "--ledger", "l.jsonl", "--insecure-seed", "2", "--allow-insecure", "--out", "i.json"], in: folder)
    #expect(insecure.exitCode == 0, "\(insecure.standardError)")
    let last = try String(contentsOf: folder.appendingPathComponent("l.jsonl"), encoding: .utf8).split(separator: "\n").last!
    #expect(last.contains(#""command":"dp-train --insecure-seed 2 (NOT private)""#))
  }

  static let usage = " Run 'candor dp-train --help' for usage.\n"
  static let withDelta = base + ["--delta", "1e-4"]

  static let refusals: [RefusalCase] = [
    RefusalCase(name: "σ = 0", arguments: withDelta + ["--noise-multiplier", "0"], message: "error: --noise-multiplier 0: needs a positive finite number.\n"),
    RefusalCase(name: "σ < 0", arguments: withDelta + ["--noise-multiplier", "-1"], message: "error: --noise-multiplier -1: needs a positive finite number.\n"),
    RefusalCase(name: "neither σ nor ε", arguments: withDelta,
                message: "error: Give --noise-multiplier (the noise) or --epsilon (a target to calibrate the noise for), one of the two." + usage),
    RefusalCase(name: "both σ and ε", arguments: withDelta + ["--noise-multiplier", "1", "--epsilon", "1"],
                message: "error: Give --noise-multiplier (the noise) or --epsilon (a target to calibrate the noise for), one of the two." + usage),
    RefusalCase(name: "no δ and no ledger", arguments: base + ["--noise-multiplier", "1"],
                message: "error: Give --delta (the run's delta, below 1/n), or a --ledger whose delta is used." + usage),
    RefusalCase(name: "δ ≥ 1/n", arguments: base + ["--noise-multiplier", "1", "--delta", "0.01"],
                message: "error: --delta 0.01 is at least 1/n for the dataset's 200 records: a mechanism could then publish a record outright and still meet it. Choose δ well below 1/n, or pass --allow-large-delta to accept it.\n"),
    RefusalCase(name: "q > 1 (a batch larger than the data)", arguments: withDelta + ["--noise-multiplier", "1", "--batch-size", "500"],
                message: "error: --batch-size 500: the expected batch size must be above 0 and at most the 200 training rows.\n"),
    RefusalCase(name: "clip 0", arguments: withDelta + small + ["--noise-multiplier", "1", "--clip", "0"], message: "error: --clip 0: needs a positive finite number.\n"),
    RefusalCase(name: "momentum 1", arguments: withDelta + small + ["--noise-multiplier", "1", "--momentum", "1"],
                message: "error: --momentum 1: momentum must be at least 0 and below 1.\n"),
    RefusalCase(name: "an unreachable target ε", arguments: withDelta + ["--batch-size", "200", "--epochs", "1000000", "--epsilon", "1e-300"],
                message: "error: No noise multiplier up to 1000000 reaches ε = 1e-300 at δ = 0.0001 (ε is 0.001762593359384267 there); ask for a larger ε or fewer steps.\n"),
    RefusalCase(name: "an insecure seed spending from a ledger", arguments: base + small + ["--noise-multiplier", "1", "--ledger", "l.jsonl", "--insecure-seed", "3"],
                message: "error: --insecure-seed makes a run that is not private (anyone with the seed can remove the noise), so it spends nothing real from --ledger; add --allow-insecure to record it there anyway, or drop --insecure-seed." + usage),
    RefusalCase(name: "a ledger for another dataset", arguments: ["dp-train", "--data", "e.csv", "--target", "y", "--feature-spec", "spec.json", "--out", "m.json", "--batch-size", "1", "--noise-multiplier", "1", "--ledger", "l.jsonl"],
                message: "error: e.csv is not the dataset of the ledger l.jsonl: its SHA-256 is 2a8c2d573443ee8f1f02acf3c22814910afcdd3bec5c8629fe89f98395f72b9e, the ledger's is LEDGER.\n"),
    RefusalCase(name: "linear models are not DP-trained", arguments: withDelta + ["--noise-multiplier", "1", "--model-type", "linear"],
                message: "error: --model-type linear: dp-train trains logistic or mlp." + usage),
    RefusalCase(name: "a feature spec that is not JSON", arguments: withDelta + ["--noise-multiplier", "1", "--feature-spec", "badspec.json"],
                message: "error: The feature spec badspec.json cannot be used: it is not valid JSON (line 2, column 11).\n"),
    RefusalCase(name: "a feature spec naming a column the data lacks", arguments: withDelta + ["--noise-multiplier", "1", "--feature-spec", "nospec.json"],
                message: "error: The feature spec nospec.json cannot be used: it declares the feature 'z', which d.csv does not have (its columns: x, g, y).\n"),
    RefusalCase(name: "a feature spec with --drop", arguments: withDelta + ["--noise-multiplier", "1", "--drop", "g"],
                message: "error: --feature-spec declares the features; --features and --drop do nothing with it." + usage),
  ]

  @Test("bad input exits 2 with the message that names it, and changes no file", arguments: refusals)
  func refused(_ testCase: RefusalCase) throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let digest = try Self.ledgerDigest(folder)
    try RefusalCase(name: testCase.name, arguments: testCase.arguments, message: testCase.message.replacingOccurrences(of: "LEDGER", with: digest))
      .expectRefused(in: folder)
  }

  static func ledgerDigest(_ folder: URL) throws -> String {
    let header = try String(contentsOf: folder.appendingPathComponent("l.jsonl"), encoding: .utf8).split(separator: "\n")[0]
    let object = try JSONSerialization.jsonObject(with: Data(header.utf8)) as! [String: Any]
    return (object["dataset"] as! [String: Any])["sha256"] as! String
  }

  @Test("a hand-edited ledger is refused before training")
  func corruptLedger() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("l.jsonl"))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("{\"x\":1}\n".utf8))
    try handle.close()
    try RefusalCase(name: "corrupt", arguments: Self.base + Self.small + ["--noise-multiplier", "3", "--ledger", "l.jsonl"],
                    message: "error: l.jsonl line 2 is not a valid privacy ledger line: it is not a ledger entry. The ledger is refused; nothing was spent.\n")
      .expectRefused(in: folder)
  }
}
