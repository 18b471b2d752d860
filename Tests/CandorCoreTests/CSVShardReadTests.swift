import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// `CSVReader.read(path:options:shard:of:)`: a shard scans and types only its own rows, and the shards of a file
/// are, row for row, the whole table.
@Suite struct CSVShardReadTests {
  /// Every cell of `table` as text, column by column (levels are numbered per shard, texts are not).
  func texts(_ table: Table) -> [[String?]] {
    table.columns.map { column in (0..<table.rowCount).map { column.text(at: $0) } }
  }

  func write(_ text: String, in folder: URL, name: String = "data.csv") throws -> String {
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
  }

  @Test("the shards of a file, for any count, are the whole table's rows in order, with the file's BLAKE3 digest",
        arguments: [
          "id,x,label\n1,0.5,a\n2,1.5,b\n\n3,2.5,a\n4,3.5,b\n5,4.5,a\n",  // a blank line inside
          "\n\nid,x,label\n1,0.5,a\n2,1.5,b\n3,2.5,a\n\n\n4,3.5,b\n5,4.5,a",  // blank lines first, none at the end
          "\u{FEFF}id,x,label\r\n1,0.5,a\r\n2,1.5,b\r\n\r\n3,2.5,a\r\n4,3.5,b\r\n5,4.5,a\r\n",  // BOM, CRLF
          "id,x,label\n1,0.5,\"a, quoted\"\n2,1.5,\"b\nsplit\"\n3,2.5,a\n4,3.5,b\n5,4.5,a\n",  // quotes: scanned whole
          "id,x,label\r1,0.5,a\r2,1.5,b\r3,2.5,a\r4,3.5,b\r5,4.5,a\r",  // lone CRs: scanned whole
        ])
  func shardsAreTheWhole(text: String) throws {
    let folder = try temporaryDirectory()
    let path = try write(text, in: folder)
    let whole = try CSVReader.read(path: path)
    #expect(whole.rowCount == 5)
    for count in 1...7 {
      var rows: [Int] = []
      for index in 0..<count {
        let shard = try CSVReader.read(path: path, shard: index, of: count)
        #expect(shard.totalRows == 5)
        #expect(shard.rows == ShardRows.rows(index: index, count: count, total: 5))
        #expect(shard.blake3 == BLAKE3.hex(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(shard.table.columnNames == ["id", "x", "label"])
        #expect(shard.table.rowCount == shard.rows.count)
        if shard.table.rowCount > 0 {
          #expect(texts(shard.table) == texts(whole.selecting(rows: Array(shard.rows))), "shard \(index) of \(count)")
          #expect(shard.table["x"]!.isNumeric)
        }
        rows += shard.rows
      }
      #expect(rows == Array(0..<5))
    }
  }

  @Test("on a file of more than a megabyte, each shard's rows and numbers are the whole table's")
  func largeFile() throws {
    var lines = ["id,x,label"]
    for i in 0..<60_000 { lines.append("\(i),\(Double(i) / 7),\(i % 3 == 0 ? "a" : "b")") }
    lines.insert("", at: 30_000)
    let folder = try temporaryDirectory()
    let path = try write(lines.joined(separator: "\n") + "\n", in: folder)
    let whole = try CSVReader.read(path: path)
    for index in 0..<3 {
      let shard = try CSVReader.read(path: path, shard: index, of: 3)
      #expect(shard.rows == (index * 20_000)..<((index + 1) * 20_000))
      #expect(numericValues(shard.table, "x") == numericValues(whole.selecting(rows: Array(shard.rows)), "x"))
      #expect(texts(shard.table) == texts(whole.selecting(rows: Array(shard.rows))))
    }
  }

  @Test("errors in a shard's rows name the file's own line; rows of other shards are theirs to check")
  func errorsNameFileLines() throws {
    var lines = ["id,x,label"]
    for i in 0..<1_000 { lines.append("\(i),\(i),\(i % 2 == 0 ? "a" : "b")") }
    lines.insert("", at: 10)
    lines[700] = "1,2"  // file line 701, data row 698 (the blank line is not a row)
    let folder = try temporaryDirectory()
    let path = try write(lines.joined(separator: "\n") + "\n", in: folder)
    #expect(throws: TableError.wrongFieldCount(file: path, line: 701, expected: 3, found: 2)) {
      try CSVReader.read(path: path, shard: 1, of: 2)
    }
    #expect(try CSVReader.read(path: path, shard: 0, of: 2).table.rowCount == 500)
    var infinite = lines
    infinite[700] = "699,inf,b"
    let infinitePath = try write(infinite.joined(separator: "\n") + "\n", in: folder, name: "inf.csv")
    #expect(throws: TableError.notFinite(file: infinitePath, column: "x", line: 701, value: "inf")) {
      try CSVReader.read(path: infinitePath, options: CSVOptions(numericColumns: ["x"]), shard: 1, of: 2)
    }
  }

  @Test("a shard types its columns from its own rows: a text cell in one shard leaves the other's column numbers")
  func kindsPerShard() throws {
    let folder = try temporaryDirectory()
    let path = try write("x,y\n1,a\n2,b\n3,c\nnone,d\n", in: folder)
    #expect(try CSVReader.read(path: path, shard: 0, of: 2).table["x"]!.isNumeric)
    #expect(try !CSVReader.read(path: path, shard: 1, of: 2).table["x"]!.isNumeric)
    let declared = CSVOptions(categoricalColumns: ["x"])
    #expect(try !CSVReader.read(path: path, options: declared, shard: 0, of: 2).table["x"]!.isNumeric)
  }

  @Test("more shards than rows leave some empty; a file without rows is refused as unsharded")
  func emptyShardsAndFiles() throws {
    let folder = try temporaryDirectory()
    let path = try write("x,y\n1,a\n2,b\n", in: folder)
    let empty = try CSVReader.read(path: path, shard: 0, of: 3)
    #expect(empty.rows == 0..<0 && empty.totalRows == 2 && empty.table.rowCount == 0)
    #expect(empty.table.columnNames == ["x", "y"])
    #expect(try CSVReader.read(path: path, shard: 2, of: 3).table.rowCount == 1)
    let headerOnly = try write("x,y\n\n", in: folder, name: "header.csv")
    #expect(throws: TableError.noRows(file: headerOnly)) { try CSVReader.read(path: headerOnly, shard: 0, of: 2) }
    let blank = try write("\n\n", in: folder, name: "blank.csv")
    #expect(throws: TableError.emptyFile(blank)) { try CSVReader.read(path: blank, shard: 0, of: 2) }
    let numbers = try write("1,2\n3,4\n", in: folder, name: "numbers.csv")
    #expect(throws: TableError.noHeader(file: numbers, field: 1, value: "1")) { try CSVReader.read(path: numbers, shard: 1, of: 2) }
  }
}
