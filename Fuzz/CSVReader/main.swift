import CandorCore
import Foundation

/// libFuzzer target: the bytes are a `--data` file. They go through what the commands do with one: the scan,
/// the header, each column's type inference (`CSVReader.parse`), then the encoder `candor train` fits and
/// applies, the column profiles of `candor inspect`, and the groups of `--sensitive` naming every column. A `TableError` is a correct answer; a trap, a sanitizer report
/// or a broken invariant below is a crash.
///
/// Invariants checked on every table read:
/// - every categorical code is missing or names a level, and levels are distinct;
/// - the table written back as CSV (every field quoted) reads as the same table;
/// - reading again with `--na`, `--categorical` and `--numeric` naming its columns gives the same cells;
/// - the shards of 1 to 3 (`parse(_:source:options:shard:of:)`, a shard typing its rows alone) cover the rows once,
///   in order, and a shard that reads holds the whole table's cells in every column typed alike.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  guard let table = try? CSVReader.parse(data, source: "fuzz.csv") else { return 0 }
  checkCodes(table)
  let written = quotedCSV(table)
  let kinds = CSVOptions(categoricalColumns: table.columns.filter { !$0.isNumeric }.map(\.name),
                         numericColumns: table.columns.filter(\.isNumeric).map(\.name))
  do {
    let reread = try CSVReader.parse(written, source: "rewritten.csv", options: kinds)
    require(sameCells(table, reread), "the table written back as CSV reads differently")
  } catch {
    fail("the table written back as CSV is refused: \(error)")
  }
  for count in 1...3 {
    var covered: [Int] = []
    for index in 0..<count {
      // A shard may refuse what the whole accepts (an infinite number among numbers there, among text here).
      guard let shard = try? CSVReader.parse(data, source: "fuzz.csv", shard: index, of: count) else { covered = []; break }
      require(shard.totalRows == table.rowCount && shard.table.rowCount == shard.rows.count, "shard \(index) of \(count): its row count")
      require(shard.table.columnNames == table.columnNames, "shard \(index) of \(count): its columns")
      checkCodes(shard.table)
      let whole = table.selecting(rows: Array(shard.rows))
      for (mine, theirs) in zip(shard.table.columns, whole.columns) where mine.isNumeric == theirs.isNumeric {
        for row in 0..<whole.rowCount {
          require(mine.text(at: row) == theirs.text(at: row), "shard \(index) of \(count): column '\(mine.name)' row \(row)")
        }
      }
      covered += shard.rows
    }
    require(covered.isEmpty || covered == Array(0..<table.rowCount), "the shards of \(count) do not cover the rows once")
  }
  let names = table.columnNames
  let options = CSVOptions(missingTokens: ["?", "NA"], categoricalColumns: [names[0]], numericColumns: [])
  if let typed = try? CSVReader.parse(data, source: "fuzz.csv", options: options) {
    checkCodes(typed)
    require(typed.rowCount == table.rowCount, "--na changed the number of rows")
    require(!typed.columns[0].isNumeric, "--categorical left column '\(names[0])' numeric")
  }
  if let encoder = try? FeatureEncoder.fit(table, features: names), let rows = try? encoder.encodedRows(table) {
    require(rows.rows == table.rowCount && rows.columns == encoder.encodedColumnCount, "encoded shape")
    for entry in rows.indices { require(entry < rows.columns, "encoded column \(entry) of \(rows.columns)") }
  }
  for column in table.columns { _ = ColumnProfile(column).text }  // what `candor inspect` prints
  if let grouping = try? table.grouping(by: names) {  // intersectional groups of every column
    require(grouping.counts.reduce(0, +) == table.rowCount, "group counts do not add up to the rows")
    for g in grouping.groupOfRow { require(g >= 0 && Int(g) < grouping.keys.count, "row in group \(g) of \(grouping.keys.count)") }
  }
  return 0
}

// MARK: - Invariants

func checkCodes(_ table: Table) {
  for case let .categorical(column) in table.columns {
    require(Set(column.levels).count == column.levels.count, "column '\(column.name)' repeats a level")
    for code in column.codes {
      require(code == CategoricalColumn.missingCode || (code >= 0 && Int(code) < column.levels.count),
              "column '\(column.name)' has code \(code) for \(column.levels.count) levels")
    }
  }
}

/// Every field quoted, quotes doubled, missing cells empty; built from UTF-8 bytes (a quote followed by a
/// combining mark is one `Character`, which `String` replacement would not find).
func quotedCSV(_ table: Table) -> Data {
  var bytes: [UInt8] = []
  func record(_ fields: [String]) {
    for (i, field) in fields.enumerated() {
      if i > 0 { bytes.append(UInt8(ascii: ",")) }
      bytes.append(UInt8(ascii: "\""))
      for byte in field.utf8 {
        if byte == UInt8(ascii: "\"") { bytes.append(byte) }
        bytes.append(byte)
      }
      bytes.append(UInt8(ascii: "\""))
    }
    bytes.append(UInt8(ascii: "\n"))
  }
  record(table.columnNames)
  for row in 0..<table.rowCount { record(table.columns.map { $0.text(at: row) ?? "" }) }
  return Data(bytes)
}

/// Equal names, kinds and cells (a missing number equals a missing number).
func sameCells(_ a: Table, _ b: Table) -> Bool {
  guard a.columnNames == b.columnNames, a.rowCount == b.rowCount else { return false }
  for (x, y) in zip(a.columns, b.columns) {
    switch (x, y) {
    case let (.numeric(x), .numeric(y)):
      for (u, v) in zip(x.values, y.values) where !(u == v || (u.isNaN && v.isNaN)) { return false }
    case let (.categorical(x), .categorical(y)):
      if x != y { return false }
    default:
      return false
    }
  }
  return true
}
