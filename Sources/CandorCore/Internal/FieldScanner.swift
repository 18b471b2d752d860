import CKernels
import Foundation

/// Field boundaries of a whole CSV buffer, kept in segments of consecutive records as the scanners produce
/// them (one per parallel chunk; never concatenated, which would touch every boundary twice): in a segment,
/// field (record r, column c) spans `starts[i]..<ends[i]` with `i = (r − firstRecord) · columnCount + c`;
/// `escapes[i]`, when the segment may hold quotes, marks a quoted field holding `""` that must be unescaped.
final class ScannedFields: @unchecked Sendable {
  struct Segment {
    let firstRecord: Int
    let buffers: FieldBuffers
    /// Physical line (1-based, after adding `lineOffset`) on which each record starts.
    let lines: ContiguousArray<UInt32>
    let lineOffset: Int
    var recordCount: Int { lines.count }
  }

  let columnCount: Int
  let segments: [Segment]
  let recordCount: Int

  /// Takes ownership of the segments' buffers.
  init(columnCount: Int, segments: [Segment]) {
    self.columnCount = columnCount
    self.segments = segments
    recordCount = segments.reduce(0) { $0 + $1.recordCount }
  }

  deinit {
    for segment in segments { segment.buffers.deallocate() }
  }

  /// The segment holding `record`, by binary search over the segments' first records.
  private func segment(of record: Int) -> Segment {
    var low = 0, high = segments.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if segments[mid].firstRecord <= record { low = mid } else { high = mid - 1 }
    }
    return segments[low]
  }

  func field(record: Int, column: Int) -> (start: Int, end: Int, escaped: Bool) {
    let segment = segment(of: record)
    let i = (record - segment.firstRecord) * columnCount + column
    return (Int(segment.buffers.starts[i]), Int(segment.buffers.ends[i]), segment.buffers.escapes?[i] ?? false)
  }

  func line(record: Int) -> Int {
    let segment = segment(of: record)
    return Int(segment.lines[record - segment.firstRecord]) + segment.lineOffset
  }

  /// The field's text with doubled quotes unescaped, or nil when it is not valid UTF-8.
  func text(record: Int, column: Int, bytes: UnsafeBufferPointer<UInt8>) -> String? {
    let (start, end, escaped) = field(record: record, column: column)
    let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
    if !escaped { return String(validating: raw, as: UTF8.self) }
    return String(validating: unescape(raw), as: UTF8.self)
  }
}

/// `""` → `"` inside a quoted field.
func unescape(_ raw: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
  output.removeAll(keepingCapacity: true)
  var i = 0
  while i < raw.count {
    output.append(raw[i])
    i += (raw[i] == UInt8(ascii: "\"") && i + 1 < raw.count && raw[i + 1] == UInt8(ascii: "\"")) ? 2 : 1
  }
}

func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
  var output: [UInt8] = []
  unescape(raw, into: &output)
  return output
}

enum FieldScanner {
  private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"),
    cr = UInt8(ascii: "\r")

  /// One pass over the bytes. The header fixes the column count; every later record must match it.
  ///
  /// Field boundaries go into arrays sized up front from the number of line breaks (an upper bound on the
  /// records), written by index; they grow only for a malformed file, which is then refused anyway.
  static func scan(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws(TableError) -> ScannedFields {
    if bytes.count >= 1 << 20, memchr(bytes.baseAddress!, Int32(quote), bytes.count) == nil,
      let result = try scanPlainInParallel(bytes, source: source)
    {
      return result
    }
    var columnCount = 0, recordCount = 0
    var recordLines = ContiguousArray<UInt32>()
    let n = bytes.count
    var pos = 0
    if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { pos = 3 }
    var lineBreaks = 0
    for b in bytes where b == lf || b == cr { lineBreaks += 1 }
    var line = 1
    var buffers = FieldBuffers(tracksEscapes: true)
    var handedOver = false
    defer { if !handedOver { buffers.deallocate() } }

    while pos < n {
      // Blank line: skip.
      if bytes[pos] == lf { pos += 1; line += 1; continue }
      if bytes[pos] == cr && (pos + 1 == n || bytes[pos + 1] == lf) { pos += min(2, n - pos); line += 1; continue }

      let recordLine = line
      var fieldsInRecord = 0
      while true {
        var start = pos, end = pos, escaped = false
        if pos < n && bytes[pos] == quote {
          pos += 1
          start = pos
          while true {
            guard pos < n else { throw .unterminatedQuote(file: source, line: recordLine) }
            let b = bytes[pos]
            if b == quote {
              if pos + 1 < n && bytes[pos + 1] == quote {
                escaped = true
                pos += 2
                continue
              }
              end = pos
              pos += 1
              break
            }
            if b == lf { line += 1 }
            pos += 1
          }
          if pos < n && bytes[pos] != comma && bytes[pos] != lf && bytes[pos] != cr {
            // The header's field of this column names it (header fields are the first ones stored).
            var name = "#\(fieldsInRecord + 1)"
            if recordCount > 0 && fieldsInRecord < columnCount,
              let text = String(validating: UnsafeBufferPointer(rebasing: bytes[Int(buffers.starts[fieldsInRecord])..<Int(buffers.ends[fieldsInRecord])]), as: UTF8.self)
            {
              name = text
            }
            throw .textAfterQuote(file: source, line: line, column: name)
          }
        } else {
          while pos < n {
            let b = bytes[pos]
            if b == comma || b == lf || b == cr { break }
            pos += 1
          }
          end = pos
        }
        buffers.append(start, end, escaped)
        fieldsInRecord += 1
        if pos >= n { break }
        let b = bytes[pos]
        pos += 1
        if b == comma { continue }
        if b == cr && pos < n && bytes[pos] == lf { pos += 1 }
        line += 1
        break
      }
      if recordCount == 0 {
        columnCount = fieldsInRecord
        let records = lineBreaks + 1
        buffers.reserve(records * fieldsInRecord)
        recordLines.reserveCapacity(records)
      } else if fieldsInRecord != columnCount {
        throw .wrongFieldCount(file: source, line: recordLine, expected: columnCount, found: fieldsInRecord)
      }
      recordLines.append(UInt32(truncatingIfNeeded: recordLine))
      recordCount += 1
    }
    handedOver = true
    return ScannedFields(columnCount: columnCount,
                         segments: [.init(firstRecord: 0, buffers: buffers, lines: recordLines, lineOffset: 0)])
  }
}

extension FieldScanner {
  /// A file without any quote character splits at line breaks into independent chunks, scanned on all
  /// cores and concatenated. Returns nil when the header is not on a line of its own (then the sequential
  /// scanner decides). With `body` (located by `RecordLocator`), only the header and the records in `body` are
  /// scanned, the first of them on line `bodyFirstLine`.
  static func scanPlainInParallel(_ bytes: UnsafeBufferPointer<UInt8>, source: String, body: Range<Int>? = nil,
                                  bodyFirstLine: Int = 0) throws(TableError) -> ScannedFields? {
    let n = bytes.count
    var pos = n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    // The header: the first non-blank line.
    var line = 1
    while pos < n && (bytes[pos] == lf || bytes[pos] == cr) {
      if bytes[pos] == lf || pos + 1 == n || bytes[pos + 1] != lf { line += 1 }
      pos += 1
    }
    guard pos < n else { return nil }
    var header = FieldBuffers(tracksEscapes: false)
    var headerLines = ContiguousArray<UInt32>()
    let headerEnd = (UnsafeBufferPointer(rebasing: bytes[pos...]).firstIndex(of: lf)).map { pos + $0 + 1 } ?? n
    do throws(TableError) {
      _ = try scanPlainRecords(bytes, from: pos, to: headerEnd, firstLine: line, columnCount: nil, into: &header, lines: &headerLines,
                               source: source)
    } catch {
      header.deallocate()
      throw error
    }
    let columnCount = header.count
    line = body == nil ? line + 1 : bodyFirstLine
    let (first, last) = body.map { ($0.lowerBound, $0.upperBound) } ?? (headerEnd, n)
    // Chunks end just after a line feed.
    let chunkCount = 8
    var bounds = [first]
    for c in 1..<chunkCount {
      var cut = max(first + (last - first) * c / chunkCount, bounds.last!)
      while cut < last && bytes[cut - 1] != lf { cut += 1 }
      bounds.append(cut)
    }
    bounds.append(last)
    // Chunks count lines from 0; each chunk's offset is the line breaks of the chunks before it.
    struct Chunk: @unchecked Sendable {
      var buffers = FieldBuffers(tracksEscapes: false)
      var lines = ContiguousArray<UInt32>()
      var lineBreaks = 0
      var error: TableError?
    }
    let chunks = DisjointWrites<Chunk?>(repeating: nil, count: chunkCount)
    let shared = SharedBytes(bytes: bytes)
    let chunkBounds = bounds
    parallelFor(chunkCount) { c in
      var chunk = Chunk()
      let length = chunkBounds[c + 1] - chunkBounds[c]
      chunk.buffers.reserve(columnCount * max(16, length / max(1, 2 * columnCount)))
      chunk.lines.reserveCapacity(max(16, length / max(1, 2 * columnCount)))
      do throws(TableError) {
        chunk.lineBreaks = try scanPlainRecords(shared.bytes, from: chunkBounds[c], to: chunkBounds[c + 1], firstLine: 0,
                                                columnCount: columnCount, into: &chunk.buffers, lines: &chunk.lines, source: source)
      } catch {
        chunk.error = error
      }
      chunks[c] = chunk
    }
    let scanned = chunks.values.map { $0! }
    var segments = [ScannedFields.Segment(firstRecord: 0, buffers: header, lines: headerLines, lineOffset: 0)]
    var firstLine = line
    for (c, chunk) in scanned.enumerated() {
      if let error = chunk.error {
        for segment in segments { segment.buffers.deallocate() }
        for other in scanned[c...] { other.buffers.deallocate() }
        // Lines in a chunk's error are relative to the chunk.
        if case let .wrongFieldCount(file, relative, expected, found) = error {
          throw .wrongFieldCount(file: file, line: relative + firstLine, expected: expected, found: found)
        }
        throw error
      }
      let previous = segments.last!
      segments.append(.init(firstRecord: previous.firstRecord + previous.recordCount, buffers: chunk.buffers, lines: chunk.lines,
                            lineOffset: firstLine))
      firstLine += chunk.lineBreaks
    }
    return ScannedFields(columnCount: columnCount, segments: segments)
  }

  /// Records of a quote-free range: fields end at commas, records at LF, CRLF or CR; blank lines skipped.
  /// With `columnCount`, every record must have that many fields, and the scan is CKernels'
  /// `candor_scan_plain_fields` (delimiters by the lowest set bit of a 64-byte mask; `portable` picks its portable
  /// C, and `kernel: false` the byte loop below, which the header's scan uses, for tests).
  static func scanPlainRecords(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, firstLine: Int, columnCount: Int?,
                               into buffers: inout FieldBuffers, lines: inout ContiguousArray<UInt32>, source: String,
                               kernel: Bool = true, portable: Bool = false)
    throws(TableError) -> Int
  {
    if kernel, let columnCount, columnCount > 0, from < end, let base = bytes.baseAddress {
      precondition(buffers.escapes == nil, "a plain scan tracks no escapes")
      // The kernel writes the records' lines here, a block at a time, and they are appended after each call.
      let lineCapacity = 4096
      let lineBlock = UnsafeMutablePointer<UInt32>.allocate(capacity: lineCapacity)
      defer { lineBlock.deallocate() }
      var state = candor_plain_scan()
      (state.pos, state.line) = (from, firstLine)
      while true {
        (state.fields, state.records) = (0, 0)
        candor_scan_plain_fields(base, end, columnCount, buffers.starts + buffers.count, buffers.ends + buffers.count,
                                 buffers.capacity - buffers.count, lineBlock, lineCapacity, portable ? 1 : 0, &state)
        buffers.count += state.fields
        lines.append(contentsOf: UnsafeBufferPointer(start: lineBlock, count: state.records))
        switch state.status {
        case 1:
          if buffers.capacity - buffers.count < columnCount { buffers.reserve(max(2 * buffers.capacity, buffers.count + columnCount)) }
        case 2:
          throw .wrongFieldCount(file: source, line: state.line, expected: columnCount, found: state.found)
        default:
          return state.line - firstLine
        }
      }
    }
    var pos = from, line = firstLine
    while pos < end {
      if bytes[pos] == lf { pos += 1; line += 1; continue }
      if bytes[pos] == cr && (pos + 1 == end || bytes[pos + 1] == lf) { pos += pos + 1 == end ? 1 : 2; line += 1; continue }
      var fields = 0
      var start = pos
      while true {
        while pos < end {
          let b = bytes[pos]
          if b == comma || b == lf || b == cr { break }
          pos += 1
        }
        buffers.append(start, pos)
        fields += 1
        if pos >= end { break }
        let b = bytes[pos]
        pos += 1
        if b == comma {
          start = pos
          if pos == end { buffers.append(pos, pos); fields += 1; break }
          continue
        }
        if b == cr && pos < end && bytes[pos] == lf { pos += 1 }
        break
      }
      if let columnCount, fields != columnCount {
        throw .wrongFieldCount(file: source, line: line, expected: columnCount, found: fields)
      }
      lines.append(UInt32(truncatingIfNeeded: line))
      line += 1
    }
    return line - firstLine
  }
}

private struct SharedBytes: @unchecked Sendable {
  let bytes: UnsafeBufferPointer<UInt8>
}

/// Growable raw buffers of field boundaries, written by index with no per-field checks beyond capacity.
/// `escapes` exists only for scans that can meet quotes.
struct FieldBuffers {
  var starts = UnsafeMutablePointer<UInt32>.allocate(capacity: 16)
  var ends = UnsafeMutablePointer<UInt32>.allocate(capacity: 16)
  var escapes: UnsafeMutablePointer<Bool>?
  var count = 0
  var capacity = 16

  init(tracksEscapes: Bool) {
    if tracksEscapes { escapes = .allocate(capacity: 16) }
  }

  @inline(__always) mutating func append(_ start: Int, _ end: Int, _ escaped: Bool = false) {
    if count == capacity { reserve(capacity * 2) }
    starts[count] = UInt32(truncatingIfNeeded: start)
    ends[count] = UInt32(truncatingIfNeeded: end)
    escapes?[count] = escaped
    count += 1
  }

  mutating func reserve(_ minimum: Int) {
    guard minimum > capacity else { return }
    func moved<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
      let new = UnsafeMutablePointer<T>.allocate(capacity: minimum)
      new.moveInitialize(from: old, count: count)
      old.deallocate()
      return new
    }
    starts = moved(starts)
    ends = moved(ends)
    escapes = escapes.map(moved)
    capacity = minimum
  }

  func deallocate() {
    starts.deallocate()
    ends.deallocate()
    escapes?.deallocate()
  }
}
