/// Some rows and columns of a table, kept with their row numbers in the whole table, as data a file can carry: a
/// shard's explained rows travel with its part so the merged page can show their values.
public struct TableExcerpt: Sendable, Equatable, Codable {
  public struct ColumnValues: Sendable, Equatable, Codable {
    public var name: String
    /// A numeric column's values (NaN for missing) …
    public var numbers: [Double]?
    /// … or a categorical column's (nil for missing).
    public var texts: [String?]?

    enum CodingKeys: String, CodingKey { case name, numbers, texts, levels, codes }

    /// Packed (`PackedArray`), as a part carries every explained row's values: numbers as their bytes, texts as their
    /// distinct values ("levels", in order of first appearance) and each row's index among them ("codes", −1 for
    /// missing). A column written by hand as "texts" is read too.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(name, forKey: .name)
      if let numbers { try container.encodePacked(numbers, forKey: .numbers) }
      if let texts {
        var index: [String: Int32] = [:], levels: [String] = []
        let codes = texts.map { text -> Int32 in
          guard let text else { return -1 }
          if let code = index[text] { return code }
          index[text] = Int32(levels.count)
          levels.append(text)
          return Int32(levels.count - 1)
        }
        try container.encode(levels, forKey: .levels)
        try container.encodePacked(codes, forKey: .codes)
      }
    }

    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      name = try container.decode(String.self, forKey: .name)
      numbers = try !container.contains(.numbers) || container.decodeNil(forKey: .numbers) ? nil : container.decodePacked([Double].self, forKey: .numbers)
      if container.contains(.levels) {
        let levels = try container.decode([String].self, forKey: .levels)
        let codes = try container.decodePacked([Int32].self, forKey: .codes)
        guard codes.allSatisfy({ $0 >= -1 && Int($0) < levels.count }) else {
          throw DecodingError.dataCorruptedError(forKey: .codes, in: container, debugDescription: "a code names no level")
        }
        texts = codes.map { $0 < 0 ? nil : levels[Int($0)] }
      } else {
        texts = try container.decodeIfPresent([String?].self, forKey: .texts)
      }
    }

    init(name: String, numbers: [Double]?, texts: [String?]?) {
      (self.name, self.numbers, self.texts) = (name, numbers, texts)
    }
  }

  enum CodingKeys: String, CodingKey { case rows, columns }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encodePacked(rows.map(Int64.init), forKey: .rows)
    try container.encode(columns, forKey: .columns)
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    rows = try container.decodePacked([Int64].self, forKey: .rows).map { Int($0) }
    columns = try container.decode([ColumnValues].self, forKey: .columns)
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
