import CandorTestSupport
import Foundation
import Testing

/// `candor privacy query` on the real Adult sample: the JSON the issue names, a repeat answered from the ledger,
/// and bad input refused with exit 2, nothing written and the ledger as it was.
@Suite struct PrivacyQueryCLITests {
  static let adult = Fixtures.sample("adult_train.csv")

  static func folder(_ extra: [String] = []) throws -> URL {
    let folder = try temporaryDirectory()
    let made = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "l.jsonl", "--epsilon", "2", "--delta", "1e-5", "--dataset", Self.adult] + extra, in: folder)
    #expect(made.exitCode == 0, "\(made.standardError)")
    return folder
  }

  static func query(_ folder: URL, _ arguments: [String]) throws -> CommandResult {
    try CandorBinary.run(["privacy", "query", "--data", Self.adult, "--ledger", "l.jsonl"] + arguments, in: folder)
  }

  @Test("a mean by sex: the JSON keys, an interval per group around its answer, the events and what is left; the same query again is cached and spends nothing")
  func meanByGroup() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = ["--statistic", "mean", "--column", "age", "--by", "sex", "--levels", "Male,Female", "--bounds", "17:90", "--epsilon", "0.5", "--json", "q.json"]
    let first = try Self.query(folder, arguments)
    #expect(first.exitCode == 0, "\(first.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("q.json"))) as! [String: Any]
    for key in ["statistic", "column", "by", "answer", "interval_95", "epsilon", "delta", "mechanism", "cached", "events", "remaining"] {
      #expect(json[key] != nil, "missing \(key)")
    }
    #expect(json["statistic"] as? String == "mean" && json["by"] as? String == "sex" && json["cached"] as? Bool == false && json["mechanism"] as? String == "laplace")
    let answer = json["answer"] as! [String: Double], interval = json["interval_95"] as! [String: [Double]]
    #expect(Set(answer.keys) == ["Male", "Female"])
    for (group, value) in answer { #expect(interval[group]![0] <= value && value <= interval[group]![1] && value > 30 && value < 45) }
    let remaining = json["remaining"] as! [String: Double]
    #expect(remaining["delta"] == 1e-5 && remaining["epsilon"]! > 1.49 && remaining["epsilon"]! < 1.5)
    #expect(first.standardOutput.contains("Spent ε = 0.5 (entry 1)"))
    let ledger = try Data(contentsOf: folder.appendingPathComponent("l.jsonl"))
    let again = try Self.query(folder, arguments)
    #expect(again.exitCode == 0)
    let cached = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("q.json"))) as! [String: Any]
    #expect(cached["cached"] as? Bool == true && cached["answer"] as! [String: Double] == answer)
    #expect(again.standardOutput.contains("Answered from the ledger (entry 1"))
    #expect(try Data(contentsOf: folder.appendingPathComponent("l.jsonl")) == ledger)
  }

  @Test("bad queries exit 2 with a plain message naming the flag and value; nothing is written and the ledger is unchanged",
        arguments: [
          (["--statistic", "mean", "--column", "age", "--bounds", "17:90", "--epsilon", "1.5e-6"], "--epsilon 1.5e-06: it is split among the 2 noisy parts of a mean, and each part's ε must be at least 2⁻²⁰"),
          (["--statistic", "variance", "--column", "age", "--bounds", "0:1e153", "--epsilon", "1"], "--bounds 0:1e+153: a variance squares its values, so its bounds must lie within ±1e100"),
          (["--statistic", "count", "--epsilon", "1", "--bounds", "0:1"], "--bounds 0:1: a count does not use bounds."),
          (["--statistic", "count", "--by", "age", "--levels", "17,17.0", "--epsilon", "1"], "--levels 17,17.0: the two name one number, so a cell would be in both."),
          (["--statistic", "mean", "--column", "age", "--bounds", "90:17", "--epsilon", "1"], "--bounds 90:17: write finite bounds lo:hi with lo below hi."),
          (["--statistic", "mean", "--column", "age", "--epsilon", "1"], "--bounds : a mean needs declared bounds lo:hi"),
          (["--statistic", "mean", "--column", "age", "--bounds", "17:90", "--epsilon", "0"], "--epsilon 0: needs a positive finite number."),
          (["--statistic", "count", "--by", "sex", "--epsilon", "1"], "--levels : the groups to answer for must be declared"),
          (["--statistic", "histogram", "--column", "age", "--epsilon", "1"], "a histogram's bins are declared, not taken from the data"),
          (["--statistic", "median", "--epsilon", "1"], "--statistic median: use one of count, sum, mean, variance, histogram, quantile."),
          (["--statistic", "count", "--epsilon", "1", "--bounds", "1-2"], "--bounds 1-2: write it as lo:hi, e.g. 0:100."),
          (["--statistic", "count", "--epsilon", "1", "--insecure-seed", "3"], "--insecure-seed makes an answer that is not private"),
        ])
  func refused(_ arguments: [String], _ message: String) throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let ledger = try Data(contentsOf: folder.appendingPathComponent("l.jsonl"))
    let result = try Self.query(folder, arguments + ["--json", "q.json"])
    #expect(result.exitCode == 2)
    #expect(result.standardError.contains(message), "\(result.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("q.json").path))
    #expect(try Data(contentsOf: folder.appendingPathComponent("l.jsonl")) == ledger)
  }

  @Test("a query on a ledger for another dataset, and past --max-queries, is refused (exit 2) with the ledger unchanged")
  func otherDatasetAndCap() throws {
    let folder = try Self.folder(["--max-queries", "1"])
    defer { try? FileManager.default.removeItem(at: folder) }
    let other = try CandorBinary.run(["privacy", "query", "--data", Fixtures.sample("adult_test.csv"), "--ledger", "l.jsonl", "--statistic", "count", "--epsilon", "0.1"], in: folder)
    #expect(other.exitCode == 2 && other.standardError.contains("is not the dataset of the ledger l.jsonl"), "\(other.standardError)")
    #expect(try Self.query(folder, ["--statistic", "count", "--epsilon", "0.1"]).exitCode == 0)
    let ledger = try Data(contentsOf: folder.appendingPathComponent("l.jsonl"))
    let capped = try Self.query(folder, ["--statistic", "count", "--epsilon", "0.2"])
    #expect(capped.exitCode == 2 && capped.standardError.contains("The ledger allows 1 released statistic (--max-queries when it was made) and all are used."), "\(capped.standardError)")
    #expect(try Data(contentsOf: folder.appendingPathComponent("l.jsonl")) == ledger)
    #expect(try Self.query(folder, ["--statistic", "count", "--epsilon", "0.1"]).standardOutput.contains("Answered from the ledger"))
  }

  @Test("one-letter paths for the ledger and the JSON work; a text column's mean is answered like any other (its text cells count as missing, and no cell reaches a message)")
  func shortPathsAndTextColumn() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "L", "--epsilon", "2", "--delta", "1e-5", "--dataset", Self.adult], in: folder).exitCode == 0)
    let result = try CandorBinary.run(["privacy", "query", "--data", Self.adult, "--ledger", "L", "--statistic", "mean", "--column", "workclass",
                                       "--bounds", "0:1", "--epsilon", "1", "--json", "o", "--html", "h"], in: folder)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("o"))) as! [String: Any]
    #expect(json["statistic"] as? String == "mean" && json["answer"] is Double)
    #expect(!result.standardOutput.contains("State-gov") && !result.standardError.contains("State-gov"))
    let page = try String(contentsOf: folder.appendingPathComponent("h"), encoding: .utf8)
    #expect(page.contains("The mean of workclass (bounds 0 to 1), released with differential privacy, is ") && !page.contains("State-gov"))
  }

  @Test("--json over the ledger's lock is refused before anything is spent; an output that fails after the spend (--json /dev/full): exit 2 saying the answer is kept; the same query again gives it from the ledger, spending nothing")
  func outputFailsAfterSpend() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = ["--statistic", "count", "--epsilon", "0.5"]
    let lock = try Self.query(folder, arguments + ["--json", "l.jsonl.lock"])
    #expect(lock.exitCode == 2 && lock.standardError.contains("--json l.jsonl.lock is the --ledger file"), "\(lock.standardError)")
    let failed = try Self.query(folder, arguments + ["--json", "/dev/full"])
    #expect(failed.exitCode == 2)
    #expect(failed.standardError.contains("Cannot write /dev/full") && failed.standardError.contains("The answer was spent and is kept in the ledger (entry 1); the same query again gives it without spending."), "\(failed.standardError)")
    let ledger = try Data(contentsOf: folder.appendingPathComponent("l.jsonl"))
    let again = try Self.query(folder, arguments + ["--json", "q.json"])
    #expect(again.exitCode == 0 && again.standardOutput.contains("Answered from the ledger (entry 1"))
    #expect(try Data(contentsOf: folder.appendingPathComponent("l.jsonl")) == ledger)
  }

  @Test("a seeded (--insecure-seed) answer is never given to a private query: the private query draws and spends its own")
  func seededNotServedToPrivate() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let arguments = ["--statistic", "count", "--epsilon", "0.5", "--json", "q.json"]
    #expect(try Self.query(folder, arguments + ["--insecure-seed", "7", "--allow-insecure"]).exitCode == 0)
    let seeded = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("q.json"))) as! [String: Any]
    #expect(seeded["insecure"] as? Bool == true && seeded["entry"] as? Int == 1)
    let secure = try Self.query(folder, arguments)
    #expect(secure.exitCode == 0 && secure.standardOutput.contains("Spent ε = 0.5 (entry 2)"), "\(secure.standardOutput)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("q.json"))) as! [String: Any]
    #expect(json["insecure"] as? Bool == false && json["cached"] as? Bool == false)
    #expect(try Self.query(folder, arguments + ["--insecure-seed", "7", "--allow-insecure"]).standardOutput.contains("Answered from the ledger (entry 1"))
  }
}
