import Foundation

/// Where one shard's records lie in a CSV buffer, found by counting line feeds — no field is stored — so that a
/// shard scans and types only its own bytes (`CSVReader.read(path:options:shard:of:)`).
///
/// Only a buffer without quote characters and without lone carriage returns is located this way: there every line
/// feed ends a record (or a blank line), which `memchr` finds at memory speed. In a buffer with quotes a line feed
/// may sit inside a field, and telling which needs the full scan; such a buffer gives nil and is scanned whole.
enum RecordLocator {
  struct Located {
    /// The header line's bytes (its line feed included) and its line number.
    let header: Range<Int>
    /// The shard's records: from the first byte of its first record to the first byte of the next shard's.
    let body: Range<Int>
    /// The physical line (1-based) on which the shard's first record starts.
    let bodyFirstLine: Int
    /// The shard's rows among all data rows.
    let rows: Range<Int>
    let totalRows: Int
  }

  private static let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

  /// The records of shard `index` of `count`: rows ⌊index·N/count⌋ ..< ⌊(index+1)·N/count⌋ of the N data rows.
  /// Nil when the buffer holds a quote or a carriage return not followed by a line feed, or has no header line.
  static func locate(_ bytes: UnsafeBufferPointer<UInt8>, index: Int, count: Int,
                     rows slice: (Int, Int, Int) -> Range<Int>) -> Located? {
    let n = bytes.count
    guard n > 0, memchr(bytes.baseAddress!, Int32(quote), n) == nil else { return nil }
    let hasCR = memchr(bytes.baseAddress!, Int32(cr), n) != nil
    let start = n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0

    /// Calls `body(lineStart, lineNumber)` for each non-blank line from `from` (a line's first byte) on, until it
    /// returns false; false when a lone carriage return makes line feeds not the only record ends.
    func forEachRecord(from: Int, line firstLine: Int, _ body: (Int, Int) -> Bool) -> Bool {
      var pos = from, line = firstLine
      while pos < n {
        let found = memchr(bytes.baseAddress! + pos, Int32(lf), n - pos)
        let end = found.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! } ?? n
        var contentEnd = end
        if hasCR {
          if contentEnd > pos && bytes[contentEnd - 1] == cr { contentEnd -= 1 }
          if contentEnd > pos && memchr(bytes.baseAddress! + pos, Int32(cr), contentEnd - pos) != nil { return false }
        }
        if contentEnd > pos && !body(pos, line) { return true }
        pos = end + 1
        line += 1
      }
      return true
    }

    var headerStart: Int?, headerLine = 0
    guard forEachRecord(from: start, line: 1, { lineStart, line in
      headerStart = lineStart
      headerLine = line
      return false
    }), let headerStart else { return nil }
    let headerEnd = memchr(bytes.baseAddress! + headerStart, Int32(lf), n - headerStart)
      .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! + 1 } ?? n

    var total = 0
    guard forEachRecord(from: headerEnd, line: headerLine + 1, { _, _ in total += 1; return true }) else { return nil }
    let rows = slice(index, count, total)
    // The byte where record rows.lowerBound starts, and where rows.upperBound does (the buffer's end for the last).
    var record = 0, bodyStart = n, bodyEnd = n, bodyFirstLine = headerLine + 1
    _ = forEachRecord(from: headerEnd, line: headerLine + 1) { lineStart, line in
      if record == rows.lowerBound { bodyStart = lineStart; bodyFirstLine = line }
      if record == rows.upperBound { bodyEnd = lineStart; return false }
      record += 1
      return true
    }
    if rows.isEmpty { bodyStart = bodyEnd }
    return Located(header: headerStart..<headerEnd, body: bodyStart..<bodyEnd, bodyFirstLine: bodyFirstLine, rows: rows, totalRows: total)
  }
}
