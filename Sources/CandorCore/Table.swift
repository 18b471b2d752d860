/// A table of named, typed columns of equal length: the raw data as the user knows it.
///
/// Columns are value types backed by contiguous arrays, so selecting rows or replacing a column copies
/// whole blocks, never strings. `source` names the file the table was read from, for error messages.
public struct Table: Sendable, Equatable {
  public private(set) var columns: [Column]
  public let rowCount: Int
  public var source: String?
  /// What the CSV reader noticed and a user should hear (a column of numbers read as categorical for a few
  /// text cells); tables derived from this one start without notes.
  public var readingNotes: [ReadingNote] = []

  public init(columns: [Column], source: String? = nil) throws(TableError) {
    let rowCount = columns.first?.count ?? 0
    var seen = Set<String>()
    for column in columns {
      precondition(column.count == rowCount, "column '\(column.name)' has \(column.count) rows, expected \(rowCount)")
      if !seen.insert(column.name).inserted { throw .duplicateColumn(column.name, file: source) }
    }
    self.columns = columns
    self.rowCount = rowCount
    self.source = source
  }

  public var columnNames: [String] { columns.map(\.name) }

  public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }

  /// The column called `name`; the error lists the columns there are.
  public func column(_ name: String) throws(TableError) -> Column {
    guard let index = index(of: name) else {
      throw .missingColumn(name, available: columnNames, file: source)
    }
    return columns[index]
  }

  public subscript(name: String) -> Column? { index(of: name).map { columns[$0] } }

  // MARK: - Rows

  /// The rows at `indices`, in that order (indices may repeat).
  public func selecting(rows indices: [Int]) -> Table {
    // Column names stay unique, so the throwing init cannot fail here.
    try! Table(columns: columns.map { $0.selecting(indices) }, source: source)
  }

  /// The rows of `self` followed by the rows of each of `others`; categorical levels are merged.
  /// - Throws: when the column names or kinds differ.
  public func concatenating(_ others: [Table]) throws(TableError) -> Table {
    var merged = columns
    for other in others {
      guard other.columnNames == columnNames else {
        throw .incompatibleTables(expected: columnNames, found: other.columnNames)
      }
      for (i, column) in other.columns.enumerated() {
        switch (merged[i], column) {
        case (.numeric(var mine), .numeric(let theirs)):
          mine.values.append(contentsOf: theirs.values)
          merged[i] = .numeric(mine)
        case (.categorical(var mine), .categorical(let theirs)):
          var position = Dictionary(uniqueKeysWithValues: mine.levels.enumerated().map { ($1, Int32($0)) })
          let map: [Int32] = theirs.levels.map { level in
            if let code = position[level] { return code }
            let code = Int32(mine.levels.count)
            mine.levels.append(level)
            position[level] = code
            return code
          }
          mine.codes.reserveCapacity(mine.codes.count + theirs.codes.count)
          for code in theirs.codes { mine.codes.append(code == CategoricalColumn.missingCode ? code : map[Int(code)]) }
          merged[i] = .categorical(mine)
        default:
          throw .incompatibleTables(expected: columnNames, found: other.columnNames)
        }
      }
    }
    return try Table(columns: merged, source: source)
  }

  // MARK: - Columns

  /// Replaces the column with the same name, or appends it when there is none.
  public func replacing(_ column: Column) -> Table {
    precondition(column.count == rowCount || columns.isEmpty, "column '\(column.name)' has \(column.count) rows, table \(rowCount)")
    var copy = columns
    if let i = index(of: column.name) { copy[i] = column } else { copy.append(column) }
    return try! Table(columns: copy, source: source)
  }

  /// Only the named columns, in the order given.
  public func selecting(columns names: [String]) throws(TableError) -> Table {
    var picked: [Column] = []
    for name in names { picked.append(try column(name)) }
    return try Table(columns: picked, source: source)
  }
}
