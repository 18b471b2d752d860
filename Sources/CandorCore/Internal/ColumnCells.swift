import Foundation

/// The cells of one column of a scanned CSV buffer (header excluded), typed on demand.
struct ColumnCells {
  let fields: ScannedFields
  let column: Int
  let name: String
  let bytes: UnsafeBufferPointer<UInt8>
  let source: String
  let missingTokens: [[UInt8]]

  var rowCount: Int { fields.recordCount - 1 }

  static let strayMinimumNumbers = 20

  /// The first of a few text cells in a column of numbers: where it is, and how many of each kind there are.
  struct StrayText {
    let line: Int
    let value: String
    let textCells: Int
    let numbers: Int
  }

  /// Calls `body(row, start, end, escaped)` for every cell in row order, segment by segment; `body` returns
  /// false to stop.
  @inline(__always) private func forEachCell(_ body: (Int, Int, Int, Bool) -> Bool) {
    let columns = fields.columnCount
    for segment in fields.segments {
      let buffers = segment.buffers
      for local in 0..<segment.recordCount where segment.firstRecord + local > 0 {
        let i = local * columns + column
        if !body(segment.firstRecord + local - 1, Int(buffers.starts[i]), Int(buffers.ends[i]), buffers.escapes?[i] ?? false) { return }
      }
    }
  }

  private func isMissing(start: Int, end: Int) -> Bool {
    if start == end { return true }
    for token in missingTokens where token.count == end - start {
      var equal = true
      for k in 0..<token.count where bytes[start + k] != token[k] {
        equal = false
        break
      }
      if equal { return true }
    }
    return false
  }

  private func cellText(_ row: Int) -> String {
    fields.text(record: row + 1, column: column, bytes: bytes) ?? "(invalid UTF-8)"
  }

  private func line(_ row: Int) -> Int { fields.line(record: row + 1) }

  /// The column as numbers, or nil when some cell is not a number and the column was not required to be.
  /// - Throws: `.notANumber` for a required column, `.notFinite` when every cell is a number but one is
  ///   NaN or infinite.
  /// Why a column must be numeric, which words its error.
  enum NumericRequirement { case declared, model }

  /// - Parameter stray: set when the column is read as text because of a few text cells (at most one in a
  ///   thousand, after at least `strayMinimumNumbers` numbers), which a user probably did not mean.
  func numeric(required: NumericRequirement?, stray: inout StrayText?) throws(TableError) -> NumericColumn? {
    var values = ContiguousArray<Double>(repeating: .nan, count: rowCount)
    var firstNonFinite: Int?
    var firstText: Int?
    var textCells = 0, numbers = 0
    let strayLimit = max(1, rowCount / 1000)
    var scratch: [UInt8] = []
    // A single digit (labels, counts, flags) needs no parser, unless a digit is a missing token.
    let digitsAreMissing = missingTokens.contains { $0.count == 1 && (0x30...0x39).contains($0[0]) }
    values.withUnsafeMutableBufferPointer { out in
      forEachCell { row, start, end, escaped in
        if end - start == 1 && !digitsAreMissing && !escaped, case let digit = bytes[start] &- 0x30, digit <= 9 {
          out[row] = Double(digit)
          numbers += 1
          return true
        }
        if isMissing(start: start, end: end) { return true }
        // A field holding quotes is text.
        guard !escaped, let value = NumberParser.parse(bytes, start, end, scratch: &scratch) else {
          if firstText == nil { firstText = row }
          textCells += 1
          // Only a column that was numbers until now, read as such, is worth scanning on for strays.
          return required == nil && numbers >= Self.strayMinimumNumbers && textCells <= strayLimit
        }
        if !value.isFinite && firstNonFinite == nil { firstNonFinite = row }
        out[row] = value
        numbers += 1
        return true
      }
    }
    if let row = firstText {
      switch required {
      case .declared: throw .notANumber(file: source, column: name, line: line(row), value: cellText(row))
      case .model: throw .textInModelNumericColumn(file: source, column: name, line: line(row), value: cellText(row))
      case nil: break
      }
      if numbers >= Self.strayMinimumNumbers && textCells <= strayLimit {
        stray = StrayText(line: line(row), value: cellText(row), textCells: textCells, numbers: numbers)
      }
      return nil
    }
    if let row = firstNonFinite {
      throw .notFinite(file: source, column: name, line: line(row), value: cellText(row))
    }
    return NumericColumn(name: name, values: values)
  }

  /// The column as dictionary codes; levels in order of first appearance.
  func categorical() throws(TableError) -> CategoricalColumn {
    var codes = ContiguousArray<Int32>(repeating: CategoricalColumn.missingCode, count: rowCount)
    var index = LevelIndex()
    var scratch: [UInt8] = []
    codes.withUnsafeMutableBufferPointer { out in
      forEachCell { row, start, end, escaped in
        if isMissing(start: start, end: end) { return true }
        if escaped {
          unescape(UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &scratch)
          out[row] = scratch.withUnsafeBufferPointer { index.code(for: $0) }
        } else {
          out[row] = index.code(for: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }
        return true
      }
    }
    var levels: [String] = []
    levels.reserveCapacity(index.levelCount)
    for level in 0..<index.levelCount {
      guard let text = index.text(of: level) else {
        let row = codes.firstIndex(of: Int32(level))!
        throw .invalidUTF8(file: source, line: line(row), column: name)
      }
      levels.append(text)
    }
    return CategoricalColumn(name: name, codes: codes, levels: levels)
  }
}
