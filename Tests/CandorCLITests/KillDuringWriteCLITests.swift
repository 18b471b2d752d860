import CandorTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A real signal while candor writes its output leaves no temporary behind, and the output is either absent or
/// complete; a run killed with SIGKILL while using named temporaries is cleaned up by the next run.
@Suite(.serialized) struct KillDuringWriteCLITests {
  struct Case: Sendable, CustomTestStringConvertible {
    let signal: Int32
    let temporaries: String
    var testDescription: String { "signal \(signal), \(temporaries) temporaries" }
  }

  static let cases = [SIGTERM, SIGINT, SIGKILL].flatMap { signal in
    ["anonymous", "named"].map { Case(signal: signal, temporaries: $0) }
  }

  /// A folder with a 600,000-row `big.csv` (about 29 MB of predictions: a write that takes a while) and a model.
  static func folder() throws -> URL {
    let folder = try OutputSafetyCLITests.folderWithModel()
    var text = "age,sex,income\n"
    text.reserveCapacity(9 * 600_000)
    for row in 0..<600_000 { text += "\(18 + row % 73),\(row % 3 == 0 ? "F" : "M"),\(row % 5 < 2 ? "yes" : "no")\n" }
    try Data(text.utf8).write(to: folder.appendingPathComponent("big.csv"))
    return folder
  }

  static let arguments = ["predict", "--model", "m.json", "--data", "big.csv", "--out", "p.csv"]

  /// Whether the process holds a file being written in `folder`: a named temporary there, or an anonymous one
  /// (`O_TMPFILE`, shown by /proc as `FOLDER/#INODE (deleted)`).
  static func isWriting(_ pid: Int32, in folder: URL) -> Bool {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    if names.contains(where: { $0.contains(".candor-") }) { return true }
    let descriptors = "/proc/\(pid)/fd"
    for descriptor in (try? FileManager.default.contentsOfDirectory(atPath: descriptors)) ?? [] {
      let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(descriptors)/\(descriptor)")) ?? ""
      if target.hasPrefix(folder.resolvingSymlinksInPath().path + "/#") { return true }
    }
    return false
  }

  @Test("a signal during the write leaves no temporary and no partial output", arguments: cases)
  func killed(_ testCase: Case) throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let process = Process()
    // env execs candor (same process id) with SIGINT, SIGTERM and SIGHUP at their defaults: the test runner's
    // process ignores some of them, and an ignored signal stays ignored across exec.
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["--default-signal=INT,TERM,HUP", CandorBinary.url.path] + Self.arguments
    process.currentDirectoryURL = folder
    process.environment = ProcessInfo.processInfo.environment.merging(["CANDOR_TEMPORARY_FILES": testCase.temporaries]) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try launch(process)
    var sawWrite = false
    while process.isRunning {
      if Self.isWriting(process.processIdentifier, in: folder) {
        sawWrite = true
        kill(process.processIdentifier, testCase.signal)
        break
      }
      usleep(200)
    }
    process.waitUntilExit()
    try #require(sawWrite, "the run ended before its write could be seen")
    #expect(process.terminationReason == .uncaughtSignal)
    #expect(process.terminationStatus == testCase.signal)
    var left = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    if testCase.signal == SIGKILL && testCase.temporaries == "named" {
      // Nothing can run at SIGKILL; the next run in the folder removes what the killed one left.
      #expect(left.contains { $0.hasPrefix(".p.csv.candor-\(process.processIdentifier)-") })
      let next = try CandorBinary.run(["predict", "--model", "m.json", "--data", "D.csv", "--out", "q.csv"], in: folder)
      #expect(next.exitCode == 0)
      left = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
      left.remove("q.csv")
    }
    #expect(left == ["D.csv", "m.json", "big.csv"])
  }
}
