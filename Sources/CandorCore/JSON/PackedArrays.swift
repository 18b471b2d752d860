import Foundation

/// The bulk arrays of a sharded run's parts (score histograms, SHAP rows, row values), written as the base64 of their
/// little-endian bytes: exact to the bit (−0, every NaN), a third larger than the raw bytes, and read without parsing
/// a number — decoding millions of JSON numbers one by one through `JSONDecoder` was most of `candor merge`'s time.
/// The readers take a JSON array of numbers too, as a part written by hand holds them.
public enum PackedArray {
  public static func string(_ values: [Double]) -> String { string(values.map(\.bitPattern)) }

  public static func string<T: FixedWidthInteger>(_ values: [T]) -> String {
    values.map(\.littleEndian).withUnsafeBytes { Data($0).base64EncodedString() }
  }

  /// The doubles `text` packs; nil when it is not base64 of a whole number of 8-byte values.
  public static func doubles(_ text: String) -> [Double]? {
    #if _endian(little)
    return values(text, of: Double.self)
    #else
    return (integers(text) as [UInt64]?)?.map(Double.init(bitPattern:))
    #endif
  }

  public static func integers<T: FixedWidthInteger & BitwiseCopyable>(_ text: String) -> [T]? {
    #if _endian(little)
    return values(text, of: T.self)
    #else
    return values(text, of: T.self)?.map { T(littleEndian: $0) }
    #endif
  }

  /// The values `text` packs, decoded from base64 straight into the array's storage (no per-element conversion on
  /// a little-endian machine); nil when it is not base64 of a whole number of values.
  private static func values<T: BitwiseCopyable>(_ text: String, of type: T.Type) -> [T]? {
    var text = text
    return text.withUTF8 { utf8 -> [T]? in
      guard let byteCount = decodedCount(utf8), byteCount % MemoryLayout<T>.stride == 0 else { return nil }
      let count = byteCount / MemoryLayout<T>.stride
      var decoded = false
      let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        decoded = count == 0 || decodeBase64(utf8, into: UnsafeMutableRawPointer(buffer.baseAddress!))
        initialized = decoded ? count : 0
      }
      return decoded ? values : nil
    }
  }

  /// The bytes of base64 `text`, or nil (for tests: the decoder compared with Foundation's).
  static func bytes(base64 text: String) -> [UInt8]? { values(text, of: UInt8.self) }

  /// How many bytes base64 `text` of RFC 4648 §4 (padded, no line breaks, as Foundation writes it) decodes to.
  private static func decodedCount(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
    guard text.count % 4 == 0 else { return nil }
    return text.count / 4 * 3 - padding(text)
  }

  /// How many "=" end `text` (0, 1 or 2; `text` holds whole quanta).
  private static func padding(_ text: UnsafeBufferPointer<UInt8>) -> Int {
    guard let last = text.last, last == 0x3D else { return 0 }
    return text[text.count - 2] == 0x3D ? 2 : 1
  }

  /// Decodes whole quanta of four characters into three bytes each; the last may hold one or two "=". False at a
  /// character outside the alphabet (or "=" before the end).
  private static func decodeBase64(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawPointer) -> Bool {
    let padding = padding(text)
    let whole = text.count / 4 - (padding > 0 ? 1 : 0)
    return sextets.withUnsafeBufferPointer { table in
      let sextet = table.baseAddress!
      var input = text.baseAddress!
      var bad: UInt8 = 0
      var o = 0
      for _ in 0..<whole {
        let a = sextet[Int(input[0])], b = sextet[Int(input[1])], c = sextet[Int(input[2])], d = sextet[Int(input[3])]
        bad |= a | b | c | d
        let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
        out.storeBytes(of: UInt8(truncatingIfNeeded: word >> 16), toByteOffset: o, as: UInt8.self)
        out.storeBytes(of: UInt8(truncatingIfNeeded: word >> 8), toByteOffset: o + 1, as: UInt8.self)
        out.storeBytes(of: UInt8(truncatingIfNeeded: word), toByteOffset: o + 2, as: UInt8.self)
        input += 4
        o += 3
      }
      if padding > 0 {
        let a = sextet[Int(input[0])], b = sextet[Int(input[1])], c = padding == 2 ? 0 : sextet[Int(input[2])]
        bad |= a | b | c
        out.storeBytes(of: a << 2 | b >> 4, toByteOffset: o, as: UInt8.self)
        if padding == 1 { out.storeBytes(of: b << 4 | c >> 2, toByteOffset: o + 1, as: UInt8.self) }
      }
      return bad & 0x40 == 0
    }
  }

  /// Each byte's base64 value; 0x40 for bytes outside the alphabet ("=" included).
  private static let sextets: [UInt8] = {
    var table = [UInt8](repeating: 0x40, count: 256)
    for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
      table[Int(character)] = UInt8(value)
    }
    return table
  }()
}

extension KeyedEncodingContainer {
  public mutating func encodePacked(_ values: [Double], forKey key: Key) throws {
    try encode(PackedArray.string(values), forKey: key)
  }

  public mutating func encodePacked<T: FixedWidthInteger>(_ values: [T], forKey key: Key) throws {
    try encode(PackedArray.string(values), forKey: key)
  }
}

extension KeyedDecodingContainer {
  /// A packed array (`PackedArray`), or a JSON array of numbers.
  public func decodePacked(_ type: [Double].Type, forKey key: Key) throws -> [Double] {
    guard let text = try? decode(String.self, forKey: key) else { return try decode([Double].self, forKey: key) }
    guard let values = PackedArray.doubles(text) else {
      throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not base64 of 8-byte numbers")
    }
    return values
  }

  public func decodePacked<T: FixedWidthInteger & BitwiseCopyable & Decodable>(_ type: [T].Type, forKey key: Key) throws -> [T] {
    guard let text = try? decode(String.self, forKey: key) else { return try decode([T].self, forKey: key) }
    guard let values: [T] = PackedArray.integers(text) else {
      throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not base64 of \(MemoryLayout<T>.size)-byte integers")
    }
    return values
  }
}
