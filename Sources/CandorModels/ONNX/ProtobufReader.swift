/// A reader of the protobuf wire format (protobuf.dev/programming-guides/encoding), just enough for the ONNX
/// messages candor needs: varints, fixed 32/64-bit values, length-delimited fields, packed repeated numbers.
///
/// Every length is checked against the bytes that remain, so a truncated or hostile file is refused with the
/// offset at fault instead of read past its end.
struct ProtobufReader {
  struct Malformed: Error, Equatable {
    var offset: Int
    var reason: String
  }

  enum WireType: UInt64 {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
  }

  /// One field as read: its number, wire type, and for a length-delimited field the bytes (start, end).
  struct Field {
    var number: UInt64
    var wireType: WireType
    /// The varint, or the fixed value's bits.
    var scalar: UInt64
    var start: Int
    var end: Int
  }

  let bytes: UnsafeRawBufferPointer
  private(set) var position: Int
  let end: Int

  init(_ bytes: UnsafeRawBufferPointer, start: Int = 0, end: Int? = nil) {
    self.bytes = bytes
    self.position = start
    self.end = end ?? bytes.count
  }

  var isAtEnd: Bool { position >= end }

  mutating func varint() throws(Malformed) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    let start = position
    while true {
      guard position < end else { throw Malformed(offset: start, reason: "a number runs past the end of its message") }
      let byte = bytes[position]
      position += 1
      if shift == 63 && byte > 1 { throw Malformed(offset: start, reason: "a number is longer than 64 bits") }
      value |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return value }
      shift += 7
      if shift > 63 { throw Malformed(offset: start, reason: "a number is longer than 10 bytes") }
    }
  }

  mutating func fixed(_ width: Int) throws(Malformed) -> UInt64 {
    guard end - position >= width else { throw Malformed(offset: position, reason: "a \(width * 8)-bit value runs past the end of its message") }
    var value: UInt64 = 0
    for k in 0..<width { value |= UInt64(bytes[position + k]) << UInt64(8 * k) }
    position += width
    return value
  }

  /// The next field, or nil at the end of the message.
  mutating func next() throws(Malformed) -> Field? {
    guard !isAtEnd else { return nil }
    let keyOffset = position
    let key = try varint()
    let number = key >> 3
    guard number >= 1 else { throw Malformed(offset: keyOffset, reason: "a field has number 0") }
    guard let wireType = WireType(rawValue: key & 7) else {
      throw Malformed(offset: keyOffset, reason: "field \(number) has wire type \(key & 7), which ONNX does not use")
    }
    switch wireType {
    case .varint: return Field(number: number, wireType: wireType, scalar: try varint(), start: 0, end: 0)
    case .fixed64: return Field(number: number, wireType: wireType, scalar: try fixed(8), start: 0, end: 0)
    case .fixed32: return Field(number: number, wireType: wireType, scalar: try fixed(4), start: 0, end: 0)
    case .lengthDelimited:
      let lengthOffset = position
      let length = try varint()
      guard length <= UInt64(end - position) else {
        throw Malformed(offset: lengthOffset, reason: "field \(number) declares \(length) bytes, but only \(end - position) remain")
      }
      let start = position
      position += Int(length)
      return Field(number: number, wireType: wireType, scalar: 0, start: start, end: position)
    }
  }

  /// A reader of the embedded message `field`.
  func message(_ field: Field) throws(Malformed) -> ProtobufReader {
    guard field.wireType == .lengthDelimited else { throw Malformed(offset: position, reason: "field \(field.number) should be a message") }
    return ProtobufReader(bytes, start: field.start, end: field.end)
  }

  func string(_ field: Field) throws(Malformed) -> String {
    guard field.wireType == .lengthDelimited else { throw Malformed(offset: position, reason: "field \(field.number) should be text") }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
  }

  func data(_ field: Field) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end]) }

  /// A repeated varint field's values from one occurrence: packed (length-delimited) or a single varint.
  func varints(_ field: Field, into values: inout [Int64]) throws(Malformed) {
    switch field.wireType {
    case .varint: values.append(Int64(bitPattern: field.scalar))
    case .lengthDelimited:
      var packed = ProtobufReader(bytes, start: field.start, end: field.end)
      while !packed.isAtEnd { values.append(Int64(bitPattern: try packed.varint())) }
    default: throw Malformed(offset: field.start, reason: "field \(field.number) should hold integers")
    }
  }

  /// A repeated float field's values from one occurrence: packed or a single fixed32.
  func floats(_ field: Field, into values: inout [Float]) throws(Malformed) {
    switch field.wireType {
    case .fixed32: values.append(Float(bitPattern: UInt32(truncatingIfNeeded: field.scalar)))
    case .lengthDelimited:
      guard (field.end - field.start) % 4 == 0 else { throw Malformed(offset: field.start, reason: "packed floats of field \(field.number) are not a multiple of 4 bytes") }
      values.reserveCapacity(values.count + (field.end - field.start) / 4)
      for offset in stride(from: field.start, to: field.end, by: 4) {
        values.append(Float(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
      }
    default: throw Malformed(offset: field.start, reason: "field \(field.number) should hold floats")
    }
  }

  /// A repeated double field's values from one occurrence: packed or a single fixed64.
  func doubles(_ field: Field, into values: inout [Double]) throws(Malformed) {
    switch field.wireType {
    case .fixed64: values.append(Double(bitPattern: field.scalar))
    case .lengthDelimited:
      guard (field.end - field.start) % 8 == 0 else { throw Malformed(offset: field.start, reason: "packed doubles of field \(field.number) are not a multiple of 8 bytes") }
      for offset in stride(from: field.start, to: field.end, by: 8) {
        values.append(Double(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian))
      }
    default: throw Malformed(offset: field.start, reason: "field \(field.number) should hold doubles")
    }
  }
}
