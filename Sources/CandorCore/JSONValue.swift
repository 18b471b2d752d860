import Foundation

/// A JSON document built in code and written by a small byte-level writer: several times faster than
/// `JSONEncoder` for results with many numbers (ICE curves, SHAP matrices). Keys keep the order given;
/// non-finite numbers are written as the strings "nan", "inf", "-inf" (as everywhere in Candor's JSON).
public enum JSONValue: Sendable, Equatable {
  case number(Double)
  case integer(Int)
  case string(String)
  case bool(Bool)
  case null
  /// A long list of numbers, stored flat (no value per element).
  case numberArray([Double])
  indirect case array([JSONValue])
  indirect case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool { a.data() == b.data() }

  public static func numbers(_ values: [Double]) -> JSONValue { .numberArray(values) }

  /// The document as UTF-8 bytes, two-space indented, arrays of scalars on one line.
  public func data() -> Data {
    var out: [UInt8] = []
    out.reserveCapacity(estimatedSize + 1)
    write(into: &out, indent: 0)
    out.append(0x0A)
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

  private func write(into out: inout [UInt8], indent: Int) {
    switch self {
    case let .number(value):
      Self.writeNumber(value, into: &out)
    case let .numberArray(values):
      out.append(0x5B)
      for (i, value) in values.enumerated() {
        if i > 0 { out.append(0x2C); out.append(0x20) }
        Self.writeNumber(value, into: &out)
      }
      out.append(0x5D)
    case let .integer(value): out += Array(String(value).utf8)
    case let .string(text): Self.writeString(text, into: &out)
    case let .bool(value): out += Array((value ? "true" : "false").utf8)
    case .null: out += Array("null".utf8)
    case let .array(items):
      if items.isEmpty { out += [0x5B, 0x5D]; return }
      if items.allSatisfy(\.isScalar) {
        out.append(0x5B)
        for (i, item) in items.enumerated() {
          if i > 0 { out += [0x2C, 0x20] }
          item.write(into: &out, indent: indent)
        }
        out.append(0x5D)
        return
      }
      out.append(0x5B)
      for (i, item) in items.enumerated() {
        out += i == 0 ? [0x0A] : [0x2C, 0x0A]
        out += [UInt8](repeating: 0x20, count: indent + 2)
        item.write(into: &out, indent: indent + 2)
      }
      out.append(0x0A)
      out += [UInt8](repeating: 0x20, count: indent)
      out.append(0x5D)
    case let .object(members):
      if members.isEmpty { out += [0x7B, 0x7D]; return }
      out.append(0x7B)
      for (i, (key, value)) in members.enumerated() {
        out += i == 0 ? [0x0A] : [0x2C, 0x0A]
        out += [UInt8](repeating: 0x20, count: indent + 2)
        Self.writeString(key, into: &out)
        out += [0x3A, 0x20]
        value.write(into: &out, indent: indent + 2)
      }
      out.append(0x0A)
      out += [UInt8](repeating: 0x20, count: indent)
      out.append(0x7D)
    }
  }

  private static func writeNumber(_ value: Double, into out: inout [UInt8]) {
    if value.isNaN {
      out.append(contentsOf: "\"nan\"".utf8)
    } else if value.isInfinite {
      out.append(contentsOf: (value > 0 ? "\"inf\"" : "\"-inf\"").utf8)
    } else {
      DoubleText(value).withBytes { out.append(contentsOf: $0) }
    }
  }

  private static func writeString(_ text: String, into out: inout [UInt8]) {
    out.append(0x22)
    for byte in text.utf8 {
      switch byte {
      case 0x22: out += [0x5C, 0x22]
      case 0x5C: out += [0x5C, 0x5C]
      case 0x0A: out += [0x5C, 0x6E]
      case 0x0D: out += [0x5C, 0x72]
      case 0x09: out += [0x5C, 0x74]
      case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
      default: out.append(byte)
      }
    }
    out.append(0x22)
  }
}

/// The one JSON convention for Codable results and model files: sorted keys, indented, and non-finite
/// numbers as the strings "nan", "inf", "-inf".
public enum CandorJSON {
  public static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  public static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
