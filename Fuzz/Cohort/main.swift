import CandorCore
import Foundation

/// libFuzzer target: the bytes (as UTF-8) are a `--cohort` (conditions joined by " and "). They go through
/// `Cohort(parsing:)` and, when it parses, select rows of a small table with a numeric column (missing cells), a text
/// column (a level holding " and " and quotes) and a missing text cell. An `InvalidCohort` is a correct answer; a trap,
/// a sanitizer report or a broken invariant is a crash. Seeds: conditions error analysis writes and odd spellings.
///
/// Invariants: the selected rows are increasing, inside the table, and the same when the cohort is parsed again from
/// its own text; `all rows` selects every row.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCohort(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
  guard let cohort = try? Cohort(parsing: text) else { return 0 }
  let table = try! Table(columns: [
    .numeric(NumericColumn(name: "age", values: [25, .nan, 40, 61.5, -3])),
    .categorical(CategoricalColumn(name: "purpose", strings: ["car and truck", nil, "say \"hi\"", "car", " edge "])),
  ], source: "fuzz.csv")
  guard let rows = try? cohort.rows(of: table) else { return 0 }
  require(zip(rows, rows.dropFirst()).allSatisfy { $0 < $1 } && rows.allSatisfy { $0 >= 0 && $0 < table.rowCount }, "rows out of order or range")
  require((try? Cohort(parsing: cohort.text).rows(of: table)) == rows, "parsing a cohort's own text selects other rows")
  if cohort.conditions.isEmpty { require(rows.count == table.rowCount, "a cohort without conditions misses rows") }
  return 0
}
