/// Rows of a table partitioned by the values of one or more categorical columns.
///
/// `values[g]` are group g's values, one per column (`missing` for a missing value, which the text
/// `missing` joins, as the feature encoder has it); `keys[g]` is its label, `Grouping.key(values[g])`;
/// `groupOfRow[r]` is the group of row r. Groups are sorted by the first column's value, then the second's
/// (code-point order), as Fairlearn sorts them.
public struct Grouping: Sendable, Equatable {
  public let columns: [String]
  public let keys: [String]
  public let values: [[String]]
  public let groupOfRow: ContiguousArray<Int32>
  public let counts: [Int]

  /// The label of a group (or of a set of columns): the values joined by `|`, each `\` or `|` inside a value
  /// written `\\` or `\|`, so that different values never share a label (`P|Q` and `R` give `P\|Q|R`, `P` and
  /// `Q|R` give `P|Q\|R`). A value without either character is written as it is.
  public static func key(_ values: [String]) -> String {
    values.map { value in
      guard value.contains(where: { $0 == "|" || $0 == "\\" }) else { return value }
      var escaped = ""
      for character in value {
        if character == "|" || character == "\\" { escaped.append("\\") }
        escaped.append(character)
      }
      return escaped
    }.joined(separator: "|")
  }

  /// The values a `key(_:)` label joins: split at each `|` not written `\|`, with `\\` and `\|` read back.
  public static func values(ofKey key: String) -> [String] {
    var values: [String] = [], current = "", isEscaped = false
    for character in key {
      if isEscaped {
        current.append(character)
        isEscaped = false
      } else if character == "\\" {
        isEscaped = true
      } else if character == "|" {
        values.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    if isEscaped { current.append("\\") }  // a lone trailing backslash stands for itself
    values.append(current)
    return values
  }
}

extension Table {
  public static let missingLevelName = "missing"

  /// Groups rows by the combined values of `names` (intersectional groups when several).
  /// Numeric columns are grouped by their distinct values.
  /// - Throws: `TableError.noGroupingColumns` when `names` is empty, `.missingColumn` for a name not in the table.
  /// - Complexity: O(rows) per column, plus sorting the groups.
  public func grouping(by names: [String]) throws(TableError) -> Grouping {
    if names.isEmpty { throw .noGroupingColumns }
    var categoricals: [CategoricalColumn] = []
    for name in names { categoricals.append(try column(name).asCategorical()) }
    // A level index per row and column: `levels.count` for missing, and for the text `missing` too (one group,
    // not two groups of one name).
    func levelIndex(_ column: CategoricalColumn, missingText: Int32) -> ContiguousArray<Int32> {
      let missingIndex = Int32(column.levels.count)
      return ContiguousArray(column.codes.map { $0 == CategoricalColumn.missingCode || $0 == missingText ? missingIndex : $0 })
    }
    let indices = categoricals.map { levelIndex($0, missingText: $0.levels.firstIndex(of: Self.missingLevelName).map(Int32.init) ?? -2) }
    // A mixed-radix code per row, renumbered densely whenever the next column would overflow the radix.
    var combined = ContiguousArray<Int>(repeating: 0, count: rowCount)
    var radix = 1
    for (column, index) in zip(categoricals, indices) {
      let width = column.levels.count + 1
      if radix.multipliedReportingOverflow(by: width).overflow { radix = Self.renumber(&combined) }
      let factor = radix
      combined.withUnsafeMutableBufferPointer { combined in
        index.withUnsafeBufferPointer { index in
          for r in 0..<index.count { combined[r] += factor * Int(index[r]) }
        }
      }
      radix *= width
    }
    // Distinct combinations present, each with the first row that has it, then their order: by the first
    // column's value, then the second's, ….
    var firstRows: [Int] = []
    var groupOfCode: [Int: Int32] = [:]
    var table = radix <= 1 << 22 ? [Int32](repeating: -1, count: radix) : []
    if table.isEmpty {
      for r in 0..<rowCount where groupOfCode[combined[r]] == nil {
        groupOfCode[combined[r]] = 0
        firstRows.append(r)
      }
    } else {
      table.withUnsafeMutableBufferPointer { table in
        combined.withUnsafeBufferPointer { combined in
          for r in 0..<combined.count where table[combined[r]] < 0 {
            table[combined[r]] = 0
            firstRows.append(r)
          }
        }
      }
    }
    func values(ofRow row: Int) -> [String] {
      zip(categoricals, indices).map { column, index in
        let level = Int(index[row])
        return level == column.levels.count ? Self.missingLevelName : column.levels[level]
      }
    }
    let labelled = firstRows.map { (combined[$0], values(ofRow: $0)) }.sorted { a, b in
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
    let values = labelled.map(\.1)
    return Grouping(columns: names, keys: values.map(Grouping.key), values: values, groupOfRow: groupOfRow, counts: counts)
  }

  /// Renumbers `codes` 0, 1, 2, … in order of first appearance; returns how many distinct codes there are.
  private static func renumber(_ codes: inout ContiguousArray<Int>) -> Int {
    var dense: [Int: Int] = [:]
    for r in codes.indices {
      if let code = dense[codes[r]] {
        codes[r] = code
      } else {
        let code = dense.count
        dense[codes[r]] = code
        codes[r] = code
      }
    }
    return max(dense.count, 1)  // a radix: at least 1, also for a table of no rows
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
