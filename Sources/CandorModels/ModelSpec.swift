import CandorCore
import Foundation

/// How raw data feeds a model that reads something else (`--model-spec SPEC.json`; JSON Schema in
/// `docs/schemas/model-spec.schema.json`): per model input, the data column it comes from, its type, the table from
/// category to code when the model sees codes, and what fills a missing cell. A model so bound reads the raw
/// columns, so explanations, fairness and what-if name `workclass`, not the code the model sees.
///
/// For a black box (`--model-cmd`, `--model-url`) the spec's inputs are the columns sent, in its order, and it may
/// also declare what the model answers (`output`, `classes`).
public struct ModelSpec: Sendable, Equatable {
  public enum InputType: String, Sendable, CaseIterable {
    /// A number; a missing cell is NaN unless `missing` fills it.
    case number
    /// Text as it is in the data (skl2onnx's string inputs); a missing cell is "" unless `missing` fills it.
    case string
    /// Text turned into the number `codes` gives it (an ordinal or label encoding done before training).
    case category
  }

  /// What fills a missing cell: a number for `number` and `category` inputs, text for `string` ones.
  public enum Fill: Sendable, Equatable {
    case number(Double)
    case text(String)
  }

  public struct Input: Sendable, Equatable {
    /// The model's input: an ONNX graph input, a feature a tree model names, a column a black box is sent.
    public var name: String
    /// The data column it comes from (default: `name`).
    public var column: String
    public var type: InputType
    /// `category`: each category's code.
    public var codes: [String: Double]
    /// The value of a missing cell; nil leaves it missing.
    public var missing: Fill?
    /// `category`: the code of a category `codes` does not list; nil makes one an error naming its row.
    public var unknown: Double?

    public init(name: String, column: String? = nil, type: InputType = .number, codes: [String: Double] = [:],
                missing: Fill? = nil, unknown: Double? = nil) {
      self.name = name
      self.column = column ?? name
      self.type = type
      self.codes = codes
      self.missing = missing
      self.unknown = unknown
    }
  }

  public var inputs: [Input]
  /// For a black box: what it answers ("binary", "multiclass", "regression", "labels"), as `--model-output` says it.
  public var output: String?
  /// The classes, in the order of the model's outputs (the positive one last for binary): for a black box as
  /// `--model-classes` gives them; for a model file, names for the classes it numbers (XGBoost's 0 and 1 as
  /// "<=50K" and ">50K"), as many as it has.
  public var classes: [String]?

  public init(inputs: [Input], output: String? = nil, classes: [String]? = nil) {
    self.inputs = inputs
    self.output = output
    self.classes = classes
  }

  /// The keys a spec may have, at the top and per input; anything else is refused, so a misspelt key is not
  /// silently ignored. The schema file lists the same (a test holds them together).
  public static let topLevelKeys: Set = ["$schema", "description", "inputs", "output", "classes"]
  public static let inputKeys: Set = ["name", "column", "type", "codes", "missing", "unknown", "description"]
  public static let outputKinds = ["binary", "multiclass", "regression", "labels"]

  /// The data columns the inputs read, each once, in the order of first use.
  public var sourceColumns: [String] {
    var seen = Set<String>()
    return inputs.map(\.column).filter { seen.insert($0).inserted }
  }

  /// Reads and checks the spec file at `path`.
  /// - Throws: `ModelError.invalidModelSpec` naming the place (line and column for bad JSON, the key path
  ///   otherwise) and what is wrong.
  public static func read(path: String) throws -> ModelSpec {
    try decode(try InputFile.read(path), path: path)
  }

  public static func decode(_ data: Data, path: String) throws -> ModelSpec {
    func invalid(_ reason: String) -> ModelError { .invalidModelSpec(path: path, reason: reason) }
    let top: [String: Any]
    switch jsonTopLevelObject(data) {
    case let .success(object): top = object
    case let .failure(fault): throw invalid(fault.reason)
    }
    if let key = top.keys.sorted().first(where: { !topLevelKeys.contains($0) }) {
      throw invalid("it has an unknown key '\(printable(key))'; a spec has \(topLevelKeys.sorted().filter { !$0.hasPrefix("$") }.joined(separator: ", "))")
    }
    guard let list = top["inputs"] as? [Any] else {
      throw invalid(top["inputs"] == nil ? "it has no \"inputs\": the list of the model's inputs" : "\"inputs\" is not a list")
    }
    guard !list.isEmpty else { throw invalid("\"inputs\" is empty") }
    var inputs: [Input] = []
    var names = Set<String>()
    for (i, item) in list.enumerated() {
      let input = try decodeInput(item, at: "inputs[\(i)]", invalid: invalid)
      guard names.insert(input.name).inserted else { throw invalid("inputs[\(i)] names input '\(printable(input.name))' a second time") }
      inputs.append(input)
    }
    var output: String?
    if let value = top["output"] {
      guard let kind = value as? String, outputKinds.contains(kind) else {
        throw invalid("\"output\" must be one of \(outputKinds.joined(separator: ", ")), not \(shown(value))")
      }
      output = kind
    }
    var classes: [String]?
    if let value = top["classes"] {
      guard let list = value as? [Any], !list.isEmpty else { throw invalid("\"classes\" must be a non-empty list of class labels") }
      classes = try list.enumerated().map { k, label in
        if let text = label as? String { return text }
        if let number = label as? NSNumber, !jsonIsBoolean(number) { return formatNumber(number.doubleValue) }
        throw invalid("classes[\(k)] is \(shown(label)), not a class label")
      }
      guard Set(classes!).count == classes!.count else { throw invalid("\"classes\" lists a class twice") }
    }
    return ModelSpec(inputs: inputs, output: output, classes: classes)
  }

  private static func decodeInput(_ item: Any, at place: String, invalid: (String) -> ModelError) throws -> Input {
    guard let fields = item as? [String: Any] else { throw invalid("\(place) is not an object") }
    if let key = fields.keys.sorted().first(where: { !inputKeys.contains($0) }) {
      throw invalid("\(place) has an unknown key '\(printable(key))'; an input has \(inputKeys.sorted().joined(separator: ", "))")
    }
    func text(_ key: String) throws -> String? {
      guard let value = fields[key] else { return nil }
      guard let text = value as? String, !text.isEmpty else { throw invalid("\(place).\(key) must be a non-empty string, not \(shown(value))") }
      return text
    }
    func number(_ key: String, _ value: Any) throws -> Double {
      guard let number = value as? NSNumber, !jsonIsBoolean(number), number.doubleValue.isFinite else {
        throw invalid("\(place).\(key) must be a number, not \(shown(value))")
      }
      return number.doubleValue
    }
    guard let name = try text("name") else { throw invalid("\(place) has no \"name\": the model input it feeds") }
    var type = InputType.number
    if let value = fields["type"] {
      guard let raw = value as? String, let given = InputType(rawValue: raw) else {
        throw invalid("\(place).type must be one of \(InputType.allCases.map(\.rawValue).joined(separator: ", ")), not \(shown(value))")
      }
      type = given
    }
    var codes: [String: Double] = [:]
    if let value = fields["codes"] {
      guard type == .category else { throw invalid("\(place) has \"codes\", which only a \"category\" input takes") }
      guard let table = value as? [String: Any], !table.isEmpty else {
        throw invalid("\(place).codes must be an object from category to code, e.g. {\"Private\": 3}")
      }
      for (category, code) in table { codes[category] = try number("codes['\(printable(category))']", code) }
    } else if type == .category {
      throw invalid("\(place) is a \"category\" input without \"codes\": give the code of each category")
    }
    var missing: Fill?
    if let value = fields["missing"] {
      if type == .string {
        guard let fill = value as? String else { throw invalid("\(place).missing must be text for a \"string\" input, not \(shown(value))") }
        missing = .text(fill)
      } else {
        missing = .number(try number("missing", value))
      }
    }
    var unknown: Double?
    if let value = fields["unknown"] {
      guard type == .category else { throw invalid("\(place) has \"unknown\", which only a \"category\" input takes") }
      unknown = try number("unknown", value)
    }
    return Input(name: name, column: try text("column"), type: type, codes: codes, missing: missing, unknown: unknown)
  }

  private static func shown(_ value: Any) -> String {
    switch value {
    case let text as String: "'\(printable(text))'"
    case let number as NSNumber: jsonIsBoolean(number) ? (number.boolValue ? "true" : "false") : formatNumber(number.doubleValue)
    case is NSNull: "null"
    case is [Any]: "a list"
    default: "an object"
    }
  }
}
