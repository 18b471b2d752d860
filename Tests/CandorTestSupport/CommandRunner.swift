import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// What one run of the `candor` binary did.
public struct CommandResult: Sendable {
  public let exitCode: Int32
  public let standardOutput: String
  public let standardError: String
}

/// Runs the `candor` executable that `swift test` built next to the test bundle.
public enum CandorBinary {
  public static var url: URL {
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("candor")
    if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
    return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/candor")
  }

  /// - Parameter input: written to the process's standard input, which is then closed (none: it inherits the tests').
  public static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], input: Data? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    process.currentDirectoryURL = directory ?? Fixtures.repositoryRoot
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    let inputPipe = input.map { _ in Pipe() }
    if let inputPipe { process.standardInput = inputPipe }
    try launch(process)
    if let input, let inputPipe {
      signal(SIGPIPE, SIG_IGN)  // a closed pipe fails the write instead of killing the tests
      DispatchQueue.global().async {
        // A process that exits before reading it all closes the pipe: the write then fails, which is its answer.
        try? inputPipe.fileHandleForWriting.write(contentsOf: input)
        try? inputPipe.fileHandleForWriting.close()
      }
    }
    // Read both pipes to the end before waiting (stderr on another thread), so neither can fill and block the
    // child.
    let errorBytes = ReadAll(error.fileHandleForReading.fileDescriptor)
    let outData = ReadAll.read(output.fileHandleForReading.fileDescriptor)
    let errData = errorBytes.wait()
    process.waitUntilExit()
    return CommandResult(exitCode: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData, as: UTF8.self))
  }
}

/// Reads a descriptor to its end with read(2), retrying a read a signal interrupted: Foundation's
/// `readDataToEndOfFile` traps on EINTR, which the SIGCHLD of another test's child process can cause.
final class ReadAll: @unchecked Sendable {
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  /// Starts reading `descriptor` on another thread.
  init(_ descriptor: Int32) {
    DispatchQueue.global().async {
      self.data = ReadAll.read(descriptor)
      self.done.signal()
    }
  }

  func wait() -> Data {
    done.wait()
    return data
  }

  static func read(_ descriptor: Int32) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count > 0 {
        data.append(contentsOf: buffer[0..<count])
      } else if count == 0 || errno != EINTR {
        return data
      }
    }
  }
}

/// One refused command line: a name for the test list, the arguments and the exact stderr expected.
public struct RefusalCase: Sendable, CustomTestStringConvertible {
  public let name: String
  public let arguments: [String]
  public let message: String
  public var testDescription: String { name }

  public init(name: String, arguments: [String], message: String) {
    self.name = name
    self.arguments = arguments
    self.message = message
  }

  /// Runs the case in `folder` and checks the contract for bad input: exit 2, exactly `message` on stderr,
  /// nothing on stdout, and every file in the folder (hidden ones too) unchanged.
  public func expectRefused(in folder: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = try FolderSnapshot(folder)
    let result = try CandorBinary.run(arguments, in: folder)
    #expect(result.exitCode == 2, sourceLocation: sourceLocation)
    #expect(result.standardError == message, sourceLocation: sourceLocation)
    #expect(result.standardOutput == "", sourceLocation: sourceLocation)
    #expect(try FolderSnapshot(folder) == before, sourceLocation: sourceLocation)
  }
}

/// Every entry of a folder (hidden ones too) with a regular file's bytes, to compare before and after a run.
public struct FolderSnapshot: Equatable {
  public let files: [String: Data]

  public init(_ folder: URL) throws {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
      let url = folder.appendingPathComponent(name)
      let isRegular = (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false
      let isLink = (try? url.resourceValues(forKeys: [.isSymbolicLinkKey]).isSymbolicLink) ?? false
      files[name] = isRegular && !isLink ? try Data(contentsOf: url) : Data()
    }
    self.files = files
  }
}

/// Starts a process with every other start in this test process waiting: swift-corelibs-foundation's `Process.run`
/// sets up shared state (its child-watching run loop source) that concurrent starts from many test threads have been
/// seen to corrupt (a jump to a null pointer on a dispatch worker).
public func launch(_ process: Process) throws {
  launchLock.lock()
  defer { launchLock.unlock() }
  try process.run()
}

private let launchLock = NSLock()
