import ArgumentParser
import CandorCore

/// How a CSV data file is read; shared by every command that takes `--data`.
struct DataOptions: ParsableArguments {
  @Option(help: "CSV file (RFC 4180, header row, UTF-8).")
  var data: String

  @Option(help: ArgumentHelp("Extra missing-value tokens besides the empty cell, e.g. '?,NA'.", valueName: "tokens"))
  var na: [String] = []

  @Option(help: ArgumentHelp("Read these columns as categorical whatever they hold.", valueName: "a,b"))
  var categorical: [String] = []

  @Option(help: ArgumentHelp("These columns must be numeric (text in them is an error).", valueName: "a,b"))
  var numeric: [String] = []

  var csvOptions: CSVOptions {
    CSVOptions(missingTokens: commaSeparated(na), categoricalColumns: commaSeparated(categorical),
               numericColumns: commaSeparated(numeric))
  }

  func readTable() throws -> Table {
    try CSVReader.read(path: data, options: csvOptions)
  }
}
