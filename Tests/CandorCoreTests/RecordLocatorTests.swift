import CandorTestSupport
import Foundation
import Testing

@testable import CandorCore

/// `RecordLocator` (on CKernels' `candor_scan_records`, AVX2 and portable) finds what a line-by-line walk with
/// `memchr` finds — the locator before the kernel, kept here as the oracle — on drawn buffers of line feeds,
/// carriage returns, quotes, blank lines and a byte-order mark, across the 64-byte steps, for every shard.
@Suite struct RecordLocatorTests {
  @Test("the kernel's locations are the line-by-line walk's, on 4,000 drawn buffers and every shard of up to 5")
  func matchesLineByLine() {
    var random = SeededRandom(seed: 17)
    // Mostly plain bytes; the special ones rare in some buffers and common in others.
    let alphabets: [[UInt8]] = [
      Array("ab,1.5 ".utf8) + [10],
      Array("ab,1".utf8) + [10, 10, 13],
      Array("a,".utf8) + [10, 13, 13, 34],
      Array("xyz,0123456789".utf8) + [10],
    ]
    var compared = 0, located = 0
    for trial in 0..<4_000 {
      let alphabet = alphabets[trial % alphabets.count]
      let length = trial < 300 ? trial : Int.random(in: 0...(trial % 10 == 0 ? 5_000 : 400), using: &random)
      var bytes: [UInt8] = trial % 7 == 0 ? [0xEF, 0xBB, 0xBF] : []
      for _ in 0..<length {
        // CRLF pairs often, so that files with carriage returns are located too.
        if Int.random(in: 0..<40, using: &random) == 0 { bytes += [13, 10]; continue }
        bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &random)])
      }
      bytes.withUnsafeBufferPointer { buffer in
        for count in 1...5 {
          for index in 0..<count {
            let expected = LineByLine.locate(buffer, index: index, count: count, rows: ShardRows.rows)
            #expect(RecordLocator.locate(buffer, index: index, count: count, rows: ShardRows.rows) == expected, "trial \(trial)")
            #expect(RecordLocator.locate(buffer, index: index, count: count, rows: ShardRows.rows, portable: true) == expected, "trial \(trial), portable")
            compared += 1
            if expected != nil { located += 1 }
          }
        }
      }
    }
    // Both outcomes are exercised: located buffers, and those left to the full scan.
    #expect(compared == 60_000)
    #expect(located > 15_000 && located < 50_000, "\(located) located")
  }
}

/// The locator as it was before the kernel: `memchr` line by line.
private enum LineByLine {
  static let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

  /// The records of shard `index` of `count`: rows ⌊index·N/count⌋ ..< ⌊(index+1)·N/count⌋ of the N data rows.
  /// Nil when the buffer holds a quote or a carriage return not followed by a line feed, or has no header line.
  static func locate(_ bytes: UnsafeBufferPointer<UInt8>, index: Int, count: Int,
                     rows slice: (Int, Int, Int) -> Range<Int>) -> RecordLocator.Located? {
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
    return RecordLocator.Located(header: headerStart..<headerEnd, body: bodyStart..<bodyEnd, bodyFirstLine: bodyFirstLine, rows: rows, totalRows: total)
  }
}
