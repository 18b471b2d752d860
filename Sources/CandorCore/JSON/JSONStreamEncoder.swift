import Foundation

/// An `Encoder` that writes a value's JSON straight into bytes as it is encoded, for layouts that keep keys in the
/// order encoded (`compact`, `line`): no tree, no object per value. A 10,000-row KernelSHAP result is 270,000
/// numbers in 40,000 containers; building `JSONTreeEncoder`'s tree of it and freeing it again took longer than
/// writing its bytes.
///
/// It writes exactly what `JSONTreeEncoder` and `JSONValue`'s writer write. The one layout decision that needs
/// look-ahead — an array of scalars goes on one line, an array holding a container one element per line — is
/// made by writing an array inline and re-laying its elements out the moment a container arrives in it.
///
/// Streaming needs each container to be finished before its parent's next member is encoded, which synthesized
/// conformances do. A conformance that goes back to a container it left (or uses `superEncoder`) makes the
/// stream give up, and `CandorJSON.data` encodes through the tree instead.
struct JSONStreamEncoder: Encoder {
  let writer: JSONStreamWriter
  let depth: Int
  let frame: Int

  var codingPath: [any CodingKey] { [] }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  /// The bytes of `value` in `layout`, or nil when its conformance cannot be streamed.
  static func data<T: Encodable>(_ value: T, layout: JSONLayout) -> Data? {
    let writer = JSONStreamWriter(layout: layout)
    writer.encodeValue(value, depth: 0, frame: 0)
    guard !writer.failed else { return nil }
    writer.state.closeFrames(above: 0)
    if layout.endsWithNewline { writer.state.out.append(0x0A) }
    return Data(writer.state.out)
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    KeyedEncodingContainer(StreamKeyedContainer<Key>(writer: writer, frame: writer.state.open(.object, depth: depth, frame: frame)))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    StreamUnkeyedContainer(writer: writer, frame: writer.state.open(.array, depth: depth, frame: frame))
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    StreamSingleValueContainer(writer: writer, depth: depth, frame: frame)
  }
}

/// The output and the stack of open containers. Its state is one struct, so writing a scalar is one access to
/// the class's storage (an exclusivity check each), not one per byte.
final class JSONStreamWriter {
  var state: JSONStreamState

  init(layout: JSONLayout) { state = JSONStreamState(layout: layout) }

  var failed: Bool { state.failed }
  var depthOfTop: Int { state.stack.count - 1 }
  func fail() { state.failed = true }

  /// Any value at (depth, frame), with the tree encoder's shortcuts for numbers and matrices of them. The value's
  /// own conformance runs outside any access to `state`: it writes through containers that access it again.
  func encodeValue<T: Encodable>(_ value: T, depth: Int, frame: Int) {
    if T.self == [Double].self {
      state.numbers(unsafeBitCast(value, to: [Double].self), depth: depth, frame: frame)
    } else if T.self == Double.self {
      state.number(unsafeBitCast(value, to: Double.self), depth: depth, frame: frame)
    } else if T.self == String.self {
      state.string(unsafeBitCast(value, to: String.self), depth: depth, frame: frame)
    } else if T.self == ContiguousArray<Double>.self {
      state.numbers(unsafeBitCast(value, to: ContiguousArray<Double>.self), depth: depth, frame: frame)
    } else if let objects = value as? any JSONObjectArray {
      // One cast for the whole array (a cast per element cost about 1,300 instructions a row).
      objects.writeElements(to: self, depth: depth, frame: frame)
    } else if let streamable = value as? any JSONObjectStreamable {
      writeObject(streamable, depth: depth, frame: frame)
    } else {
      let begun = state.valuesBegun
      do {
        try value.encode(to: JSONStreamEncoder(writer: self, depth: depth, frame: frame))
      } catch {
        // The tree encoder says what failed and where.
        state.failed = true
      }
      if state.valuesBegun == begun, !state.failed {
        // Nothing encoded: an empty object.
        _ = state.open(.object, depth: depth, frame: frame)
      }
    }
  }
}

extension JSONStreamWriter {
  func writeObject<T: JSONObjectStreamable>(_ value: T, depth: Int, frame: Int) {
    let id = state.open(.object, depth: depth, frame: frame)
    guard id >= 0 else { return }
    var object = JSONObjectStream(writer: self, depth: depthOfTop, frame: id)
    value.writeJSON(to: &object)
  }
}

/// An array of objects that stream themselves: its elements are written without a cast or container each.
protocol JSONObjectArray {
  func writeElements(to writer: JSONStreamWriter, depth: Int, frame: Int)
}

extension Array: JSONObjectArray where Element: JSONObjectStreamable {
  func writeElements(to writer: JSONStreamWriter, depth: Int, frame: Int) {
    let id = writer.state.open(.array, depth: depth, frame: frame)
    guard id >= 0 else { return }
    for element in self { writer.writeObject(element, depth: depth + 1, frame: id) }
  }
}

struct JSONStreamState {
  enum Kind { case object, array }

  struct Frame {
    var kind: Kind
    /// Where its `[` or `{` is.
    var start: Int
    var indent: Int
    var count = 0
    /// An array still on one line (its elements all scalars so far).
    var inline = true
    var id: Int
  }

  let layout: JSONLayout
  var out: [UInt8] = []
  /// stack[0] is the document's root position (no container); stack[d] the container at depth d.
  fileprivate(set) var stack: [Frame]
  private var nextID = 1
  /// Where each element of the innermost inline array begins: only the top frame can be one (a container inside
  /// it ends its inline layout), so one list serves.
  private var elementStarts: [Int] = []
  /// Values begun so far: a value whose conformance wrote nothing is written `{}`, as the tree encoder does.
  fileprivate(set) var valuesBegun = 0
  var failed = false
  /// Spaces for indentation, appended in one copy.
  private let spaces = [UInt8](repeating: 0x20, count: 64)

  init(layout: JSONLayout) {
    self.layout = layout
    stack = [Frame(kind: .array, start: 0, indent: 0, id: 0)]
    out.reserveCapacity(1 << 16)
  }

  /// Makes the container (depth, frame) the innermost open one again, closing its finished children; false when
  /// it was itself closed already (a conformance went back to it), which ends the stream.
  mutating func enter(depth: Int, frame: Int) -> Bool {
    guard !failed else { return false }
    guard depth < stack.count, stack[depth].id == frame else {
      failed = true
      return false
    }
    if stack.count > depth + 1 { closeFrames(above: depth) }
    return true
  }

  mutating func closeFrames(above depth: Int) {
    while stack.count > depth + 1 {
      let frame = stack.removeLast()
      let close: UInt8 = frame.kind == .object ? 0x7D : 0x5D
      // An empty container is `[]` or `{}` (the layouts streamed do not open them over lines).
      if frame.count > 0 && (frame.kind == .object || !frame.inline) {
        newline(indent: frame.indent)
      }
      out.append(close)
    }
  }

  /// Starts a value at the innermost container of (depth, frame): a member's value (its key already written) or
  /// an array element, whose separator and line depend on whether it is a container.
  mutating func beginValue(depth: Int, frame: Int, isContainer: Bool) -> Bool {
    guard enter(depth: depth, frame: frame) else { return false }
    valuesBegun += 1
    guard depth > 0, stack[depth].kind == .array else { return true }
    if stack[depth].inline && isContainer {
      relayOut(depth)
    }
    if stack[depth].inline {
      if stack[depth].count > 0 { separator() }
      elementStarts.append(out.count)
    } else {
      if stack[depth].count > 0 { out.append(0x2C) }
      newline(indent: stack[depth].indent + 2)
    }
    stack[depth].count += 1
    return true
  }

  /// `, ` between the elements of an inline array (`,` on one line).
  private mutating func separator() {
    out.append(0x2C)
    if !layout.isOneLine { out.append(0x20) }
  }

  /// Rewrites an inline array's scalar elements one per line, as the tree writer lays out an array holding a
  /// container.
  private mutating func relayOut(_ depth: Int) {
    stack[depth].inline = false
    guard stack[depth].count > 0 else { return }
    let separator = layout.isOneLine ? 1 : 2
    let base = stack[depth].start + 1
    let tail = Array(out[base...])
    out.removeSubrange(base...)
    for (i, start) in elementStarts.enumerated() {
      let end = i + 1 < elementStarts.count ? elementStarts[i + 1] - separator : base + tail.count
      if i > 0 { out.append(0x2C) }
      newline(indent: stack[depth].indent + 2)
      out.append(contentsOf: tail[(start - base)..<(end - base)])
    }
    elementStarts.removeAll(keepingCapacity: true)
  }

  /// Opens a container as the value at (depth, frame); returns its frame id (at depth + 1).
  mutating func open(_ kind: Kind, depth: Int, frame: Int) -> Int {
    guard beginValue(depth: depth, frame: frame, isContainer: true) else { return -1 }
    let indent = depth == 0 ? 0 : stack[depth].indent + 2
    let id = nextID
    nextID += 1
    stack.append(Frame(kind: kind, start: out.count, indent: indent, id: id))
    if kind == .array { elementStarts.removeAll(keepingCapacity: true) }
    out.append(kind == .object ? 0x7B : 0x5B)
    return id
  }

  /// Writes `key` as the next member of the object (depth, frame).
  mutating func key(_ key: String, depth: Int, frame: Int) -> Bool {
    guard beginMember(depth: depth, frame: frame) else { return false }
    JSONBytes.writeString(key, into: &out, layout: layout)
    colon()
    return true
  }

  /// A key known when the code was written, which needs no escaping: its bytes as they are.
  mutating func key(_ key: StaticString, depth: Int, frame: Int) -> Bool {
    guard beginMember(depth: depth, frame: frame) else { return false }
    let bytes = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
    assert(!bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x2F }, "a static key that needs escaping")
    out.append(0x22)
    out.append(contentsOf: bytes)
    out.append(0x22)
    colon()
    return true
  }

  private mutating func beginMember(depth: Int, frame: Int) -> Bool {
    guard enter(depth: depth, frame: frame) else { return false }
    if stack[depth].count > 0 { out.append(0x2C) }
    stack[depth].count += 1
    newline(indent: stack[depth].indent + 2)
    return true
  }

  private mutating func colon() {
    if layout.spacesAroundColon {
      out.append(0x20); out.append(0x3A); out.append(0x20)
    } else if layout.isOneLine {
      out.append(0x3A)
    } else {
      out.append(0x3A); out.append(0x20)
    }
  }

  private mutating func newline(indent: Int) {
    if layout.isOneLine { return }
    out.append(0x0A)
    var left = indent
    while left > 0 {
      let run = min(left, spaces.count)
      out.append(contentsOf: spaces[0..<run])
      left -= run
    }
  }

  // MARK: Scalars

  mutating func number(_ value: Double, depth: Int, frame: Int) {
    guard beginValue(depth: depth, frame: frame, isContainer: false) else { return }
    JSONBytes.writeNumber(value, into: &out, layout: layout)
  }

  mutating func integer(_ value: Int, depth: Int, frame: Int) {
    guard beginValue(depth: depth, frame: frame, isContainer: false) else { return }
    JSONBytes.writeInteger(value, into: &out)
  }

  mutating func string(_ value: String, depth: Int, frame: Int) {
    guard beginValue(depth: depth, frame: frame, isContainer: false) else { return }
    JSONBytes.writeString(value, into: &out, layout: layout)
  }

  mutating func literal(_ text: StaticString, depth: Int, frame: Int) {
    guard beginValue(depth: depth, frame: frame, isContainer: false) else { return }
    text.withUTF8Buffer { out.append(contentsOf: $0) }
  }

  /// A list of doubles: one container, its text formatted on the stack and appended a kilobyte at a time (one
  /// append per number cost more than formatting it).
  mutating func numbers(_ values: some Collection<Double>, depth: Int, frame: Int) {
    guard beginValue(depth: depth, frame: frame, isContainer: true) else { return }
    let capacity = 1024, room = 2 + JSONBytes.numberCapacity + 1
    let gap = layout.isOneLine ? 1 : 2
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
      let start = buffer.baseAddress!
      start[0] = 0x5B
      var used = 1
      var first = true
      for value in values {
        if used > capacity - room {
          out.append(contentsOf: UnsafeBufferPointer(start: start, count: used))
          used = 0
        }
        if !first {
          start[used] = 0x2C
          start[used + 1] = 0x20
          used += gap
        }
        first = false
        used += JSONBytes.writeNumber(value, to: start + used, layout: layout)
      }
      start[used] = 0x5D
      out.append(contentsOf: UnsafeBufferPointer(start: start, count: used + 1))
    }
  }
}

// MARK: - Objects written without containers

/// A value that is a JSON object and can write its members straight into the stream, without `Encoder`'s
/// containers: for the per-row objects of large results (10,000 KernelSHAP rows went through about 12,000
/// instructions of container machinery each). The stream encoder calls `writeJSON(to:)`; the tree encoder still
/// calls `encode(to:)`. The two must write the same members in the same order, which each conformance's test checks
/// by comparing the two writers' bytes.
public protocol JSONObjectStreamable: Encodable {
  func writeJSON(to object: inout JSONObjectStream)
}

/// The members of one object being streamed, written in the order called. Keys are static strings written as they
/// are (they must need no escaping, which a debug build checks).
public struct JSONObjectStream {
  let writer: JSONStreamWriter
  let depth: Int
  let frame: Int

  private func member(_ key: StaticString) -> Bool { writer.state.key(key, depth: depth, frame: frame) }

  public mutating func integer(_ key: StaticString, _ value: Int) {
    if member(key) { writer.state.integer(value, depth: depth, frame: frame) }
  }

  public mutating func number(_ key: StaticString, _ value: Double) {
    if member(key) { writer.state.number(value, depth: depth, frame: frame) }
  }

  public mutating func string(_ key: StaticString, _ value: String) {
    if member(key) { writer.state.string(value, depth: depth, frame: frame) }
  }

  public mutating func numbers(_ key: StaticString, _ values: [Double]) {
    if member(key) { writer.state.numbers(values, depth: depth, frame: frame) }
  }

  /// An array of arrays of numbers (a matrix, row by row).
  public mutating func numberRows(_ key: StaticString, _ rows: [[Double]]) {
    guard member(key) else { return }
    let id = writer.state.open(.array, depth: depth, frame: frame)
    guard id >= 0 else { return }
    for row in rows { writer.state.numbers(row, depth: depth + 1, frame: id) }
  }
}

// MARK: - Containers

private struct StreamKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let writer: JSONStreamWriter
  /// This object's frame id; it sits at depth + 1 of its parent, found by id.
  let frame: Int
  var codingPath: [any CodingKey] { [] }
  private let depth: Int

  init(writer: JSONStreamWriter, frame: Int) {
    self.writer = writer
    self.frame = frame
    depth = writer.depthOfTop
  }

  private func member(_ key: Key) -> Bool { frame >= 0 && writer.state.key(key.stringValue, depth: depth, frame: frame) }

  mutating func encodeNil(forKey key: Key) { if member(key) { writer.state.literal("null", depth: depth, frame: frame) } }
  mutating func encode(_ value: Bool, forKey key: Key) {
    if member(key) { writer.state.literal(value ? "true" : "false", depth: depth, frame: frame) }
  }
  mutating func encode(_ value: String, forKey key: Key) { if member(key) { writer.state.string(value, depth: depth, frame: frame) } }
  mutating func encode(_ value: Double, forKey key: Key) { if member(key) { writer.state.number(value, depth: depth, frame: frame) } }
  mutating func encode(_ value: Float, forKey key: Key) { if member(key) { writer.state.number(Double(value), depth: depth, frame: frame) } }
  mutating func encode(_ value: Int, forKey key: Key) { if member(key) { writer.state.integer(value, depth: depth, frame: frame) } }
  mutating func encode(_ value: Int8, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: Int16, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: Int32, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: Int64, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt8, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt16, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt32, forKey key: Key) { encode(Int(value), forKey: key) }
  mutating func encode(_ value: UInt, forKey key: Key) { encodeWide(value, forKey: key) }
  mutating func encode(_ value: UInt64, forKey key: Key) { encodeWide(value, forKey: key) }
  private mutating func encodeWide<T: BinaryInteger>(_ value: T, forKey key: Key) {
    guard let exact = Int(exactly: value) else { return writer.fail() }
    encode(exact, forKey: key)
  }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) {
    if member(key) { writer.encodeValue(value, depth: depth, frame: frame) }
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
    let id = member(key) ? writer.state.open(.object, depth: depth, frame: frame) : -1
    return KeyedEncodingContainer(StreamKeyedContainer<NestedKey>(writer: writer, frame: id))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let id = member(key) ? writer.state.open(.array, depth: depth, frame: frame) : -1
    return StreamUnkeyedContainer(writer: writer, frame: id)
  }

  mutating func superEncoder() -> any Encoder { writer.fail(); return JSONStreamEncoder(writer: writer, depth: 0, frame: -1) }
  mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder() }
}

private struct StreamUnkeyedContainer: UnkeyedEncodingContainer {
  let writer: JSONStreamWriter
  let frame: Int
  private let depth: Int
  private(set) var count = 0
  var codingPath: [any CodingKey] { [] }

  init(writer: JSONStreamWriter, frame: Int) {
    self.writer = writer
    self.frame = frame
    depth = writer.depthOfTop
  }

  private var live: Bool { frame >= 0 }

  mutating func encodeNil() { count += 1; if live { writer.state.literal("null", depth: depth, frame: frame) } }
  mutating func encode(_ value: Bool) { count += 1; if live { writer.state.literal(value ? "true" : "false", depth: depth, frame: frame) } }
  mutating func encode(_ value: String) { count += 1; if live { writer.state.string(value, depth: depth, frame: frame) } }
  mutating func encode(_ value: Double) { count += 1; if live { writer.state.number(value, depth: depth, frame: frame) } }
  mutating func encode(_ value: Float) { encode(Double(value)) }
  mutating func encode(_ value: Int) { count += 1; if live { writer.state.integer(value, depth: depth, frame: frame) } }
  mutating func encode(_ value: Int8) { encode(Int(value)) }
  mutating func encode(_ value: Int16) { encode(Int(value)) }
  mutating func encode(_ value: Int32) { encode(Int(value)) }
  mutating func encode(_ value: Int64) { encode(Int(value)) }
  mutating func encode(_ value: UInt8) { encode(Int(value)) }
  mutating func encode(_ value: UInt16) { encode(Int(value)) }
  mutating func encode(_ value: UInt32) { encode(Int(value)) }
  mutating func encode(_ value: UInt) { encodeWide(value) }
  mutating func encode(_ value: UInt64) { encodeWide(value) }
  private mutating func encodeWide<T: BinaryInteger>(_ value: T) {
    guard let exact = Int(exactly: value) else { return writer.fail() }
    encode(exact)
  }
  mutating func encode<T: Encodable>(_ value: T) {
    count += 1
    if live { writer.encodeValue(value, depth: depth, frame: frame) }
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
    count += 1
    let id = live ? writer.state.open(.object, depth: depth, frame: frame) : -1
    return KeyedEncodingContainer(StreamKeyedContainer<NestedKey>(writer: writer, frame: id))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    count += 1
    let id = live ? writer.state.open(.array, depth: depth, frame: frame) : -1
    return StreamUnkeyedContainer(writer: writer, frame: id)
  }

  mutating func superEncoder() -> any Encoder { writer.fail(); return JSONStreamEncoder(writer: writer, depth: 0, frame: -1) }
}

private struct StreamSingleValueContainer: SingleValueEncodingContainer {
  let writer: JSONStreamWriter
  let depth: Int
  let frame: Int
  var codingPath: [any CodingKey] { [] }

  mutating func encodeNil() { writer.state.literal("null", depth: depth, frame: frame) }
  mutating func encode(_ value: Bool) { writer.state.literal(value ? "true" : "false", depth: depth, frame: frame) }
  mutating func encode(_ value: String) { writer.state.string(value, depth: depth, frame: frame) }
  mutating func encode(_ value: Double) { writer.state.number(value, depth: depth, frame: frame) }
  mutating func encode(_ value: Float) { encode(Double(value)) }
  mutating func encode(_ value: Int) { writer.state.integer(value, depth: depth, frame: frame) }
  mutating func encode(_ value: Int8) { encode(Int(value)) }
  mutating func encode(_ value: Int16) { encode(Int(value)) }
  mutating func encode(_ value: Int32) { encode(Int(value)) }
  mutating func encode(_ value: Int64) { encode(Int(value)) }
  mutating func encode(_ value: UInt8) { encode(Int(value)) }
  mutating func encode(_ value: UInt16) { encode(Int(value)) }
  mutating func encode(_ value: UInt32) { encode(Int(value)) }
  mutating func encode(_ value: UInt) { encodeWide(value) }
  mutating func encode(_ value: UInt64) { encodeWide(value) }
  private mutating func encodeWide<T: BinaryInteger>(_ value: T) {
    guard let exact = Int(exactly: value) else { return writer.fail() }
    encode(exact)
  }
  mutating func encode<T: Encodable>(_ value: T) { writer.encodeValue(value, depth: depth, frame: frame) }
}
