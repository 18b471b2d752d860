import CandorCore
import CandorModels
import Foundation

/// What a counterfactual may change, as a user states it (DiCE's `features_to_vary` and `permitted_range`, plus
/// monotone and sparsity limits). Every constraint is honoured by construction and re-checked on the answer.
public struct CounterfactualConstraints: Sendable, Equatable {
  /// Features a counterfactual keeps as they are.
  public var immutable: [String] = []
  /// Numeric features' permitted values, replacing the training min–max.
  public var ranges: [String: ClosedRange<Double>] = [:]
  /// Text features' permitted levels (a subset of the training levels).
  public var allowed: [String: [String]] = [:]
  /// Numeric features that may only grow (age) or only shrink.
  public var increaseOnly: [String] = []
  public var decreaseOnly: [String] = []
  /// The most features one counterfactual may change (nil: any number).
  public var maxChanges: Int?

  public init() {}
}

/// One feature of a counterfactual query: where it starts and where it may go.
struct CounterfactualFeature: Sendable {
  enum Domain: Sendable {
    /// Values in lower…upper (whole numbers when integral); the query's value is `original` (NaN: missing).
    case numeric(original: Double, lower: Double, upper: Double, integral: Bool)
    /// Levels a counterfactual may switch to (the query's own excluded); the query's level (nil: missing).
    case categorical(original: String?, levels: [String])
  }

  let name: String
  var domain: Domain
  /// False: the counterfactual keeps the query's value.
  var mutable: Bool

  var isNumeric: Bool { if case .numeric = domain { true } else { false } }

  var original: WhatIfValue {
    switch domain {
    case let .numeric(x, _, _, _): x.isNaN ? .missing : .number(x)
    case let .categorical(level, _): level.map { .level($0) } ?? .missing
    }
  }
}

extension CounterfactualConstraints {
  /// The query's features with their permitted moves: numeric values within the training min–max (or `ranges`),
  /// whole numbers where every training value is one, text levels seen in training (or `allowed`).
  /// - Throws: `ExplainError` for a constraint on a column the model does not read, a contradiction (a range
  ///   upside down, a column both immutable and given a range or levels, increase- and decrease-only at once), a
  ///   range on a text column or levels on a numeric one, a level the data does not have.
  func features(of model: any Model, data: Table, query row: Int) throws -> [CounterfactualFeature] {
    let names = model.featureNames
    let known = Set(names)
    func check(_ setting: Setting, _ columns: some Sequence<String>) throws {
      if let unknown = columns.first(where: { !known.contains($0) }) {
        throw ExplainError.invalidSetting(InvalidSetting(setting, value: unknown, .because("the model does not read it; its features: \(names.map { printable($0) }.joined(separator: ", "))")))
      }
    }
    try check(.immutable, immutable)
    try check(.permittedRange, ranges.keys.sorted())
    try check(.allowedLevels, allowed.keys.sorted())
    try check(.increaseOnly, increaseOnly)
    try check(.decreaseOnly, decreaseOnly)
    let fixed = Set(immutable)
    func contradiction(_ setting: Setting, _ column: String, _ why: String) -> ExplainError {
      ExplainError.invalidSetting(InvalidSetting(setting, value: column, .because(why)))
    }
    for name in ranges.keys.sorted() where fixed.contains(name) { throw contradiction(.permittedRange, name, "it is also immutable; a column is either kept or given a range") }
    for name in allowed.keys.sorted() where fixed.contains(name) { throw contradiction(.allowedLevels, name, "it is also immutable; a column is either kept or given levels") }
    for name in increaseOnly where fixed.contains(name) { throw contradiction(.increaseOnly, name, "it is also immutable") }
    for name in decreaseOnly where fixed.contains(name) || increaseOnly.contains(name) {
      throw contradiction(.decreaseOnly, name, fixed.contains(name) ? "it is also immutable" : "it is also increase-only; together they keep it as it is, which --immutable says")
    }
    if let maxChanges, maxChanges < 1 { throw ExplainError.invalidSetting(InvalidSetting(.maxChanges, value: String(maxChanges), .atLeast(1))) }
    guard row >= 0 && row < data.rowCount else { throw ExplainError.rowOutOfRange(row: row, rowCount: data.rowCount) }
    return try names.map { name in
      guard let column = data[name] else { throw TableError.missingModelFeature(name, file: data.source) }
      switch column {
      case let .numeric(numbers):
        if let levels = allowed[name] { throw contradiction(.allowedLevels, name, "it is numeric; give it a range (\(levels.count) levels given)") }
        let present = numbers.values.filter { !$0.isNaN }
        guard var lower = present.min(), var upper = present.max() else {
          return CounterfactualFeature(name: name, domain: .numeric(original: numbers.values[row], lower: .nan, upper: .nan, integral: false), mutable: false)
        }
        let integral = present.allSatisfy { $0 == $0.rounded() }
        if let range = ranges[name] {
          guard range.lowerBound.isFinite && range.upperBound.isFinite else { throw contradiction(.permittedRange, name, "its bounds must be finite numbers") }
          (lower, upper) = (range.lowerBound, range.upperBound)
        }
        let x = numbers.values[row]
        if integral && x == x.rounded() { (lower, upper) = (lower.rounded(.up), upper.rounded(.down)) }
        // A range that holds nothing is the user's contradiction; one that holds nothing on this row's permitted side
        // (increase-only, a row above it) only keeps this row's value as it is.
        if lower > upper, ranges[name] != nil { throw contradiction(.permittedRange, name, "it holds no \(integral ? "whole number" : "value")") }
        if increaseOnly.contains(name), !x.isNaN { lower = max(lower, x) }
        if decreaseOnly.contains(name), !x.isNaN { upper = min(upper, x) }
        return CounterfactualFeature(name: name, domain: .numeric(original: x, lower: lower, upper: upper, integral: integral && x == x.rounded()),
                                     mutable: !fixed.contains(name) && !x.isNaN && lower <= upper)
      case let .categorical(text):
        if ranges[name] != nil { throw contradiction(.permittedRange, name, "it is a text column; give it levels with --allowed") }
        if increaseOnly.contains(name) || decreaseOnly.contains(name) { throw contradiction(increaseOnly.contains(name) ? .increaseOnly : .decreaseOnly, name, "it is a text column, whose levels have no order") }
        let levels = text.presentLevels.sorted()
        var permitted = levels
        if let given = allowed[name] {
          if let unknown = given.first(where: { !levels.contains($0) }) {
            throw contradiction(.allowedLevels, "\(name)=\(unknown)", "\(printable(unknown)) is not a level of \(printable(name)) in the data; its levels: \(levels.map { printable($0) }.joined(separator: ", "))")
          }
          permitted = levels.filter(given.contains)
        }
        let current = column.text(at: row)
        return CounterfactualFeature(name: name, domain: .categorical(original: current, levels: permitted.filter { $0 != current }), mutable: !fixed.contains(name))
      }
    }
  }
}

extension Setting {
  public static let immutable = Setting("immutable")
  public static let permittedRange = Setting("range")
  public static let allowedLevels = Setting("allowed")
  public static let increaseOnly = Setting("increaseOnly")
  public static let decreaseOnly = Setting("decreaseOnly")
  public static let maxChanges = Setting("maxChanges")
  public static let desiredClass = Setting("desiredClass")
  public static let counterfactualCount = Setting("count")
  public static let modelFeatures = Setting("modelFeatures")
}
