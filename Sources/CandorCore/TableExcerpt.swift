/// Some rows and columns of a table, kept with their row numbers in the whole table, as data a file can carry: a
/// shard's explained rows travel with its part so the merged page can show their values.
public struct TableExcerpt: Sendable, Equatable, Codable {
  public struct ColumnValues: Sendable, Equatable, Codable {
    public var name: String
    /// A numeric column's values (NaN for missing) …
    public var numbers: [Double]?
    /// … or a categorical column's (nil for missing).
    public var texts: [String?]?
  }

  /// Row numbers in the whole table, one per excerpt row.
  public var rows: [Int]
  public var columns: [ColumnValues]

  /// Rows `rows` of `table`, the columns named in `columns` that the table holds, each kept as numbers or text.
  public init(_ table: Table, rows: [Int], columns names: [String]) {
    self.rows = rows
    columns = names.compactMap { name in
      switch table[name] {
      case let .numeric(column)?: ColumnValues(name: name, numbers: rows.map { column.values[$0] }, texts: nil)
      case let .categorical(column)?: ColumnValues(name: name, numbers: nil, texts: rows.map { column.value(at: $0) })
      case nil: nil
      }
    }
  }

  /// Excerpts of one table, one after the other.
  public init(concatenating parts: [TableExcerpt]) {
    rows = parts.flatMap(\.rows)
    columns = parts.first?.columns.indices.map { c in
      ColumnValues(name: parts[0].columns[c].name, numbers: parts[0].columns[c].numbers.map { _ in parts.flatMap { $0.columns[c].numbers ?? [] } },
                   texts: parts[0].columns[c].texts.map { _ in parts.flatMap { $0.columns[c].texts ?? [] } })
    } ?? []
  }

  /// The excerpt as a table whose row k is excerpt row k (row number `rows[k]` of the whole table).
  public func table(source: String? = nil) throws -> Table {
    try Table(columns: columns.map { column in
      if let numbers = column.numbers { return .numeric(NumericColumn(name: column.name, values: ContiguousArray(numbers))) }
      return .categorical(CategoricalColumn(name: column.name, strings: column.texts ?? []))
    }, source: source)
  }

  /// Whether every column holds one value per row and is numbers or text, not both.
  public var isWellFormed: Bool {
    columns.allSatisfy { ($0.numbers == nil) != ($0.texts == nil) && ($0.numbers?.count ?? $0.texts?.count) == rows.count }
  }
}
