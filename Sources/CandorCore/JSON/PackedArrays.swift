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

  /// The decoded bytes copied once into the array (no per-element conversion on a little-endian machine).
  private static func values<T: BitwiseCopyable>(_ text: String, of type: T.Type) -> [T]? {
    let size = MemoryLayout<T>.stride
    guard let bytes = Data(base64Encoded: text), bytes.count % size == 0 else { return nil }
    let count = bytes.count / size
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
      initialized = count
    }
  }
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
