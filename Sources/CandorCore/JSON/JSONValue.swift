import Foundation

/// A JSON document as a tree, written by a small byte-level writer: several times faster than `JSONEncoder`
/// for results with many numbers (ICE curves, SHAP matrices). Results reach it through `CandorJSON.data`
/// (their `Encodable` conformance, encoded by `JSONTreeEncoder`); non-finite numbers are written as the
/// strings "nan", "inf", "-inf", as everywhere in Candor's JSON.
public enum JSONValue: Sendable, Equatable {
  case number(Double)
  case integer(Int)
  case string(String)
  case bool(Bool)
  case null
  /// A long list of numbers, stored flat (no value per element).
  case numberArray([Double])
  indirect case array([JSONValue])
  /// Members in the order encoded; a layout may sort them.
  indirect case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool { a.data() == b.data() }

  public static func numbers(_ values: [Double]) -> JSONValue { .numberArray(values) }

  /// The document as UTF-8 bytes in `layout`.
  public func data(layout: JSONLayout = .compact) -> Data {
    var out: [UInt8] = []
    out.reserveCapacity(estimatedSize + 1)
    write(into: &out, indent: 0, layout: layout)
    if layout.endsWithNewline { out.append(0x0A) }
    return Data(out)
  }

  /// About the written size (numbers at their longest), so the output buffer is allocated once.
  private var estimatedSize: Int {
    switch self {
    case let .numberArray(values): 2 + 26 * values.count
    case let .string(text): 2 + 2 * text.utf8.count
    case let .array(items): items.reduce(2) { $0 + 16 + $1.estimatedSize }
    case let .object(members): members.reduce(2) { $0 + 20 + 2 * $1.0.utf8.count + $1.1.estimatedSize }
    default: 26
    }
  }

  private var isScalar: Bool {
    switch self {
    case .array, .object, .numberArray: false
    default: true
    }
  }

  private static func writeEmpty(_ open: UInt8, _ close: UInt8, into out: inout [UInt8], indent: Int, layout: JSONLayout) {
    out.append(open)
    if layout.opensEmptyContainers { out.append(0x0A); newline(&out, indent: indent, layout: layout) }
    out.append(close)
  }

  private static func newline(_ out: inout [UInt8], indent: Int, layout: JSONLayout) {
    if layout.isOneLine { return }
    out.append(0x0A)
    out.append(contentsOf: repeatElement(0x20, count: indent))
  }

  private func write(into out: inout [UInt8], indent: Int, layout: JSONLayout) {
    switch self {
    case let .number(value):
      JSONBytes.writeNumber(value, into: &out, layout: layout)
    case let .numberArray(values):
      if !layout.inlinesScalarArrays {
        JSONValue.array(values.map(JSONValue.number)).write(into: &out, indent: indent, layout: layout)
        return
      }
      out.append(0x5B)
      for (i, value) in values.enumerated() {
        if i > 0 { out += layout.isOneLine ? [0x2C] : [0x2C, 0x20] }
        JSONBytes.writeNumber(value, into: &out, layout: layout)
      }
      out.append(0x5D)
    case let .integer(value): JSONBytes.writeInteger(value, into: &out)
    case let .string(text): JSONBytes.writeString(text, into: &out, layout: layout)
    case let .bool(value): out += Array((value ? "true" : "false").utf8)
    case .null: out += Array("null".utf8)
    case let .array(items):
      if items.isEmpty {
        Self.writeEmpty(0x5B, 0x5D, into: &out, indent: indent, layout: layout)
        return
      }
      if layout.inlinesScalarArrays && items.allSatisfy(\.isScalar) {
        out.append(0x5B)
        for (i, item) in items.enumerated() {
          if i > 0 { out += layout.isOneLine ? [0x2C] : [0x2C, 0x20] }
          item.write(into: &out, indent: indent, layout: layout)
        }
        out.append(0x5D)
        return
      }
      out.append(0x5B)
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(0x2C) }
        Self.newline(&out, indent: indent + 2, layout: layout)
        item.write(into: &out, indent: indent + 2, layout: layout)
      }
      Self.newline(&out, indent: indent, layout: layout)
      out.append(0x5D)
    case let .object(members):
      if members.isEmpty {
        Self.writeEmpty(0x7B, 0x7D, into: &out, indent: indent, layout: layout)
        return
      }
      // Keys compared by their UTF-8 bytes, as Foundation's `.sortedKeys` does.
      let ordered = layout.sortsKeys ? members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) } : members
      out.append(0x7B)
      for (i, (key, value)) in ordered.enumerated() {
        if i > 0 { out.append(0x2C) }
        Self.newline(&out, indent: indent + 2, layout: layout)
        JSONBytes.writeString(key, into: &out, layout: layout)
        out += layout.spacesAroundColon ? [0x20, 0x3A, 0x20] : layout.isOneLine ? [0x3A] : [0x3A, 0x20]
        value.write(into: &out, indent: indent + 2, layout: layout)
      }
      Self.newline(&out, indent: indent, layout: layout)
      out.append(0x7D)
    }
  }
}

/// The bytes of JSON's scalars, shared by the tree writer and the stream encoder.
enum JSONBytes {
  static func writeNumber(_ value: Double, into out: inout [UInt8], layout: JSONLayout) {
    TextSlot.with({ writeNumber(value, to: $0, layout: layout) }) { out.append(contentsOf: $0) }
  }

  /// The most bytes `writeNumber(_:to:layout:)` writes.
  static let numberCapacity = ShortestDouble.capacity

  /// Writes a number's JSON at `out` (room for `numberCapacity` bytes); the number of bytes written. Swift's
  /// shortest round-trip text (`description`); non-finite values as the strings "nan", "inf", "-inf".
  @inline(__always)
  static func writeNumber(_ value: Double, to out: UnsafeMutablePointer<UInt8>, layout: JSONLayout) -> Int {
    guard value.isFinite else {
      let text: StaticString = value.isNaN ? "\"nan\"" : value > 0 ? "\"inf\"" : "\"-inf\""
      out.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
      return text.utf8CodeUnitCount
    }
    let count = ShortestDouble.write(value, to: out)
    // Swift writes 200.0; the sorted layout writes 200, as JSONEncoder did.
    if layout.dropsIntegralFraction, count >= 2, out[count - 2] == 0x2E, out[count - 1] == 0x30 { return count - 2 }
    return count
  }

  static func writeString(_ text: String, into out: inout [UInt8], layout: JSONLayout) {
    out.append(0x22)
    var text = text
    text.withUTF8 { bytes in
      let plain = !bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || ($0 == 0x2F && layout.escapesSlash) }
      if plain {
        out.append(contentsOf: bytes)
        return
      }
      for byte in bytes {
        switch byte {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0x2F where layout.escapesSlash: out += [0x5C, 0x2F]
        case 0x0A: out += [0x5C, 0x6E]
        case 0x0D: out += [0x5C, 0x72]
        case 0x09: out += [0x5C, 0x74]
        case 0x08 where layout.escapesSlash: out += [0x5C, 0x62]
        case 0x0C where layout.escapesSlash: out += [0x5C, 0x66]
        case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
        default: out.append(byte)
        }
      }
    }
    out.append(0x22)
  }

  static func writeInteger(_ value: Int, into out: inout [UInt8]) {
    if value >= 0 && value < 10 {
      out.append(0x30 + UInt8(value))
      return
    }
    IntegerText.append(value, to: &out)
  }
}

/// How a document is laid out. Two layouts, because documented outputs stay byte-for-byte what users have:
/// results whose JSON Foundation's `JSONEncoder` used to write keep its layout (`sorted`), number-heavy
/// results keep the compact one they always had.
public struct JSONLayout: Sendable, Equatable {
  /// Keys in UTF-8 byte order; otherwise in the order encoded.
  public var sortsKeys: Bool
  /// Arrays of scalars on one line; otherwise one element per line.
  public var inlinesScalarArrays: Bool
  /// `"key" : value` rather than `"key": value`.
  public var spacesAroundColon: Bool
  /// `/` written `\/` (and backspace, form feed as `\b`, `\f`), as JSONEncoder does.
  public var escapesSlash: Bool
  /// 200 rather than 200.0.
  public var dropsIntegralFraction: Bool
  /// `[` newline newline `]` for an empty container, as JSONEncoder's pretty printing does.
  public var opensEmptyContainers: Bool
  public var endsWithNewline: Bool
  /// The whole document on one line, without spaces: a line of JSON Lines.
  public var isOneLine = false

  /// Whether `JSONStreamEncoder` can write it: keys in the order encoded, arrays of scalars inline.
  var streams: Bool { !sortsKeys && inlinesScalarArrays && !opensEmptyContainers }

  /// Sorted keys, one element per line, the layout of `JSONEncoder`'s `[.prettyPrinted, .sortedKeys]`:
  /// fairness, mitigation and permutation-importance results and model files.
  public static let sorted = JSONLayout(sortsKeys: true, inlinesScalarArrays: false, spacesAroundColon: true, escapesSlash: true,
                                        dropsIntegralFraction: true, opensEmptyContainers: true, endsWithNewline: false)
  /// Keys in the order encoded and arrays of numbers on one line: KernelSHAP and feature effects.
  public static let compact = JSONLayout(sortsKeys: false, inlinesScalarArrays: true, spacesAroundColon: false, escapesSlash: false,
                                         dropsIntegralFraction: false, opensEmptyContainers: false, endsWithNewline: true)
  /// One line, ended by a line break (JSON Lines): rows and parts on a streaming command's standard output.
  public static let line = JSONLayout(sortsKeys: false, inlinesScalarArrays: true, spacesAroundColon: false, escapesSlash: false,
                                      dropsIntegralFraction: false, opensEmptyContainers: false, endsWithNewline: true, isOneLine: true)
}
