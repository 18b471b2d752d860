import CandorCore
import CandorTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Models behind a command (`--model-cmd`), against real child processes (`Tests/Fixtures/adapters/model_command.py`):
/// every analysis runs on one, and a child that crashes, hangs, or answers garbage is an error naming the rows,
/// with no output written and no process left behind.
@Suite struct CommandModelCLITests {
  static let script = Fixtures.path("adapters/model_command.py")
  static func model(_ mode: String) -> [String] {
    ["--model-cmd", "python3 \(script) \(mode)", "--model-features", "age,hours_per_week", "--model-classes", "<=50K,>50K"]
  }

  /// The script's binary model, computed here.
  static func probability(age: Double, hours: Double) -> Double { 1 / (1 + exp(-(0.05 * (age - 40) + 0.03 * (hours - 40)))) }

  @Test("predict, fairness, mitigate threshold and explain (kernelshap, permutation, pdp) on a model behind a command")
  func everyAnalysis() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = Fixtures.sample("adult_test.csv")
    let predicted = try CandorBinary.run(["predict"] + Self.model("binary") + ["--data", data, "--out", "p.csv", "--batch-size", "700",
                                          "--concurrency", "2"], in: directory)
    #expect(predicted.exitCode == 0, "\(predicted.standardError)")
    let table = try CSVReader.read(path: data), out = try CSVReader.read(path: directory.appendingPathComponent("p.csv").path)
    guard case let .numeric(age) = try table.column("age"), case let .numeric(hours) = try table.column("hours_per_week"),
          case let .numeric(p) = try out.column("probability_>50K") else { Issue.record("columns"); return }
    // 16,281 rows in 24 batches over two processes come back in order, to the digit.
    #expect(p.values.count == 16_281)
    #expect(p.values.indices.allSatisfy { abs(p.values[$0] - Self.probability(age: age.values[$0], hours: hours.values[$0])) < 1e-15 })

    for arguments in [["fairness", "--target", "income", "--sensitive", "sex"],
                      ["mitigate", "threshold", "--target", "income", "--sensitive", "sex", "--constraint", "demographic_parity"],
                      ["explain", "--method", "kernelshap", "--rows", "0:3", "--background", "20"],
                      ["explain", "--method", "kernelshap", "--rows", "0:2", "--background", "40", "--background-kmeans", "5"],
                      ["explain", "--method", "permutation", "--target", "income", "--repeats", "2"],
                      ["explain", "--method", "pdp", "--features", "age"]] {
      let result = try CandorBinary.run(arguments + Self.model("binary") + ["--data", data, "--json", "o.json"], in: directory)
      #expect(result.exitCode == 0, "\(arguments): \(result.standardError)")
    }
    let shap = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("o.json"))) as? [String: Any]
    #expect(shap?["method"] as? String == "pdp")
  }

  @Test("a multiclass model's lines hold one probability per declared class")
  func multiclass() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CandorBinary.run(["predict", "--model-cmd", "python3 \(Self.script) multiclass", "--model-features", "age,hours_per_week",
                                       "--model-output", "multiclass", "--model-classes", "a,b,c",
                                       "--data", Fixtures.sample("adult_test.csv"), "--out", "p.csv"], in: directory)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let out = try CSVReader.read(path: directory.appendingPathComponent("p.csv").path)
    #expect(out.columnNames == ["row", "prediction", "probability_a", "probability_b", "probability_c"])
    // Probabilities that do not sum to 1 are not a distribution over the classes.
    let bad = try CandorBinary.run(["predict", "--model-cmd", "python3 \(Self.script) unnormalized", "--model-features", "age,hours_per_week",
                                    "--model-output", "multiclass", "--model-classes", "a,b,c",
                                    "--data", Fixtures.sample("adult_test.csv"), "--out", "q.csv"], in: directory)
    #expect(bad.exitCode == 2)
    #expect(bad.standardError == "error: The model command 'python3 \(Self.script) unnormalized' failed on data rows 1 to 1000: line 1 of its answer to the batch: its class probabilities sum to 0.6, not 1.\n")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("q.csv").path))
  }

  static let data = Fixtures.sample("adult_test.csv")

  @Test("a child that crashes, hangs, answers garbage or the wrong count is an error naming the rows; nothing is written",
        arguments: [
          ("crash 1200", "error: The model command 'python3 \(script) crash 1200' failed on data rows 1001 to 2000: it exited with status 3 after 200 of 1000 lines of its answer to the batch. Its last lines on stderr: model failed: row 1200\n"),
          ("hang", "error: The model command 'python3 \(script) hang' failed on data rows 1 to 1000: it gave 0 of 1000 lines within the timeout of 1 s, so it was stopped.\n"),
          ("garbage", "error: The model command 'python3 \(script) garbage' failed on data rows 1 to 1000: line 1 of its answer to the batch holds 'not-a-number', which is not a number.\n"),
          ("pair", "error: The model command 'python3 \(script) pair' failed on data rows 1 to 1000: line 1 of its answer to the batch has 2 values ('0.5,0.5'); a binary probability model writes 1.\n"),
          ("outside", "error: The model command 'python3 \(script) outside' failed on data rows 1 to 1000: line 1 of its answer to the batch holds 1.5, which is not a probability.\n"),
          // What follows the last line depends on how much of the extra answer has arrived: the message up to it.
          ("more", "error: The model command 'python3 \(script) more' failed on data rows 1 to 1000: it wrote more lines than the batch's 1000 rows ('"),
        ])
  func failures(mode: String, message: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let started = Date()
    let result = try CandorBinary.run(["predict"] + Self.model(mode) + ["--model-timeout", "1", "--data", Self.data, "--out", "p.csv"],
                                      in: directory)
    #expect(result.exitCode == 2)
    #expect(message.hasSuffix("('") ? result.standardError.hasPrefix(message) : result.standardError == message, "\(result.standardError)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.csv").path))
    // The hanging child is killed at the timeout, not waited for.
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(try Self.children(of: "model_command.py \(mode)").isEmpty, "a child process was left running")
  }

  /// Processes whose command line contains `text`.
  static func children(of text: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { pid -> String? in
      guard Int(pid) != nil, let line = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return nil }
      let command = line.replacingOccurrences(of: "\0", with: " ")
      return command.contains(text) ? command : nil
    }
  }

  @Test("a command that cannot run, or options that need --model-cmd, are refused", arguments: [
    (["--model-cmd", "no-such-model-command", "--model-features", "age"],
     "error: The model command 'no-such-model-command' failed on data rows 1 to 1000: it exited with status 127 after 0 of 1000 lines of its answer to the batch. Its last lines on stderr: /bin/sh: 1: no-such-model-command: not found\n"),
    (["--model-cmd", "cat"], "error: --model-cmd needs --model-features (the columns the model reads, in the order it reads them) or --model-spec. Run 'candor predict --help' for usage.\n"),
    (["--model", "m.json", "--batch-size", "10"], "error: --batch-size does nothing with a model file: it applies to a model behind a command or an endpoint (--model-cmd, --model-url) only. Run 'candor predict --help' for usage.\n"),
    (["--model-cmd", "cat", "--model-features", "age", "--concurrency", "0"], "error: --concurrency 0: it must be a whole number from 1 to 64.\n"),
    (["--model-cmd", "cat", "--model-features", "age", "--model-output", "multiclass"], "error: --model-classes 0,1: a multiclass model has three classes or more (two: --model-output binary).\n"),
    (["--model-cmd", "exec 1>&-; sleep 25", "--model-features", "age", "--model-timeout", "1"],
     "error: The model command 'exec 1>&-; sleep 25' failed on data rows 1 to 1000: it closed its output after 0 of 1000 lines of its answer to the batch but kept running, so it was stopped.\n"),
    (["--model-cmd", "cat", "--model-features", "age", "--model-classes", "a,a"], "error: --model-classes a,a: the classes must differ from one another.\n"),
    (["--model-cmd", "cat", "--model-features", "age", "--model-timeout", "1e11"], "error: --model-timeout 100000000000: it must be a positive number of seconds, at most 1000000.\n"),
    (["--model-cmd", "cat", "--model-features", ""], "error: --model-features '' holds an empty column name; list the columns the model reads, separated by commas. Run 'candor predict --help' for usage.\n"),
    (["--model-cmd", "cat", "--model-features", "age,,hours_per_week"], "error: --model-features 'age,,hours_per_week' holds an empty column name; list the columns the model reads, separated by commas. Run 'candor predict --help' for usage.\n"),
  ])
  func refusals(arguments: [String], message: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CandorBinary.run(["predict"] + arguments + ["--data", Self.data, "--out", "p.csv"], in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == message)
  }

  @Test("Ctrl-C (SIGINT) or SIGTERM to candor while its model command runs ends the command's process group too")
  func signalEndsChildren() throws {
    for signal in [SIGINT, SIGTERM] {
      let directory = try temporaryDirectory()
      defer { try? FileManager.default.removeItem(at: directory) }
      // A marker in the command line finds this test's children.
      let marker = "slow \(4000 + signal)"
      let process = Process()
      // As a shell's foreground job: the test runner may start children with these signals ignored, and candor
      // (rightly) keeps a signal it was started ignoring ignored.
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["--default-signal=INT,TERM,HUP", CandorBinary.url.path, "predict"] + Self.model(marker) + ["--data", Self.data, "--out", "p.csv"]
      process.currentDirectoryURL = directory
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try launch(process)
      let deadline = Date().addingTimeInterval(20)
      while try Self.children(of: "model_command.py \(marker)").isEmpty && Date() < deadline { usleep(50_000) }
      #expect(try !Self.children(of: "model_command.py \(marker)").isEmpty, "the model command never started")
      kill(process.processIdentifier, signal)
      var status: Int32 = 0
      _ = waitpid(process.processIdentifier, &status, 0)
      usleep(200_000)
      #expect(try Self.children(of: "model_command.py \(marker)").isEmpty, "signal \(signal) left the model command running")
      #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.csv").path))
    }
  }
}
