import CandorCore
import Foundation

/// SHAP rows as a sharded run's part carries them: one packed array per field (`PackedArray`), row-major, instead of
/// an object of arrays per row — the same numbers to the bit, read without decoding each row through `JSONDecoder`
/// (which was most of `candor merge`'s time for 10,000 KernelSHAP rows).
public struct PackedSHAPRows: Sendable, Equatable, Codable {
  public var rows: [Int64]
  /// rows × outputs.
  public var predictions: [Double]
  /// rows × outputs × players.
  public var values: [Double]
  /// KernelSHAP: rows × outputs × players.
  public var stdErrors: [Double]?
  /// KernelSHAP: each row's stopping rule.
  public var stoppedBy: [String]?

  enum CodingKeys: String, CodingKey {
    case rows, predictions, values
    case stdErrors = "std_errors"
    case stoppedBy = "stopped_by"
  }

  public init(_ rows: [KernelSHAP.RowExplanation]) {
    self.rows = rows.map { Int64($0.row) }
    predictions = rows.flatMap(\.prediction)
    values = rows.flatMap { $0.values.flatMap { $0 } }
    stdErrors = rows.flatMap { $0.stdErrors.flatMap { $0 } }
    stoppedBy = rows.map(\.stoppedBy.rawValue)
  }

  public init(_ rows: [TreeSHAP.RowExplanation]) {
    self.rows = rows.map { Int64($0.row) }
    predictions = rows.flatMap(\.prediction)
    values = rows.flatMap { $0.values.flatMap { $0 } }
  }

  /// Whether every field holds one block per row of `outputs` × `players`.
  func fits(outputs: Int, players: Int, kernel: Bool) -> Bool {
    let n = rows.count
    return predictions.count == n * outputs && values.count == n * outputs * players
      && (kernel ? stdErrors?.count == n * outputs * players && stoppedBy?.count == n : stdErrors == nil && stoppedBy == nil)
  }

  /// The rows of one output × player block per row; nil when the fields do not fit those shapes.
  public func kernelRows(outputs: Int, players: Int) -> [KernelSHAP.RowExplanation]? {
    guard fits(outputs: outputs, players: players, kernel: true) else { return nil }
    let rules = stoppedBy!.map(StoppingRule.init(rawValue:))
    guard !rules.contains(nil) else { return nil }
    let block = outputs * players
    return rows.indices.map { r in
      KernelSHAP.RowExplanation(row: Int(rows[r]), prediction: Array(predictions[(r * outputs)..<((r + 1) * outputs)]),
                                values: Self.matrix(values, at: r * block, outputs: outputs, players: players),
                                stdErrors: Self.matrix(stdErrors!, at: r * block, outputs: outputs, players: players), stoppedBy: rules[r]!)
    }
  }

  public func treeRows(outputs: Int, players: Int) -> [TreeSHAP.RowExplanation]? {
    guard fits(outputs: outputs, players: players, kernel: false) else { return nil }
    return rows.indices.map { r in
      TreeSHAP.RowExplanation(row: Int(rows[r]), prediction: Array(predictions[(r * outputs)..<((r + 1) * outputs)]),
                              values: Self.matrix(values, at: r * outputs * players, outputs: outputs, players: players))
    }
  }

  static func matrix(_ flat: [Double], at start: Int, outputs: Int, players: Int) -> [[Double]] {
    (0..<outputs).map { k in Array(flat[(start + k * players)..<(start + (k + 1) * players)]) }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encodePacked(rows, forKey: .rows)
    try container.encodePacked(predictions, forKey: .predictions)
    try container.encodePacked(values, forKey: .values)
    if let stdErrors { try container.encodePacked(stdErrors, forKey: .stdErrors) }
    try container.encodeIfPresent(stoppedBy, forKey: .stoppedBy)
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    rows = try container.decodePacked([Int64].self, forKey: .rows)
    predictions = try container.decodePacked([Double].self, forKey: .predictions)
    values = try container.decodePacked([Double].self, forKey: .values)
    stdErrors = container.contains(.stdErrors) ? try container.decodePacked([Double].self, forKey: .stdErrors) : nil
    stoppedBy = try container.decodeIfPresent([String].self, forKey: .stoppedBy)
  }
}

// The rows of a SHAP result written straight into the JSON stream, member for member what their synthesized
// `encode(to:)` writes (ExplanationJSONTests compares the two writers).
extension KernelSHAP.RowExplanation: JSONObjectStreamable {
  public func writeJSON(to object: inout JSONObjectStream) {
    object.integer("row", row)
    object.numbers("prediction", prediction)
    object.numberRows("values", values)
    object.numberRows("std_errors", stdErrors)
    object.string("stopped_by", stoppedBy.rawValue)
  }
}

extension TreeSHAP.RowExplanation: JSONObjectStreamable {
  public func writeJSON(to object: inout JSONObjectStream) {
    object.integer("row", row)
    object.numbers("prediction", prediction)
    object.numberRows("values", values)
  }
}
