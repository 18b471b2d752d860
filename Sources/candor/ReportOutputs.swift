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

  var outputFiles: [(Setting, String?)] { [(.json, json), (.html, html)] }

  /// Writes the asked-for documents, each built only when asked for, to the command's outputs (committed with
  /// the command's other files).
  func write(into outputs: OutputTransaction, json makeJSON: () throws -> Data, html makeHTML: () throws -> String) throws {
    if json != nil { try outputs.write(.json, try makeJSON()) }
    if html != nil { try outputs.write(.html, try makeHTML()) }
  }
}
