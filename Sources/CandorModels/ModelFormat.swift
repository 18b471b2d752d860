import CandorCore
import Foundation

/// Model file formats, recognized by their structure (not their extension, nor words somewhere in them:
/// a candor-model whose feature is called `learner` is still a candor-model).
public enum ModelFormat: Sendable, Equatable, CustomStringConvertible {
  /// A JSON object whose `format` is `candor-model`.
  case candor
  /// A JSON object whose `format` is `candor-threshold-policy`: a policy over a base model it refers to.
  case thresholdPolicy
  /// A protobuf `ModelProto` (onnx/onnx.proto).
  case onnx
  /// XGBoost's JSON model: a JSON object with top-level `learner` and `version`.
  case xgboostJSON
  /// XGBoost's UBJSON model: the same object in Universal Binary JSON.
  case xgboostUBJSON
  /// LightGBM's text model: a first line `tree`, then `version=v…`.
  case lightGBMText
  /// A Python pickle (`pickle.dump`, `joblib.dump`, maybe zlib-compressed): never loaded, since unpickling runs
  /// code.
  case pythonPickle
  /// Not a file: a model behind a command (`--model-cmd`).
  case modelCommand
  /// Not a file: a model behind an HTTP endpoint (`--model-url`).
  case modelEndpoint
  case unknown

  /// The format as a noun phrase with its article: "an ONNX model", "an XGBoost model (UBJSON)".
  public var description: String {
    switch self {
    case .candor: "a candor-model"
    case .thresholdPolicy: "a candor threshold policy"
    case .onnx: "an ONNX model"
    case .xgboostJSON: "an XGBoost model (JSON)"
    case .xgboostUBJSON: "an XGBoost model (UBJSON)"
    case .lightGBMText: "a LightGBM model (text)"
    case .pythonPickle: "a Python pickle (pickle or joblib)"
    case .modelCommand: "a model behind a command"
    case .modelEndpoint: "a model behind an HTTP endpoint"
    case .unknown: "a file of unknown format"
    }
  }

  /// The format of `data`, from its structure.
  /// - Complexity: O(n): a JSON file is parsed, an ONNX candidate's top-level fields are walked.
  public static func detect(_ data: Data) -> ModelFormat { detectParsing(data).format }

  /// The format, and for a JSON file its tree (`JSONReader`; so a loader need not read it again).
  static func detectParsing(_ data: Data) -> (format: ModelFormat, tree: JSONValue?) {
    let bytes = [UInt8](data)
    if isXGBoostUBJSON(bytes) { return (.xgboostUBJSON, nil) }
    if isLightGBMText(bytes) { return (.lightGBMText, nil) }
    if isONNX(bytes) { return (.onnx, nil) }
    if isPickle(bytes) { return (.pythonPickle, nil) }
    guard startsLikeJSONObject(bytes), let tree = try? JSONReader.read(data), case .object = tree else { return (.unknown, nil) }
    let format = tree[member: "format"]?.stringValue
    if format == ModelFile.formatName { return (.candor, tree) }
    if format == ThresholdPolicyFile.formatName { return (.thresholdPolicy, tree) }
    if tree[member: "learner"] != nil && tree[member: "version"] != nil { return (.xgboostJSON, tree) }
    return (.unknown, tree)
  }

  /// Pickle protocol 2–5 starts with PROTO (0x80) and the protocol number; joblib's compressed files are zlib
  /// streams (0x78 then a header byte making a multiple of 31) of a pickle, or its own `ZF` header.
  static func isPickle(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 2 else { return false }
    if bytes[0] == 0x80 && (2...5).contains(bytes[1]) { return true }
    if bytes[0] == 0x78 && (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0 { return true }
    return bytes[0] == UInt8(ascii: "Z") && bytes[1] == UInt8(ascii: "F")
  }

  /// The first byte that is not JSON whitespace is `{`.
  static func startsLikeJSONObject(_ bytes: [UInt8]) -> Bool {
    bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
  }

  // MARK: - Binary and text formats

  /// `{`, then a first key `learner` or `version` written as UBJSON writes a key: an integer marker
  /// (`i`, `U`, `I`, `l` or `L`; XGBoost writes `L`), the big-endian length, the bytes. JSON text never
  /// has a letter right after its opening brace.
  static func isXGBoostUBJSON(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 3, bytes[0] == UInt8(ascii: "{") else { return false }
    let widths: [UInt8: Int] = [UInt8(ascii: "i"): 1, UInt8(ascii: "U"): 1, UInt8(ascii: "I"): 2, UInt8(ascii: "l"): 4,
                                UInt8(ascii: "L"): 8]
    guard let width = widths[bytes[1]], bytes.count >= 2 + width else { return false }
    var length = 0
    for byte in bytes[2..<(2 + width)] { length = (length << 8) | Int(byte) }
    guard length == 7, bytes.count >= 2 + width + length else { return false }
    let key = String(decoding: bytes[(2 + width)..<(2 + width + length)], as: UTF8.self)
    return key == "learner" || key == "version"
  }

  /// A first line `tree` and a second line starting `version=v`, as LightGBM's `save_model` writes them.
  static func isLightGBMText(_ bytes: [UInt8]) -> Bool {
    // Bytes, not Characters: "\r\n" is one Character, which a split at "\n" would not find.
    let lines = bytes.prefix(64).split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
      .map { $0.last == 0x0D ? $0.dropLast() : $0 }
    return lines.count >= 2 && lines[0].elementsEqual("tree".utf8) && lines[1].starts(with: "version=v".utf8)
  }

  /// A protobuf `ModelProto` (onnx/onnx.proto): it starts with field 1 `ir_version` (tag 0x08) holding a version
  /// from 1 to 20, and the next field is one ModelProto defines, with its wire type. The rest is checked by the
  /// reader, so a truncated or damaged ONNX file is still named as ONNX and refused with the offset at fault.
  static func isONNX(_ bytes: [UInt8]) -> Bool {
    guard bytes.first == 0x08 else { return false }
    // Field number → wire type (0 varint, 2 length-delimited) of ModelProto's fields.
    let wireTypes: [UInt64: UInt64] = [1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2]
    var position = 1
    guard let version = varint(bytes, &position), (1...20).contains(version) else { return false }
    guard let key = varint(bytes, &position) else { return false }
    return wireTypes[key >> 3] == key & 7
  }

  /// A base-128 varint of at most 10 bytes at `position`, which moves past it; nil when truncated or too long.
  static func varint(_ bytes: [UInt8], _ position: inout Int) -> UInt64? {
    var value: UInt64 = 0
    for shift in stride(from: 0, to: 70, by: 7) {
      guard position < bytes.count else { return nil }
      let byte = bytes[position]
      position += 1
      value |= UInt64(byte & 0x7F) << UInt64(shift)
      if byte < 0x80 { return value }
    }
    return nil
  }
}
