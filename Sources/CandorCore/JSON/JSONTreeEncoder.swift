import Foundation

/// An `Encoder` that turns any `Encodable` value into a `JSONValue` tree, so every result takes one path to
/// bytes. Arrays of doubles become flat number arrays (no value per element); keys keep the order they are
/// encoded in (synthesized conformances: declaration order), and a layout may sort them.
public struct JSONTreeEncoder: Encoder {
  public let codingPath: [any CodingKey]
  public var userInfo: [CodingUserInfoKey: Any] { [:] }
  fileprivate let slot: Slot

  fileprivate init(codingPath: [any CodingKey], slot: Slot) {
    self.codingPath = codingPath
    self.slot = slot
  }

  /// The tree of `value`.
  public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
    try tree(of: value, codingPath: []).value
  }

  fileprivate static func tree<T: Encodable>(of value: T, codingPath: [any CodingKey]) throws -> Slot {
    // Types compared by metatype, not `as?`: a dynamic cast per value cost more than writing it.
    if T.self == [Double].self { return Slot(.numberArray(unsafeBitCast(value, to: [Double].self))) }
    if T.self == Double.self { return Slot(.number(unsafeBitCast(value, to: Double.self))) }
    if T.self == String.self { return Slot(.string(unsafeBitCast(value, to: String.self))) }
    if T.self == ContiguousArray<Double>.self { return Slot(.numberArray(Array(unsafeBitCast(value, to: ContiguousArray<Double>.self)))) }
    // Matrices of numbers (ICE curves, SHAP values) without a slot per row.
    if T.self == [[Double]].self { return Slot(.array(unsafeBitCast(value, to: [[Double]].self).map(JSONValue.numberArray))) }
    let slot = Slot(nil)
    try value.encode(to: JSONTreeEncoder(codingPath: codingPath, slot: slot))
    return slot
  }

  public func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    KeyedEncodingContainer(KeyedTreeContainer<Key>(codingPath: codingPath, object: slot.object()))
  }

  public func unkeyedContainer() -> any UnkeyedEncodingContainer {
    UnkeyedTreeContainer(codingPath: codingPath, array: slot.array())
  }

  public func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleValueTreeContainer(codingPath: codingPath, slot: slot)
  }
}

// MARK: - Storage

/// One place in the tree: a finished value, or an object or array still being filled (containers are
/// handed out before their contents are encoded, so they share storage by reference).
fileprivate final class Slot {
  enum Content {
    case value(JSONValue)
    case object(ObjectStorage)
    case array(ArrayStorage)
  }
  var content: Content?

  init(_ value: JSONValue?) { content = value.map(Content.value) }

  func object() -> ObjectStorage {
    if case let .object(storage)? = content { return storage }
    let storage = ObjectStorage()
    content = .object(storage)
    return storage
  }

  func array() -> ArrayStorage {
    if case let .array(storage)? = content { return storage }
    let storage = ArrayStorage()
    content = .array(storage)
    return storage
  }

  var value: JSONValue {
    switch content {
    case let .value(value)?: value
    case let .object(storage)?: .object(storage.members.map { ($0.0, $0.1.value) })
    case let .array(storage)?: .array(storage.items.map(\.value))
    case nil: .object([])
    }
  }
}

fileprivate final class ObjectStorage {
  var members: [(String, Slot)] = []
  /// Keyed containers encode each key once (synthesized conformances do), so a key is appended, not looked up.
  func set(_ key: String, _ slot: Slot) { members.append((key, slot)) }
}

fileprivate final class ArrayStorage {
  var items: [Slot] = []
}

private struct IndexKey: CodingKey {
  var intValue: Int?
  var stringValue: String { "\(intValue!)" }
  init(_ index: Int) { intValue = index }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.intValue = intValue }
}

// MARK: - Containers

private struct KeyedTreeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let codingPath: [any CodingKey]
  let object: ObjectStorage

  mutating func encodeNil(forKey key: Key) { object.set(key.stringValue, Slot(.null)) }
  mutating func encode(_ value: Bool, forKey key: Key) { object.set(key.stringValue, Slot(.bool(value))) }
  mutating func encode(_ value: String, forKey key: Key) { object.set(key.stringValue, Slot(.string(value))) }
  mutating func encode(_ value: Double, forKey key: Key) { object.set(key.stringValue, Slot(.number(value))) }
  mutating func encode(_ value: Float, forKey key: Key) { object.set(key.stringValue, Slot(.number(Double(value)))) }
  mutating func encode(_ value: Int, forKey key: Key) { object.set(key.stringValue, Slot(.integer(value))) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    object.set(key.stringValue, try JSONTreeEncoder.tree(of: value, codingPath: codingPath + [key]))
  }
  mutating func encode(_ value: Int8, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: Int16, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: Int32, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: Int64, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt, forKey key: Key) throws { try encode(integer(value, key), forKey: key) }
  mutating func encode(_ value: UInt8, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt16, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt32, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { try encode(integer(value, key), forKey: key) }

  func integer<T: BinaryInteger>(_ value: T, _ key: Key) throws -> Int {
    guard let exact = Int(exactly: value) else {
      throw EncodingError.invalidValue(value, .init(codingPath: codingPath + [key], debugDescription: "\(value) does not fit in 64 signed bits"))
    }
    return exact
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
    let slot = Slot(nil)
    object.set(key.stringValue, slot)
    return KeyedEncodingContainer(KeyedTreeContainer<NestedKey>(codingPath: codingPath + [key], object: slot.object()))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let slot = Slot(nil)
    object.set(key.stringValue, slot)
    return UnkeyedTreeContainer(codingPath: codingPath + [key], array: slot.array())
  }

  mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    let slot = Slot(nil)
    object.set(key.stringValue, slot)
    return JSONTreeEncoder(codingPath: codingPath + [key], slot: slot)
  }
}

private struct UnkeyedTreeContainer: UnkeyedEncodingContainer {
  let codingPath: [any CodingKey]
  let array: ArrayStorage
  var count: Int { array.items.count }

  mutating func encodeNil() { array.items.append(Slot(.null)) }
  mutating func encode(_ value: Bool) { array.items.append(Slot(.bool(value))) }
  mutating func encode(_ value: String) { array.items.append(Slot(.string(value))) }
  mutating func encode(_ value: Double) { array.items.append(Slot(.number(value))) }
  mutating func encode(_ value: Int) { array.items.append(Slot(.integer(value))) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    array.items.append(try JSONTreeEncoder.tree(of: value, codingPath: codingPath + [IndexKey(count)]))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
    let slot = Slot(nil)
    let path = codingPath + [IndexKey(count)]
    array.items.append(slot)
    return KeyedEncodingContainer(KeyedTreeContainer<NestedKey>(codingPath: path, object: slot.object()))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let slot = Slot(nil)
    let path = codingPath + [IndexKey(count)]
    array.items.append(slot)
    return UnkeyedTreeContainer(codingPath: path, array: slot.array())
  }

  mutating func superEncoder() -> any Encoder {
    let slot = Slot(nil)
    let path = codingPath + [IndexKey(count)]
    array.items.append(slot)
    return JSONTreeEncoder(codingPath: path, slot: slot)
  }
}

private struct SingleValueTreeContainer: SingleValueEncodingContainer {
  let codingPath: [any CodingKey]
  let slot: Slot

  mutating func encodeNil() { slot.content = .value(.null) }
  mutating func encode(_ value: Bool) { slot.content = .value(.bool(value)) }
  mutating func encode(_ value: String) { slot.content = .value(.string(value)) }
  mutating func encode(_ value: Double) { slot.content = .value(.number(value)) }
  mutating func encode(_ value: Float) { slot.content = .value(.number(Double(value))) }
  mutating func encode(_ value: Int) { slot.content = .value(.integer(value)) }
  mutating func encode(_ value: Int8) { encode(Int(value)) }
  mutating func encode(_ value: Int16) { encode(Int(value)) }
  mutating func encode(_ value: Int32) { encode(Int(value)) }
  mutating func encode(_ value: Int64) { encode(Int(value)) }
  mutating func encode(_ value: UInt8) { encode(Int(value)) }
  mutating func encode(_ value: UInt16) { encode(Int(value)) }
  mutating func encode(_ value: UInt32) { encode(Int(value)) }
  mutating func encode(_ value: UInt) throws { try encode(UInt64(value)) }
  mutating func encode(_ value: UInt64) throws {
    guard let exact = Int(exactly: value) else {
      throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "\(value) does not fit in 64 signed bits"))
    }
    encode(exact)
  }
  mutating func encode<T: Encodable>(_ value: T) throws {
    slot.content = try JSONTreeEncoder.tree(of: value, codingPath: codingPath).content
  }
}
