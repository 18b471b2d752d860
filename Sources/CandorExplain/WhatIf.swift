import CandorCore
import CandorModels
import Foundation

/// One change to a row: set a column to a value, or scale or shift a numeric one (in float64, not rounded, not
/// clipped to the training range — the model is asked about exactly the point described).
public struct WhatIfEdit: Sendable, Equatable, Codable {
  public enum Operation: String, Sendable, Codable {
    case set, scale, add
  }

  public var column: String
  public var operation: Operation
  /// The value (`set`: a number or a level), factor (`scale`) or amount (`add`), as text.
  public var value: String

  public init(column: String, operation: Operation, value: String) {
    (self.column, self.operation, self.value) = (column, operation, value)
  }

  /// `col=v`, `col*=2`, `col+=3` (and `col-=3`).
  public init?(parsing text: String) {
    guard let equals = text.firstIndex(of: "=") else { return nil }
    var column = String(text[..<equals]), value = String(text[text.index(after: equals)...])
    operation = .set
    if column.hasSuffix("*") { operation = .scale; column.removeLast() } else if column.hasSuffix("+") {
      operation = .add; column.removeLast()
    } else if column.hasSuffix("-") {
      operation = .add; column.removeLast()
      value = value.hasPrefix("-") ? String(value.dropFirst()) : "-" + value
    }
    guard !column.isEmpty else { return nil }
    (self.column, self.value) = (column, value)
  }
}

/// A model's answer for one point: the predicted class (or value) and each class's probability.
public struct WhatIfPoint: Sendable, Equatable, Codable {
  public var prediction: String
  /// Class → probability (empty for a regression).
  public var probabilities: [String: Double]
}

/// `candor whatif` as a library call: rows before and after each case's edits, every case (and each row's original)
/// scored in one batched model call.
public struct WhatIfRequest {
  /// One scenario: a data row and the edits applied to it, in order.
  public struct Case: Sendable, Equatable {
    public var row: Int
    public var edits: [WhatIfEdit]
    public init(row: Int, edits: [WhatIfEdit]) { (self.row, self.edits) = (row, edits) }
  }

  public var model: any Model
  public var table: Table
  public var cases: [Case]

  public init(model: any Model, table: Table, cases: [Case]) {
    (self.model, self.table, self.cases) = (model, table, cases)
  }

  /// Several scenarios of one row.
  public init(model: any Model, table: Table, row: Int, scenarios: [[WhatIfEdit]]) {
    self.init(model: model, table: table, cases: scenarios.map { Case(row: row, edits: $0) })
  }

  /// - Throws: `ExplainError` for a row out of range, an unknown column, a value the column cannot take; the
  ///   model's errors.
  public func run() throws -> [WhatIfResult] {
    var variants: [(row: Int, edit: [String: WhatIfValue])] = []
    var changes: [[WhatIfResult.Change]] = []
    var originals: [Int: Int] = [:]  // row → its original's variant
    for c in cases {
      let (edited, changed) = try apply(c)
      if originals[c.row] == nil {
        originals[c.row] = variants.count
        variants.append((c.row, [:]))
      }
      variants.append((c.row, edited))
      changes.append(changed)
    }
    let scored = try WhatIfScores(model: model, table: try WhatIfCurveRequest.table(table, variants))
    var results: [WhatIfResult] = []
    var next = 0
    for (k, c) in cases.enumerated() {
      // Variants are in case order, each row's original just before its first case.
      if originals[c.row] == next { next += 1 }
      let before = scored.point(originals[c.row]!), after = scored.point(next)
      next += 1
      let delta = Dictionary(uniqueKeysWithValues: after.probabilities.map { ($0.key, $0.value - (before.probabilities[$0.key] ?? .nan)) })
      results.append(WhatIfResult(row: c.row, edits: changes[k], before: before, after: after, delta: delta, flipped: before.prediction != after.prediction))
    }
    return results
  }

  /// One case's edits applied in order: the edited values and each change.
  /// - Throws: `ExplainError` for a row out of range, a column the model does not read, a value the column cannot
  ///   take (named as `setting`).
  func apply(_ c: Case, setting: Setting = .whatIfEdit) throws -> (edited: [String: WhatIfValue], changes: [WhatIfResult.Change]) {
    guard c.row >= 0 && c.row < table.rowCount else { throw ExplainError.rowOutOfRange(row: c.row, rowCount: table.rowCount) }
    let original = table.selecting(rows: [c.row])
    var edited: [String: WhatIfValue] = [:]
    var changed: [WhatIfResult.Change] = []
    for edit in c.edits {
      try Self.checkRead(edit.column, by: model)
      let current = try edited[edit.column] ?? WhatIfValue(of: original, column: edit.column)
      let next = try current.applying(edit, levels: Self.levels(of: edit.column, in: table), setting: setting)
      edited[edit.column] = next
      changed.append(.init(column: edit.column, from: current, to: next))
    }
    return (edited, changed)
  }

  /// Checks one case without scoring it (a batch names the line at fault before any model call).
  public func check(_ c: Case, setting: Setting) throws {
    _ = try apply(c, setting: setting)
  }

  /// A column the model does not read (the target, an ID) is refused with the model's features listed.
  static func checkRead(_ column: String, by model: any Model) throws {
    guard model.featureNames.contains(column) else { throw ExplainError.unknownFeature(column, available: model.featureNames) }
  }

  /// The levels a text column takes in the data (the values a `set` may use), nil for a numeric column.
  static func levels(of column: String, in table: Table) throws -> [String]? {
    guard let found = table[column] else { throw ExplainError.unknownFeature(column, available: table.columnNames) }
    guard case let .categorical(text) = found else { return nil }
    return text.presentLevels.sorted()
  }
}

extension WhatIfRequest {
  /// `table` with one row more: every one of `features` set by `values` (each a `set` edit, checked as one), the
  /// other columns as in the first row. The new row is the last.
  /// - Throws: `ExplainError` naming a feature left out, a column the data lacks, or a value its column cannot take.
  public static func appending(_ values: [WhatIfEdit], features: [String], to table: Table) throws -> Table {
    guard table.rowCount > 0 else { throw ExplainError.rowOutOfRange(row: 0, rowCount: 0) }
    var seen = Set<String>()
    for edit in values where !seen.insert(edit.column).inserted {
      throw ExplainError.invalidSetting(InvalidSetting(.rowValues, value: edit.column, .because("it is given twice; a row has one value per column")))
    }
    let given = seen
    if let missing = features.first(where: { !given.contains($0) }) {
      throw ExplainError.invalidSetting(InvalidSetting(.rowValues, value: missing, .because("the model reads it, so --values must give it (the model's features: \(features.map { printable($0) }.joined(separator: ", ")))")))
    }
    var edited: [String: WhatIfValue] = [:]
    let template = table.selecting(rows: [0])
    for edit in values {
      guard edit.operation == .set else {
        throw ExplainError.invalidSetting(InvalidSetting(.rowValues, value: edit.column, .because("a whole row gives values (col=v), not changes")))
      }
      guard features.contains(edit.column) else {
        throw ExplainError.invalidSetting(InvalidSetting(.rowValues, value: edit.column, .because("the model does not read it; its features: \(features.map { printable($0) }.joined(separator: ", "))")))
      }
      edited[edit.column] = try WhatIfValue(of: template, column: edit.column).applying(edit, levels: levels(of: edit.column, in: table), setting: .rowValues)
    }
    return try table.concatenating([try WhatIfCurveRequest.table(table, [(0, edited)])])
  }
}

/// A cell's value in a what-if: a number or a level (nil: missing).
public enum WhatIfValue: Sendable, Hashable, Codable {
  case number(Double)
  case level(String)
  case missing

  /// The value of `column` in `table`'s first row.
  public init(of table: Table, column: String) throws {
    guard let found = table[column] else { throw ExplainError.unknownFeature(column, available: table.columnNames) }
    switch found {
    case let .numeric(numbers): self = numbers.values[0].isNaN ? .missing : .number(numbers.values[0])
    case .categorical: self = found.text(at: 0).map { .level($0) } ?? .missing
    }
  }

  func applying(_ edit: WhatIfEdit, levels: [String]?, setting: Setting = .whatIfEdit) throws -> WhatIfValue {
    if let levels {
      guard edit.operation == .set else {
        throw ExplainError.invalidSetting(InvalidSetting(setting, value: edit.column, .because("it is a text column; only col=level applies (its levels: \(levels.map { printable($0) }.joined(separator: ", ")))")))
      }
      guard levels.contains(edit.value) else {
        throw ExplainError.invalidSetting(InvalidSetting(setting, value: "\(edit.column)=\(edit.value)", .because("\(printable(edit.value)) is not a level of \(printable(edit.column)) in the data; its levels: \(levels.map { printable($0) }.joined(separator: ", "))")))
      }
      return .level(edit.value)
    }
    guard let amount = Column.number(from: edit.value), amount.isFinite else {
      throw ExplainError.invalidSetting(InvalidSetting(setting, value: "\(edit.column)=\(edit.value)", .because("\(printable(edit.column)) is numeric, so the value must be a finite number")))
    }
    switch edit.operation {
    case .set: return .number(amount)
    case .scale, .add:
      guard case let .number(x) = self else {
        throw ExplainError.invalidSetting(InvalidSetting(setting, value: edit.column, .because("the row's value is missing, so it cannot be scaled or shifted")))
      }
      let result = edit.operation == .scale ? x * amount : x + amount
      guard result.isFinite else {
        throw ExplainError.invalidSetting(InvalidSetting(setting, value: "\(edit.column)\(edit.operation == .scale ? "*" : "+")=\(edit.value)", .because("it takes \(printable(edit.column)) from \(formatNumber(x)) to \(formatNumber(result)), which is not a finite number")))
      }
      return .number(result)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case let .number(x): try c.encode(x)
    case let .level(text): try c.encode(text)
    case .missing: try c.encodeNil()
    }
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .missing } else if let x = try? c.decode(Double.self) { self = .number(x) } else { self = .level(try c.decode(String.self)) }
  }
}

/// What `candor whatif --json` writes per scenario.
public struct WhatIfResult: Sendable, Equatable, Codable {
  public struct Change: Sendable, Equatable, Codable {
    public var column: String
    public var from: WhatIfValue
    public var to: WhatIfValue
  }

  public var row: Int
  public var edits: [Change]
  public var before: WhatIfPoint
  public var after: WhatIfPoint
  /// Class → Δ probability (after − before).
  public var delta: [String: Double]
  public var flipped: Bool

  /// The edited row, as one row of `table`'s columns.
  public func editedRow(in table: Table) throws -> Table {
    let values = Dictionary(edits.map { ($0.column, $0.to) }, uniquingKeysWith: { _, last in last })
    return try WhatIfCurveRequest.table(table, [(row, values)])
  }
}

/// A model's scores on a table, read as points: the class of a binary model is its positive class when
/// P(positive) > 0.5 (p = 0.5 exactly is the negative class), else the most probable class.
struct WhatIfScores {
  let model: any Model
  let output: Matrix

  init(model: any Model, table: Table) throws {
    self.model = model
    output = try model.predict(table)
  }

  func point(_ r: Int) -> WhatIfPoint {
    let classes = model.classes
    switch model.outputKind {
    case .regression:
      return WhatIfPoint(prediction: formatNumber(output[r, 0]), probabilities: [:])
    default:
      if output.columns == 1 {
        let p = output[r, 0]
        return WhatIfPoint(prediction: p > 0.5 ? classes[1] : classes[0], probabilities: [classes[0]: 1 - p, classes[1]: p])
      }
      var best = 0
      for k in 1..<output.columns where output[r, k] > output[r, best] { best = k }
      return WhatIfPoint(prediction: classes[best], probabilities: Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, output[r, $0]) }))
    }
  }
}

extension Setting {
  public static let whatIfEdit = Setting("set")
  public static let rowValues = Setting("values")
}

/// One row's what-if curve over one feature (its ICE curve, Goldstein et al. 2015): the prediction at every grid
/// value with every other feature held, and where the decision flips.
public struct WhatIfCurve: Sendable, Equatable, Codable {
  public struct Flip: Sendable, Equatable, Codable {
    /// The neighbouring grid values the flip lies between.
    public var between: [WhatIfValue]
    /// The feature value where the class changes, to within `tolerance` (numeric features; nil for a level).
    public var at: Double?
    public var from: String
    public var to: String
  }

  public var row: Int
  public var feature: String
  public var original: WhatIfValue
  public var grid: [WhatIfValue]
  public var points: [WhatIfPoint]
  public var flips: [Flip]
  /// The bracket width the flips are found to: 1e-9 of the feature's range in the data.
  public var tolerance: Double?
  /// True: the curve is of the row after its edits (`--set` with `--curve`).
  public var ofEditedRow: Bool?

  enum CodingKeys: String, CodingKey {
    case row, feature, original, grid, points, flips, tolerance
    case ofEditedRow = "of_edited_row"
  }
}

/// `candor whatif --curve`: ICE curves of `rows` over `feature`, every grid point of every row in one model call;
/// every grid interval scanned at 31 interior points (one call), and each change of class found there narrowed by
/// a 32-way section search (one batched call per step, each step narrowing the bracket 32×) until the bracket is
/// within 1e-9 of the feature's range.
public struct WhatIfCurveRequest {
  public var model: any Model
  public var table: Table
  public var rows: [Int]
  public var feature: String
  /// Numeric grid values; nil: `gridSize` quantiles of the column (NumPy's linear method at k/(size − 1), duplicates
  /// kept), or every level of a text column.
  public var grid: [Double]?
  public var gridSize = 10

  public init(model: any Model, table: Table, rows: [Int], feature: String) {
    (self.model, self.table, self.rows, self.feature) = (model, table, rows, feature)
  }

  public static let relativeTolerance = 1e-9

  public func run() throws -> [WhatIfCurve] {
    for row in rows where !(row >= 0 && row < table.rowCount) { throw ExplainError.rowOutOfRange(row: row, rowCount: table.rowCount) }
    try WhatIfRequest.checkRead(feature, by: model)
    guard let column = table[feature] else { throw ExplainError.unknownFeature(feature, available: table.columnNames) }
    let values: [WhatIfValue]
    var range: Double?
    switch column {
    case let .numeric(numbers):
      let sorted = numbers.values.filter { !$0.isNaN }.sorted()
      guard let low = sorted.first, let high = sorted.last else {
        throw ExplainError.invalidSetting(InvalidSetting(.curveFeature, value: feature, .because("the column has no values")))
      }
      range = high - low
      let points = grid ?? (0..<gridSize).map { k in Statistics.quantile(sorted: sorted, gridSize == 1 ? 0.5 : Double(k) / Double(gridSize - 1)) }
      values = points.map { .number($0) }
    case let .categorical(text):
      guard grid == nil else {
        throw ExplainError.invalidSetting(InvalidSetting(.curveFeature, value: feature, .because("it is a text column: its curve is over every level, not a numeric grid")))
      }
      values = text.presentLevels.sorted().map { .level($0) }
    }
    // Row r's original, then its grid points.
    var variants: [(row: Int, edit: [String: WhatIfValue])] = []
    for row in rows {
      variants.append((row, [:]))
      for value in values { variants.append((row, [feature: value])) }
    }
    let scored = try WhatIfScores(model: model, table: try Self.table(table, variants))
    let width = values.count + 1
    var curves: [WhatIfCurve] = []
    for (i, row) in rows.enumerated() {
      let original = scored.point(i * width)
      let points = (0..<values.count).map { scored.point(i * width + 1 + $0) }
      var flips: [WhatIfCurve.Flip] = []
      if case .numeric = column {
        // Every grid interval scanned at 31 interior points in one call, so that flips between grid points whose
        // classes agree (out and back) and several flips in one interval are all found; each change of class
        // between neighbouring scan points is then narrowed by the section search.
        let grid = values.map { value -> Double in if case let .number(x) = value { x } else { .nan } }
        var scan: [(interval: Int, x: Double)] = []
        for k in 0..<(grid.count - 1) where grid[k] < grid[k + 1] {
          for j in 1..<32 { scan.append((k, grid[k] + (grid[k + 1] - grid[k]) * Double(j) / 32)) }
        }
        let scanned = scan.isEmpty ? nil : try WhatIfScores(model: model, table: try Self.table(table, scan.map { (row, [feature: .number($0.x)]) }))
        var next = 0
        for k in 0..<(grid.count - 1) where grid[k] < grid[k + 1] {
          var path: [(x: Double, prediction: String)] = [(grid[k], points[k].prediction)]
          while next < scan.count && scan[next].interval == k {
            path.append((scan[next].x, scanned!.point(next).prediction))
            next += 1
          }
          path.append((grid[k + 1], points[k + 1].prediction))
          for (left, right) in zip(path, path.dropFirst()) where left.prediction != right.prediction {
            let at = try flipPoint(row: row, from: left.x, to: right.x, classes: (left.prediction, right.prediction), tolerance: Self.relativeTolerance * max(range!, .leastNormalMagnitude))
            flips.append(.init(between: [values[k], values[k + 1]], at: at, from: left.prediction, to: right.prediction))
          }
        }
      } else {
        for (k, point) in points.enumerated() where point.prediction != original.prediction {
          flips.append(.init(between: [try WhatIfValue(of: table.selecting(rows: [row]), column: feature), values[k]], at: nil, from: original.prediction, to: point.prediction))
        }
      }
      curves.append(WhatIfCurve(row: row, feature: feature, original: try WhatIfValue(of: table.selecting(rows: [row]), column: feature), grid: values,
                                points: points, flips: flips, tolerance: range.map { Self.relativeTolerance * $0 }))
    }
    return curves
  }

  /// Where the class first changes going from `a` to `b`: 31 interior points scored per call, the bracket kept
  /// around the first change, until it is narrower than `tolerance`; its midpoint.
  func flipPoint(row: Int, from a: Double, to b: Double, classes: (String, String), tolerance: Double) throws -> Double {
    var (low, high) = (a, b)
    while abs(high - low) > tolerance {
      let points = (1..<32).map { low + (high - low) * Double($0) / 32 }
      let scored = try WhatIfScores(model: model, table: try Self.table(table, points.map { (row, [feature: .number($0)]) }))
      var next = (low, high)
      for (k, x) in points.enumerated() where scored.point(k).prediction != classes.0 {
        next = (k == 0 ? low : points[k - 1], x)
        break
      }
      if next == (low, high) { next = (points.last!, high) }
      guard next != (low, high) else { break }  // no representable point left between them
      (low, high) = next
    }
    return low / 2 + high / 2
  }

  /// One row per variant: `table`'s row with the variant's columns replaced (a text column rebuilt from its cells).
  static func table(_ table: Table, _ variants: [(row: Int, edit: [String: WhatIfValue])]) throws -> Table {
    let base = table.selecting(rows: variants.map(\.row))
    var columns = base.columns
    for name in Set(variants.flatMap(\.edit.keys)) {
      guard let c = base.index(of: name) else { continue }
      switch columns[c] {
      case var .numeric(numbers):
        for (v, variant) in variants.enumerated() { if case let .number(x)? = variant.edit[name] { numbers.values[v] = x } }
        columns[c] = .numeric(numbers)
      case let column:
        columns[c] = .categorical(CategoricalColumn(name: name, strings: variants.enumerated().map { v, variant in
          if case let .level(level)? = variant.edit[name] { return level }
          return column.text(at: v)
        }))
      }
    }
    return try Table(columns: columns, source: table.source)
  }
}

extension Setting {
  public static let curveFeature = Setting("curve")
}

/// What `candor whatif --json` writes: the row's scenario (when edits were given) and its curve (when asked for).
public struct WhatIfReport: Sendable, Equatable, Codable, JSONDocument {
  /// The data row asked about; nil for a row given whole (`--values`).
  public var row: Int?
  public var before: WhatIfPoint
  public var edits: [WhatIfResult.Change]?
  public var after: WhatIfPoint?
  public var delta: [String: Double]?
  public var flipped: Bool?
  public var curve: WhatIfCurve?
  public var explanation: WhatIfExplanation?

  public init(row: Int?, before: WhatIfPoint, scenario: WhatIfResult?, curve: WhatIfCurve?) {
    (self.row, self.before, self.curve) = (row, before, curve)
    (edits, after, delta, flipped) = (scenario?.edits, scenario?.after, scenario?.delta, scenario?.flipped)
  }
}

/// SHAP values of a what-if's two points and how each feature's share moved (`candor whatif --explain`): TreeSHAP
/// for a tree ensemble (exact, in its margin), else KernelSHAP on the probability, both against the same
/// background drawn from the data, so the values of the two points are comparable.
public struct WhatIfExplanation: Sendable, Equatable, Codable {
  public var method: ExplanationMethod
  /// The output explained: the positive class of a binary model, the predicted class before the edit otherwise.
  public var output: String
  public var baseValue: Double
  public var before: [String: Double]
  public var after: [String: Double]
  /// after − before per feature; sums to the change in the explained output (in the method's space).
  public var difference: [String: Double]
  /// True when every coalition was enumerated (the values are exact Shapley values).
  public var exact: Bool

  enum CodingKeys: String, CodingKey {
    case method, output, before, after, difference, exact
    case baseValue = "base_value"
  }

  /// Explains `original` and `edited` (one row each, the data's columns) against `background` rows of `data`.
  public static func explain(model: any Model, data: Table, row: Int, edited: Table, outputClass: String?, backgroundRows: Int = 100,
                             seed: UInt64 = 0) throws -> WhatIfExplanation {
    let points = try data.selecting(rows: [row]).concatenating([try edited.selecting(columns: data.columnNames)])
    let background = KernelSHAPRequest.Background.table(try KernelSHAP.backgroundRows(.sample(rows: backgroundRows), data: data, seed: seed))
    let features: [String], outputs: [String], base: [Double], values: [[[Double]]], exact: Bool, method: ExplanationMethod
    if model.treeEnsembleView != nil {
      var request = TreeSHAPRequest(rows: [0, 1])
      request.background = background
      request.seed = seed
      let shap = try TreeSHAP.run(request, model: model, data: points)
      (features, outputs, base, values, exact, method) = (shap.features, shap.outputs, shap.baseValue, shap.rows.map(\.values), true, .treeshap)
    } else {
      var request = KernelSHAPRequest(rows: [0, 1])
      request.background = background
      request.configuration.seed = seed
      let shap = try KernelSHAP.run(request, model: model, data: points)
      (features, outputs, base, values, exact, method) = (shap.features, shap.outputs, shap.baseValue, shap.rows.map(\.values), shap.exact, .kernelshap)
    }
    let k = outputClass.flatMap { outputs.firstIndex(of: $0) } ?? (outputs.count - 1)
    func keyed(_ row: Int) -> [String: Double] { Dictionary(uniqueKeysWithValues: features.enumerated().map { ($1, values[row][k][$0]) }) }
    let (before, after) = (keyed(0), keyed(1))
    return WhatIfExplanation(method: method, output: outputs[k], baseValue: base[k], before: before, after: after,
                             difference: before.merging(after) { b, a in a - b }, exact: exact)
  }
}
