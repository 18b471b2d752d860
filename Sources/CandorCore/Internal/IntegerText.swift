/// An integer's decimal text, as `String(value)` writes it, formatted without a `String` (which cost several hundred
/// instructions a number in the JSON and CSV writers).
enum IntegerText {
  /// Writes `value`'s digits to `out` (room for 20 bytes: a sign and 19 digits); the number of bytes written.
  @inline(__always)
  static func write(_ value: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
    var magnitude = value.magnitude
    var count = value < 0 ? 2 : 1
    var rest = magnitude / 10
    while rest > 0 {
      count += 1
      rest /= 10
    }
    var i = count
    repeat {
      i -= 1
      out[i] = 0x30 + UInt8(truncatingIfNeeded: magnitude % 10)
      magnitude /= 10
    } while magnitude > 0
    if value < 0 { out[0] = 0x2D }
    return count
  }

  /// Appends `value`'s digits to `bytes`.
  static func append(_ value: Int, to bytes: inout [UInt8]) {
    TextSlot.with({ write(value, to: $0) }) { bytes.append(contentsOf: $0) }
  }
}
