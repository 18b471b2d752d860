import ArgumentParser
import CandorCore
import CandorModels

/// How CSV files are read; one declaration for every command that reads data.
struct ReadOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Extra missing-value tokens besides the empty cell, e.g. '?,NA'.", valueName: "tokens"))
  var na: [String] = []

  @Option(help: ArgumentHelp("Read these columns as categorical whatever they hold.", valueName: "a,b"))
  var categorical: [String] = []

  @Option(help: ArgumentHelp("These columns must be numeric (text in them is an error).", valueName: "a,b"))
  var numeric: [String] = []

  func validate() throws {
    if let both = commaSeparated(categorical).first(where: commaSeparated(numeric).contains) {
      throw ValidationError("'\(both)' is given both with --categorical and with --numeric; choose one.")
    }
  }

  /// How to read data; given the model that will score it, its numeric features must be numbers, so a stray
  /// text cell is named by its line.
  func csvOptions(for model: (any Model)? = nil) -> CSVOptions {
    CSVOptions(missingTokens: commaSeparated(na), categoricalColumns: commaSeparated(categorical),
               numericColumns: commaSeparated(numeric), modelNumericColumns: model?.numericFeatureNames ?? [])
  }

  func read(_ path: String, for model: (any Model)? = nil) throws -> Table {
    try read(path, numericColumns: model?.numericFeatureNames ?? [])
  }

  /// Reads `path` for models whose numeric features are `numericColumns`.
  func read(_ path: String, numericColumns: [String]) throws -> Table {
    var options = csvOptions()
    options.modelNumericColumns = numericColumns
    let table = try CSVReader.read(path: path, options: options)
    for note in table.readingNotes { warn(note.message(naming: Flags.spelling)) }
    return table
  }

  /// Several files read in parallel, in the order given; what the reader noticed goes to stderr as warnings.
  func read(_ paths: [String], for model: (any Model)? = nil) throws -> [Table] {
    let tables = try CSVReader.read(paths: paths, options: csvOptions(for: model))
    for note in tables.flatMap(\.readingNotes) { warn(note.message(naming: Flags.spelling)) }
    return tables
  }
}

/// `--data FILE` and how it is read; shared by every command whose data file is required.
struct DataOptions: ParsableArguments {
  @Option(help: "CSV file (RFC 4180, header row, UTF-8).")
  var data: String

  @OptionGroup var reading: ReadOptions

  func readTable(for model: (any Model)? = nil) throws -> Table {
    try reading.read(data, for: model)
  }
}
