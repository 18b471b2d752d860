/// Rows of a table partitioned by the values of one or more categorical columns.
///
/// `keys[g]` is the group's label (values joined by `|` in the order of the columns, `missing` for a
/// missing value); `groupOfRow[r]` is the group of row r; groups are sorted by key.
public struct Grouping: Sendable, Equatable {
  public let columns: [String]
  public let keys: [String]
  public let groupOfRow: ContiguousArray<Int32>
  public let counts: [Int]
}

extension Table {
  public static let missingLevelName = "missing"

  /// Groups rows by the combined values of `names` (intersectional groups when several).
  /// Numeric columns are grouped by their distinct values.
  public func grouping(by names: [String]) throws(TableError) -> Grouping {
    precondition(!names.isEmpty, "grouping needs at least one column")
    var perColumnCodes: [ContiguousArray<Int32>] = []
    var perColumnLevels: [[String]] = []
    for name in names {
      let categorical = try column(name).asCategorical()
      perColumnCodes.append(categorical.codes)
      perColumnLevels.append(categorical.levels + [Self.missingLevelName])
    }
    // Mixed-radix code per row; level index `levels.count - 1` stands for missing.
    var combined = ContiguousArray<Int>(repeating: 0, count: rowCount)
    var radix = 1
    for (codes, levels) in zip(perColumnCodes, perColumnLevels) {
      let missingIndex = levels.count - 1
      for r in 0..<rowCount {
        let code = codes[r]
        combined[r] += radix * (code == CategoricalColumn.missingCode ? missingIndex : Int(code))
      }
      radix *= levels.count
    }
    var firstRowOfCode: [Int: Int] = [:]
    for r in 0..<rowCount where firstRowOfCode[combined[r]] == nil { firstRowOfCode[combined[r]] = r }
    func label(_ mixed: Int) -> String {
      var rest = mixed
      var parts: [String] = []
      for levels in perColumnLevels {
        parts.append(levels[rest % levels.count])
        rest /= levels.count
      }
      return parts.joined(separator: "|")
    }
    let present = firstRowOfCode.keys.map { ($0, label($0)) }.sorted { $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) }
    var groupOfCode: [Int: Int32] = [:]
    for (g, entry) in present.enumerated() { groupOfCode[entry.0] = Int32(g) }
    var groupOfRow = ContiguousArray<Int32>(repeating: 0, count: rowCount)
    var counts = [Int](repeating: 0, count: present.count)
    for r in 0..<rowCount {
      let g = groupOfCode[combined[r]]!
      groupOfRow[r] = g
      counts[Int(g)] += 1
    }
    return Grouping(columns: names, keys: present.map(\.1), groupOfRow: groupOfRow, counts: counts)
  }
}

extension Column {
  /// The column as categorical: numeric values become levels written in their shortest form.
  public func asCategorical() -> CategoricalColumn {
    switch self {
    case let .categorical(column):
      return column
    case let .numeric(column):
      return CategoricalColumn(name: column.name, strings: column.values.map { $0.isNaN ? nil : formatNumber($0) })
    }
  }
}
