import CandorCore
import Foundation

/// Paths to the files tests read: `Tests/Fixtures/` (reference numbers copied from the libraries users
/// trust, see its README) and `samples/` (the data that ships with Candor). Tests never read `../shared`.
public enum Fixtures {
  public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static func path(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name).path
  }

  public static func sample(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("samples").appendingPathComponent(name).path
  }

  public static func json(_ name: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name))))
  }

  /// The Adult table as the reference pipelines saw it.
  public static func adult(_ split: String) throws -> Table {
    try CSVReader.read(path: sample("adult_\(split).csv"))
  }
}

/// Largest absolute difference between two equally long sequences.
public func maxAbsoluteDifference(_ a: some Collection<Double>, _ b: some Collection<Double>) -> Double {
  precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
  return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A scratch directory removed by the caller.
public func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("candor-test-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
