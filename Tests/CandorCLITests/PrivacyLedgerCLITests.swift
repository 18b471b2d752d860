import CandorTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `candor privacy ledger init / show / verify` and `candor privacy spend` against real files and real processes:
/// the refusal leaves the ledger's bytes as they were, a kill -9 at any moment leaves a ledger that reads, and two
/// runs started together cannot both spend the last of the budget.
@Suite struct PrivacyLedgerCLITests {
  static let run = #"{"type": "SelfComposedDpEvent", "count": 1272, "event": {"type": "PoissonSampledDpEvent", "sampling_probability": 0.007862166395380977, "event": {"type": "GaussianDpEvent", "noise_multiplier": 1.38016}}}"#
  static let data = "a,b\n1,2\n3,4\n5,6\n7,8\n"

  /// A folder with the data, the run's events and a ledger of `epsilon` for the data.
  static func folder(epsilon: String) throws -> URL {
    let folder = try temporaryDirectory()
    try Data(Self.data.utf8).write(to: folder.appendingPathComponent("d.csv"))
    try Data(Self.run.utf8).write(to: folder.appendingPathComponent("run.json"))
    // Four records: δ must stay below 1/4.
    let made = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "l.jsonl", "--epsilon", epsilon, "--delta", "1e-5", "--dataset", "d.csv"], in: folder)
    #expect(made.exitCode == 0, "\(made.standardError)")
    return folder
  }

  static func spend(_ folder: URL, note: String = "") throws -> CommandResult {
    try CandorBinary.run(["privacy", "spend", "--ledger", "l.jsonl", "--events", "run.json", "--note", note], in: folder)
  }

  /// A spend as a process not yet started, its output discarded.
  static func spendProcess(_ folder: URL, note: String) -> Process {
    let process = Process()
    process.executableURL = CandorBinary.url
    process.arguments = ["privacy", "spend", "--ledger", "l.jsonl", "--events", "run.json", "--note", note]
    process.currentDirectoryURL = folder
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    return process
  }

  static func ledger(_ folder: URL) throws -> Data { try Data(contentsOf: folder.appendingPathComponent("l.jsonl")) }

  @Test("a budget workflow: spends compose, show lists them, the spend past the budget is refused with the ledger unchanged")
  func workflow() throws {
    let folder = try Self.folder(epsilon: "3")
    defer { try? FileManager.default.removeItem(at: folder) }
    var outputs: [String] = []
    // Under PLD, the tightest accountant here, nine runs of ε ≈ 0.90 fit in ε = 3 (RDP would stop at seven).
    for k in 1...9 {
      let result = try Self.spend(folder, note: "run \(k)")
      #expect(result.exitCode == 0, "\(result.standardError)")
      outputs.append(result.standardOutput)
    }
    #expect(outputs[0] == "Spent (entry 1): the ledger is at ε = 0.903742 of 3 at δ = 1e-05; at most ε = 2.09626 left.\n")
    #expect(outputs[3] == "Spent (entry 4): the ledger is at ε = 1.89042 of 3 at δ = 1e-05; at most ε = 1.10958 left.\n")
    let before = try Self.ledger(folder)
    let refused = try Self.spend(folder, note: "one too many")
    #expect(refused.exitCode == 2)
    #expect(refused.standardError == "error: The privacy budget is ε = 3 at δ = 1e-05: 2.95335 is spent, and this spend (ε = 0.903742 alone) would bring it to 3.13231. Nothing was spent; at most ε = 0.0466468 is left.\n")
    #expect(try Self.ledger(folder) == before)
    let shown = try CandorBinary.run(["privacy", "ledger", "show", "--ledger", "l.jsonl", "--json", "s.json", "--html", "s.html"], in: folder)
    #expect(shown.exitCode == 0)
    let page = try String(contentsOf: folder.appendingPathComponent("s.html"), encoding: .utf8)
    #expect(page.contains("2.95335 of the budget ε = 3 (δ = 1e-05) is spent by 9 spends; at most ε = 0.0466468 is left."))
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("s.json"))) as! [String: Any]
    #expect(Set(summary.keys) == ["budget", "dataset", "created", "spends", "spent_epsilon", "remaining_epsilon", "accountant", "spent_by_accountant", "spend_alone"])
    // Each spend alone: dp_accounting's RDP 1.0000032369540768 and PLD 0.9037420029084451 for one run.
    let alone = try #require(summary["spend_alone"] as? [[String: Any]])
    #expect(alone.count == 9 && (alone[8]["entry"] as? Int) == 9)
    let first = try #require(alone[0]["epsilon"] as? [String: Double])
    #expect(abs(first["rdp"]! - 1.0000032369540768) < 1e-9 && abs(first["pld"]! - 0.9037420029084451) < 2e-4 && first["prv"] != nil)
    #expect(shown.standardOutput.contains("; alone ε RDP 1, PLD 0.903742, PRV 0.913795; ε after 0.903742 (PLD)\n"))
    #expect(summary["accountant"] as? String == "pld")
    #expect((summary["spends"] as! [[String: Any]]).map { $0["note"] as! String } == (1...9).map { "run \($0)" })
    #expect(abs((summary["spent_epsilon"] as! Double) - 2.95335) < 1e-5)
    let verified = try CandorBinary.run(["privacy", "ledger", "verify", "--ledger", "l.jsonl", "--dataset", "d.csv"], in: folder)
    #expect(verified.standardOutput == "The ledger l.jsonl is intact: 9 spends, ε = 2.95335 of 3 spent at δ = 1e-05; d.csv is its dataset.\n")
  }

  @Test("bad input: exit 2, named, the ledger unchanged")
  func badInput() throws {
    let folder = try Self.folder(epsilon: "3")
    defer { try? FileManager.default.removeItem(at: folder) }
    let before = try Self.ledger(folder)
    func refused(_ arguments: [String]) throws -> String {
      let result = try CandorBinary.run(arguments, in: folder)
      #expect(result.exitCode == 2, "\(arguments)")
      #expect(try Self.ledger(folder) == before, "\(arguments) changed the ledger")
      return result.standardError
    }
    #expect(try refused(["privacy", "ledger", "init", "--ledger", "l.jsonl", "--epsilon", "3", "--delta", "1e-5", "--dataset", "d.csv"])
      == "error: l.jsonl already exists; a ledger is made once (--ledger names one to spend from).\n")
    #expect(try refused(["privacy", "ledger", "init", "--ledger", "m.jsonl", "--epsilon", "3", "--delta", "0.3", "--dataset", "d.csv"])
      == "error: --delta 0.3 is at least 1/n for the dataset's 4 records: a mechanism could then publish a record outright and still meet it. Choose δ well below 1/n, or pass --allow-large-delta to accept it.\n")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.jsonl").path))
    // A FIFO would block the read forever.
    #expect(mkfifo(folder.appendingPathComponent("fifo.jsonl").path, 0o644) == 0)
    for command in [["privacy", "ledger", "show"], ["privacy", "ledger", "verify"], ["privacy", "spend", "--events", "run.json"]] {
      #expect(try refused(command + ["--ledger", "fifo.jsonl"]) == "error: The privacy ledger fifo.jsonl cannot be read: it is not a regular file.\n")
    }
    try Data("a,b\n1,2\n".utf8).write(to: folder.appendingPathComponent("other.csv"))
    #expect(try refused(["privacy", "spend", "--ledger", "l.jsonl", "--events", "run.json", "--dataset", "other.csv"])
      .hasPrefix("error: other.csv is not the dataset of the ledger l.jsonl: its SHA-256 is "))
    try Data(#"{"type": "RandomizedResponseDpEvent"}"#.utf8).write(to: folder.appendingPathComponent("bad.json"))
    #expect(try refused(["privacy", "spend", "--ledger", "l.jsonl", "--events", "bad.json"]).hasPrefix("error: bad.json is not a privacy event tree: event.type 'RandomizedResponseDpEvent' is not an event type"))
    // A ledger that is not there is named, and no lock file is left for it.
    let missing = try CandorBinary.run(["privacy", "ledger", "show", "--ledger", "none.jsonl"], in: folder)
    #expect(missing.exitCode == 2)
    #expect(missing.standardError == "error: The privacy ledger none.jsonl cannot be read: there is no such file (candor privacy ledger init makes one).\n")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("none.jsonl.lock").path))
    // A ledger edited by hand is refused by every command that reads it.
    var text = String(decoding: before, as: UTF8.self)
    text = text.replacingOccurrences(of: "\"epsilon\":3", with: "\"epsilon\":30")
    try Data(text.utf8).write(to: folder.appendingPathComponent("l.jsonl"))
    let edited = try Self.ledger(folder)
    for arguments in [["privacy", "spend", "--ledger", "l.jsonl", "--events", "run.json"], ["privacy", "ledger", "show", "--ledger", "l.jsonl"],
                      ["privacy", "ledger", "verify", "--ledger", "l.jsonl"]] {
      let result = try CandorBinary.run(arguments, in: folder)
      #expect(result.exitCode == 2)
      #expect(result.standardError == "error: l.jsonl line 1 is not a valid privacy ledger line: its SHA-256 does not match its contents (edited or damaged). The ledger is refused; nothing was spent.\n")
      #expect(try Self.ledger(folder) == edited)
    }
  }

  @Test("kill -9 at 30 moments of a spend: the ledger always reads, holding every spend before and at most the one killed")
  func killed() throws {
    let folder = try Self.folder(epsilon: "1000")
    defer { try? FileManager.default.removeItem(at: folder) }
    // One spend unkilled: the kills start anywhere in 1.2 times its duration, and the window follows the machine's
    // load — longer after a kill that came before the write, shorter after one that came too late — so the kills
    // keep falling around the write however fast a spend runs.
    let start = Date()
    #expect(try Self.spend(folder, note: "timed").exitCode == 0)
    var window = max(20_000, 1.2e6 * Date().timeIntervalSince(start))
    var spends = 1, killed: [Int32] = []
    var random = SeededGenerator(seed: 7)
    for attempt in 0..<30 {
      let process = Self.spendProcess(folder, note: "attempt \(attempt)")
      try launch(process)
      killed.append(process.processIdentifier)
      usleep(UInt32(Double(random.next() % 1_000_000) / 1e6 * window))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let verified = try CandorBinary.run(["privacy", "ledger", "verify", "--ledger", "l.jsonl"], in: folder)
      #expect(verified.exitCode == 0, "after attempt \(attempt): \(verified.standardError)")
      let count = String(decoding: try Self.ledger(folder), as: UTF8.self).split(separator: "\n").count - 1
      #expect(count == spends || count == spends + 1, "attempt \(attempt): \(count) spends after \(spends)")
      window *= count == spends ? 1.25 : 0.8
      spends = count
      // Nothing but the ledger, its lock and the inputs — except, when a kill fell between linking the new ledger
      // under a temporary name and renaming it, that name: a spend that gets to run removes it, but the next one may
      // be killed first, so the names of any killed spend may be there.
      let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)).subtracting(["d.csv", "run.json", "l.jsonl", "l.jsonl.lock"])
      #expect(left.allSatisfy { name in killed.contains { name.hasPrefix(".l.jsonl.candor-\($0)-") } }, "\(left)")
    }
    let last = try Self.spend(folder, note: "after the kills")
    #expect(last.exitCode == 0)
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) == ["d.csv", "run.json", "l.jsonl", "l.jsonl.lock"])
    // Some kills came too early and some too late to matter; the interesting ones fell in between.
    #expect(spends > 1 && spends < 31)
  }

  @Test("two spends started together when only one fits, by the same path or through a symlink: exactly one is recorded, the other refused")
  func race() throws {
    for round in 0..<5 {
      // ε = 1.2 takes one run of ε ≈ 0.90, not two (1.30 under PLD).
      let folder = try Self.folder(epsilon: "1.2")
      defer { try? FileManager.default.removeItem(at: folder) }
      // Odd rounds: the second racer names the ledger through a symlink, which must take the same lock.
      try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.jsonl").path, withDestinationPath: "l.jsonl")
      let processes = (0..<2).map { Self.spendProcess(folder, note: "racer \($0)") }
      if round % 2 == 1 { processes[1].arguments = processes[1].arguments!.map { $0 == "l.jsonl" ? "link.jsonl" : $0 } }
      for process in processes { try launch(process) }
      for process in processes { process.waitUntilExit() }
      #expect(processes.map(\.terminationStatus).sorted() == [0, 2], "round \(round)")
      let lines = String(decoding: try Self.ledger(folder), as: UTF8.self).split(separator: "\n")
      #expect(lines.count == 2, "round \(round): \(lines.count - 1) spends recorded")
      #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("link.jsonl.lock").path))
    }
  }
}

/// xorshift, for reproducible kill moments.
struct SeededGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
  mutating func next() -> UInt64 {
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    return state
  }
}
