/// Something the CSV reader decided that the user probably did not mean, worded as a warning.
public enum ReadingNote: Sendable, Equatable {
  /// A column of numbers with a few text cells, read as categorical because of them.
  case strayText(file: String, column: String, line: Int, value: String, textCells: Int, numbers: Int, levels: Int)

  public func message(naming name: (Setting) -> String) -> String {
    switch self {
    case let .strayText(file, column, line, value, textCells, numbers, levels):
      let texts = textCells == 1 ? "is the only text cell" : "is the first of \(textCells) text cells"
      return "\(file), line \(line), column '\(column)': '\(value)' \(texts) among \(numbers) numbers, so '\(column)' is read "
        + "as categorical (\(levels) levels). If it is numeric, correct the cells or pass \(name(.numericColumns)) \(column) "
        + "\(name(.missingTokens)) \(value)."
    }
  }
}

extension Setting {
  public static let numericColumns = Setting("numeric")
}
