import Foundation

/// A `Decoder` over a `JSONValue` tree (from `JSONReader`), reading Candor's JSON as `CandorJSON.decoder()` does:
/// non-finite numbers are the strings "nan", "inf", "-inf"; a whole number decodes as an integer type only if it
/// fits; a key written twice is read at its first place, as Foundation does. Errors are the `DecodingError`s
/// Foundation throws, with the coding path to the value.
struct JSONValueDecoder: Decoder {
  let value: JSONValue
  let path: CodingPath

  var codingPath: [any CodingKey] { path.keys }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  /// The path to a value: a chain to its parent, turned into a list only for an error.
  indirect enum CodingPath {
    case root
    case key(any CodingKey, CodingPath)

    var keys: [any CodingKey] {
      var keys: [any CodingKey] = []
      var node = self
      while case let .key(key, parent) = node {
        keys.append(key)
        node = parent
      }
      return keys.reversed()
    }

    func appending(_ key: any CodingKey) -> CodingPath { .key(key, self) }
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    guard case let .object(members) = value else {
      throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "Expected to decode an object but found \(value.kindName)."))
    }
    return KeyedDecodingContainer(KeyedValueContainer<Key>(members: members, path: path))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    switch value {
    case let .array(items): return UnkeyedValueContainer(items: .values(items), path: path)
    case let .numberArray(numbers): return UnkeyedValueContainer(items: .numbers(numbers), path: path)
    default:
      throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "Expected to decode an array but found \(value.kindName)."))
    }
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValueContainer(value: value, path: path) }

  // MARK: Scalars, shared by the containers

  static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, path: CodingPath) throws -> T {
    // Number lists without a container per element.
    if T.self == [Double].self, case let .numberArray(numbers) = value { return unsafeBitCast(numbers, to: T.self) }
    if T.self == Double.self { return unsafeBitCast(try double(value, path), to: T.self) }
    if T.self == String.self { return unsafeBitCast(try string(value, path), to: T.self) }
    if T.self == Int.self { return unsafeBitCast(try integer(Int.self, value, path), to: T.self) }
    if T.self == [String].self, let strings = strings(value) { return unsafeBitCast(strings, to: T.self) }
    return try T(from: JSONValueDecoder(value: value, path: path))
  }

  /// An array of strings without a container per element; nil when `value` is anything else (the generic path
  /// then says what and where).
  static func strings(_ value: JSONValue) -> [String]? {
    guard case let .array(items) = value else { return nil }
    var strings: [String] = []
    strings.reserveCapacity(items.count)
    for item in items {
      guard case let .string(text) = item else { return nil }
      strings.append(text)
    }
    return strings
  }

  static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: CodingPath) -> DecodingError {
    if case .null = value {
      return .valueNotFound(type, .init(codingPath: path.keys, debugDescription: "Expected \(type) value but found null instead."))
    }
    return .typeMismatch(type, .init(codingPath: path.keys, debugDescription: "Expected to decode \(type) but found \(value.kindName) instead."))
  }

  static func bool(_ value: JSONValue, _ path: CodingPath) throws -> Bool {
    guard case let .bool(b) = value else { throw mismatch(Bool.self, value, path) }
    return b
  }

  static func string(_ value: JSONValue, _ path: CodingPath) throws -> String {
    guard case let .string(s) = value else { throw mismatch(String.self, value, path) }
    return s
  }

  static func double(_ value: JSONValue, _ path: CodingPath) throws -> Double {
    switch value {
    case let .number(x): return x
    case let .integer(n): return Double(n)
    case .string("nan"): return .nan
    case .string("inf"): return .infinity
    case .string("-inf"): return -.infinity
    default: throw mismatch(Double.self, value, path)
    }
  }

  static func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONValue, _ path: CodingPath) throws -> T {
    let exact: T?
    switch value {
    case let .integer(n): exact = T(exactly: n)
    case let .number(x): exact = x.isFinite ? T(exactly: x) : nil
    default: throw mismatch(type, value, path)
    }
    guard let exact else {
      throw DecodingError.dataCorrupted(.init(codingPath: path.keys, debugDescription: "Parsed JSON number <\(value.numberText)> does not fit in \(type)."))
    }
    return exact
  }
}

extension JSONValue {
  /// What a value is, for an error.
  var kindName: String {
    switch self {
    case .number, .integer: "a number"
    case .string: "a string"
    case .bool: "a boolean"
    case .null: "null"
    case .array, .numberArray: "an array"
    case .object: "an object"
    }
  }

  var numberText: String {
    switch self {
    case let .integer(n): "\(n)"
    case let .number(x): "\(x)"
    default: kindName
    }
  }
}

private struct IndexKey: CodingKey {
  var intValue: Int?
  var stringValue: String { "Index \(intValue!)" }
  init(_ index: Int) { intValue = index }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.intValue = intValue }
}

// MARK: - Containers

private struct KeyedValueContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let members: [(String, JSONValue)]
  let path: JSONValueDecoder.CodingPath
  /// First place of each key, for objects too large to search.
  private let index: [String: Int]?

  init(members: [(String, JSONValue)], path: JSONValueDecoder.CodingPath) {
    self.members = members
    self.path = path
    if members.count > 16 {
      var index: [String: Int] = [:]
      index.reserveCapacity(members.count)
      for (k, member) in members.enumerated() where index[member.0] == nil { index[member.0] = k }
      self.index = index
    } else {
      index = nil
    }
  }

  var codingPath: [any CodingKey] { path.keys }
  var allKeys: [Key] {
    var seen = Set<String>()
    return members.compactMap { seen.insert($0.0).inserted ? Key(stringValue: $0.0) : nil }
  }

  private func find(_ key: Key) -> JSONValue? {
    let name = key.stringValue
    if let index { return index[name].map { members[$0].1 } }
    return members.first { $0.0 == name }?.1
  }

  private func value(_ key: Key) throws -> JSONValue {
    guard let value = find(key) else {
      throw DecodingError.keyNotFound(key, .init(codingPath: path.keys, debugDescription: "No value associated with key \(key.stringValue)."))
    }
    return value
  }

  func contains(_ key: Key) -> Bool { find(key) != nil }

  func decodeNil(forKey key: Key) throws -> Bool {
    if case .null = try value(key) { return true }
    return false
  }

  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try JSONValueDecoder.bool(value(key), path.appending(key)) }
  func decode(_ type: String.Type, forKey key: Key) throws -> String { try JSONValueDecoder.string(value(key), path.appending(key)) }
  func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try JSONValueDecoder.double(value(key), path.appending(key)) }
  func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decode(Double.self, forKey: key)) }
  func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }
  private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T { try JSONValueDecoder.integer(T.self, value(key), path.appending(key)) }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try JSONValueDecoder.decode(type, from: value(key), path: path.appending(key))
  }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
    try JSONValueDecoder(value: value(key), path: path.appending(key)).container(keyedBy: type)
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    try JSONValueDecoder(value: value(key), path: path.appending(key)).unkeyedContainer()
  }

  func superDecoder() throws -> any Decoder {
    JSONValueDecoder(value: find(Key(stringValue: "super")!) ?? .null, path: path)
  }

  func superDecoder(forKey key: Key) throws -> any Decoder { JSONValueDecoder(value: find(key) ?? .null, path: path.appending(key)) }
}

private struct UnkeyedValueContainer: UnkeyedDecodingContainer {
  enum Items {
    case values([JSONValue])
    case numbers([Double])
  }

  let items: Items
  let path: JSONValueDecoder.CodingPath
  private(set) var currentIndex = 0

  init(items: Items, path: JSONValueDecoder.CodingPath) {
    self.items = items
    self.path = path
  }

  var codingPath: [any CodingKey] { path.keys }
  var count: Int? {
    switch items {
    case let .values(values): values.count
    case let .numbers(numbers): numbers.count
    }
  }
  var isAtEnd: Bool { currentIndex >= count! }

  private var elementPath: JSONValueDecoder.CodingPath { path.appending(IndexKey(currentIndex)) }

  private func peek(_ type: Any.Type) throws -> JSONValue {
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(type, .init(codingPath: elementPath.keys, debugDescription: "Unkeyed container is at end."))
    }
    switch items {
    case let .values(values): return values[currentIndex]
    case let .numbers(numbers): return .number(numbers[currentIndex])
    }
  }

  private mutating func next<T>(_ type: T.Type, _ read: (JSONValue, JSONValueDecoder.CodingPath) throws -> T) throws -> T {
    let value = try read(peek(type), elementPath)
    currentIndex += 1
    return value
  }

  mutating func decodeNil() throws -> Bool {
    if case .null = try peek(Never.self) {
      currentIndex += 1
      return true
    }
    return false
  }

  mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type, JSONValueDecoder.bool) }
  mutating func decode(_ type: String.Type) throws -> String { try next(type, JSONValueDecoder.string) }
  mutating func decode(_ type: Double.Type) throws -> Double { try next(type, JSONValueDecoder.double) }
  mutating func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
  mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
  mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
  mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
  mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
  mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
  mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
  mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
  mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
  mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
  mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }
  private mutating func integer<T: FixedWidthInteger>() throws -> T { try next(T.self) { try JSONValueDecoder.integer(T.self, $0, $1) } }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
    try next(type) { try JSONValueDecoder.decode(type, from: $0, path: $1) }
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
    try next(KeyedDecodingContainer<NestedKey>.self) { try JSONValueDecoder(value: $0, path: $1).container(keyedBy: type) }
  }

  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    try next((any UnkeyedDecodingContainer).self) { try JSONValueDecoder(value: $0, path: $1).unkeyedContainer() }
  }

  mutating func superDecoder() throws -> any Decoder {
    try next((any Decoder).self) { JSONValueDecoder(value: $0, path: $1) }
  }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
  let value: JSONValue
  let path: JSONValueDecoder.CodingPath
  var codingPath: [any CodingKey] { path.keys }

  func decodeNil() -> Bool {
    if case .null = value { return true }
    return false
  }

  func decode(_ type: Bool.Type) throws -> Bool { try JSONValueDecoder.bool(value, path) }
  func decode(_ type: String.Type) throws -> String { try JSONValueDecoder.string(value, path) }
  func decode(_ type: Double.Type) throws -> Double { try JSONValueDecoder.double(value, path) }
  func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
  func decode(_ type: Int.Type) throws -> Int { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: Int8.Type) throws -> Int8 { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: Int16.Type) throws -> Int16 { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: Int32.Type) throws -> Int32 { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: Int64.Type) throws -> Int64 { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: UInt.Type) throws -> UInt { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONValueDecoder.integer(type, value, path) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONValueDecoder.integer(type, value, path) }
  func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONValueDecoder.decode(type, from: value, path: path) }
}
