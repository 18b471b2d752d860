import CandorCore
import CandorTestSupport
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Outputs never replace a device or FIFO, never follow a planted link, never overwrite an input, are
/// committed together or not at all, and leave nothing behind when the process is killed.
@Suite struct OutputSafetyCLITests {
  static let data = "age,sex,income\n30,F,yes\n40,M,no\n50,F,yes\n35,M,no\n45,F,no\n25,M,yes\n"

  /// A folder with `D.csv` (the data above) and `m.json`, a model trained on it.
  static func folderWithModel() throws -> URL {
    let folder = try temporaryDirectory()
    try Data(data.utf8).write(to: folder.appendingPathComponent("D.csv"))
    let trained = try CandorBinary.run(["train", "--data", "D.csv", "--target", "income", "--out", "m.json"], in: folder)
    try #require(trained.exitCode == 0, "\(trained.standardError)")
    return folder
  }

  static let predict = ["predict", "--model", "m.json", "--data", "D.csv"]
  static let fairness = ["fairness", "--model", "m.json", "--data", "D.csv", "--target", "income", "--sensitive", "sex"]
  static let explain = ["explain", "--model", "m.json", "--data", "D.csv", "--method", "permutation", "--target", "income"]
  static let reweigh = ["mitigate", "reweigh", "--data", "D.csv", "--target", "income", "--sensitive", "sex"]
  static let threshold = ["mitigate", "threshold", "--model", "m.json", "--data", "D.csv", "--target", "income",
                          "--sensitive", "sex", "--constraint", "demographic_parity"]

  static let refusals: [RefusalCase] = [
    RefusalCase(name: "predict over its data", arguments: predict + ["--out", "D.csv"],
                message: "error: --out D.csv is the --data file, which this command reads; Candor never writes over its input. Choose another path.\n"),
    RefusalCase(name: "predict over its model", arguments: predict + ["--out", "./m.json"],
                message: "error: --out ./m.json is the --model file m.json, which this command reads; Candor never writes over its input. Choose another path.\n"),
    RefusalCase(name: "train over its data", arguments: ["train", "--data", "D.csv", "--target", "income", "--out", "D.csv"],
                message: "error: --out D.csv is the --data file, which this command reads; Candor never writes over its input. Choose another path.\n"),
    RefusalCase(name: "fairness JSON over its data through a link", arguments: fairness + ["--json", "link.csv"],
                message: "error: --json link.csv is the --data file D.csv, which this command reads; Candor never writes over its input. Choose another path.\n"),
    RefusalCase(name: "explain HTML over a hard link of its data", arguments: explain + ["--html", "hard.csv"],
                message: "error: --html hard.csv is the --data file D.csv, which this command reads; Candor never writes over its input. Choose another path.\n"),
    RefusalCase(name: "threshold over the model it post-processes", arguments: threshold + ["--out", "m.json"],
                message: "error: --out m.json is the --model file, which this command reads; Candor never writes over its input. Choose another path.\n"),
    RefusalCase(name: "the same path for JSON and HTML", arguments: fairness + ["--json", "r.json", "--html", "./r.json"],
                message: "error: --json and --html both name ./r.json; give each output a path of its own.\n"),
    RefusalCase(name: "fairness: a later output in a missing folder", arguments: fairness + ["--json", "ok.json", "--html", "missing/f.html"],
                message: "error: Cannot write missing/f.html: the folder missing does not exist.\n"),
    RefusalCase(name: "explain: a later output in a missing folder", arguments: explain + ["--json", "ok.json", "--html", "missing/e.html"],
                message: "error: Cannot write missing/e.html: the folder missing does not exist.\n"),
    RefusalCase(name: "reweigh: the retrained model in a missing folder",
            arguments: reweigh + ["--weights-out", "w.csv", "--retrain-out", "missing/m.json"],
                message: "error: Cannot write missing/m.json: the folder missing does not exist.\n"),
    RefusalCase(name: "threshold: the JSON in a missing folder", arguments: threshold + ["--out", "t.json", "--json", "missing/t.json"],
                message: "error: Cannot write missing/t.json: the folder missing does not exist.\n"),
    RefusalCase(name: "predict: a target column the data lacks", arguments: predict + ["--out", "p.csv", "--target", "nope"],
                message: "error: D.csv has no column 'nope'. The columns are: age, sex, income.\n"),
    RefusalCase(name: "an output that is a folder", arguments: predict + ["--out", "sub"],
                message: "error: Cannot write sub: it is a folder; give a file name.\n"),
    RefusalCase(name: "a link to a missing file", arguments: predict + ["--out", "dangling.csv"],
                message: "error: Cannot write dangling.csv: it is a symbolic link to gone/p.csv, which does not exist.\n"),
  ]

  @Test("an output that is an input, another output, or unwritable is refused before any work, and nothing changes",
        arguments: refusals)
  func refused(_ refusal: RefusalCase) throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.csv").path, withDestinationPath: "D.csv")
    try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("dangling.csv").path, withDestinationPath: "gone/p.csv")
    try FileManager.default.linkItem(atPath: folder.appendingPathComponent("D.csv").path, toPath: folder.appendingPathComponent("hard.csv").path)
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: false)
    try refusal.expectRefused(in: folder)
  }

  @Test("a FIFO output is written into and stays a FIFO")
  func fifo() throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    let regular = try CandorBinary.run(Self.predict + ["--out", "p.csv"], in: folder)
    try #require(regular.exitCode == 0)
    let expected = try Data(contentsOf: folder.appendingPathComponent("p.csv"))
    let fifo = folder.appendingPathComponent("pipe").path
    try #require(mkfifo(fifo, 0o600) == 0)
    // The reader opens the FIFO before candor can finish, so the open at commit does not block forever.
    let received = Received()
    let reader = Thread { received.data = Self.readToEnd(fifo) }
    reader.start()
    let result = try CandorBinary.run(Self.predict + ["--out", "pipe"], in: folder)
    while !received.done { usleep(1000) }
    #expect(result.exitCode == 0)
    #expect(received.data == expected)
    var info = stat()
    #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
  }

  /// Reads with plain POSIX calls: Foundation's file reading sizes a FIFO as empty and returns at once.
  static func readToEnd(_ path: String) -> Data {
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = read(descriptor, &buffer, buffer.count)
      if count <= 0 { return data }
      data.append(contentsOf: buffer[..<count])
    }
  }

  final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?
    private var finished = false
    var data: Data? {
      get { lock.withLock { stored } }
      set { lock.withLock { stored = newValue; finished = true } }
    }
    var done: Bool { lock.withLock { finished } }
  }

  @Test("a character device made with mknod in a scratch folder is written into, never replaced",
        .enabled(if: geteuid() == 0, "mknod needs root"))
  func device() throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    let device = folder.appendingPathComponent("null").path
    try #require(mknod(device, S_IFCHR | 0o666, makedev(1, 3)) == 0, "mknod: \(String(cString: strerror(errno)))")
    for arguments in [Self.predict + ["--out", "null"], Self.fairness + ["--json", "null"]] {
      let result = try CandorBinary.run(arguments, in: folder)
      #expect(result.exitCode == 0, "\(result.standardError)")
      var info = stat()
      #expect(lstat(device, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == makedev(1, 3))
    }
  }

  @Test("a full device (mknod 1,7 in a scratch folder) is a write error in words, exit 2",
        .enabled(if: geteuid() == 0, "mknod needs root"))
  func fullDevice() throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    try #require(mknod(folder.appendingPathComponent("full").path, S_IFCHR | 0o666, makedev(1, 7)) == 0)
    let result = try CandorBinary.run(Self.predict + ["--out", "full"], in: folder)
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: Cannot write full: no space left on device.\n")
  }

  @Test("/dev/stdout writes to the process's standard output")
  func standardOutput() throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try CandorBinary.run(Self.predict + ["--out", "/dev/stdout"], in: folder)
    #expect(result.exitCode == 0)
    #expect(result.standardOutput.hasPrefix("row,prediction,"))
    #expect(result.standardOutput.hasSuffix("Wrote 6 predictions to /dev/stdout.\n"))
  }

  func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
    dev_t(major) << 8 | dev_t(minor)
  }

  @Test("links planted at the names of earlier versions' temporaries are never followed", arguments: ["anonymous", "named"])
  func plantedLinks(temporaries: String) throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    let victim = folder.appendingPathComponent("victim")
    try Data("precious".utf8).write(to: victim)
    // Earlier versions wrote to `.NAME.<pid>.tmp`: plant links for the next process ids.
    let last = Int((try? String(contentsOfFile: "/proc/sys/kernel/ns_last_pid", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    for pid in (last + 1)...(last + 400) {
      try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(".p.csv.\(pid).tmp").path,
                                                 withDestinationPath: victim.path)
    }
    let result = try CandorBinary.run(Self.predict + ["--out", "p.csv"], in: folder,
                                      environment: ["CANDOR_TEMPORARY_FILES": temporaries])
    #expect(result.exitCode == 0)
    #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
    #expect(try String(contentsOf: folder.appendingPathComponent("p.csv"), encoding: .utf8).hasPrefix("row,prediction,"))
  }

  @Test("a link owned by another user in a sticky, world-writable folder is not followed", .enabled(if: geteuid() == 0, "lchown needs root"))
  func sharedFolderLink() throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    let shared = folder.appendingPathComponent("shared")
    try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: false)
    chmod(shared.path, 0o1777)
    let victim = folder.appendingPathComponent("victim")
    try Data("precious".utf8).write(to: victim)
    let link = shared.appendingPathComponent("p.csv").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim.path)
    #expect(lchown(link, 65534, 65534) == 0)
    let result = try CandorBinary.run(Self.predict + ["--out", "shared/p.csv"], in: folder)
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: Cannot write shared/p.csv: it is a symbolic link owned by another user in a shared folder "
      + "(sticky and writable by all), which Candor does not follow. Remove the link or choose another path.\n")
    #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
  }

  @Test("a replaced output keeps its permissions")
  func permissionsKept() throws {
    let folder = try Self.folderWithModel()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("p.csv").path
    try Data("old".utf8).write(to: URL(fileURLWithPath: out))
    chmod(out, 0o640)
    #expect(try CandorBinary.run(Self.predict + ["--out", "p.csv"], in: folder).exitCode == 0)
    var info = stat()
    stat(out, &info)
    #expect(info.st_mode & 0o777 == 0o640)
  }
}
