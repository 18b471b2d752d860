import Foundation

/// RFC 4180 CSV written straight into an output file through one reused 1 MiB block: fields holding a comma,
/// quote, CR or LF are quoted with their quotes doubled; numbers in shortest round-trip form (as `description`
/// gives them). Call `finish()` to write what is left in the block.
public final class CSVWriter {
  private let sink: OutputSink
  private let block: UnsafeMutableRawPointer
  private let capacity = 1 << 20
  private var used = 0
  private var rowStarted = false

  public init(to sink: OutputSink) {
    self.sink = sink
    block = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
  }

  deinit { block.deallocate() }

  public func row(_ fields: [String]) {
    for field in fields { self.field(field) }
    endRow()
  }

  public func field(_ text: String) {
    separate()
    var text = text
    text.withUTF8 { bytes in
      let needsQuotes = bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
      if !needsQuotes {
        append(UnsafeRawBufferPointer(bytes))
        return
      }
      append(0x22)
      for byte in bytes {
        if byte == 0x22 { append(0x22) }
        append(byte)
      }
      append(0x22)
    }
  }

  public func field(_ value: Double) {
    separate()
    appendSlot(DoubleText(value))
  }

  public func field(_ value: Int) {
    separate()
    TextSlot.with({ IntegerText.write(value, to: $0) }) { append(UnsafeRawBufferPointer($0)) }
  }

  public func endRow() {
    append(0x0A)
    rowStarted = false
  }

  public func finish() {
    sink.write(UnsafeRawBufferPointer(start: block, count: used))
    used = 0
  }

  private func separate() {
    if rowStarted { append(0x2C) }
    rowStarted = true
  }

  @inline(__always) private func makeRoom(_ count: Int) {
    if used + count > capacity { finish() }
  }

  @inline(__always) private func append(_ byte: UInt8) {
    makeRoom(1)
    block.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
    used += 1
  }

  private func append(_ bytes: UnsafeRawBufferPointer) {
    if bytes.count > capacity {
      finish()
      sink.write(bytes)
      return
    }
    makeRoom(bytes.count)
    if let base = bytes.baseAddress { (block + used).copyMemory(from: base, byteCount: bytes.count) }
    used += bytes.count
  }

  /// A formatted number: its 32-byte slot stored as four words (the block keeps 32 bytes of slack for it).
  @inline(__always) private func appendSlot(_ text: DoubleText) {
    makeRoom(32)
    (block + used).storeBytes(of: text.slot, as: DoubleText.Slot.self)
    used += text.count
  }
}

extension CSVWriter {
  /// One numeric column as CSV (header, then one value per line): each distinct value is formatted once, and
  /// every row copies its 32-byte slot.
  public static func writeColumn(_ name: String, values: [Double], to sink: OutputSink) {
    let writer = CSVWriter(to: sink)
    writer.row([name])
    var distinct = DistinctValues()
    var lines: [DoubleText] = []
    values.withUnsafeBufferPointer { values in
      for value in values {
        let (index, isNew) = distinct.index(of: value)
        if isNew { lines.append(DoubleText(value, newline: true)) }
        writer.appendSlot(lines[index])
      }
    }
    writer.finish()
  }
}

/// A double's shortest round-trip text (at most 24 characters, as `description` writes it), formatted into a
/// 32-byte slot without an intermediate String; optionally followed by a line feed.
struct DoubleText {
  typealias Slot = (UInt64, UInt64, UInt64, UInt64)
  private(set) var slot: Slot = (0, 0, 0, 0)
  private(set) var count = 0

  init(_ value: Double, newline: Bool = false) {
    count = withUnsafeMutableBytes(of: &slot) { raw in
      let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
      var count = ShortestDouble.write(value, to: start)
      if newline {
        start[count] = 0x0A
        count += 1
      }
      return count
    }
  }

  func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeBytes(of: slot) { body(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
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
