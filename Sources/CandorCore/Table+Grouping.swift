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
  public func grouping(by names: [String]) throws(TableError) -> Grouping {
    precondition(!names.isEmpty, "grouping needs at least one column")
    var perColumnCodes: [ContiguousArray<Int32>] = []
    var perColumnLevels: [[String]] = []
    for name in names {
      let categorical = try column(name).asCategorical()
      perColumnCodes.append(categorical.codes)
      perColumnLevels.append(categorical.levels + [Self.missingLevelName])
    }
    // Mixed-radix code per row; level index `levels.count - 1` stands for missing. Before the radix would
    // outgrow Int (many columns, or columns of many levels), the combinations so far are numbered densely:
    // there are at most as many as rows.
    var combined = ContiguousArray<Int>(repeating: 0, count: rowCount)
    var radix = 1
    for (codes, levels) in zip(perColumnCodes, perColumnLevels) {
      if radix.multipliedReportingOverflow(by: levels.count).overflow { radix = Self.renumber(&combined) }
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
    // Distinct combinations present (with the first row holding each), then their order: by the first
    // column's value, then the second's, ….
    var present: [(code: Int, row: Int)] = []
    var groupOfCode: [Int: Int32] = [:]
    var table = radix <= 1 << 22 ? [Int32](repeating: -1, count: radix) : []
    if table.isEmpty {
      for r in 0..<rowCount where groupOfCode[combined[r]] == nil {
        groupOfCode[combined[r]] = 0
        present.append((combined[r], r))
      }
    } else {
      table.withUnsafeMutableBufferPointer { table in
        combined.withUnsafeBufferPointer { combined in
          for r in 0..<combined.count where table[combined[r]] < 0 {
            table[combined[r]] = 0
            present.append((combined[r], r))
          }
        }
      }
    }
    func parts(row: Int) -> [String] {
      zip(perColumnCodes, perColumnLevels).map { codes, levels in
        codes[row] == CategoricalColumn.missingCode ? levels[levels.count - 1] : levels[Int(codes[row])]
      }
    }
    let labelled = present.map { ($0.code, parts(row: $0.row)) }.sorted { a, b in
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

  /// Replaces each value of `codes` by its rank in order of first appearance; returns how many distinct
  /// values there are (at least 1, a radix).
  private static func renumber(_ codes: inout ContiguousArray<Int>) -> Int {
    var rank: [Int: Int] = [:]
    for r in codes.indices {
      if let known = rank[codes[r]] {
        codes[r] = known
      } else {
        let next = rank.count
        rank[codes[r]] = next
        codes[r] = next
      }
    }
    return max(rank.count, 1)
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
