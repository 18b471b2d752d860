import Foundation

/// A parsed JSON document that keeps what a schema check needs: integers apart from other numbers, booleans
/// apart from numbers, and member order.
public indirect enum ParsedJSON: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double, isInteger: Bool)
  case string(String)
  case array([ParsedJSON])
  case object([(String, ParsedJSON)])

  public static func == (a: ParsedJSON, b: ParsedJSON) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case let (.bool(x), .bool(y)): x == y
    case let (.number(x, _), .number(y, _)): x == y || (x.isNaN && y.isNaN)
    case let (.string(x), .string(y)): x == y
    case let (.array(x), .array(y)): x == y
    case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: false
    }
  }

  public subscript(key: String) -> ParsedJSON? {
    if case let .object(members) = self { return members.first { $0.0 == key }?.1 }
    return nil
  }

  /// Parses RFC 8259 JSON; throws on anything else.
  public static func parse(_ data: Data) throws -> ParsedJSON {
    var parser = Parser(bytes: Array(data))
    let value = try parser.value()
    parser.skipSpace()
    guard parser.index == parser.bytes.count else { throw parser.failure("text after the document") }
    return value
  }

  struct Parser {
    let bytes: [UInt8]
    var index = 0

    func failure(_ what: String) -> NSError {
      NSError(domain: "ParsedJSON", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(what) at byte \(index)"])
    }

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func literal(_ text: String) throws {
      let expected = Array(text.utf8)
      guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else { throw failure("bad literal") }
      index += expected.count
    }

    mutating func value() throws -> ParsedJSON {
      skipSpace()
      guard index < bytes.count else { throw failure("unexpected end") }
      switch bytes[index] {
      case UInt8(ascii: "n"): try literal("null"); return .null
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "["):
        index += 1
        var items: [ParsedJSON] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
          items.append(try value())
          skipSpace()
          guard index < bytes.count else { throw failure("unclosed array") }
          if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
          guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected , in array") }
          index += 1
        }
      case UInt8(ascii: "{"):
        index += 1
        var members: [(String, ParsedJSON)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
          skipSpace()
          guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key") }
          let key = try string()
          skipSpace()
          guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected :") }
          index += 1
          members.append((key, try value()))
          skipSpace()
          guard index < bytes.count else { throw failure("unclosed object") }
          if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
          guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected , in object") }
          index += 1
        }
      default:
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let number = Double(text), !text.isEmpty else { throw failure("bad number '\(text)'") }
        return .number(number, isInteger: !text.contains(where: { ".eE".contains($0) }))
      }
    }

    mutating func string() throws -> String {
      index += 1
      var out: [UInt8] = []
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
        if byte < 0x20 { throw failure("control character in a string") }
        guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
        guard index < bytes.count else { break }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "u"):
          guard bytes.count - index >= 4, let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
            let scalar = Unicode.Scalar(code)
          else { throw failure("bad \\u escape") }
          index += 4
          out += Array(String(Character(scalar)).utf8)
        default: throw failure("bad escape")
        }
      }
      throw failure("unclosed string")
    }
  }
}

/// Checks a document against the JSON Schema subset our schemas in docs/schemas use: `type` (one or a list),
/// `properties`, `required`, `additionalProperties` (boolean or schema), `items`, `enum`, `const`, `oneOf`,
/// `minimum`, `minItems`, `maxItems` and `$ref` to `#` or into `#/$defs/` (2020-12) or `#/definitions/` (draft-07, as
/// the Model Card Toolkit's schema has it). Returns one line per violation, with its path.
public struct JSONSchemaValidator {
  let root: ParsedJSON

  public init(schema: Data) throws { root = try ParsedJSON.parse(schema) }

  public func violations(of document: ParsedJSON) -> [String] {
    check(document, against: root, path: "$")
  }

  func check(_ value: ParsedJSON, against schema: ParsedJSON, path: String) -> [String] {
    var problems: [String] = []
    if case let .string(reference)? = schema["$ref"] {
      let target: ParsedJSON? = if reference == "#" { root }
        else if reference.hasPrefix("#/$defs/") { root["$defs"]?[String(reference.dropFirst("#/$defs/".count))] }
        else if reference.hasPrefix("#/definitions/") { root["definitions"]?[String(reference.dropFirst("#/definitions/".count))] }
        else { nil }
      guard let target else { return ["\(path): unknown reference \(reference)"] }
      problems += check(value, against: target, path: path)
    }
    if let type = schema["type"] {
      let allowed: [String]
      switch type {
      case let .string(one): allowed = [one]
      case let .array(many): allowed = many.compactMap { if case let .string(s) = $0 { s } else { nil } }
      default: allowed = []
      }
      if !allowed.contains(where: { Self.matches(value, type: $0) }) {
        return problems + ["\(path): \(Self.kind(of: value)) where the schema wants \(allowed.joined(separator: " or "))"]
      }
    }
    if let constant = schema["const"], constant != value { problems.append("\(path): the value is not the constant the schema names") }
    if case let .array(options)? = schema["enum"], !options.contains(value) { problems.append("\(path): the value is not one of the allowed values") }
    if case let .number(minimum, _)? = schema["minimum"], case let .number(number, _) = value, number < minimum {
      problems.append("\(path): \(number) is below the minimum \(minimum)")
    }
    if case let .array(options)? = schema["oneOf"] {
      let passing = options.filter { check(value, against: $0, path: path).isEmpty }.count
      if passing != 1 { problems.append("\(path): matches \(passing) of the oneOf alternatives, not exactly one") }
    }
    if case let .object(members) = value {
      let properties: [(String, ParsedJSON)] = if case let .object(p)? = schema["properties"] { p } else { [] }
      if case let .array(required)? = schema["required"] {
        for case let .string(name) in required where !members.contains(where: { $0.0 == name }) {
          problems.append("\(path): the required key '\(name)' is missing")
        }
      }
      for (key, member) in members {
        if let property = properties.first(where: { $0.0 == key })?.1 {
          problems += check(member, against: property, path: "\(path).\(key)")
        } else if let additional = schema["additionalProperties"] {
          if case .bool(false) = additional {
            problems.append("\(path): the key '\(key)' is not in the schema")
          } else if case .object = additional {
            problems += check(member, against: additional, path: "\(path).\(key)")
          }
        }
      }
    }
    if case let .array(items) = value {
      if case let .number(low, _)? = schema["minItems"], Double(items.count) < low { problems.append("\(path): fewer than \(Int(low)) items") }
      if case let .number(high, _)? = schema["maxItems"], Double(items.count) > high { problems.append("\(path): more than \(Int(high)) items") }
      if let itemSchema = schema["items"] {
        for (i, item) in items.enumerated() { problems += check(item, against: itemSchema, path: "\(path)[\(i)]") }
      }
    }
    return problems
  }

  static func matches(_ value: ParsedJSON, type: String) -> Bool {
    switch (type, value) {
    case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
    case let ("integer", .number(_, isInteger)): isInteger
    default: false
    }
  }

  static func kind(of value: ParsedJSON) -> String {
    switch value {
    case .null: "null"
    case .bool: "a boolean"
    case let .number(_, isInteger): isInteger ? "an integer" : "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}
