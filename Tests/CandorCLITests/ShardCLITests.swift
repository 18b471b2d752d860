import CandorCore
import CandorTestSupport
import Foundation
import Testing
import Yams

/// Sharded runs (`--shard-index i --shard-count n --partial-out`) merged by `candor merge` give the unsharded
/// result: the same JSON to 1e-12 (ROC AUC included, which is not a sum of the shards' values), the same
/// Fairlearn reference numbers; parts that do not belong together are refused.
@Suite struct ShardCLITests {
  static let predictions = ["fairness", "--predictions", Fixtures.path("adult_test_predictions.csv"), "--target", "y_true",
                            "--pred-column", "y_pred", "--score-column", "y_score", "--sensitive", "sex", "--sensitive", "race",
                            "--sensitive", "sex,race", "--privileged", "sex=Male", "--gei-alpha", "0.5,2"]

  /// Runs `arguments` whole (whole.json) and as `count` shards merged in reverse order (merged.json).
  static func wholeAndMerged(_ arguments: [String], count: Int, in folder: URL) throws -> (whole: Any, merged: Any, parts: [String]) {
    let whole = try CandorBinary.run(arguments + ["--json", "whole.json"], in: folder)
    try #require(whole.exitCode == 0, "\(whole.standardError)")
    var parts: [String] = []
    for index in 0..<count {
      let part = try CandorBinary.run(arguments + ["--shard-count", "\(count)", "--shard-index", "\(index)", "--partial-out", "part-\(index).json"], in: folder)
      try #require(part.exitCode == 0, "\(part.standardError)")
      #expect(part.standardOutput.hasPrefix("Shard \(index) of \(count): rows ") || part.standardOutput.hasPrefix("Shard \(index) of \(count): positions "))
      parts.append("part-\(index).json")
    }
    let merged = try CandorBinary.run(["merge"] + parts.reversed() + ["--json", "merged.json", "--html", "merged.html"], in: folder)
    try #require(merged.exitCode == 0, "\(merged.standardError)")
    #expect(merged.standardOutput == whole.standardOutput, "the merged text differs")
    func read(_ name: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(name))) }
    return (try read("whole.json"), try read("merged.json"), parts)
  }

  /// Every difference between two JSON values, numbers compared to `tolerance` relative (absolute below 1).
  static func differences(_ a: Any, _ b: Any, path: String = "", tolerance: Double = 1e-12) -> [String] {
    switch (a, b) {
    case let (x as [String: Any], y as [String: Any]):
      guard Set(x.keys) == Set(y.keys) else { return ["\(path): keys \(x.keys.sorted()) vs \(y.keys.sorted())"] }
      return x.keys.sorted().flatMap { differences(x[$0]!, y[$0]!, path: "\(path).\($0)", tolerance: tolerance) }
    case let (x as [Any], y as [Any]):
      guard x.count == y.count else { return ["\(path): \(x.count) vs \(y.count) items"] }
      return zip(x, y).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]", tolerance: tolerance) }
    case let (x as String, y as String):
      return x == y ? [] : ["\(path): \(x) vs \(y)"]
    case let (x as NSNumber, y as NSNumber):
      let (u, v) = (x.doubleValue, y.doubleValue)
      return abs(u - v) <= tolerance * max(1, abs(v)) ? [] : ["\(path): \(u) vs \(v)"]
    default:
      return "\(a)" == "\(b)" ? [] : ["\(path): \(a) vs \(b)"]
    }
  }

  @Test("merged shards give the unsharded JSON and text (bootstrap intervals included), and Fairlearn's numbers",
        arguments: [(2, false, 0), (3, true, 30), (7, false, 30)])
  func mergedEqualsWhole(count: Int, weighted: Bool, replicates: Int) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let extra = (weighted ? ["--weights-column", "weight"] : []) + (replicates > 0 ? ["--bootstrap", "\(replicates)", "--seed", "4"] : [])
    let (whole, merged, parts) = try Self.wholeAndMerged(Self.predictions + extra, count: count, in: folder)
    #expect(Self.differences(merged, whole) == [])
    // Each part records its input's BLAKE3 digest, b3sum's (the blake3 package on PyPI, the reference code's binding).
    let part = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(parts[0]))) as! [String: Any]
    #expect(part["inputs"] as? [[String: String]] == [["flag": "--predictions", "blake3": "b74635378636b6a9829dc7429bf7812060f9edd6fd908bde1dede6f155409ec9"]])
    if replicates > 0 {
      let sets = (merged as! [String: Any])["sensitive_sets"] as! [String: [String: Any]]
      let intervals = try #require(sets["sex|race"]?["intervals"] as? [String: Any])
      #expect((intervals["by_group"] as? [String: Any])?["roc_auc"] != nil && (intervals["disparities"] as? [String: Any])?.count ?? 0 > 10)
    }
    // ROC AUC pairs rows across shards; unweighted, every term is a half-integer and the merge is exact.
    let sets = (merged as! [String: Any])["sensitive_sets"] as! [String: [String: Any]]
    let wholeSets = (whole as! [String: Any])["sensitive_sets"] as! [String: [String: Any]]
    let auc = (sets["sex|race"]!["by_group"] as! [String: [String: Any]])["roc_auc"]!
    let wholeAUC = (wholeSets["sex|race"]!["by_group"] as! [String: [String: Any]])["roc_auc"]!
    for (group, value) in wholeAUC where !weighted {
      #expect(FairnessCLITests.number(auc[group]) == FairnessCLITests.number(value), "\(group)")
    }
    // The merged numbers are Fairlearn's, at the reference's tolerance.
    let reference = (try Fixtures.json("adult_metricframe.json") as! [String: Any])[weighted ? "weighted" : "unweighted"] as! [String: Any]
    var compared = 0
    for (key, expected) in reference["sensitive_feature_sets"] as! [String: [String: Any]] {
      for (metric, value) in expected["overall"] as! [String: Any] {
        #expect(FairnessCLITests.matches((sets[key]!["overall"] as! [String: Any])[metric], value, tolerance: weighted ? 1e-10 : 1e-12), "\(key) \(metric)")
        compared += 1
      }
    }
    #expect(compared > 20)
    let page = try String(contentsOf: folder.appendingPathComponent("merged.html"), encoding: .utf8)
    #expect(page.contains("ROC curves"))
  }

  @Test("a model scored shard by shard; more shards than rows give empty parts that merge; JOB_COMPLETION_INDEX names the shard")
  func modelAndEmptyShards() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var small = "age,sex,income\n"
    for row in 0..<5 { small += "\(20 + 7 * row),\(row % 2 == 0 ? "F" : "M"),\(row % 3 == 0 ? "yes" : "no")\n" }
    try Data(small.utf8).write(to: folder.appendingPathComponent("D.csv"))
    let train = try CandorBinary.run(["train", "--data", "D.csv", "--target", "income", "--out", "m.json"], in: folder)
    try #require(train.exitCode == 0, "\(train.standardError)")
    let arguments = ["fairness", "--model", "m.json", "--data", "D.csv", "--target", "income", "--sensitive", "sex", "--min-group-size", "1"]
    let (whole, merged, _) = try Self.wholeAndMerged(arguments, count: 8, in: folder)
    #expect(Self.differences(merged, whole) == [])
    let indexed = try CandorBinary.run(arguments + ["--shard-count", "8", "--partial-out", "k.json"], in: folder, environment: ["JOB_COMPLETION_INDEX": "3"])
    #expect(indexed.exitCode == 0, "\(indexed.standardError)")
    #expect(try Data(contentsOf: folder.appendingPathComponent("k.json")) == Data(contentsOf: folder.appendingPathComponent("part-3.json")))
  }

  @Test("parts that do not belong together, and shard flags that cannot work, exit 2 and write nothing", arguments: [
    "missing", "twice", "arguments", "data", "version", "count", "garbage", "packed", "huge", "range", "torn", "cells", "notpart", "index", "json", "control", "environment", "alone", "surrogate",
  ])
  func refused(_ kind: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let shard = { (index: Int, count: Int, extra: [String], out: String) throws -> CommandResult in
      try CandorBinary.run(Self.predictions + extra + ["--shard-count", "\(count)", "--shard-index", "\(index)", "--partial-out", out], in: folder)
    }
    for index in 0..<3 { try #require(try shard(index, 3, [], "p\(index).json").exitCode == 0) }
    let result: CommandResult, expected: String
    switch kind {
    case "missing":
      result = try CandorBinary.run(["merge", "p0.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: Shard 1 of 3 is missing: every shard's part is needed.\n"
    case "twice":
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "p1.json", "--json", "m.json"], in: folder)
      expected = "error: Shard 1 is given twice: p1.json and p1.json.\n"
    case "arguments":
      try #require(try shard(1, 3, ["--min-group-size", "5"], "q1.json").exitCode == 0)
      result = try CandorBinary.run(["merge", "p0.json", "q1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p0.json and q1.json are not parts of one run: their command lines differ at argument 20: the end of the line and '--min-group-size'.\n"
    case "data":
      // The same command line over a data file that changed between two shards.
      let original = try String(contentsOfFile: Fixtures.path("adult_test_predictions.csv"), encoding: .utf8)
      let arguments = Self.predictions.map { $0 == Fixtures.path("adult_test_predictions.csv") ? "data.csv" : $0 } + ["--shard-count", "2", "--partial-out"]
      try original.write(to: folder.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
      try #require(try CandorBinary.run(arguments + ["a.json", "--shard-index", "0"], in: folder).exitCode == 0)
      try (original + original.split(separator: "\n").last! + "\n").write(to: folder.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
      try #require(try CandorBinary.run(arguments + ["b.json", "--shard-index", "1"], in: folder).exitCode == 0)
      result = try CandorBinary.run(["merge", "a.json", "b.json", "--json", "m.json"], in: folder)
      expected = "error: a.json and b.json are not parts of one run: they read different --predictions files (BLAKE3 "
    case "version":
      // A part of the format before BLAKE3 (SHA-256 digests), or of a later one.
      let text = try String(contentsOf: folder.appendingPathComponent("p1.json"), encoding: .utf8)
      try #require(text.contains("\"format_version\": 2,"))
      try text.replacingOccurrences(of: "\"format_version\": 2,", with: "\"format_version\": 1,").write(to: folder.appendingPathComponent("p1.json"), atomically: true, encoding: .utf8)
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p1.json is a part of format version 1; this Candor reads version 2 (version 1 parts recorded SHA-256 digests of their inputs, version 2 BLAKE3 ones).\n"
    case "count":
      try #require(try shard(1, 2, [], "h1.json").exitCode == 0)
      result = try CandorBinary.run(["merge", "p0.json", "h1.json", "--json", "m.json"], in: folder)
      expected = "error: p0.json and h1.json are not parts of one run: one is a shard of 3, the other of 2.\n"
    case "garbage":
      let text = try String(contentsOf: folder.appendingPathComponent("p1.json"), encoding: .utf8)
      try text.replacingOccurrences(of: "\"sums\": [", with: "\"sums\": [\"x\", ").write(to: folder.appendingPathComponent("p1.json"), atomically: true, encoding: .utf8)
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p1.json is a damaged part: result.sets[0].groups[0].sums[0] is not what a part holds there.\n"
    case "packed":
      // A score histogram's packed scores cut to 7 bytes (base64 "AAAAAAAAAA==").
      let text = try String(contentsOf: folder.appendingPathComponent("p1.json"), encoding: .utf8)
      let scores = try #require(text.range(of: #""scores": ""#))
      let end = try #require(text[scores.upperBound...].firstIndex(of: "\""))
      try (text[..<scores.upperBound] + "AAAAAAAAAA==" + text[end...]).write(to: folder.appendingPathComponent("p1.json"), atomically: true, encoding: .utf8)
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p1.json is a damaged part: result.sets[0].groups[0].scores.scores is not what a part holds there.\n"
    case "huge":
      // Valid JSON, but an index beyond Int: the message names where.
      let text = try String(contentsOf: folder.appendingPathComponent("p1.json"), encoding: .utf8)
      try #require(text.contains("\"index\": 1,"))
      try text.replacingOccurrences(of: "\"index\": 1,", with: "\"index\": 99999999999999999999,").write(to: folder.appendingPathComponent("p1.json"), atomically: true, encoding: .utf8)
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p1.json is a damaged part: shard.index holds a number that does not fit there (too large, or not whole where a count or an index is).\n"
    case "range":
      // Valid JSON, but a number beyond a double's range.
      let text = try String(contentsOf: folder.appendingPathComponent("p1.json"), encoding: .utf8)
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      let line = try #require(lines.firstIndex { $0.contains("\"index\": 1,") })
      let column = try #require(lines[line].range(of: "1,")).lowerBound.utf16Offset(in: lines[line]) + 1
      try text.replacingOccurrences(of: "\"index\": 1,", with: "\"index\": 1e400,").write(to: folder.appendingPathComponent("p1.json"), atomically: true, encoding: .utf8)
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p1.json is a damaged part: line \(line + 1), column \(column): the number 1e400 is beyond the range of a 64-bit float.\n"
    case "torn":
      let data = try Data(contentsOf: folder.appendingPathComponent("p1.json"))
      try data.prefix(data.count / 2).write(to: folder.appendingPathComponent("p1.json"))
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p1.json is a damaged part: it is not valid JSON (line "
    case "cells":
      // More true positives than the group has rows: well-formed JSON, impossible counts.
      var part = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("p1.json"))) as? [String: Any])
      var body = part["result"] as! [String: Any], sets = body["sets"] as! [[String: Any]]
      var groups = sets[0]["groups"] as! [[String: Any]], sums = groups[0]["sums"] as! [Double]
      sums[2] += 1_000
      groups[0]["sums"] = sums
      sets[0]["groups"] = groups
      body["sets"] = sets
      part["result"] = body
      try JSONSerialization.data(withJSONObject: part).write(to: folder.appendingPathComponent("p1.json"))
      result = try CandorBinary.run(["merge", "p0.json", "p1.json", "p2.json", "--json", "m.json"], in: folder)
      expected = "error: p1.json is a damaged part: a group of sensitive set 1 holds confusion counts that are not a split of its "
    case "notpart":
      result = try CandorBinary.run(["merge", Fixtures.path("adult_metricframe.json"), "--json", "m.json"], in: folder)
      expected = "error: \(Fixtures.path("adult_metricframe.json")) is not a part of a sharded Candor run (a --partial-out file).\n"
    case "index":
      result = try shard(3, 3, [], "x.json")
      expected = "error: --shard-index 3: the shards of --shard-count 3 are numbered 0 to 2."
    case "json":
      result = try shard(0, 3, ["--json", "m.json"], "x.json")
      expected = "error: --json does nothing with --shard-count: a shard writes its part (--partial-out); candor merge writes the result."
    case "control":
      result = try shard(0, 3, ["--control", "race"], "x.json")
      expected = "error: --control does not shard yet: run it unsharded."
    case "environment":
      result = try CandorBinary.run(Self.predictions + ["--shard-count", "3", "--partial-out", "x.json"], in: folder, environment: ["JOB_COMPLETION_INDEX": "7"])
      expected = "error: JOB_COMPLETION_INDEX is '7': the shards of --shard-count 3 are numbered 0 to 2."
    case "surrogate":
      result = try CandorBinary.run(["explain", "--model", "m.json", "--data", "d.csv", "--method", "surrogate", "--shard-count", "2",
                                     "--shard-index", "0", "--partial-out", "x.json"], in: folder)
      expected = "error: --shard-count does nothing with --method surrogate: it applies with --method permutation, shap, kernelshap, treeshap, pdp or ale only."
    default:
      result = try CandorBinary.run(Self.predictions + ["--shard-index", "1", "--partial-out", "x.json"], in: folder)
      expected = "error: --shard-index needs --shard-count (the number of shards)."
    }
    #expect(result.exitCode == 2, "\(kind): \(result.standardError)")
    #expect(result.standardError.hasPrefix(expected), "\(kind): \(result.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.json").path))
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.json").path))
  }

  @Test("shards type their own rows: a column read as numbers by one shard and as text by another is refused at the merge, naming --categorical; with it, the merge is the unsharded run")
  func columnKinds() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var lines = ["y,p,band"]
    for i in 0..<40 { lines.append("\(i % 2),\(i % 3 == 0 ? 1 : 0),\(i < 20 ? "\(i % 4)" : ["young", "old"][i % 2])") }
    try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
    let arguments = ["fairness", "--predictions", "d.csv", "--target", "y", "--pred-column", "p", "--sensitive", "band"]
    for index in 0..<2 {
      try #require(try CandorBinary.run(arguments + ["--shard-count", "2", "--shard-index", "\(index)", "--partial-out", "p\(index).json"], in: folder).exitCode == 0)
    }
    let refused = try CandorBinary.run(["merge", "p0.json", "p1.json", "--json", "m.json"], in: folder)
    #expect(refused.exitCode == 2)
    #expect(refused.standardError == "error: p0.json and p1.json are not parts of one run: column 'band' was read as numbers in the first and as text in the second (each shard types its own rows). Run every shard with --categorical band or --numeric band.\n")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.json").path))
    let declared = arguments + ["--categorical", "band"]
    let (whole, merged, _) = try Self.wholeAndMerged(declared, count: 2, in: folder)
    #expect(Self.differences(whole, merged).isEmpty)
  }

  @Test("a cohort sharded: rows are numbered within the cohort (each shard reads the whole file), and the merge is the unsharded run, bootstrap included")
  func cohort() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = Self.predictions + ["--cohort", "race = White", "--bootstrap", "20"]
    let (whole, merged, _) = try Self.wholeAndMerged(arguments, count: 3, in: folder)
    #expect(Self.differences(whole, merged) == [])
    // The cohort's rows, not the file's 16,281.
    #expect((merged as? [String: Any])?["rows"] as? Int == 13_946)
  }

  @Test("the Kubernetes manifest's command lines, run as its pods run them (4 processes at once, JOB_COMPLETION_INDEX set), merge into the unsharded run")
  func kubernetesManifest() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let manifest = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/kubernetes/candor-fairness-job.yaml"), encoding: .utf8)
    let documents = try Array(Yams.load_all(yaml: manifest)).map { $0 as! [String: Any] }
    func container(_ job: [String: Any]) -> [String: Any] {
      (((job["spec"] as! [String: Any])["template"] as! [String: Any])["spec"] as! [String: Any])["containers"].map { ($0 as! [Any])[0] as! [String: Any] }!
    }
    let spec = documents[0]["spec"] as! [String: Any]
    #expect(spec["completionMode"] as? String == "Indexed")
    let completions = spec["completions"] as! Int
    let shard = container(documents[0]), merge = container(documents[1])
    #expect(shard["command"] as? [String] == ["candor"] && merge["command"] as? [String] == ["sh", "-c"])
    // The pods' volume, here: /work in the test's folder.
    for sub in ["work/data", "work/parts"] { try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true) }
    try FileManager.default.copyItem(atPath: Fixtures.path("adult_test_predictions.csv"), toPath: folder.appendingPathComponent("work/data/predictions.csv").path)
    func local(_ text: String) -> String { text.replacingOccurrences(of: "/work/", with: folder.path + "/work/") }
    let arguments = (shard["args"] as! [String]).map(local)
    let results = DisjointWrites<CommandResult?>(repeating: nil, count: completions)
    DispatchQueue.concurrentPerform(iterations: completions) { index in
      // Kubernetes expands $(JOB_COMPLETION_INDEX) in args from the container's environment.
      results[index] = try? CandorBinary.run(arguments.map { $0.replacingOccurrences(of: "$(JOB_COMPLETION_INDEX)", with: "\(index)") },
                                             environment: ["JOB_COMPLETION_INDEX": "\(index)"])
    }
    for index in 0..<completions { #expect(results[index]?.exitCode == 0, "pod \(index): \(results[index]?.standardError ?? "did not run")") }
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = ["-c", local((merge["args"] as! [String])[0])]
    shell.environment = ProcessInfo.processInfo.environment.merging(["PATH": CandorBinary.url.deletingLastPathComponent().path + ":/usr/bin:/bin"]) { $1 }
    shell.standardOutput = FileHandle.nullDevice
    try shell.run()
    shell.waitUntilExit()
    #expect(shell.terminationStatus == 0)
    let whole = try CandorBinary.run(Array(arguments.prefix { $0 != "--shard-count" }) + ["--json", "whole.json"], in: folder)
    try #require(whole.exitCode == 0, "\(whole.standardError)")
    func read(_ path: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(path))) }
    #expect(Self.differences(try read("work/parts/fairness.json"), try read("whole.json")) == [])
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("work/parts/fairness.html").path))
  }

  @Test("explanations sharded merge into the unsharded run: KernelSHAP sampled (each row's own random stream) and TreeSHAP by explained row, PDP with ICE and ALE by data row",
        arguments: ["kernelshap", "treeshap", "pdp", "ale"])
  func explanations(_ method: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let modelType = method == "treeshap" ? "tree" : "logistic"
    let train = try CandorBinary.run(["train", "--data", Fixtures.sample("german_credit.csv"), "--target", "risk", "--model-type", modelType,
                                      "--out", "m.json"], in: folder)
    try #require(train.exitCode == 0, "\(train.standardError)")
    let shap = ["explain", "--model", "m.json", "--data", Fixtures.sample("german_credit.csv"), "--method", method, "--rows", "3:14", "--seed", "5",
                "--background", "40"] + (method == "kernelshap" ? ["--nsamples", "120", "--group", "money=credit_amount,duration"] : [])
    let effects = ["explain", "--model", "m.json", "--data", Fixtures.sample("german_credit.csv"), "--method", method,
                   "--features", "age,duration" + (method == "pdp" ? ",housing" : "")] + (method == "pdp" ? ["--ice", "--grid-resolution", "7"] : [])
    let arguments = method == "pdp" || method == "ale" ? effects : shap
    let (whole, merged, _) = try Self.wholeAndMerged(arguments, count: method == "ale" ? 3 : 4, in: folder)
    #expect(Self.differences(merged, whole) == [])
    if arguments == effects {
      let curves = (merged as! [String: Any])["features"] as! [String: [String: Any]]
      #expect(curves.count == (method == "pdp" ? 3 : 2))
      if method == "pdp" { #expect((curves["age"]?["individual"] as? [Any])?.count == 1000) }
      return
    }
    let rows = ((merged as! [String: Any])["rows"] as! [[String: Any]]).map { $0["row"] as! Int }
    #expect(rows == Array(3..<14))
    // The merged page shows each explained row's values, from the parts (the merge reads no data).
    let page = try String(contentsOf: folder.appendingPathComponent("merged.html"), encoding: .utf8)
    #expect(page.contains("row 3: ") && page.contains(" = "))
    let unsharded = try CandorBinary.run(arguments + ["--html", "whole.html"], in: folder)
    try #require(unsharded.exitCode == 0)
    #expect(page == (try String(contentsOf: folder.appendingPathComponent("whole.html"), encoding: .utf8)), "the merged page differs from the unsharded one")
  }

  @Test("permutation importance sharded by data row (each repeat's permutation over all rows, the model called on the shard's rows) merges into the unsharded run for every scorer",
        arguments: [("accuracy", 3), ("balanced_accuracy", 2), ("roc_auc", 4), ("log_loss", 5), ("r2", 3), ("mae", 2)])
  func permutation(_ scorer: String, count: Int) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let regression = scorer == "r2" || scorer == "mae"
    let target = regression ? "credit_amount" : "risk"
    let train = try CandorBinary.run(["train", "--data", Fixtures.sample("german_credit.csv"), "--target", target,
                                      "--model-type", regression ? "linear" : "logistic", "--out", "m.json"], in: folder)
    try #require(train.exitCode == 0, "\(train.standardError)")
    let arguments = ["explain", "--model", "m.json", "--data", Fixtures.sample("german_credit.csv"), "--method", "permutation",
                     "--target", target, "--scorer", scorer, "--repeats", "4", "--seed", "11", "--group", "money=duration,age"]
      + (scorer == "log_loss" || scorer == "r2" ? ["--sample-weight", "job"] : [])
    let (whole, merged, parts) = try Self.wholeAndMerged(arguments, count: count, in: folder)
    // An importance is a difference of two scores (MAE in Deutsche Mark, about 2,000), so the sums' order of
    // additions shows at 1e-12 of the score, not of the difference.
    let baseline = abs((whole as! [String: Any])["baseline_score"] as! Double)
    #expect(Self.differences(merged, whole, tolerance: 1e-12 * max(1, baseline)) == [])
    let importances = (merged as! [String: Any])["importances"] as! [String: [String: Any]]
    #expect(importances["money"] != nil && importances.count == 8)
    #expect(importances.values.allSatisfy { ($0["values"] as! [Double]).count == 4 })
    // A part's sums edited out of shape are refused, not trapped on.
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(parts[0]))) as! [String: Any]
    var result = object["result"] as! [String: Any], permutation = result["permutation"] as! [String: Any]
    permutation["class_count"] = 1e18
    (result["permutation"], object["result"]) = (permutation, nil)
    object["result"] = result
    try JSONSerialization.data(withJSONObject: object).write(to: folder.appendingPathComponent("edited.json"))
    let refused = try CandorBinary.run(["merge", "edited.json"] + parts.dropFirst() + ["--json", "out.json"], in: folder)
    #expect(refused.exitCode == 2)
    #expect(refused.standardError.contains("not parts of one run") || refused.standardError.contains("damaged part"), "\(refused.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.json").path))
  }

  @Test("predictions sharded by row merge into the unsharded file and score: a classifier, a regression model, a randomized threshold policy (each row's draw keyed by its number), more shards than rows",
        arguments: ["logistic", "linear", "policy", "tiny"])
  func predictions(_ kind: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    var data = Fixtures.sample("german_credit.csv")
    let target = kind == "linear" ? "credit_amount" : "risk"
    let train = try CandorBinary.run(["train", "--data", data, "--target", target, "--model-type", kind == "linear" ? "linear" : "logistic",
                                      "--out", "m.json"], in: folder)
    try #require(train.exitCode == 0, "\(train.standardError)")
    var model = "m.json"
    if kind == "policy" {
      let fit = try CandorBinary.run(["mitigate", "threshold", "--model", "m.json", "--data", data, "--target", "risk", "--sensitive", "sex",
                                      "--constraint", "demographic_parity", "--out", "policy.json"], in: folder)
      try #require(fit.exitCode == 0, "\(fit.standardError)")
      model = "policy.json"
    }
    if kind == "tiny" {
      let lines = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").prefix(4)
      try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("tiny.csv"), atomically: true, encoding: .utf8)
      data = "tiny.csv"
    }
    let arguments = ["predict", "--model", model, "--data", data, "--target", target, "--seed", "7"]
    let count = kind == "tiny" ? 5 : 3
    let whole = try CandorBinary.run(arguments + ["--out", "whole.csv"], in: folder)
    try #require(whole.exitCode == 0, "\(whole.standardError)")
    var parts: [String] = []
    for index in 0..<count {
      let part = try CandorBinary.run(arguments + ["--shard-count", "\(count)", "--shard-index", "\(index)", "--partial-out", "part-\(index).json"], in: folder)
      try #require(part.exitCode == 0, "\(part.standardError)")
      parts.append("part-\(index).json")
    }
    let merged = try CandorBinary.run(["merge"] + parts.reversed() + ["--out", "merged.csv"], in: folder)
    try #require(merged.exitCode == 0, "\(merged.standardError)")
    #expect(merged.standardOutput == whole.standardOutput.replacingOccurrences(of: "whole.csv", with: "merged.csv"))
    let (a, b) = (try Data(contentsOf: folder.appendingPathComponent("whole.csv")), try Data(contentsOf: folder.appendingPathComponent("merged.csv")))
    #expect(a == b, "the merged predictions differ from the unsharded ones")
    #expect(whole.standardOutput.contains(kind == "linear" ? "R² against 'credit_amount': " : "Accuracy against 'risk': "))
    if kind == "policy" {
      // The draws are random: another seed gives other predictions.
      let other = try CandorBinary.run(["predict", "--model", model, "--data", data, "--seed", "8", "--out", "other.csv"], in: folder)
      #expect(other.exitCode == 0)
      #expect(try Data(contentsOf: folder.appendingPathComponent("other.csv")) != a)
    }
    // The merge needs --out for predictions, and refuses it for other parts.
    let noOut = try CandorBinary.run(["merge"] + parts, in: folder)
    #expect(noOut.exitCode == 2 && noOut.standardError.contains("Parts of candor predict merge into a predictions CSV; give --out FILE.csv."), "\(noOut.standardError)")
    let json = try CandorBinary.run(["merge"] + parts + ["--out", "y.csv", "--json", "x.json"], in: folder)
    #expect(json.exitCode == 2 && json.standardError.contains("--json does nothing with parts of candor predict"), "\(json.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("y.csv").path))
    let shardOut = try CandorBinary.run(arguments + ["--shard-count", "2", "--shard-index", "0", "--partial-out", "p.json", "--out", "x.csv"], in: folder)
    #expect(shardOut.exitCode == 2 && shardOut.standardError.contains("--out does nothing with --shard-count"))
  }

  @Test("a private query sharded: shards spend nothing, the merge noises the added exact sums once and spends once — with the same seed the unsharded answer, on the grid or rounded to it (each row's coin keyed by its number); a cached answer spends nothing; damaged parts refused with the ledger unchanged",
        arguments: ["histogram", "mean", "kinds", "rounded"])
  func privacyQuery(_ statistic: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    if statistic == "kinds" {
      // Each shard types its rows alone: the last shard's 'age' and 'sex' hold text, the others' numbers. A query reads
      // cells alike whatever the kind, so the parts merge into the unsharded answer.
      var lines = ["age,sex"]
      for i in 0..<300 { lines.append(i < 290 ? "\(20 + i % 50),\(i % 2 == 0 ? "1" : "2")" : "unknown,other") }
      try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
    } else {
      try FileManager.default.copyItem(atPath: Fixtures.sample("adult_test.csv"), toPath: folder.appendingPathComponent("d.csv").path)
    }
    for ledger in ["whole.jsonl", "sharded.jsonl"] {
      let made = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", ledger, "--epsilon", "10", "--delta", "1e-5", "--dataset", "d.csv"], in: folder)
      try #require(made.exitCode == 0, "\(made.standardError)")
    }
    // Bounds of 2¹⁶ years put every age on the grid, so no rounding coin decides a sum; "rounded": a variance of
    // bounds 17:90.3, whose centred values and squares are rounded to the grid, each by its row's keyed coin.
    let query = (statistic == "histogram" ? ["--statistic", "histogram", "--column", "race", "--bins", "White,Black,Other"]
                 : statistic == "rounded" ? ["--statistic", "variance", "--column", "age", "--bounds", "17:90.3"]
                                          : ["--statistic", "mean", "--column", "age", "--bounds", "0:65536"])
      + ["--by", "sex", "--levels", statistic == "kinds" ? "1,2,other" : "Male,Female", "--epsilon", "1", "--insecure-seed", "3", "--allow-insecure", "--data", "d.csv"]
    let whole = try CandorBinary.run(["privacy", "query", "--ledger", "whole.jsonl"] + query + ["--json", "whole.json"], in: folder)
    try #require(whole.exitCode == 0, "\(whole.standardError)")
    let ledger = folder.appendingPathComponent("sharded.jsonl")
    let before = try Data(contentsOf: ledger)
    var parts: [String] = []
    for index in 0..<3 {
      let part = try CandorBinary.run(["privacy", "query", "--ledger", "sharded.jsonl"] + query
                                      + ["--shard-count", "3", "--shard-index", "\(index)", "--partial-out", "part-\(index).json"], in: folder)
      try #require(part.exitCode == 0, "\(part.standardError)")
      parts.append("part-\(index).json")
    }
    #expect(try Data(contentsOf: ledger) == before, "a shard changed the ledger")
    // A part edited to a negative count is refused before anything is spent.
    let text = try String(contentsOf: folder.appendingPathComponent(parts[1]), encoding: .utf8)
    let counts = try #require(text.range(of: "\"counts\": ["))
    try (text[..<counts.upperBound] + "-" + text[counts.upperBound...]).write(to: folder.appendingPathComponent("edited.json"), atomically: true, encoding: .utf8)
    let refused = try CandorBinary.run(["merge", parts[0], "edited.json", parts[2], "--json", "x.json"], in: folder)
    #expect(refused.exitCode == 2 && refused.standardError.contains("edited.json is a damaged part"), "\(refused.standardError)")
    let unchanged = try Data(contentsOf: ledger) == before
    #expect(unchanged && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.json").path))
    // Each part records its data's SHA-256 (the ledger's name for it) beside the BLAKE3 every part records: a part
    // whose SHA-256 was changed is refused, naming both parts, with nothing spent.
    let digest = try #require(text.range(of: #""data_sha256": ""#))
    let changed = text[digest.upperBound] == "0" ? "1" : "0"
    try (text[..<digest.upperBound] + changed + text[text.index(after: digest.upperBound)...])
      .write(to: folder.appendingPathComponent("other.json"), atomically: true, encoding: .utf8)
    let other = try CandorBinary.run(["merge", parts[0], "other.json", parts[2], "--json", "x.json"], in: folder)
    #expect(other.exitCode == 2 && other.standardError
      == "error: \(parts[0]) and other.json are not parts of one run: they record different SHA-256 digests of their data.\n", "\(other.standardError)")
    #expect(try Data(contentsOf: ledger) == before && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.json").path))

    let merged = try CandorBinary.run(["merge"] + parts.reversed() + ["--json", "merged.json"], in: folder)
    try #require(merged.exitCode == 0, "\(merged.standardError)")
    func read(_ name: String) throws -> [String: Any] {
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(name))) as! [String: Any]
    }
    let (a, b) = (try read("merged.json"), try read("whole.json"))
    for key in ["answer", "interval_95", "noise", "events", "epsilon", "remaining", "query", "cached", "entry"] {
      #expect(Self.differences(a[key]!, b[key]!) == [], "\(key)")
    }
    #expect(merged.standardOutput == whole.standardOutput)
    let spent = try String(contentsOf: ledger, encoding: .utf8).split(separator: "\n").count
    #expect(spent == 2, "the header and one spend")
    // The same query again is the ledger's answer: nothing spent.
    let again = try CandorBinary.run(["merge"] + parts + ["--json", "again.json"], in: folder)
    let cached = try read("again.json")["cached"] as? Bool
    #expect(again.exitCode == 0 && cached == true)
    #expect(try String(contentsOf: ledger, encoding: .utf8).split(separator: "\n").count == spent)

    let onShard = try CandorBinary.run(["privacy", "query", "--ledger", "sharded.jsonl"] + query
                                       + ["--shard-count", "3", "--shard-index", "0", "--partial-out", "p.json", "--json", "o.json"], in: folder)
    #expect(onShard.exitCode == 2 && onShard.standardError.contains("--json does nothing with --shard-count"))
  }
}
