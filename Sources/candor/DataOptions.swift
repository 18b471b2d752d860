import ArgumentParser
import CandorCore

/// How CSV files are read; one declaration for every command that reads data.
struct ReadOptions: ParsableArguments {
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

  func read(_ path: String) throws -> Table {
    try CSVReader.read(path: path, options: csvOptions)
  }

  /// Several files read in parallel, in the order given.
  func read(_ paths: [String]) throws -> [Table] {
    try CSVReader.read(paths: paths, options: csvOptions)
  }
}

/// `--data FILE` and how it is read; shared by every command whose data file is required.
struct DataOptions: ParsableArguments {
  @Option(help: "CSV file (RFC 4180, header row, UTF-8).")
  var data: String

  @OptionGroup var reading: ReadOptions

  func readTable() throws -> Table {
    try reading.read(data)
  }
}
