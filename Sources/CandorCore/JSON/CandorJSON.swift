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

/// The one JSON path: every result and model file is written by `JSONStreamEncoder` (layouts in encoded order)
/// or encoded by `JSONTreeEncoder` into a `JSONValue` and written by its byte-level writer (sorted layouts), the
/// two byte for byte alike; documents are read back with `decode` (`JSONReader`, `JSONValueDecoder`).
public enum CandorJSON {
  public static func data<T: Encodable>(_ value: T, layout: JSONLayout = .sorted) throws -> Data {
    // Layouts that keep the encoded order are written as they are encoded; sorting keys needs the tree.
    if layout.streams, let data = JSONStreamEncoder.data(value, layout: layout) { return data }
    return try JSONTreeEncoder.encode(value).data(layout: layout)
  }

  /// Reads a document of Candor's JSON with `JSONReader` and `JSONValueDecoder`: non-finite numbers are the
  /// strings "nan", "inf", "-inf". Bad JSON is a `DecodingError.dataCorrupted` at the top whose underlying error
  /// is the reader's `SyntaxError` (line, column, reason).
  public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    try decode(type, from: tree(data))
  }

  /// A document already read into a tree (one reading for several decodings of it).
  public static func decode<T: Decodable>(_ type: T.Type, from tree: JSONValue) throws -> T {
    try JSONValueDecoder.decode(type, from: tree, path: .root)
  }

  /// The tree of a document, its syntax errors thrown as `decode` throws them.
  public static func tree(_ data: Data) throws -> JSONValue {
    do {
      return try JSONReader.read(data)
    } catch {
      throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "The given data was not valid JSON: \(error).", underlyingError: error))
    }
  }

  /// Foundation's decoder configured the same way, for documents read as they stream (JSON Lines rows).
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
  if case let .dataCorrupted(context)? = error as? DecodingError, let syntax = context.underlyingError as? JSONReader.SyntaxError {
    return "line \(syntax.line), column \(syntax.column)"
  }
  if let syntax = error as? JSONReader.SyntaxError { return "line \(syntax.line), column \(syntax.column)" }
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
