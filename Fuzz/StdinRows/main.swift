import CandorCore
import Foundation

/// libFuzzer target: the bytes after the first are standard input of `--stdin-format` (Spark's `pipe`). The first
/// byte's low bit chooses CSV or JSON Lines, its next bit whether `--columns a,b,c` is declared (CSV always declares
/// them). They go through `StreamRows.read`; a `StreamError` or `TableError` is a correct answer; a trap, a sanitizer
/// report or a broken invariant is a crash. Seeds: CSV and JSON lines like the tests' and Spark's.
///
/// Invariants: a refusal names standard input and is one line; a table read has the declared columns in order and no
/// more rows than lines; JSON Lines give exactly one row per object line (none is lost as a blank line).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStdinRows(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  guard count >= 1, let start else { return 0 }
  let format: StreamRows.Format = start[0] & 1 == 0 ? .csv : .jsonl
  let columns = format == .csv || start[0] & 2 != 0 ? ["a", "b", "c"] : []
  let data = Data(UnsafeBufferPointer(start: start + 1, count: count - 1))
  let input: StreamRows.Input
  do {
    input = try StreamRows.read(data, format: format, columns: columns, options: CSVOptions())
  } catch let error as any CandorError {
    guard error is StreamError || error is TableError else { fail("refused with \(type(of: error))") }
    let message = error.message(naming: { "--" + $0.rawValue })
    require(message.contains("standard input"), "a refusal that does not name standard input: \(message)")
    require(!message.contains("\n"), "a refusal of more than one line: \(message)")
    return 0
  } catch {
    fail("threw \(error)")
  }
  var bytes = [UInt8](data)
  if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a byte-order mark, which the reader drops
  var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { $0.last == 0x0D ? $0.dropLast() : $0 }
  if lines.last?.isEmpty == true { lines.removeLast() }
  if lines.allSatisfy(\.isEmpty) { lines = [] }  // only line breaks: an empty partition
  if lines.first?.starts(with: Array("#candor-shard".utf8)) == true { lines.removeFirst() }
  if !columns.isEmpty { require(input.table.columns.map(\.name) == columns, "columns \(input.table.columns.map(\.name)) for \(columns)") }
  // A lone carriage return inside a CSV line ends a record for the CSV reader, as in a file.
  let loneReturns = lines.reduce(0) { total, line in total + line.indices.filter { line[$0] == 0x0D && $0 + 1 < line.endIndex && line[$0 + 1] != 0x0A }.count }
  require(input.table.rowCount <= lines.count + loneReturns, "\(input.table.rowCount) rows from \(lines.count) lines")
  if format == .jsonl { require(input.table.rowCount == lines.count, "\(lines.count) JSON lines gave \(input.table.rowCount) rows") }
  require((0..<input.shard.count).contains(input.shard.index), "shard \(input.shard.index) of \(input.shard.count)")
  return 0
}
