import Foundation

/// Builds RFC 4180 CSV text: fields holding a comma, quote, CR or LF are quoted, quotes doubled.
public struct CSVWriter: Sendable {
  public private(set) var text = ""

  public init(header: [String]) {
    appendRow(header)
  }

  public mutating func appendRow(_ fields: [String]) {
    var first = true
    for field in fields {
      if !first { text.append(",") }
      first = false
      text.append(Self.quoted(field))
    }
    text.append("\n")
  }

  public static func quoted(_ field: String) -> String {
    let needsQuotes = field.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
    if !needsQuotes { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}

extension CSVWriter {
  /// One numeric column as CSV (header, then one value per line, shortest round-trip text), written to `sink`
  /// through one 1 MiB block that is reused: each distinct value is formatted once into a 32-byte slot (a
  /// double's shortest form is at most 24 characters), and every row copies its slot as four 8-byte words.
  public static func writeColumn(_ name: String, values: [Double], to sink: OutputFile.Sink) {
    var distinct = DistinctValues()
    var slots: [(UInt64, UInt64, UInt64, UInt64)] = []
    var lengths: [Int] = []
    let header = Array(quoted(name).utf8) + [0x0A]
    let capacity = max(1 << 20, header.count + 32)
    let block = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    defer { block.deallocate() }
    header.withUnsafeBytes { block.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    var used = header.count
    values.withUnsafeBufferPointer { values in
      for value in values {
        if used > capacity - 32 {
          sink.write(UnsafeRawBufferPointer(start: block, count: used))
          used = 0
        }
        let (index, isNew) = distinct.index(of: value)
        if isNew {
          var slot: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
          let text = Array("\(value)".utf8) + [0x0A]
          withUnsafeMutableBytes(of: &slot) { $0.copyBytes(from: text.prefix(32)) }
          slots.append(slot)
          lengths.append(min(text.count, 32))
        }
        (block + used).storeBytes(of: slots[index], as: (UInt64, UInt64, UInt64, UInt64).self)
        used += lengths[index]
      }
    }
    sink.write(UnsafeRawBufferPointer(start: block, count: used))
  }
}

/// Distinct doubles (by value, 0 and −0 merged) numbered in order of appearance. A short linear list
/// serves the usual case of a few distinct values; a dictionary takes over beyond it.
struct DistinctValues {
  private var bits: [UInt64] = []
  private var table: [UInt64: Int] = [:]
  private var lastBits: UInt64 = 0, lastIndex = -1

  /// The value's number, and whether it was seen for the first time.
  @inline(__always) mutating func index(of value: Double) -> (index: Int, isNew: Bool) {
    let key = (value == 0 ? 0.0 : value).bitPattern
    if key == lastBits && lastIndex >= 0 { return (lastIndex, false) }
    var found = -1
    if bits.count <= 16 {
      var i = 0
      while i < bits.count {
        if bits[i] == key { found = i; break }
        i += 1
      }
    } else if let known = table[key] {
      found = known
    }
    var isNew = false
    if found < 0 {
      found = bits.count
      isNew = true
      bits.append(key)
      if bits.count == 17 { for (i, b) in bits.enumerated() { table[b] = i } } else if bits.count > 17 { table[key] = found }
    }
    lastBits = key
    lastIndex = found
    return (found, isNew)
  }
}
