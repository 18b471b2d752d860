import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `candor privacy query --mask-with` and `candor merge` of masked parts: data holders' parts that only add up.
@Suite struct MaskedMergeCLITests {
  /// Adult's test rows split into three party files (rows ⌊i·N/3⌋ ..< ⌊(i+1)·N/3⌋ each, with the header), the whole
  /// file, the dealt keys of session "s1", and a ledger for the whole file and one for the federation.
  static func federation() throws -> URL {
    let folder = try temporaryDirectory()
    let text = try String(contentsOfFile: Fixtures.sample("adult_test.csv"), encoding: .utf8)
    try text.write(to: folder.appendingPathComponent("whole.csv"), atomically: true, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    let (header, body) = (lines[0], Array(lines.dropFirst()))
    for i in 0..<3 {
      let rows = body[(i * body.count / 3)..<((i + 1) * body.count / 3)]
      try (([header] + rows).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("party-\(i).csv"), atomically: true, encoding: .utf8)
    }
    for command in [["privacy", "mask-keys", "--parties", "3", "--session", "s1", "--out-dir", "."],
                    ["privacy", "ledger", "init", "--ledger", "whole.jsonl", "--epsilon", "10", "--delta", "1e-5", "--dataset", "whole.csv"],
                    ["privacy", "ledger", "init", "--ledger", "fed.jsonl", "--epsilon", "10", "--delta", "1e-5", "--federation", "s1", "--records", "16281"]] {
      let made = try CandorBinary.run(command, in: folder)
      try #require(made.exitCode == 0, "\(made.standardError)")
    }
    return folder
  }

  static func maskedParts(_ query: [String], in folder: URL, keys: (Int) -> String = { "mask-keys-\($0).json" }, prefix: String = "part") throws -> [String] {
    try (0..<3).map { i in
      let run = try CandorBinary.run(["privacy", "query", "--ledger", "fed.jsonl"] + query
                                     + ["--data", "party-\(i).csv", "--shard-index", "\(i)", "--shard-count", "3", "--partial-out", "\(prefix)-\(i).json", "--mask-with", keys(i)], in: folder)
      try #require(run.exitCode == 0, "\(run.standardError)")
      return "\(prefix)-\(i).json"
    }
  }

  static func read(_ name: String, in folder: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(name))) as! [String: Any]
  }

  // Bounds of 2¹⁶ years put every age on the grid, so no rounding coin decides a sum: the answers can be equal.
  @Test("three parties' masked parts merge into the answer of their rows together, value for value; the parts record no data file", arguments: ["mean", "histogram", "count"])
  func mergesToWhole(_ statistic: String) throws {
    let folder = try Self.federation()
    defer { try? FileManager.default.removeItem(at: folder) }
    let query = (statistic == "histogram" ? ["--statistic", "histogram", "--column", "race", "--bins", "White,Black,Other"]
                 : statistic == "count" ? ["--statistic", "count"]
                 : ["--statistic", "mean", "--column", "age", "--bounds", "0:65536", "--by", "sex", "--levels", "Male,Female"])
      + ["--epsilon", "1", "--insecure-seed", "3", "--allow-insecure"]
    let whole = try CandorBinary.run(["privacy", "query", "--ledger", "whole.jsonl"] + query + ["--data", "whole.csv", "--json", "whole.json"], in: folder)
    try #require(whole.exitCode == 0, "\(whole.standardError)")
    let parts = try Self.maskedParts(query, in: folder)
    let ledger = folder.appendingPathComponent("fed.jsonl")
    let before = try Data(contentsOf: ledger)
    for part in parts {
      let text = try String(contentsOf: folder.appendingPathComponent(part), encoding: .utf8)
      #expect(!text.contains("party-") && !text.contains("mask-keys") && !text.contains("sha256"), "a part names its party's files: \(text.prefix(400))")
    }
    #expect(try Data(contentsOf: ledger) == before, "a party changed the ledger")
    let merged = try CandorBinary.run(["merge"] + parts.reversed() + ["--json", "merged.json"], in: folder)
    try #require(merged.exitCode == 0, "\(merged.standardError)")
    let (a, b) = (try Self.read("merged.json", in: folder), try Self.read("whole.json", in: folder))
    for key in ["answer", "interval_95", "noise", "events", "epsilon", "remaining", "query", "cached", "entry"] {
      #expect(ShardCLITests.differences(a[key]!, b[key]!, tolerance: 0) == [], "\(key)")
    }
    #expect(merged.standardOutput == whole.standardOutput)
    #expect(try String(contentsOf: ledger, encoding: .utf8).split(separator: "\n").count == 2, "the header and one spend")
  }

  @Test("masked parts that cannot give the totals are refused before anything is spent: a missing or repeated party, keys that do not pair up, another session, an edited word, a plain part among them, the wrong ledger")
  func refused() throws {
    let folder = try Self.federation()
    defer { try? FileManager.default.removeItem(at: folder) }
    let query = ["--statistic", "count", "--epsilon", "1"]
    let parts = try Self.maskedParts(query, in: folder)
    // Party 2's seed for party 0 replaced: the masks of pair (0, 2) no longer cancel.
    var keys = try Self.read("mask-keys-2.json", in: folder)
    let secret = (keys["pairwise_seeds"] as! [String: String])["0"]!
    keys["pairwise_seeds"] = ["0": String(repeating: "0", count: 64), "1": (keys["pairwise_seeds"] as! [String: String])["1"]!]
    try JSONSerialization.data(withJSONObject: keys).write(to: folder.appendingPathComponent("wrongkeys-2.json"))
    let wrong = try Self.maskedParts(query, in: folder, keys: { $0 == 2 ? "wrongkeys-2.json" : "mask-keys-\($0).json" }, prefix: "wrong")
    // Another session's keys for every party.
    let other = try CandorBinary.run(["privacy", "mask-keys", "--parties", "3", "--session", "s2", "--out-dir", "s2"], in: folder)
    #expect(other.exitCode == 2 && other.standardError.contains("is not a folder"), "\(other.standardError)")
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("s2"), withIntermediateDirectories: false)
    try #require(try CandorBinary.run(["privacy", "mask-keys", "--parties", "3", "--session", "s2", "--out-dir", "s2"], in: folder).exitCode == 0)
    let session2 = try Self.maskedParts(query, in: folder, keys: { "s2/mask-keys-\($0).json" }, prefix: "s2part")
    // A word edited.
    var edited = try String(contentsOf: folder.appendingPathComponent(parts[1]), encoding: .utf8)
    let words = try #require(edited.range(of: "\"words\": [\""))
    let digit = edited[words.upperBound]
    edited.replaceSubrange(words.upperBound...words.upperBound, with: digit == "0" ? "1" : "0")
    try edited.write(to: folder.appendingPathComponent("edited.json"), atomically: true, encoding: .utf8)
    // A plain shard among masked ones.
    let plain = try CandorBinary.run(["privacy", "query", "--ledger", "whole.jsonl", "--data", "whole.csv"] + query
                                     + ["--shard-index", "2", "--shard-count", "3", "--partial-out", "plain-2.json"], in: folder)
    try #require(plain.exitCode == 0, "\(plain.standardError)")
    // The recorded arguments edited to --fresh; a key repeated.
    for part in parts {
      let text = try String(contentsOf: folder.appendingPathComponent(part), encoding: .utf8)
      try text.replacingOccurrences(of: "\"--epsilon\", \"1\"", with: "\"--epsilon\", \"1\", \"--fresh\"")
        .write(to: folder.appendingPathComponent("fresh-" + part), atomically: true, encoding: .utf8)
    }
    let repeated = try String(contentsOf: folder.appendingPathComponent(parts[2]), encoding: .utf8)
      .replacingOccurrences(of: "\"session\": \"s1\"", with: "\"session\": \"s1\", \"session\": \"s2\"")
    try repeated.write(to: folder.appendingPathComponent("repeated.json"), atomically: true, encoding: .utf8)
    let ledgers = ["fed.jsonl", "whole.jsonl"].map { folder.appendingPathComponent($0) }
    let before = try ledgers.map { try Data(contentsOf: $0) }
    for (given, expected) in [
      ([parts[0], parts[1]], "Shard 2 of 3 is missing"),
      ([parts[0], parts[1], parts[1]], "Shard 1 is given twice"),
      ([parts[0], parts[1], wrong[2]], "The parts' masks do not cancel"),
      ([parts[0], parts[1], session2[2]], "were masked with the keys of sessions 's1' and 's2'"),
      ([parts[0], "edited.json", parts[2]], "The parts' masks do not cancel"),
      ([parts[0], parts[1], "plain-2.json"], "one is masked (--mask-with), the other is not"),
      (parts.map { "fresh-" + $0 }, "records --fresh, which a masked part cannot be"),
      ([parts[0], parts[1], "repeated.json"], "repeated.json is a damaged part: line "),
    ] {
      let run = try CandorBinary.run(["merge"] + given + ["--json", "x.json"], in: folder)
      #expect(run.exitCode == 2 && run.standardError.contains(expected), "\(given): \(run.standardError)")
      #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.json").path))
    }
    #expect(try ledgers.map { try Data(contentsOf: $0) } == before, "a refused merge spent")
    // The coordinator's ledger must be the federation's.
    for part in parts {
      let url = folder.appendingPathComponent(part)
      try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "fed.jsonl", with: "whole.jsonl").write(to: url, atomically: true, encoding: .utf8)
    }
    let wrongLedger = try CandorBinary.run(["merge"] + parts + ["--json", "x.json"], in: folder)
    #expect(wrongLedger.exitCode == 2 && wrongLedger.standardError.contains("is for whole.csv, not for the federation 's1'"), "\(wrongLedger.standardError)")
    #expect(try ledgers.map { try Data(contentsOf: $0) } == before)
    // No output of these runs shows a seed.
    #expect(!wrongLedger.standardError.contains(secret.prefix(16)) && !other.standardError.contains(secret.prefix(16)))
  }

  @Test("a party's run is refused for a keys file of another party or count, a damaged keys file, or --mask-with without the shard flags; mask-keys writes owner-only files once")
  func refusedParty() throws {
    let folder = try Self.federation()
    defer { try? FileManager.default.removeItem(at: folder) }
    for name in ["mask-keys-0.json", "mask-keys-1.json", "mask-keys-2.json"] {
      let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.posixPermissions] as? Int
      #expect(mode == 0o600, "\(name): \(String(mode ?? 0, radix: 8))")
    }
    let secret = (try Self.read("mask-keys-1.json", in: folder)["pairwise_seeds"] as! [String: String])["0"]!
    try "{\"format\": \"candor-mask-keys\"".write(to: folder.appendingPathComponent("torn.json"), atomically: true, encoding: .utf8)
    let query = ["privacy", "query", "--ledger", "fed.jsonl", "--statistic", "count", "--epsilon", "1", "--data", "party-1.csv"]
    for (extra, expected) in [
      (["--partial-out", "p.json", "--shard-index", "0", "--shard-count", "3", "--mask-with", "mask-keys-1.json"], "mask-keys-1.json holds the keys of party 1 of 3, but this is --shard-index 0 of --shard-count 3"),
      (["--partial-out", "p.json", "--shard-index", "1", "--shard-count", "4", "--mask-with", "mask-keys-1.json"], "holds the keys of party 1 of 3, but this is --shard-index 1 of --shard-count 4"),
      (["--partial-out", "p.json", "--shard-index", "1", "--shard-count", "3", "--mask-with", "torn.json"], "torn.json is not a usable mask keys file (--mask-with): it is not valid JSON"),
      (["--partial-out", "p.json", "--shard-index", "1", "--shard-count", "3", "--mask-with", "absent.json"], "absent.json"),
      (["--mask-with", "mask-keys-1.json"], "--mask-with needs --shard-index i --shard-count n"),
      (["--partial-out", "p.json", "--shard-index", "1", "--shard-count", "3", "--mask-with", "mask-keys-1.json", "--fresh"], "--fresh cannot be masked"),
    ] {
      let run = try CandorBinary.run(query + extra, in: folder)
      #expect(run.exitCode == 2 && run.standardError.contains(expected), "\(extra): \(run.standardError)")
      #expect(!run.standardError.contains(secret.prefix(16)) && !run.standardOutput.contains(secret.prefix(16)))
      #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("p.json").path))
    }
    let again = try CandorBinary.run(["privacy", "mask-keys", "--parties", "3", "--session", "s1", "--out-dir", "."], in: folder)
    #expect(again.exitCode == 2 && again.standardError.contains("mask-keys-0.json already exists"), "\(again.standardError)")
    #expect((try Self.read("mask-keys-1.json", in: folder)["pairwise_seeds"] as! [String: String])["0"] == secret)
    for (arguments, expected) in [
      (["--federation", "s1"], "--federation needs --records N"),
      (["--federation", "s1", "--records", "10", "--dataset", "whole.csv"], "not both"),
      ([String](), "Give --dataset FILE"),
      (["--federation", "café", "--records", "10"], "use ASCII letters, digits"),
      (["--federation", "x" + String(repeating: "ab", count: 8), "--records", "10"], "16 hexadecimal digits in a row"),
    ] {
      let run = try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "new.jsonl", "--epsilon", "1", "--delta", "1e-6"] + arguments, in: folder)
      #expect(run.exitCode == 2 && run.standardError.contains(expected), "\(arguments): \(run.standardError)")
    }
  }

  /// The README's recipe, party by party: X25519 keys from openssl, the pair's seed derived on each side, the keys
  /// file written by hand.
  static let x25519Recipe = #"""
    openssl genpkey -algorithm X25519 -out $me.key && openssl pkey -in $me.key -pubout -out $me.pub
    """#
  static let x25519Seed = #"""
    seed=$(openssl pkeyutl -derive -inkey $me.key -peerkey $peer.pub | sha256sum | cut -c1-64)
    cat > keys-$me.json <<EOF
    {"format": "candor-mask-keys", "format_version": 1, "session": "q4", "party": $party, "parties": 2,
     "pairwise_seeds": {"$peer_party": "$seed"}}
    EOF
    """#

  @Test("the README's X25519 recipe (openssl) gives two parties the same seed unseen by anyone else, and their masked parts merge to the whole")
  func x25519() throws {
    let folder = try Self.federation()
    defer { try? FileManager.default.removeItem(at: folder) }
    try String(contentsOfFile: Fixtures.sample("adult_test.csv"), encoding: .utf8).split(separator: "\n").enumerated()
      .reduce(into: ["", ""]) { files, line in
        // Party a: the header and the first 8,000 rows; party b: the header and the rest.
        if line.offset == 0 { files = [String(line.element) + "\n", String(line.element) + "\n"] } else { files[line.offset <= 8000 ? 0 : 1] += line.element + "\n" }
      }.enumerated().forEach { try $1.write(to: folder.appendingPathComponent("two-\($0).csv"), atomically: true, encoding: .utf8) }
    for me in ["a", "b"] {
      let made = try StreamCLITests.runShell("me=\(me); " + Self.x25519Recipe, in: folder)
      try #require(made.status == 0, "\(made.message)")
    }
    for (me, peer, party) in [("a", "b", 0), ("b", "a", 1)] {
      let derived = try StreamCLITests.runShell("me=\(me); peer=\(peer); party=\(party); peer_party=\(1 - party)\n" + Self.x25519Seed, in: folder)
      try #require(derived.status == 0, "\(derived.message)")
    }
    let seeds = try ["a", "b"].map { (try Self.read("keys-\($0).json", in: folder)["pairwise_seeds"] as! [String: String]).values.first! }
    #expect(seeds[0] == seeds[1] && seeds[0].count == 64)
    // Bounds whose reach is below 2¹⁵ hours make the grid's step 1 hour: no rounding coin decides the sum.
    let query = ["--statistic", "sum", "--column", "hours_per_week", "--bounds", "0:32767", "--epsilon", "1", "--insecure-seed", "5", "--allow-insecure"]
    try #require(try CandorBinary.run(["privacy", "ledger", "init", "--ledger", "q4.jsonl", "--epsilon", "10", "--delta", "1e-5", "--federation", "q4", "--records", "16281"], in: folder).exitCode == 0)
    for (i, me) in ["a", "b"].enumerated() {
      let run = try CandorBinary.run(["privacy", "query", "--ledger", "q4.jsonl"] + query
                                     + ["--data", "two-\(i).csv", "--shard-index", "\(i)", "--shard-count", "2", "--partial-out", "q4-\(i).json", "--mask-with", "keys-\(me).json"], in: folder)
      try #require(run.exitCode == 0, "\(run.standardError)")
    }
    let whole = try CandorBinary.run(["privacy", "query", "--ledger", "whole.jsonl"] + query + ["--data", "whole.csv", "--json", "whole.json"], in: folder)
    let merged = try CandorBinary.run(["merge", "q4-0.json", "q4-1.json", "--json", "merged.json"], in: folder)
    try #require(whole.exitCode == 0 && merged.exitCode == 0, "\(whole.standardError) \(merged.standardError)")
    let (a, b) = (try Self.read("merged.json", in: folder), try Self.read("whole.json", in: folder))
    for key in ["answer", "interval_95", "noise", "events"] { #expect(ShardCLITests.differences(a[key]!, b[key]!, tolerance: 0) == [], "\(key)") }
  }
}
