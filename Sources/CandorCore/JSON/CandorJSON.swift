import Foundation

/// A result that is written as JSON: its `Encodable` conformance gives the keys, its layout how they are laid out.
public protocol JSONDocument: Encodable {
  static var jsonLayout: JSONLayout { get }
}

extension JSONDocument {
  public static var jsonLayout: JSONLayout { .sorted }

  /// The document's bytes (the one way Candor serializes a result).
  public func jsonData() throws -> Data {
    try CandorJSON.data(self, layout: Self.jsonLayout)
  }
}

/// The one JSON path: every result and model file is encoded by `JSONTreeEncoder` into a `JSONValue` and
/// written by its byte-level writer; documents are read back with `decoder()`.
public enum CandorJSON {
  public static func data<T: Encodable>(_ value: T, layout: JSONLayout = .sorted) throws -> Data {
    try JSONTreeEncoder.encode(value).data(layout: layout)
  }

  /// Reads Candor's JSON: non-finite numbers are the strings "nan", "inf", "-inf".
  public static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}

/// A coding key made from a name at run time: the keys of a dictionary written in an order of the caller's
/// choosing (features in their order, names sorted).
public struct NameKey: CodingKey {
  public let stringValue: String
  public var intValue: Int? { nil }
  public init(_ name: String) { stringValue = name }
  public init?(stringValue: String) { self.stringValue = stringValue }
  public init?(intValue: Int) { nil }
}

/// Where JSONSerialization found bad JSON: it says "around character N", which is given as the line and column of
/// that byte; otherwise its own words (nil when it has none).
public func jsonErrorPlace(_ error: any Error, in data: Data) -> String? {
  let description = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
  guard let range = description.range(of: #"character (\d+)"#, options: .regularExpression),
        let offset = Int(description[range].dropFirst("character ".count)) else {
    // "Unexpected end of file during JSON parse." names no place: pass its words on.
    let words = description.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
    return words.isEmpty ? nil : words.prefix(1).lowercased() + words.dropFirst()
  }
  let bytes = [UInt8](data.prefix(offset))
  let line = bytes.filter { $0 == 0x0A }.count + 1
  let column = bytes.count - (bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
  return "line \(line), column \(column)"
}

/// The top-level object of a JSON file, or the reason it is not one in words ("it is not valid JSON (line 2, column
/// 11)", "it is not a JSON object"), for decoders that then read fields by hand.
public func jsonTopLevelObject(_ data: Data) -> Result<[String: Any], JSONObjectFault> {
  let object: Any
  do {
    object = try JSONSerialization.jsonObject(with: data)
  } catch {
    return .failure(JSONObjectFault(reason: "it is not valid JSON" + (jsonErrorPlace(error, in: data).map { " (\($0))" } ?? "")))
  }
  guard let top = object as? [String: Any] else { return .failure(JSONObjectFault(reason: "it is not a JSON object")) }
  return .success(top)
}

/// Whether a number JSONSerialization read was `true` or `false` (it gives booleans as NSNumbers too).
public func jsonIsBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

/// Why a file is not a JSON object.
public struct JSONObjectFault: Error, Sendable {
  public let reason: String
}
