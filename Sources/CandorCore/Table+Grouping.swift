/// Rows of a table partitioned by the values of one or more categorical columns.
///
/// `keys[g]` is the group's label (values joined by `|` in the order of the columns, `missing` for a
/// missing value); `groupOfRow[r]` is the group of row r; groups are sorted by the first column's value,
/// then the second's (code-point order), as Fairlearn sorts them.
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
  /// - Throws: `TableError.noGroupingColumns` when `names` is empty, `.missingColumn` for a name not in the table.
  public func grouping(by names: [String]) throws(TableError) -> Grouping {
    if names.isEmpty { throw .noGroupingColumns }
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
      let factor = radix
      combined.withUnsafeMutableBufferPointer { combined in
        codes.withUnsafeBufferPointer { codes in
          for r in 0..<codes.count {
            let code = codes[r]
            combined[r] += factor * (code == CategoricalColumn.missingCode ? missingIndex : Int(code))
          }
        }
      }
      radix *= levels.count
    }
    // Distinct combinations present, then their order: by the first column's value, then the second's, ….
    var present: [Int] = []
    var groupOfCode: [Int: Int32] = [:]
    var table = radix <= 1 << 22 ? [Int32](repeating: -1, count: radix) : []
    if table.isEmpty {
      for r in 0..<rowCount where groupOfCode[combined[r]] == nil {
        groupOfCode[combined[r]] = 0
        present.append(combined[r])
      }
    } else {
      table.withUnsafeMutableBufferPointer { table in
        combined.withUnsafeBufferPointer { combined in
          for r in 0..<combined.count where table[combined[r]] < 0 {
            table[combined[r]] = 0
            present.append(combined[r])
          }
        }
      }
    }
    func parts(_ mixed: Int) -> [String] {
      var rest = mixed
      return perColumnLevels.map { levels in
        defer { rest /= levels.count }
        return levels[rest % levels.count]
      }
    }
    let labelled = present.map { ($0, parts($0)) }.sorted { a, b in
      for (x, y) in zip(a.1, b.1) where x != y { return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) }
      return false
    }
    for (g, entry) in labelled.enumerated() {
      if table.isEmpty { groupOfCode[entry.0] = Int32(g) } else { table[entry.0] = Int32(g) }
    }
    var groupOfRow = ContiguousArray<Int32>(repeating: 0, count: rowCount)
    var counts = [Int](repeating: 0, count: labelled.count)
    if table.isEmpty {
      for r in 0..<rowCount {
        let g = groupOfCode[combined[r]]!
        groupOfRow[r] = g
        counts[Int(g)] += 1
      }
    } else {
      groupOfRow.withUnsafeMutableBufferPointer { out in
        counts.withUnsafeMutableBufferPointer { counts in
          table.withUnsafeBufferPointer { table in
            combined.withUnsafeBufferPointer { combined in
              for r in 0..<combined.count {
                let g = table[combined[r]]
                out[r] = g
                counts[Int(g)] += 1
              }
            }
          }
        }
      }
    }
    let keys = labelled.map { $0.1.joined(separator: "|") }
    return Grouping(columns: names, keys: keys, groupOfRow: groupOfRow, counts: counts)
  }
}

extension Column {
  /// The column as categorical: numeric values become levels written in their shortest form.
  public func asCategorical() -> CategoricalColumn {
    switch self {
    case let .categorical(column):
      return column
    case let .numeric(column):
      // Distinct values (0 and −0 merged), each formatted once: no string per row.
      var distinct = DistinctValues()
      var levels: [String] = []
      var codes = ContiguousArray<Int32>(repeating: CategoricalColumn.missingCode, count: column.values.count)
      codes.withUnsafeMutableBufferPointer { out in
        column.values.withUnsafeBufferPointer { values in
          for row in 0..<values.count where !values[row].isNaN {
            let (index, isNew) = distinct.index(of: values[row])
            if isNew { levels.append(formatNumber(values[row])) }
            out[row] = Int32(index)
          }
        }
      }
      return CategoricalColumn(name: column.name, codes: codes, levels: levels)
    }
  }
}
