/// Some rows and columns of a table, kept with their row numbers in the whole table, as data a file can carry: a
/// shard's explained rows travel with its part so the merged page can show their values.
public struct TableExcerpt: Sendable, Equatable, Codable {
  public struct ColumnValues: Sendable, Equatable, Codable {
    public var name: String
    /// A numeric column's values (NaN for missing) …
    public var numbers: [Double]?
    /// … or a categorical column's distinct values, in order of first appearance, and each row's index among them
    /// (−1, `CategoricalColumn.missingCode`, for missing): kept so, not as strings, so that joining the excerpts of
    /// many shards and making their table hashes the few levels rather than every row's text.
    public var levels: [String]?
    public var codes: [Int32]?

    enum CodingKeys: String, CodingKey { case name, numbers, texts, levels, codes }

    /// Packed (`PackedArray`), as a part carries every explained row's values: numbers as their bytes, texts as their
    /// levels and codes. A column written by hand as "texts" is read too.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(name, forKey: .name)
      if let numbers { try container.encodePacked(numbers, forKey: .numbers) }
      if let levels, let codes {
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
        (self.levels, self.codes) = Self.firstAppearance(levels: levels, codes: codes)
      } else if let texts = try container.decodeIfPresent([String?].self, forKey: .texts) {
        (levels, codes) = Self.coded(texts)
      }
    }

    init(name: String, numbers: [Double]?, levels: [String]?, codes: [Int32]?) {
      (self.name, self.numbers, self.levels, self.codes) = (name, numbers, levels, codes)
    }

    /// The rows' values, nil for missing (a numeric column's are nil here).
    public var texts: [String?]? { codes.map { $0.map { $0 < 0 ? nil : levels![Int($0)] } } }

    var count: Int? { numbers?.count ?? codes?.count }

    /// Texts as levels in order of first appearance and codes.
    static func coded(_ texts: [String?]) -> ([String], [Int32]) {
      var index: [String: Int32] = [:], levels: [String] = []
      let codes = texts.map { text -> Int32 in
        guard let text else { return CategoricalColumn.missingCode }
        if let code = index[text] { return code }
        index[text] = Int32(levels.count)
        levels.append(text)
        return Int32(levels.count - 1)
      }
      return (levels, codes)
    }

    /// The levels the codes use, renumbered in order of first appearance (what `coded` gives for the same texts),
    /// however the levels were listed: a table made from the excerpt then does not depend on how it was written.
    /// Repeated levels become one.
    static func firstAppearance(levels: [String], codes: [Int32]) -> ([String], [Int32]) {
      var renumbered = [Int32](repeating: -2, count: levels.count)
      var index: [String: Int32] = [:], kept: [String] = []
      let codes = codes.map { code -> Int32 in
        guard code >= 0 else { return CategoricalColumn.missingCode }
        if renumbered[Int(code)] == -2 {
          let level = levels[Int(code)]
          if let existing = index[level] {
            renumbered[Int(code)] = existing
          } else {
            renumbered[Int(code)] = Int32(kept.count)
            index[level] = Int32(kept.count)
            kept.append(level)
          }
        }
        return renumbered[Int(code)]
      }
      return (kept, codes)
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
      case let .numeric(column)?: return ColumnValues(name: name, numbers: rows.map { column.values[$0] }, levels: nil, codes: nil)
      case let .categorical(column)?:
        let (levels, codes) = ColumnValues.firstAppearance(levels: column.levels, codes: rows.map { column.codes[$0] })
        return ColumnValues(name: name, numbers: nil, levels: levels, codes: codes)
      case nil: return nil
      }
    }
  }

  /// Excerpts of one table, one after the other: a text column's levels joined in order of first appearance.
  public init(concatenating parts: [TableExcerpt]) {
    rows = parts.flatMap(\.rows)
    columns = parts.first?.columns.indices.map { c in
      let first = parts[0].columns[c]
      if first.numbers != nil {
        return ColumnValues(name: first.name, numbers: parts.flatMap { $0.columns[c].numbers ?? [] }, levels: nil, codes: nil)
      }
      var index: [String: Int32] = [:], levels: [String] = [], codes: [Int32] = []
      for part in parts {
        let column = part.columns[c]
        let partLevels = column.levels ?? []
        let renumbered = partLevels.map { level -> Int32 in
          if let code = index[level] { return code }
          index[level] = Int32(levels.count)
          levels.append(level)
          return Int32(levels.count - 1)
        }
        codes += (column.codes ?? []).map { $0 < 0 ? CategoricalColumn.missingCode : renumbered[Int($0)] }
      }
      return ColumnValues(name: first.name, numbers: nil, levels: levels, codes: codes)
    } ?? []
  }

  /// The excerpt as a table whose row k is excerpt row k (row number `rows[k]` of the whole table).
  public func table(source: String? = nil) throws -> Table {
    try Table(columns: columns.map { column in
      if let numbers = column.numbers { return .numeric(NumericColumn(name: column.name, values: ContiguousArray(numbers))) }
      return .categorical(CategoricalColumn(name: column.name, codes: ContiguousArray(column.codes ?? []), levels: column.levels ?? []))
    }, source: source)
  }

  /// Whether every column holds one value per row and is numbers or text, not both.
  public var isWellFormed: Bool {
    columns.allSatisfy { ($0.numbers == nil) != ($0.codes == nil) && ($0.codes == nil) == ($0.levels == nil) && $0.count == rows.count }
  }
}
