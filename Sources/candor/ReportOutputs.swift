import ArgumentParser
import CandorCore
import Foundation

/// `--json` and `--html`: where an analysis writes its result; one declaration for every analysis command.
struct ReportOutputs: ParsableArguments {
  @Option(help: "Write the result as JSON here.")
  var json: String?

  @Option(help: "Write a self-contained HTML report here.")
  var html: String?

  var isEmpty: Bool { json == nil && html == nil }

  /// The asked-for documents, each built only when asked for, then written. Both are built before either is
  /// written, so a failure leaves neither behind.
  func files(json makeJSON: () throws -> Data, html makeHTML: () throws -> String) rethrows -> [(Data, String)] {
    var files: [(Data, String)] = []
    if let json { files.append((try makeJSON(), json)) }
    if let html { files.append((Data(try makeHTML().utf8), html)) }
    return files
  }

  func write(json makeJSON: () throws -> Data, html makeHTML: () throws -> String) throws {
    for (bytes, path) in try files(json: makeJSON, html: makeHTML) { try OutputFile.write(bytes, to: path) }
  }
}
