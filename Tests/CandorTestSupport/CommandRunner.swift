import Foundation

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

  public static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> CommandResult {
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
    try process.run()
    // Read both pipes to the end before waiting, so a large output cannot block the child.
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(exitCode: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData, as: UTF8.self))
  }
}
