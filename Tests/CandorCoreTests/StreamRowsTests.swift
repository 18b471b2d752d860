import CandorCore
import Foundation
import Testing

/// Standard input's rows (`--stdin-format`), read as the CSV reader reads a file; what the StdinRows fuzz target found.
@Suite struct StreamRowsTests {
  @Test("a JSON line whose only column is null or empty text is a row with a missing cell, not a blank line the CSV reader skips")
  func loneEmptyCell() throws {
    let input = try StreamRows.read(Data("{\"only\": 3}\n{\"only\": null}\n{\"only\": \"\"}\n{\"only\": 4}\n".utf8), format: .jsonl, columns: [], options: CSVOptions())
    #expect(input.table.rowCount == 4)
    guard case let .numeric(column)? = input.table["only"] else { Issue.record("not numeric"); return }
    #expect(column.values[0] == 3 && column.values[1].isNaN && column.values[2].isNaN && column.values[3] == 4)
  }

  @Test("an object with an empty key is refused, naming the line (the header would be blank and the first row taken for it)")
  func emptyKey() {
    #expect {
      _ = try StreamRows.read(Data("#candor-shard 0 2\n{\"\": \",\"}\n".utf8), format: .jsonl, columns: [], options: CSVOptions())
    } throws: { error in
      (error as? StreamError)?.message(naming: { "--" + $0.rawValue }) == "standard input, line 2: the object has an empty key; every column needs a name."
    }
  }

  @Test("CSV lines under declared columns, after the shard line; a wrong field count names standard input's line and --columns")
  func csvLines() throws {
    let input = try StreamRows.read(Data("#candor-shard 1 3\n1,x\r\n2,\"y,z\"\n".utf8), format: .csv, columns: ["a", "b"], options: CSVOptions())
    #expect(input.shard == (1, 3) as (Int, Int) && input.table.rowCount == 2 && input.table.columns.map(\.name) == ["a", "b"])
    #expect {
      _ = try StreamRows.read(Data("#candor-shard 1 3\n1,x\n2\n".utf8), format: .csv, columns: ["a", "b"], options: CSVOptions())
    } throws: { error in
      (error as? StreamError)?.message(naming: { $0 == .streamColumns ? "--columns" : "?" }) == "standard input, line 3: 1 field where --columns names 2. Quote fields that contain commas."
    }
  }
}
