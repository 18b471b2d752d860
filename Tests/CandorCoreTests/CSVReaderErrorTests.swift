import CandorCore
import CandorTestSupport
import Foundation
import Testing

@Suite struct CSVReaderErrorTests {
  static let cases: [(String, CSVOptions, TableError)] = [
    ("", CSVOptions(), .emptyFile("test.csv")),
    ("1,2,3\n4,5,6\n", CSVOptions(), .noHeader(file: "test.csv", field: 1, value: "1")),
    ("a,b\n", CSVOptions(), .noRows(file: "test.csv")),
    ("a,,c\n1,2,3\n", CSVOptions(), .emptyColumnName(file: "test.csv", column: 2)),
    ("a,a\n1,2\n", CSVOptions(), .duplicateColumn("a", file: "test.csv")),
    ("a,b\n1,2\n3,4,5\n", CSVOptions(), .wrongFieldCount(file: "test.csv", line: 3, expected: 2, found: 3)),
    ("a,b\n\"x\ny\",1\n2\n", CSVOptions(), .wrongFieldCount(file: "test.csv", line: 4, expected: 2, found: 1)),
    ("a,b\n\"open,1\n", CSVOptions(), .unterminatedQuote(file: "test.csv", line: 2)),
    ("a,b\n\"x\"y,1\n", CSVOptions(), .textAfterQuote(file: "test.csv", line: 2, column: "a")),
    ("a,b\n1,2\nthree,4\n", CSVOptions(numericColumns: ["a"]),
     .notANumber(file: "test.csv", column: "a", line: 3, value: "three")),
    ("a,b\n1,2\nNaN,4\n", CSVOptions(), .notFinite(file: "test.csv", column: "a", line: 3, value: "NaN")),
    ("a,b\n1,inf\n", CSVOptions(), .notFinite(file: "test.csv", column: "b", line: 2, value: "inf")),
    ("a,b\n1,2\n", CSVOptions(numericColumns: ["c"]), .missingColumn("c", available: ["a", "b"], file: "test.csv")),
  ]

  @Test("bad files are refused with the file, line, column and value", arguments: cases)
  func refused(text: String, options: CSVOptions, expected: TableError) {
    #expect(throws: expected) { try parseCSV(text, options: options) }
  }

  @Test("error messages read as plain sentences")
  func messages() {
    #expect(TableError.wrongFieldCount(file: "d.csv", line: 7, expected: 15, found: 14).description
      == "d.csv, line 7: 14 fields where the header has 15. Quote fields that contain commas.")
    #expect(TableError.missingColumn("incme", available: ["age", "income"], file: "d.csv").description
      == "d.csv has no column 'incme'. The columns are: age, income.")
    #expect(TableError.notFinite(file: "d.csv", column: "age", line: 3, value: "inf").description
      == "d.csv, line 3, column 'age': 'inf' is not a finite number. Leave the cell empty (or name the token with missingTokens) to mark a missing value.")
  }

  @Test("a front end names the settings in its own words; the library's wording names no flag")
  func settingsNamedByTheFrontEnd() {
    let error = TableError.allMissing(column: "bonus", file: "d.csv")
    #expect(error.message(naming: { "--" + $0.rawValue }) == "d.csv: column 'bonus' has no values (every cell is missing). Drop it with --drop bonus.")
    #expect(error.message(naming: { "the key '\($0.rawValue)'" })
      == "d.csv: column 'bonus' has no values (every cell is missing). Drop it with the key 'drop' bonus.")
    #expect(!error.description.contains("--"))
    #expect(error.exitStatus == .badInput)
  }

  @Test("a missing file is named")
  func missingFile() {
    #expect(throws: TableError.fileNotFound("/nonexistent/x.csv")) { try CSVReader.read(path: "/nonexistent/x.csv") }
  }
}
