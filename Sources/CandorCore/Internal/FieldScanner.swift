/// Field boundaries of a whole CSV buffer: field (record r, column c) spans `starts[i]..<ends[i]` with
/// `i = r * columnCount + c`; `hasEscapedQuote[i]` marks a quoted field holding `""` that must be unescaped.
struct ScannedFields {
  var columnCount = 0
  var recordCount = 0
  var starts = ContiguousArray<Int>()
  var ends = ContiguousArray<Int>()
  var hasEscapedQuote = ContiguousArray<Bool>()
  /// Physical line (1-based) on which each record starts.
  var recordLines = ContiguousArray<Int>()

  func index(record: Int, column: Int) -> Int { record * columnCount + column }

  /// The field's text with doubled quotes unescaped, or nil when it is not valid UTF-8.
  func text(record: Int, column: Int, bytes: UnsafeBufferPointer<UInt8>) -> String? {
    let i = index(record: record, column: column)
    let raw = UnsafeBufferPointer(rebasing: bytes[starts[i]..<ends[i]])
    if !hasEscapedQuote[i] { return String(validating: raw, as: UTF8.self) }
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
    var result = ScannedFields()
    let n = bytes.count
    var pos = 0
    if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { pos = 3 }
    var lineBreaks = 0
    for b in bytes where b == lf || b == cr { lineBreaks += 1 }
    var line = 1
    var buffers = FieldBuffers()
    defer { buffers.deallocate() }

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
            if result.recordCount > 0 && fieldsInRecord < result.columnCount,
              let text = String(validating: UnsafeBufferPointer(rebasing: bytes[buffers.starts[fieldsInRecord]..<buffers.ends[fieldsInRecord]]), as: UTF8.self)
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
      if result.recordCount == 0 {
        result.columnCount = fieldsInRecord
        let records = lineBreaks + 1
        buffers.reserve(records * fieldsInRecord)
        result.recordLines.reserveCapacity(records)
      } else if fieldsInRecord != result.columnCount {
        throw .wrongFieldCount(file: source, line: recordLine, expected: result.columnCount, found: fieldsInRecord)
      }
      result.recordLines.append(recordLine)
      result.recordCount += 1
    }
    result.starts = ContiguousArray(UnsafeBufferPointer(start: buffers.starts, count: buffers.count))
    result.ends = ContiguousArray(UnsafeBufferPointer(start: buffers.ends, count: buffers.count))
    result.hasEscapedQuote = ContiguousArray(UnsafeBufferPointer(start: buffers.escapes, count: buffers.count))
    return result
  }
}

/// Growable raw buffers of field boundaries, written by index with no per-field checks beyond capacity.
private struct FieldBuffers {
  var starts = UnsafeMutablePointer<Int>.allocate(capacity: 16)
  var ends = UnsafeMutablePointer<Int>.allocate(capacity: 16)
  var escapes = UnsafeMutablePointer<Bool>.allocate(capacity: 16)
  var count = 0
  var capacity = 16

  @inline(__always) mutating func append(_ start: Int, _ end: Int, _ escaped: Bool) {
    if count == capacity { reserve(capacity * 2) }
    starts[count] = start
    ends[count] = end
    escapes[count] = escaped
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
    escapes = moved(escapes)
    capacity = minimum
  }

  func deallocate() {
    starts.deallocate()
    ends.deallocate()
    escapes.deallocate()
  }
}
