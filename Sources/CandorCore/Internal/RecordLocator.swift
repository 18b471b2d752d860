import CKernels
import Foundation

/// Where one shard's records lie in a CSV buffer, found by counting line feeds — no field is stored — so that a
/// shard scans and types only its own bytes (`CSVReader.read(path:options:shard:of:)`).
///
/// Only a buffer without quote characters and without lone carriage returns is located this way: there every line
/// feed ends a record (or a blank line). In a buffer with quotes a line feed may sit inside a field, and telling
/// which needs the full scan; such a buffer gives nil and is scanned whole. Every shard counts the whole file's
/// records, so the counting is `candor_scan_records` (CKernels): 64 bytes a step, records by popcount of masks.
enum RecordLocator {
  struct Located: Equatable {
    /// The header line's bytes (its line feed included).
    let header: Range<Int>
    /// The shard's records: from the first byte of its first record to the first byte of the next shard's.
    let body: Range<Int>
    /// The physical line (1-based) on which the shard's first record starts.
    let bodyFirstLine: Int
    /// The shard's rows among all data rows.
    let rows: Range<Int>
    let totalRows: Int
  }

  /// The records of shard `index` of `count`: rows ⌊index·N/count⌋ ..< ⌊(index+1)·N/count⌋ of the N data rows.
  /// Nil when the buffer holds a quote or a carriage return not followed by a line feed, or has no header line.
  /// `portable`: the kernel's portable C path, for tests.
  static func locate(_ bytes: UnsafeBufferPointer<UInt8>, index: Int, count: Int,
                     rows slice: (Int, Int, Int) -> Range<Int>, portable: Bool = false) -> Located? {
    let n = bytes.count
    guard n > 0, let base = bytes.baseAddress else { return nil }
    func scan(from: Int, to end: Int = n, stop: Int = -1) -> candor_record_scan {
      var result = candor_record_scan()
      candor_scan_records(base, end, from, stop, portable ? 1 : 0, &result)
      return result
    }
    let start = n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    // The header: the first record, and its line.
    let first = scan(from: start, stop: 0)
    guard first.quote == 0, first.lone_cr == 0, first.offset < n else { return nil }
    let headerStart = first.offset, headerLine = 1 + first.line_feeds
    let headerEnd = memchr(base + headerStart, Int32(UInt8(ascii: "\n")), n - headerStart)
      .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base + 1 } ?? n
    let header = scan(from: headerStart, to: headerEnd)
    guard header.quote == 0, header.lone_cr == 0 else { return nil }
    let body = scan(from: headerEnd)
    guard body.quote == 0, body.lone_cr == 0 else { return nil }
    let total = body.records
    let rows = slice(index, count, total)
    guard rows.lowerBound < total else {
      return Located(header: headerStart..<headerEnd, body: n..<n, bodyFirstLine: headerLine + 1, rows: rows, totalRows: total)
    }
    // Where record rows.lowerBound starts, and where rows.upperBound does (the buffer's end for the last).
    let lower = scan(from: headerEnd, stop: rows.lowerBound)
    let upper = rows.upperBound < total ? scan(from: lower.offset, stop: rows.count).offset : n
    return Located(header: headerStart..<headerEnd, body: lower.offset..<(rows.isEmpty ? lower.offset : upper),
                   bodyFirstLine: headerLine + 1 + lower.line_feeds, rows: rows, totalRows: total)
  }
}
