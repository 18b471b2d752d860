import CandorCore
import Foundation

/// XGBoost's model document, as a `JSONValue` tree, from either of the formats `Booster.save_model` writes:
/// JSON, or Universal Binary JSON (UBJSON, https://ubjson.org; XGBoost's default since 2.1).
enum ModelDocument {
  /// Nesting deeper than this is refused: XGBoost's documents are five levels deep.
  static let maxDepth = 64

  struct Malformed: Error {
    var reason: String
  }

  /// Parses JSON text with Foundation's parser.
  static func json(_ data: Data) throws(Malformed) -> JSONValue {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw Malformed(reason: "it is not valid JSON")
    }
    return try value(object, depth: 0)
  }

  /// A tree `JSONReader` read, in the shape `value` gives the XGBoost reader: every number a double, arrays of
  /// numbers flat, an object's keys sorted and each once (its first place, as Foundation keeps), at most
  /// `maxDepth` levels.
  static func normalized(_ tree: JSONValue, depth: Int) throws(Malformed) -> JSONValue {
    guard depth < maxDepth else { throw Malformed(reason: "it nests more than \(maxDepth) levels deep") }
    switch tree {
    case let .integer(n): return .number(Double(n))
    case let .array(items):
      var numbers: [Double] = []
      for item in items {
        switch item {
        case let .number(x): numbers.append(x)
        case let .integer(n): numbers.append(Double(n))
        default: break
        }
      }
      if numbers.count == items.count && !items.isEmpty { return .numberArray(numbers) }
      var values: [JSONValue] = []
      values.reserveCapacity(items.count)
      for item in items { values.append(try normalized(item, depth: depth + 1)) }
      return .array(values)
    case let .object(members):
      var seen = Set<String>()
      var kept: [(String, JSONValue)] = []
      for (key, value) in members where seen.insert(key).inserted { kept.append((key, try normalized(value, depth: depth + 1))) }
      return .object(kept.sorted { $0.0 < $1.0 })
    default: return tree
    }
  }

  /// The JSONValue of an object JSONSerialization parsed.
  static func value(_ object: Any, depth: Int) throws(Malformed) -> JSONValue {
    guard depth < maxDepth else { throw Malformed(reason: "it nests more than \(maxDepth) levels deep") }
    switch object {
    case let string as String: return .string(string)
    case let number as NSNumber:
      if jsonIsBoolean(number) { return .bool(number.boolValue) }
      return .number(number.doubleValue)
    case let array as [Any]:
      if array.allSatisfy({ ($0 as? NSNumber).map { !jsonIsBoolean($0) } ?? false }) && !array.isEmpty {
        return .numberArray(array.map { ($0 as! NSNumber).doubleValue })
      }
      var values: [JSONValue] = []
      values.reserveCapacity(array.count)
      for element in array { values.append(try value(element, depth: depth + 1)) }
      return .array(values)
    case let dictionary as [String: Any]:
      var members: [(String, JSONValue)] = []
      for key in dictionary.keys.sorted() { members.append((key, try value(dictionary[key]!, depth: depth + 1))) }
      return .object(members)
    case is NSNull: return .null
    default: throw Malformed(reason: "it holds a value JSON does not have")
    }
  }

  /// JSONSerialization gives true and false as NSNumbers of Objective-C type "c" (char); its numbers are
  /// never chars.
  /// Parses UBJSON: big-endian numbers, strings and keys as length + UTF-8 bytes, and the optimized containers
  /// (`$` type, `#` count) XGBoost writes for its number arrays.
  static func ubjson(_ data: Data) throws(Malformed) -> JSONValue {
    var reader = UBJSONReader(bytes: [UInt8](data))
    let value = try reader.value(depth: 0)
    guard reader.position == reader.bytes.count else {
      throw Malformed(reason: "it has \(reader.bytes.count - reader.position) bytes after the document")
    }
    return value
  }
}

private struct UBJSONReader {
  let bytes: [UInt8]
  var position = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  func fail(_ reason: String) -> ModelDocument.Malformed {
    ModelDocument.Malformed(reason: "its UBJSON is malformed at byte \(position): \(reason)")
  }

  mutating func byte() throws(ModelDocument.Malformed) -> UInt8 {
    guard position < bytes.count else { throw fail("the file ends early") }
    defer { position += 1 }
    return bytes[position]
  }

  mutating func bigEndian(_ count: Int) throws(ModelDocument.Malformed) -> UInt64 {
    guard count <= bytes.count - position else { throw fail("the file ends early") }
    var value: UInt64 = 0
    for i in 0..<count { value = value << 8 | UInt64(bytes[position + i]) }
    position += count
    return value
  }

  /// A number of the given type marker.
  mutating func number(_ marker: UInt8) throws(ModelDocument.Malformed) -> Double {
    switch marker {
    case UInt8(ascii: "i"): return Double(Int8(bitPattern: UInt8(try bigEndian(1))))
    case UInt8(ascii: "U"): return Double(try bigEndian(1))
    case UInt8(ascii: "I"): return Double(Int16(bitPattern: UInt16(try bigEndian(2))))
    case UInt8(ascii: "l"): return Double(Int32(bitPattern: UInt32(try bigEndian(4))))
    case UInt8(ascii: "L"): return Double(Int64(bitPattern: try bigEndian(8)))
    case UInt8(ascii: "d"): return Double(Float(bitPattern: UInt32(try bigEndian(4))))
    case UInt8(ascii: "D"): return Double(bitPattern: try bigEndian(8))
    default: throw fail("'\(printableMarker(marker))' is not a number type")
    }
  }

  /// A count or length: an integer type marker, then a non-negative integer no larger than what is left.
  mutating func length() throws(ModelDocument.Malformed) -> Int {
    let marker = try byte()
    guard [UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L")].contains(marker) else {
      throw fail("a length must be an integer, not '\(printableMarker(marker))'")
    }
    let value = try number(marker)
    guard value >= 0, value <= Double(bytes.count - position) else { throw fail("a length of \(formatNumber(value)) does not fit the file") }
    return Int(value)
  }

  mutating func string() throws(ModelDocument.Malformed) -> String {
    let count = try length()
    defer { position += count }
    guard let text = String(bytes: bytes[position..<(position + count)], encoding: .utf8) else { throw fail("a string is not UTF-8") }
    return text
  }

  mutating func value(depth: Int) throws(ModelDocument.Malformed) -> JSONValue {
    try value(marker: try byte(), depth: depth)
  }

  mutating func value(marker: UInt8, depth: Int) throws(ModelDocument.Malformed) -> JSONValue {
    guard depth < ModelDocument.maxDepth else { throw fail("it nests more than \(ModelDocument.maxDepth) levels deep") }
    switch marker {
    case UInt8(ascii: "Z"): return .null
    case UInt8(ascii: "T"): return .bool(true)
    case UInt8(ascii: "F"): return .bool(false)
    case UInt8(ascii: "S"), UInt8(ascii: "H"): return .string(try string())
    case UInt8(ascii: "C"): return .string(String(UnicodeScalar(try byte())))
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "{"): return try object(depth: depth)
    default: return .number(try number(marker))
    }
  }

  /// After `[`: an optional `$type`, an optional `#count`; without a count the elements end at `]`.
  mutating func array(depth: Int) throws(ModelDocument.Malformed) -> JSONValue {
    let (type, count) = try containerHeader()
    if let count {
      if let type, type != UInt8(ascii: "["), type != UInt8(ascii: "{"), type != UInt8(ascii: "S") {
        let width = [UInt8(ascii: "i"): 1, UInt8(ascii: "U"): 1, UInt8(ascii: "I"): 2, UInt8(ascii: "l"): 4, UInt8(ascii: "L"): 8,
                     UInt8(ascii: "d"): 4, UInt8(ascii: "D"): 8][type]
        guard let width else { throw fail("'\(printableMarker(type))' cannot type an array") }
        guard count <= (bytes.count - position) / width else { throw fail("\(count) elements do not fit the file") }
        var numbers = [Double]()
        numbers.reserveCapacity(count)
        for _ in 0..<count { numbers.append(try number(type)) }
        return .numberArray(numbers)
      }
      var values: [JSONValue] = []
      for _ in 0..<count {
        if let type { values.append(try value(marker: type, depth: depth + 1)) } else { values.append(try value(depth: depth + 1)) }
      }
      return Self.flattened(values)
    }
    var values: [JSONValue] = []
    while true {
      let marker = try byte()
      if marker == UInt8(ascii: "]") { break }
      if marker == UInt8(ascii: "N") { continue }
      values.append(try value(marker: marker, depth: depth + 1))
    }
    return Self.flattened(values)
  }

  /// An array of numbers only is stored flat, as JSON's are.
  static func flattened(_ values: [JSONValue]) -> JSONValue {
    let numbers = values.compactMap { if case let .number(x) = $0 { x } else { nil } }
    return numbers.count == values.count && !values.isEmpty ? .numberArray(numbers) : .array(values)
  }

  /// After `{`: keys (length + bytes, no `S`) and values, ending at `}` or after `#count` members.
  mutating func object(depth: Int) throws(ModelDocument.Malformed) -> JSONValue {
    let (type, count) = try containerHeader()
    var members: [(String, JSONValue)] = []
    func member(_ reader: inout UBJSONReader) throws(ModelDocument.Malformed) {
      let key = try reader.string()
      if let type { members.append((key, try reader.value(marker: type, depth: depth + 1))) } else { members.append((key, try reader.value(depth: depth + 1))) }
    }
    if let count {
      for _ in 0..<count { try member(&self) }
    } else {
      while true {
        guard position < bytes.count else { throw fail("an object does not end") }
        if bytes[position] == UInt8(ascii: "}") { position += 1; break }
        try member(&self)
      }
    }
    return .object(members)
  }

  mutating func containerHeader() throws(ModelDocument.Malformed) -> (type: UInt8?, count: Int?) {
    var type: UInt8?
    if position < bytes.count, bytes[position] == UInt8(ascii: "$") {
      position += 1
      type = try byte()
      guard position < bytes.count, bytes[position] == UInt8(ascii: "#") else { throw fail("a typed container needs a count") }
    }
    var count: Int?
    if position < bytes.count, bytes[position] == UInt8(ascii: "#") {
      position += 1
      count = try length()
    }
    return (type, count)
  }

  func printableMarker(_ marker: UInt8) -> String {
    (32..<127).contains(marker) ? String(UnicodeScalar(marker)) : "0x" + String(marker, radix: 16)
  }
}

extension JSONValue {
  /// The member `key` of an object.
  subscript(member key: String) -> JSONValue? {
    guard case let .object(members) = self else { return nil }
    return members.first { $0.0 == key }?.1
  }

  var stringValue: String? { if case let .string(s) = self { s } else { nil } }

  /// The numbers of a number array (an empty array is an empty list).
  var numbers: [Double]? {
    switch self {
    case let .numberArray(values): values
    case let .array(values) where values.isEmpty: []
    default: nil
    }
  }

  var elements: [JSONValue]? {
    switch self {
    case let .array(values): values
    case let .numberArray(values): values.map { .number($0) }
    default: nil
    }
  }

  var strings: [String]? { elements?.compactMap(\.stringValue) }
}
