import CandorCore
import CandorTestSupport
import Foundation
import Testing

@Suite struct TableTests {
  @Test("row selection copies values in the order given, repeats allowed")
  func selectingRows() throws {
    let table = try parseCSV("x,c\n1,a\n2,b\n3,\n")
    let picked = table.selecting(rows: [2, 0, 0])
    #expect(numericValues(picked, "x") == [3, 1, 1])
    #expect(categoricalValues(picked, "c") == [nil, "a", "a"])
  }

  @Test("concatenation merges categorical levels by text")
  func concatenation() throws {
    let first = try parseCSV("x,c\n1,a\n2,b\n")
    let second = try parseCSV("x,c\n3,b\n4,z\n5,\n")
    let both = try first.concatenating([second])
    #expect(both.rowCount == 5)
    #expect(categoricalValues(both, "c") == ["a", "b", "b", "z", nil])
    #expect(numericValues(both, "x") == [1, 2, 3, 4, 5])
  }

  @Test("replacing a column keeps the others")
  func replacing() throws {
    let table = try parseCSV("x,c\n1,a\n2,b\n")
    let replaced = table.replacing(.numeric(NumericColumn(name: "x", values: [9, 8])))
    #expect(numericValues(replaced, "x") == [9, 8])
    #expect(replaced.columnNames == ["x", "c"])
  }

  @Test("intersectional group counts add up to the row count")
  func groupingCountsAddUp() throws {
    let adult = try Fixtures.adult("test")
    let grouping = try adult.grouping(by: ["race", "sex"])
    #expect(grouping.counts.reduce(0, +) == adult.rowCount)
    #expect(grouping.keys.count == 10)
    #expect(grouping.keys.contains("White|Male"))
    let white = try adult.grouping(by: ["race"])
    let whiteCount = white.counts[white.keys.firstIndex(of: "White")!]
    let split = ["White|Female", "White|Male"].map { grouping.counts[grouping.keys.firstIndex(of: $0)!] }
    #expect(split.reduce(0, +) == whiteCount)
  }

  // Tests/Fixtures/fuzz/grouping_44_columns.csv: 44 columns of 'a', 'b' and a missing cell. Their mixed-radix
  // group code needs 3⁴⁴ > 2⁶³ values, which overflowed and trapped (Fuzz/CSVReader groups by every column).
  @Test("grouping by 44 columns numbers the combinations instead of overflowing")
  func groupingManyColumns() throws {
    let table = try CSVReader.read(path: Fixtures.path("fuzz/grouping_44_columns.csv"))
    let grouping = try table.grouping(by: table.columnNames)
    #expect(grouping.keys == ["a", "b", "missing"].map { Array(repeating: $0, count: 44).joined(separator: "|") })
    #expect(grouping.groupOfRow == [0, 1, 2])
    #expect(grouping.counts == [1, 1, 1])
  }

  @Test("groups of many columns are the groups of one column holding each row's values joined")
  func groupingManyColumnsLaw() throws {
    let columnCount = 90, rowCount = 60
    var csv = (0..<columnCount).map { "c\($0)" }.joined(separator: ",") + ",joined\n"
    for r in 0..<rowCount {
      let values = (0..<columnCount).map { c in (r * 7 + c * c * 3) % 5 < 2 ? "x" : "y" }
      csv += values.joined(separator: ",") + "," + values.joined(separator: "|") + "\n"
    }
    let table = try parseCSV(csv)
    let wide = try table.grouping(by: (0..<columnCount).map { "c\($0)" })
    let joined = try table.grouping(by: ["joined"])
    // The joined column's values hold '|', which its keys escape; the values themselves must agree.
    #expect(wide.values.map { $0.joined(separator: "|") } == joined.values.map { $0[0] })
    #expect(wide.groupOfRow == joined.groupOfRow)
    #expect(wide.counts == joined.counts)
  }

  @Test("grouping by no column throws instead of trapping")
  func groupingByNothing() throws {
    let table = try parseCSV("g,x\na,1\n")
    #expect(throws: TableError.noGroupingColumns) { try table.grouping(by: []) }
    #expect(TableError.noGroupingColumns.description == "Rows cannot be grouped by no column: name at least one.")
  }

  @Test("intersectional keys are unambiguous: (P|Q, R) and (P, Q|R) are two groups with two keys, and each key gives its values back")
  func intersectionalKeysWithPipes() throws {
    let table = try parseCSV("a,b\nP|Q,R\nP,Q|R\nP|Q,R\nx\\,y\n")
    let grouping = try table.grouping(by: ["a", "b"])
    #expect(grouping.keys == ["P|Q\\|R", "P\\|Q|R", "x\\\\|y"])
    #expect(grouping.values == [["P", "Q|R"], ["P|Q", "R"], ["x\\", "y"]])
    #expect(grouping.counts == [1, 2, 1])
    #expect(grouping.values.map { Grouping.values(ofKey: Grouping.key($0)) } == grouping.values)
  }

  @Test("a key gives back the values it joins, whatever they hold", arguments: [["|"], ["\\"], ["", ""], ["a\\|b", "|\\|", "\\\\"], ["plain", "missing"]])
  func keyRoundTrip(_ values: [String]) {
    #expect(Grouping.values(ofKey: Grouping.key(values)) == values)
  }

  @Test("the text 'missing' and a missing cell are one group, as the feature encoder has them")
  func missingTextJoinsMissing() throws {
    let grouping = try parseCSV("g,x\nmissing,1\n,2\nb,3\n").grouping(by: ["g"])
    #expect(grouping.keys == ["b", "missing"])
    #expect(grouping.counts == [1, 2])
  }

  @Test("many columns of many values (a combined radix past Int.max) group every row without trapping")
  func radixOverflow() throws {
    let rows = (0..<10_000).map { r in (0..<5).map { c in "v\(r)_\(c)" }.joined(separator: ",") }
    let table = try parseCSV("c0,c1,c2,c3,c4\n" + rows.joined(separator: "\n") + "\n")
    let grouping = try table.grouping(by: ["c0", "c1", "c2", "c3", "c4"])
    #expect(grouping.keys.count == 10_000)
    #expect(grouping.counts.allSatisfy { $0 == 1 })
    #expect(grouping.keys.first == "v0_0|v0_1|v0_2|v0_3|v0_4")
  }

  @Test("missing values form their own group")
  func missingGroup() throws {
    let table = try parseCSV("g,x\na,1\n,2\nb,3\n")
    let grouping = try table.grouping(by: ["g"])
    #expect(grouping.keys == ["a", "b", "missing"])
  }
}

@Suite struct ColumnProfileTests {
  @Test("profiles name the type, missing count, range and most frequent levels")
  func profiles() throws {
    let table = try parseCSV("x,c\n1,b\n3,a\n,b\n8,\n")
    #expect(ColumnProfile(table["x"]!).text == "x: numeric, 1 missing, min 1, mean 4, max 8")
    #expect(ColumnProfile(table["c"]!).text == "c: categorical, 2 levels, 1 missing: b (2), a (1)")
    #expect(ColumnProfile(table["c"]!, top: 1).text == "c: categorical, 2 levels, 1 missing: b (2), …")
  }
}

@Suite struct OutputFileTests {
  @Test("writing replaces an existing file whole and leaves no temporary behind")
  func replaces() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("out.txt").path
    try OutputFile.write("first", to: path)
    try OutputFile.write("second", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.txt"])
  }

  @Test("rows of text, integers and numbers are quoted per RFC 4180 and read back, a field longer than a block too")
  func streamedRows() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("rows.csv").path
    let long = String(repeating: "x", count: 1_500_000)
    let texts = ["plain", "a,b", "say \"hi\"", "two\nlines", long]
    try OutputFile.write(to: path) { sink in
      let writer = CSVWriter(to: sink)
      writer.row(["id", "text", "value"])
      for (i, text) in texts.enumerated() {
        writer.field(i)
        writer.field(text)
        writer.field(Double(i) / 3)
        writer.endRow()
      }
      writer.finish()
    }
    let table = try CSVReader.read(path: path)
    #expect(table.rowCount == texts.count)
    for (i, text) in texts.enumerated() {
      #expect(try table.column("text").text(at: i) == text)
      #expect(try table.column("id").text(at: i) == "\(i)")
      guard case let .numeric(values) = try table.column("value") else { Issue.record("value type"); return }
      #expect(values.values[i] == Double(i) / 3)
    }
  }

  @Test("a streamed numeric column spans several 1 MiB blocks and reads back bit for bit")
  func streamedColumn() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("w.csv").path
    var random = SeededRandom(seed: 11)
    // 150,000 values of up to 24 characters (more than 2 MiB), with repeats, negatives, zeros and integers.
    let values = (0..<150_000).map { i -> Double in
      switch i % 5 {
      case 0: return 0.25
      case 1: return -random.nextUniform() * 1e-7
      case 2: return Double(i)
      default: return random.nextUniform() * 1e300
      }
    }
    try OutputFile.write(to: path) { CSVWriter.writeColumn("weight, \"w\"", values: values, to: $0) }
    #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int > 2 << 20)
    let table = try CSVReader.read(path: path)
    #expect(table.columnNames == ["weight, \"w\""])
    guard case let .numeric(column) = table.columns[0] else { Issue.record("not numeric"); return }
    #expect(column.values.count == values.count)
    #expect(zip(column.values, values).allSatisfy { $0.bitPattern == $1.bitPattern || ($0 == 0 && $1 == 0) })
  }
}

@Suite struct GroupingOrderTests {
  @Test("intersectional groups sort by each value in turn, not by the joined text")
  func tupleOrder() throws {
    // Joined text would put "A-B|x" before "A|y" ('-' < '|'); value by value, "A" comes first.
    let table = try parseCSV("g,h\nA-B,x\nA,y\nA,x\n")
    #expect(try table.grouping(by: ["g", "h"]).keys == ["A|x", "A|y", "A-B|x"])
  }
}

@Suite struct JSONValueTests {
  @Test("the writer escapes strings, writes non-finite numbers as strings, and parses back")
  func roundTrip() throws {
    let value = JSONValue.object([
      ("name", .string("a \"quoted\"\\ line\nbreak")), ("values", .numbers([1.5, .nan, -.infinity, 0.1])),
      ("nested", .array([.object([("ok", .bool(true)), ("n", .integer(3)), ("none", .null)])])),
    ])
    let parsed = try JSONSerialization.jsonObject(with: value.data()) as! [String: Any]
    #expect(parsed["name"] as? String == "a \"quoted\"\\ line\nbreak")
    let values = parsed["values"] as! [Any]
    #expect(values[0] as? Double == 1.5 && values[1] as? String == "nan" && values[2] as? String == "-inf")
    #expect(((parsed["nested"] as! [[String: Any]])[0]["n"] as? Int) == 3)
  }
}
