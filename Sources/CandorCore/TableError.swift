/// Everything that can be wrong with a data file or a table, with what the user needs to fix it.
///
/// Lines are 1-based physical lines of the file (the header is line 1), so a field holding a newline
/// moves the count as an editor would.
public enum TableError: CandorError, Equatable {
  case fileNotFound(String)
  case unreadable(String, reason: String)
  case emptyFile(String)
  case noHeader(file: String, field: Int, value: String)
  case emptyColumnName(file: String, column: Int)
  case duplicateColumn(String, file: String?)
  case noRows(file: String)
  case wrongFieldCount(file: String, line: Int, expected: Int, found: Int)
  case unterminatedQuote(file: String, line: Int)
  case textAfterQuote(file: String, line: Int, column: String)
  case invalidUTF8(file: String, line: Int, column: String)
  case notANumber(file: String, column: String, line: Int, value: String)
  case notFinite(file: String, column: String, line: Int, value: String)
  case allMissing(column: String, file: String?)
  case textInNumericFeature(file: String?, column: String, row: Int, value: String)
  /// A column that must hold numbers (weights, a score) holds text.
  case textInNumericColumn(file: String?, column: String, row: Int, value: String)
  /// A cell of a column the model reads as a number is text; found while reading, so the line is known.
  case textInModelNumericColumn(file: String, column: String, line: Int, value: String)
  case missingColumn(String, available: [String], file: String?)
  /// The data lacks a column the model reads.
  case missingModelFeature(String, file: String?)
  case incompatibleTables(expected: [String], found: [String])
  /// `grouping(by:)` was given no column.
  case noGroupingColumns

  public func message(naming name: (Setting) -> String) -> String {
    switch self {
    case let .fileNotFound(path):
      return "\(path): no such file."
    case let .unreadable(path, reason):
      return "\(path): cannot be read (\(reason))."
    case let .emptyFile(path):
      return "\(path) is empty: a CSV file needs a header row naming the columns, then one row per record."
    case let .noHeader(file, field, value):
      return "\(file), line 1: field \(field) is the number '\(printable(value))', so the first line looks like data. "
        + "Candor needs a header row naming the columns."
    case let .emptyColumnName(file, column):
      return "\(file), line 1: column \(column) of the header has no name. Every column needs a name."
    case let .duplicateColumn(name, file):
      return "\(file.map { "\($0): " } ?? "")the column name '\(printable(name))' appears twice in the header. Column names must be unique."
    case let .noRows(file):
      return "\(file) has a header but no data rows."
    case let .wrongFieldCount(file, line, expected, found):
      return "\(file), line \(line): \(found) field\(found == 1 ? "" : "s") where the header has \(expected). "
        + "Quote fields that contain commas."
    case let .unterminatedQuote(file, line):
      return "\(file), line \(line): a quoted field is never closed (a '\"' is missing)."
    case let .textAfterQuote(file, line, column):
      return "\(file), line \(line), column '\(printable(column))': text follows the closing quote of a quoted field. "
        + "Write a quote inside a quoted field as two quotes (\"\")."
    case let .invalidUTF8(file, line, column):
      return "\(file), line \(line), column '\(printable(column))': the text is not valid UTF-8."
    case let .notANumber(file, column, line, value):
      return "\(file), line \(line), column '\(printable(column))': '\(printable(value))' is not a number, but the column was declared numeric."
    case let .notFinite(file, column, line, value):
      return "\(file), line \(line), column '\(printable(column))': '\(printable(value))' is not a finite number. "
        + "Leave the cell empty (or name the token with \(name(.missingTokens))) to mark a missing value."
    case let .allMissing(column, file):
      return "\(file.map { "\($0): " } ?? "")column '\(printable(column))' has no values (every cell is missing). Drop it with \(name(.drop)) \(printable(column))."
    case let .textInNumericFeature(file, column, row, value):
      return "\(file.map { "\($0), " } ?? "")data row \(row), column '\(printable(column))': '\(printable(value))' is text, "
        + "but the model was trained with '\(printable(column))' as a number."
    case let .textInNumericColumn(file, column, row, value):
      return "\(file.map { "\($0), " } ?? "")data row \(row), column '\(printable(column))': '\(printable(value))' is not a number, "
        + "and this column must hold numbers."
    case let .textInModelNumericColumn(file, column, line, value):
      return "\(file), line \(line), column '\(printable(column))': '\(printable(value))' is not a number, but the model was trained with '\(printable(column))' "
        + "as a number. Correct the cell, or mark such cells missing with \(name(.missingTokens)) \(printable(value))."
    case let .missingModelFeature(name, file):
      return "\(file ?? "The data") has no column '\(printable(name))', which the model reads as a feature. Score data with the "
        + "columns the model was trained on."
    case let .missingColumn(name, available, file):
      return "\(file.map { "\($0) has " } ?? "There is ")no column '\(printable(name))'. The columns are: \(available.map { printable($0) }.joined(separator: ", "))."
    case let .incompatibleTables(expected, found):
      return "Tables do not match: expected columns \(expected.map { printable($0) }.joined(separator: ", ")), found \(found.map { printable($0) }.joined(separator: ", "))."
    case .noGroupingColumns:
      return "Rows cannot be grouped by no column: name at least one."
    }
  }
}

extension TableError {
  /// The error with its line numbers moved by `delta`: for bytes parsed behind a line that is not the user's (a
  /// header given with --columns in front of standard input).
  public func movingLines(by delta: Int) -> TableError {
    switch self {
    case let .wrongFieldCount(file, line, expected, found): .wrongFieldCount(file: file, line: line + delta, expected: expected, found: found)
    case let .unterminatedQuote(file, line): .unterminatedQuote(file: file, line: line + delta)
    case let .textAfterQuote(file, line, column): .textAfterQuote(file: file, line: line + delta, column: column)
    case let .invalidUTF8(file, line, column): .invalidUTF8(file: file, line: line + delta, column: column)
    case let .notANumber(file, column, line, value): .notANumber(file: file, column: column, line: line + delta, value: value)
    case let .notFinite(file, column, line, value): .notFinite(file: file, column: column, line: line + delta, value: value)
    case let .textInModelNumericColumn(file, column, line, value): .textInModelNumericColumn(file: file, column: column, line: line + delta, value: value)
    default: self
    }
  }
}

extension ReadingNote {
  /// The note with its line number moved by `delta` (see `TableError.movingLines(by:)`).
  public func movingLines(by delta: Int) -> ReadingNote {
    switch self {
    case let .strayText(file, column, line, value, textCells, numbers, levels):
      .strayText(file: file, column: column, line: line + delta, value: value, textCells: textCells, numbers: numbers, levels: levels)
    }
  }
}
