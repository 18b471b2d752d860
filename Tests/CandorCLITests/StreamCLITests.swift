import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// Candor as a stage of Spark's `RDD.pipe` (`--stdin-format csv|jsonl --stdout-format jsonl`): partitions of rows on
/// standard input, data only on standard output, each partition's part merged into the unsharded result.
@Suite struct StreamCLITests {
  static let fairness = ["fairness", "--target", "y_true", "--pred-column", "y_pred", "--score-column", "y_score",
                         "--sensitive", "sex", "--sensitive", "race", "--sensitive", "sex,race", "--privileged", "sex=Male"]

  /// The Adult predictions' header and data lines.
  static func predictionLines() throws -> (header: String, rows: [String]) {
    let lines = try String(contentsOfFile: Fixtures.path("adult_test_predictions.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
    return (lines[0], Array(lines.dropFirst()))
  }

  @Test("partitions piped through candor fairness (one of them empty) merge from one JSON Lines file into the unsharded JSON and text")
  func fairnessPartitions() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (header, rows) = try Self.predictionLines()
    // Partitions of uneven size, as Spark makes them, and an empty one.
    let cuts = [0, 5_000, 5_001, 12_000, 12_000, rows.count]
    var lines = ""
    for p in 0..<(cuts.count - 1) {
      let input = "#candor-shard \(p) \(cuts.count - 1)\n" + rows[cuts[p]..<cuts[p + 1]].map { $0 + "\n" }.joined()
      let run = try CandorBinary.run(Self.fairness + ["--stdin-format", "csv", "--columns", header, "--stdout-format", "jsonl"], in: folder, input: Data(input.utf8))
      try #require(run.exitCode == 0, "\(run.standardError)")
      #expect(run.standardOutput.hasSuffix("\n") && run.standardOutput.dropLast().allSatisfy { $0 != "\n" }, "a part is one line")
      #expect(run.standardError.isEmpty)
      lines += run.standardOutput
    }
    try lines.write(to: folder.appendingPathComponent("parts.jsonl"), atomically: true, encoding: .utf8)
    let merged = try CandorBinary.run(["merge", "parts.jsonl", "--json", "merged.json"], in: folder)
    try #require(merged.exitCode == 0, "\(merged.standardError)")
    let whole = try CandorBinary.run(Self.fairness + ["--predictions", Fixtures.path("adult_test_predictions.csv"), "--json", "whole.json"], in: folder)
    try #require(whole.exitCode == 0)
    #expect(merged.standardOutput == whole.standardOutput)
    func read(_ name: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(name))) }
    #expect(ShardCLITests.differences(try read("merged.json"), try read("whole.json")) == [])

    // A partition missing, or given twice, is named.
    let partLines = lines.split(separator: "\n")
    try (partLines.dropLast().joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("short.jsonl"), atomically: true, encoding: .utf8)
    let short = try CandorBinary.run(["merge", "short.jsonl", "--json", "x.json"], in: folder)
    #expect(short.exitCode == 2 && short.standardError.contains("Shard 4 of 5 is missing"), "\(short.standardError)")
    try (partLines + [partLines[1]]).joined(separator: "\n").write(to: folder.appendingPathComponent("twice.jsonl"), atomically: true, encoding: .utf8)
    let twice = try CandorBinary.run(["merge", "twice.jsonl", "--json", "x.json"], in: folder)
    #expect(twice.exitCode == 2 && twice.standardError.contains("Shard 1 is given twice: twice.jsonl, line 2 and twice.jsonl, line 6."), "\(twice.standardError)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.json").path))
  }

  @Test("candor predict on standard input (CSV without a header, or JSON Lines) writes one JSON object per row, the CSV file's values")
  func predictLines() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = Fixtures.sample("german_credit.csv")
    try #require(try CandorBinary.run(["train", "--data", data, "--target", "risk", "--out", "m.json"], in: folder).exitCode == 0)
    try #require(try CandorBinary.run(["predict", "--model", "m.json", "--data", data, "--out", "p.csv"], in: folder).exitCode == 0)
    let expected = try String(contentsOf: folder.appendingPathComponent("p.csv"), encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
    let lines = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").map(String.init)
    let header = lines[0].split(separator: ",").map(String.init)
    // The same rows as JSON objects: numbers as numbers, text as strings.
    let objects = lines.dropFirst().map { line -> String in
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      return "{" + zip(header, cells).map { "\"\($0)\":" + (Double($1) != nil ? $1 : "\"\($1)\"") }.joined(separator: ",") + "}"
    }
    for (format, input) in [("csv", lines.dropFirst().joined(separator: "\n") + "\n"), ("jsonl", objects.joined(separator: "\n"))] {
      let run = try CandorBinary.run(["predict", "--model", "m.json", "--stdin-format", format, "--stdout-format", "jsonl"] + (format == "csv" ? ["--columns", lines[0]] : []),
                                     in: folder, input: Data(input.utf8))
      try #require(run.exitCode == 0, "\(format): \(run.standardError)")
      let rows = run.standardOutput.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
      #expect(rows.count == 1000)
      for (row, want) in zip(rows, expected) {
        #expect("\(row["row"]!)" == want[0] && row["prediction"] as? String == want[1])
      }
      // Foundation's JSONSerialization rounds the last digit on Linux; the text is compared.
      let probabilities = run.standardOutput.split(separator: "\n").map { $0.split(separator: ":").last!.dropLast() }
      #expect(zip(probabilities, expected).allSatisfy { Double(String($0)) == Double($1[3]) })
    }
  }

  @Test("standard input that does not match what was declared exits 2, names the line, and writes nothing to standard output", arguments: [
    "fields", "fieldsAfterContext", "jsonKey", "jsonExtra", "notJSON", "context", "text", "bootstrap", "data", "columns", "stdout",
    "duplicateKey", "emptyColumn", "nested", "huge",
  ])
  func refused(_ kind: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (header, rows) = try Self.predictionLines()
    let csv = ["--stdin-format", "csv", "--columns", header, "--stdout-format", "jsonl"]
    let good = rows.prefix(3).joined(separator: "\n") + "\n"
    let (arguments, input, expected): ([String], String, String) = switch kind {
    case "fields": (Self.fairness + csv, good + "1,0\n", "error: standard input, line 4: 2 fields where --columns names \(header.split(separator: ",").count). Quote fields that contain commas.")
    case "fieldsAfterContext": (Self.fairness + csv, "#candor-shard 0 2\n" + good + "1,0\n", "error: standard input, line 5: 2 fields where --columns names \(header.split(separator: ",").count).")
    case "jsonKey": (Self.fairness + ["--stdin-format", "jsonl", "--stdout-format", "jsonl"], "{\"y_true\":1,\"y_pred\":1,\"y_score\":0.7,\"sex\":\"Male\",\"race\":\"White\"}\n{\"y_true\":1}\n",
                     "error: standard input, line 2: the object has no key 'race'")
    case "jsonExtra": (Self.fairness + ["--stdin-format", "jsonl", "--columns", "y_true,y_pred,y_score,sex,race", "--stdout-format", "jsonl"],
                       "{\"y_true\":1,\"y_pred\":1,\"y_score\":0.7,\"sex\":\"Male\",\"race\":\"White\",\"age\":3}\n", "error: standard input, line 1: the key 'age' is not one of the columns")
    case "nested": (Self.fairness + ["--stdin-format", "jsonl", "--stdout-format", "jsonl"],
                    "{\"y_true\":1,\"y_pred\":1,\"y_score\":[0.7],\"sex\":\"Male\",\"race\":\"White\"}\n",
                    "error: standard input, line 1: the value of 'y_score' is not one cell (a finite number, a text, true, false or null).")
    case "huge": (Self.fairness + ["--stdin-format", "jsonl", "--stdout-format", "jsonl"],
                  "{\"y_true\":1,\"y_pred\":1,\"y_score\":1e400,\"sex\":\"Male\",\"race\":\"White\"}\n",
                  "error: standard input, line 1: the value of 'y_score' is not one cell (a finite number, a text, true, false or null).")
    case "notJSON": (Self.fairness + ["--stdin-format", "jsonl", "--stdout-format", "jsonl"], "#candor-shard 0 1\n{\"y_true\":1,\n", "error: standard input, line 2: '{\"y_true\":1,' is not a JSON object")
    case "context": (Self.fairness + csv, "#candor-shard 3 3\n" + good, "error: standard input, line 1: '#candor-shard 3 3' is not a shard line '#candor-shard I N' (0 ≤ I < N ≤ 1000000).")
    case "text": (Self.fairness + csv, good + "1,1,high,Male,White,1\n", "error: standard input, data row 4, column 'y_score': 'high' is not a number")
    case "bootstrap": (Self.fairness + csv + ["--bootstrap", "10"], good, "error: --bootstrap does not stream: its replicates are keyed by each row's number in the whole data")
    case "data": (Self.fairness + csv + ["--predictions", Fixtures.path("adult_test_predictions.csv")], good, "error: --predictions does nothing with --stdin-format: the rows come from standard input.")
    case "columns": (Self.fairness + ["--stdin-format", "csv", "--stdout-format", "jsonl"], good, "error: --stdin-format csv needs --columns a,b,… (the lines on standard input have no header).")
    case "duplicateKey": (Self.fairness + ["--stdin-format", "jsonl", "--stdout-format", "jsonl"],
                          "{\"y_true\":1,\"y_pred\":1,\"y_score\":0.7,\"sex\":\"Male\",\"sex\":\"Female\",\"race\":\"White\"}\n",
                          "error: standard input, line 1: the key 'sex' appears twice in the object; each column once.")
    case "emptyColumn": (Self.fairness + ["--stdin-format", "csv", "--columns", "y_true,y_pred,,y_score,sex,race,weight", "--stdout-format", "jsonl"], good,
                         "error: --columns y_true,y_pred,,y_score,sex,race,weight names a column with no name; every field needs one.")
    default: (["predict", "--model", "m.json", "--stdin-format", "csv", "--columns", header], good, "error: --stdin-format needs --stdout-format jsonl")
    }
    let run = try CandorBinary.run(arguments, in: folder, input: Data(input.utf8))
    #expect(run.exitCode == 2, "\(kind): \(run.standardError)")
    #expect(run.standardError.hasPrefix(expected), "\(kind): \(run.standardError)")
    #expect(run.standardOutput.isEmpty, "\(kind): \(run.standardOutput)")
  }

  @Test("SHAP rows from standard input, partition by partition: TreeSHAP and exactly enumerated KernelSHAP give the unsharded run's values; a sampled background is refused",
        arguments: ["treeshap", "kernelshap"])
  func shapLines(_ method: String) throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = Fixtures.sample("german_credit.csv")
    try #require(try CandorBinary.run(["train", "--data", data, "--target", "risk", "--model-type", method == "treeshap" ? "tree" : "logistic",
                                       "--out", "m.json"], in: folder).exitCode == 0)
    let lines = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").map(String.init)
    try (lines.prefix(41).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("bg.csv"), atomically: true, encoding: .utf8)
    let common = ["explain", "--model", "m.json", "--method", method, "--background", "bg.csv"]
    let whole = try CandorBinary.run(common + ["--data", data, "--rows", "0:9", "--json", "whole.json"], in: folder)
    try #require(whole.exitCode == 0, "\(whole.standardError)")
    let wholeJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("whole.json"))) as! [String: Any]
    let features = wholeJSON["features"] as! [String]
    let expected = (wholeJSON["rows"] as! [[String: Any]]).map { ($0["values"] as! [[Double]])[0] }
    var streamed: [[Double]] = []
    for (p, range) in [1..<5, 5..<10].enumerated() {
      let input = "#candor-shard \(p) 2\n" + lines[range].joined(separator: "\n") + "\n"
      let run = try CandorBinary.run(common + ["--stdin-format", "csv", "--columns", lines[0], "--stdout-format", "jsonl"], in: folder, input: Data(input.utf8))
      try #require(run.exitCode == 0, "\(run.standardError)")
      for (k, line) in run.standardOutput.split(separator: "\n").enumerated() {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(object["row"] as? Int == k)
        let values = object["values"] as! [String: [Double]]
        streamed.append(features.map { values[$0]![0] })
      }
    }
    #expect(streamed.count == 9)
    // Within 1e-12: Foundation's JSONSerialization on Linux may round a last digit.
    #expect(zip(streamed, expected).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) <= 1e-12 } }, "\(streamed.first!) vs \(expected.first!)")
    let sampled = try CandorBinary.run(["explain", "--model", "m.json", "--method", method, "--background", "40", "--stdin-format", "csv",
                                        "--columns", lines[0], "--stdout-format", "jsonl"], in: folder, input: Data((lines[1] + "\n").utf8))
    #expect(sampled.exitCode == 2 && sampled.standardError.contains("--background 40 would sample from this partition's rows") && sampled.standardOutput.isEmpty,
            "\(sampled.standardError)")
  }

  @Test("a byte-order mark and a partition of blank lines are read as a file would be; an output that cannot be written is an error, not a trap")
  func edges() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (header, rows) = try Self.predictionLines()
    let csv = Self.fairness + ["--stdin-format", "csv", "--columns", header, "--stdout-format", "jsonl"]
    let marked = try CandorBinary.run(csv, in: folder, input: Data([0xEF, 0xBB, 0xBF] + Array((rows.prefix(50).joined(separator: "\n") + "\n").utf8)))
    try #require(marked.exitCode == 0, "\(marked.standardError)")
    #expect(!marked.standardOutput.contains("\\ufeff") && !marked.standardOutput.contains("\u{feff}"))
    let blank = try CandorBinary.run(csv, in: folder, input: Data("\r\n\n".utf8))
    #expect(blank.exitCode == 0 && blank.standardOutput.hasPrefix("{\"format\":\"candor-partial\""), "\(blank.standardError)")
    // Standard output on a full device: the message says so, with exit 2 and no backtrace.
    try (rows.prefix(50).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
    let line = ([CandorBinary.url.path] + csv).map { "'\($0)'" }.joined(separator: " ") + " < in.csv > /dev/full"
    let piped = try Self.runShell(line, in: folder)
    #expect(piped.status == 2, "\(piped.message)")
    #expect(piped.message.hasPrefix("error: Standard output cannot be written ("), "\(piped.message)")
    // A command writing files whose summary goes to a full device: exit 2 too (its files are written).
    try ([header] + rows.prefix(50)).joined(separator: "\n").write(to: folder.appendingPathComponent("file.csv"), atomically: true, encoding: .utf8)
    let summary = try Self.runShell(([CandorBinary.url.path] + Self.fairness).map { "'\($0)'" }.joined(separator: " ")
                                     + " --predictions file.csv --shard-count 2 --shard-index 0 --partial-out p.json > /dev/full", in: folder)
    #expect(summary.status == 2, "\(summary.message)")
    #expect(summary.message == "error: Standard output cannot be written (no space left on device): the command's summary was not all printed.\n", "\(summary.message)")
  }

  static func runShell(_ line: String, in folder: URL) throws -> (status: Int32, message: String) {
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = ["-c", line]
    shell.currentDirectoryURL = folder
    let errors = Pipe()
    shell.standardError = errors
    try shell.run()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    shell.waitUntilExit()
    return (shell.terminationStatus, message)
  }
}
