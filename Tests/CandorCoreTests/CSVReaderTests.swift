import CandorCore
import CandorTestSupport
import Foundation
import Testing

func parseCSV(_ text: String, options: CSVOptions = CSVOptions()) throws -> Table {
  try CSVReader.parse(Data(text.utf8), source: "test.csv", options: options)
}

func categoricalValues(_ table: Table, _ name: String) -> [String?] {
  let column = table[name]!.asCategorical()
  return (0..<column.codes.count).map { column.value(at: $0) }
}

func numericValues(_ table: Table, _ name: String) -> [Double] {
  guard case let .numeric(column) = table[name]! else { return [] }
  return Array(column.values)
}

@Suite struct CSVReaderTests {
  @Test("quoted fields keep commas, doubled quotes and newlines")
  func quotedFields() throws {
    let table = try parseCSV("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n\"multi\nline\",plain\n")
    #expect(table.rowCount == 2)
    #expect(categoricalValues(table, "name") == ["Smith, J", "multi\nline"])
    #expect(categoricalValues(table, "note") == ["said \"hi\"", "plain"])
  }

  @Test("CRLF, a byte-order mark and a missing final newline read like plain LF")
  func lineEndingsAndBOM() throws {
    let plain = try parseCSV("a,b\n1,x\n2,y\n")
    let windows = try parseCSV("\u{FEFF}a,b\r\n1,x\r\n2,y")
    #expect(windows == plain)
    #expect(windows.columnNames == ["a", "b"])
    #expect(numericValues(windows, "a") == [1, 2])
  }

  @Test("blank lines are skipped")
  func blankLines() throws {
    let table = try parseCSV("a,b\n1,x\n\n2,y\n\n")
    #expect(table.rowCount == 2)
  }

  @Test("columns are numeric when every non-missing cell is a finite number")
  func typeInference() throws {
    let table = try parseCSV("n,c,m\n1.5,a,3\n-2e3,7,\n,b,4\n")
    #expect(numericValues(table, "n").count == 3)
    #expect(numericValues(table, "n")[0] == 1.5 && numericValues(table, "n")[1] == -2000 && numericValues(table, "n")[2].isNaN)
    #expect(!table["c"]!.isNumeric)
    #expect(categoricalValues(table, "c") == ["a", "7", "b"])
    #expect(numericValues(table, "m")[1].isNaN)
  }

  @Test("--na tokens are missing, and overrides force a type")
  func missingTokensAndOverrides() throws {
    let options = CSVOptions(missingTokens: ["?", "NA"], categoricalColumns: ["code"])
    let table = try parseCSV("x,code,s\n?,1,NA\n3,2,b\n", options: options)
    #expect(numericValues(table, "x")[0].isNaN && numericValues(table, "x")[1] == 3)
    #expect(categoricalValues(table, "code") == ["1", "2"])
    #expect(categoricalValues(table, "s") == [nil, "b"])
    // A digit as a missing token: single digits skip the parser, never the token.
    let digits = try parseCSV("y,z\n0,1\n7,0\n0,\"5\"\n", options: CSVOptions(missingTokens: ["0"]))
    #expect(numericValues(digits, "y")[0].isNaN && numericValues(digits, "y")[1] == 7 && numericValues(digits, "y")[2].isNaN)
    #expect(numericValues(digits, "z")[0] == 1 && numericValues(digits, "z")[1].isNaN && numericValues(digits, "z")[2] == 5)
  }

  @Test("numbers parse exactly as the standard library parses them")
  func numbersRoundTrip() throws {
    var random = SeededRandom(seed: 7)
    var texts: [String] = ["0", "-0", "0.1", "1e-300", "123456789012345678", "3.141592653589793238", " 42 ", "+5", ".5", "5."]
    for _ in 0..<2000 {
      let value = (random.nextUniform() - 0.5) * pow(10, Double(Int(random.next() % 30)) - 15)
      texts.append("\(value)")
      texts.append(String(format: "%.6f", value))
    }
    let csv = "v\n" + texts.map { "\"\($0)\"" }.joined(separator: "\n") + "\n"
    let parsed = numericValues(try parseCSV(csv), "v")
    for (text, value) in zip(texts, parsed) {
      let expected = Double(text.trimmingCharacters(in: .whitespaces))!
      #expect(value.bitPattern == expected.bitPattern, "\(text)")
    }
  }

  @Test("long decimals (16 to 19 digits, the extended-precision path) parse exactly as strtod does")
  func longDecimals() throws {
    var random = SeededRandom(seed: 11)
    var texts: [String] = ["0.4999999999999999722444243843710864", "0.1000000000000000055511151231257827"]
    for _ in 0..<20_000 {
      let digits = 16 + Int(random.next() % 4)
      var text = "0."
      for _ in 0..<digits { text.append(Character(String(random.next() % 10))) }
      texts.append(text)
      texts.append("\(random.nextUniform() * pow(10, Double(random.next() % 8)))")
    }
    let parsed = numericValues(try parseCSV("v\n" + texts.joined(separator: "\n") + "\n"), "v")
    for (text, value) in zip(texts, parsed) { #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)") }
  }

  @Test("large quote-free files (scanned in parallel chunks) read like small ones, blank lines and CRLF included")
  func largeFiles() throws {
    var lines = ["id,x,label"]
    for i in 0..<60_000 { lines.append("\(i),\(Double(i) / 7),\(i % 3 == 0 ? "a" : "b")") }
    lines.insert("", at: 30_000)
    let lf = lines.joined(separator: "\n") + "\n"
    let crlf = lines.joined(separator: "\r\n")
    #expect(lf.utf8.count > 1 << 20)
    let a = try parseCSV(lf), b = try parseCSV(crlf)
    #expect(a.rowCount == 60_000)
    #expect(a == b)
    #expect(numericValues(a, "x")[59_999] == 59_999.0 / 7)
    var broken = lines
    broken[45_000] = "1,2"
    // Line numbers count the header and the blank line: list index + 1.
    #expect(throws: TableError.wrongFieldCount(file: "test.csv", line: 45_001, expected: 3, found: 2)) {
      try parseCSV(broken.joined(separator: "\n"))
    }
    // A cell's line, found through the chunk that holds it.
    var infinite = lines
    infinite[50_000] = "49999,inf,b"
    #expect(throws: TableError.notFinite(file: "test.csv", column: "x", line: 50_001, value: "inf")) {
      try parseCSV(infinite.joined(separator: "\n"))
    }
    #expect(a["label"]!.text(at: 59_999) == "b" && a["label"]!.text(at: 59_997) == "a")
  }

  @Test("the Adult sample reads with the documented shape and types")
  func adultShape() throws {
    let table = try Fixtures.adult("train")
    #expect(table.rowCount == 32_561)
    #expect(table.columnNames.count == 15)
    #expect(table["age"]!.isNumeric && !table["workclass"]!.isNumeric)
    #expect(table["workclass"]!.missingCount == 1836)
    #expect(table["occupation"]!.missingCount == 1843)
    #expect(table["native_country"]!.missingCount == 583)
  }
}
