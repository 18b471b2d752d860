import CandorCore
import CandorTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Models behind an HTTP endpoint (`--model-url`, MLflow's scoring protocol), against real local servers
/// (`Tests/Fixtures/adapters/scoring_server.py`): healthy, answering objects by class, failing every third
/// request (retried), down, slow, answering the wrong count or text, and requiring a secret header.
@Suite struct EndpointModelCLITests {
  /// A scoring server in `mode` on a free loopback port, ended by `stop()`.
  final class Server {
    let process = Process()
    let url: String

    init(_ mode: String, in directory: URL) throws {
      let portFile = directory.appendingPathComponent("port-\(mode)").path
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3", Fixtures.path("adapters/scoring_server.py"), mode, portFile]
      try launch(process)
      let deadline = Date().addingTimeInterval(20)
      while !FileManager.default.fileExists(atPath: portFile) && Date() < deadline { usleep(20_000) }
      url = "http://127.0.0.1:\(try String(contentsOfFile: portFile, encoding: .utf8))/invocations"
    }

    /// Kills the server and reaps it with waitpid (Foundation's terminate and waitUntilExit can hang when tests
    /// run in parallel).
    func stop() {
      let pid = process.processIdentifier
      kill(pid, SIGKILL)
      var status: Int32 = 0
      _ = waitpid(pid, &status, 0)
    }
  }

  static let data = Fixtures.sample("adult_test.csv")
  static let declared = ["--model-features", "age,hours_per_week", "--model-classes", "<=50K,>50K"]

  static func probability(age: Double, hours: Double) -> Double { 1 / (1 + exp(-(0.05 * (age - 40) + 0.03 * (hours - 40)))) }

  static func expectFormula(_ directory: URL) throws {
    let table = try CSVReader.read(path: data), out = try CSVReader.read(path: directory.appendingPathComponent("p.csv").path)
    guard case let .numeric(age) = try table.column("age"), case let .numeric(hours) = try table.column("hours_per_week"),
          case let .numeric(p) = try out.column("probability_>50K") else { Issue.record("columns"); return }
    #expect(p.values.count == table.rowCount)
    #expect(p.values.indices.allSatisfy { abs(p.values[$0] - probability(age: age.values[$0], hours: hours.values[$0])) < 1e-15 })
  }

  @Test("a healthy endpoint, one answering by class, and one failing or dropping every third request (retried) give the model's numbers",
        arguments: [("healthy", ["--concurrency", "3", "--batch-size", "2000"]), ("classes", []), ("flaky", ["--batch-size", "4000"]),
                    ("drop", ["--batch-size", "4000"])])
  func scores(mode: String, options: [String]) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let server = try Server(mode, in: directory)
    defer { server.stop() }
    let result = try CandorBinary.run(["predict", "--model-url", server.url] + Self.declared + options + ["--data", Self.data, "--out", "p.csv"],
                                      in: directory)
    #expect(result.exitCode == 0, "\(result.standardError)")
    try Self.expectFormula(directory)
  }

  @Test("fairness and permutation importance run on a model behind an endpoint")
  func analyses() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let server = try Server("healthy", in: directory)
    defer { server.stop() }
    for arguments in [["fairness", "--target", "income", "--sensitive", "sex"],
                      ["explain", "--method", "permutation", "--target", "income", "--repeats", "2"]] {
      let result = try CandorBinary.run(arguments + ["--model-url", server.url] + Self.declared + ["--data", Self.data, "--json", "o.json"],
                                        in: directory)
      #expect(result.exitCode == 0, "\(arguments): \(result.standardError)")
    }
  }

  @Test("an endpoint that is down, slow, miscounts or answers text is an error naming the rows; nothing is written", arguments: [
    ("down", "failed on data rows 1 to 1000: it answered HTTP 503 on all 3 attempts."),
    ("slow", "failed on data rows 1 to 1000: it did not answer within the timeout of 1 s."),
    ("count", "failed on data rows 1 to 1000: it answered 999 predictions for 1000 rows."),
    ("text", "failed on data rows 1 to 1000: its answer is not JSON (it begins 'oops')."),
    ("auth", "failed on data rows 1 to 1000: it answered HTTP 401."),
  ])
  func failures(mode: String, message: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let server = try Server(mode, in: directory)
    defer { server.stop() }
    let result = try CandorBinary.run(["predict", "--model-url", server.url] + Self.declared + ["--model-timeout", "1", "--data", Self.data, "--out", "p.csv"],
                                      in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: The model endpoint \(server.url) \(message)\n")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.csv").path))
  }

  @Test("a header is sent and never shown: not in an error, not in the output, and a malformed one is refused without its value")
  func secretHeader() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let server = try Server("auth", in: directory)
    defer { server.stop() }
    let good = try CandorBinary.run(["predict", "--model-url", server.url, "--header", "Authorization: Bearer secret-token"] + Self.declared
                                      + ["--data", Self.data, "--out", "p.csv"], in: directory)
    #expect(good.exitCode == 0, "\(good.standardError)")
    #expect(!(good.standardOutput + good.standardError).contains("secret-token"))
    let bad = try CandorBinary.run(["predict", "--model-url", server.url, "--header", "Bearer secret-token"] + Self.declared
                                     + ["--data", Self.data, "--out", "q.csv"], in: directory)
    #expect(bad.exitCode == 2)
    #expect(bad.standardError == "error: --header (not shown): write a header as 'Name: value'.\n")
    let userInfo = try CandorBinary.run(["predict", "--model-url", server.url.replacingOccurrences(of: "http://", with: "http://user:hunter2@")]
                                          + Self.declared + ["--data", Self.data, "--out", "q.csv"], in: directory)
    #expect(userInfo.exitCode == 2)
    #expect(!userInfo.standardError.contains("hunter2"))
  }
}
