import CandorCore

/// Which columns of a table a model learns from, and how the target is read.
public struct TrainingSpec: Sendable, Equatable {
  public var target: String
  /// The target value that counts as the positive class; nil lets the classes come from the data.
  public var positive: String?
  /// Feature columns; nil means every column except the target, the weights column and `drop`.
  public var features: [String]?
  public var drop: [String]
  public var weightsColumn: String?
  /// Categorical features leave their first level out (an unpenalized model must, to be identifiable).
  public var referenceCoding = false
  /// False: numeric features are centred only, not scaled (a tree's thresholds stay in the data's units).
  public var scaling = true

  public init(target: String, positive: String? = nil, features: [String]? = nil, drop: [String] = [],
              weightsColumn: String? = nil) {
    self.target = target
    self.positive = positive
    self.features = features
    self.drop = drop
    self.weightsColumn = weightsColumn
  }

  /// The feature columns this spec selects from `table`.
  public func featureNames(in table: Table) throws -> [String] {
    for name in [target] + drop + (weightsColumn.map { [$0] } ?? []) + (features ?? []) where table.index(of: name) == nil {
      throw TableError.missingColumn(name, available: table.columnNames, file: table.source)
    }
    if let features {
      if features.contains(target) { throw ModelError.targetIsFeature(target) }
      if features.isEmpty { throw ModelError.noFeatures }
      return features
    }
    let excluded = Set([target] + drop + (weightsColumn.map { [$0] } ?? []))
    let names = table.columnNames.filter { !excluded.contains($0) }
    if names.isEmpty { throw ModelError.noFeatures }
    return names
  }
}

/// The target of a training set: class indices into `classes`, or values.
public enum TrainingTarget: Sendable, Equatable {
  case classes([String], labels: ContiguousArray<Int32>)
  case values(ContiguousArray<Double>)
}

/// Encoded features, target and sample weights, ready for an estimator.
public struct TrainingSet: Sendable {
  public let encoder: FeatureEncoder
  /// The encoded features, one entry per raw feature and row.
  public let encoded: EncodedRows
  public let target: TrainingTarget
  public let weights: [Double]
  public let targetName: String

  public init(encoder: FeatureEncoder, encoded: EncodedRows, target: TrainingTarget, weights: [Double], targetName: String) {
    self.encoder = encoder
    self.encoded = encoded
    self.target = target
    self.weights = weights
    self.targetName = targetName
  }

  public var rowCount: Int { encoded.rows }

  /// The encoded features as a dense matrix (computed on each call).
  public var design: Matrix { encoded.dense() }

  public static func prepare(_ table: Table, spec: TrainingSpec, classification: Bool) throws -> TrainingSet {
    if spec.weightsColumn == spec.target {
      throw ModelError.invalidSetting(.init(.weightsColumn, value: spec.target, .because("it is the target column; weights must be a column of their own")))
    }
    let features = try spec.featureNames(in: table)
    let encoder = try FeatureEncoder.fit(table, features: features, referenceCoding: spec.referenceCoding, scaling: spec.scaling)
    let encoded = try encoder.encodedRows(table)
    let targetColumn = try table.column(spec.target)
    let target = classification
      ? try classificationTarget(targetColumn, positive: spec.positive, file: table.source)
      : try regressionTarget(targetColumn, file: table.source)
    let weights = try spec.weightsColumn.map { try sampleWeights(table.column($0), file: table.source) }
      ?? [Double](repeating: 1, count: table.rowCount)
    return TrainingSet(encoder: encoder, encoded: encoded, target: target, weights: weights, targetName: spec.target)
  }

  /// A classification training set whose encoder is declared (a feature spec from public metadata) rather than fitted
  /// on `table`, so preprocessing reads nothing from the rows: what DP-SGD needs for its guarantee to cover it.
  /// - Throws: `ModelError.targetIsFeature`, `ModelError.invalidFeatureSpec` (named `specPath`) when the spec declares a
  ///   column `table` lacks, what encoding and `classificationTarget` throw.
  public static func declared(_ table: Table, encoder: FeatureEncoder, specPath: String, target: String, positive: String?) throws -> TrainingSet {
    if encoder.featureNames.contains(target) { throw ModelError.targetIsFeature(target) }
    for name in encoder.featureNames where table.index(of: name) == nil {
      throw ModelError.invalidFeatureSpec(path: specPath, reason: "it declares the feature '\(printable(name))', which \(table.source ?? "the data") does not have (its columns: \(table.columnNames.map { printable($0) }.joined(separator: ", ")))")
    }
    let classes = try classificationTarget(try table.column(target), positive: positive, file: table.source)
    return TrainingSet(encoder: encoder, encoded: try encoder.encodedRows(table), target: classes,
                       weights: [Double](repeating: 1, count: table.rowCount), targetName: target)
  }

  /// Classes sorted like scikit-learn's `classes_` (numerically for a numeric column); with `positive`,
  /// a binary target `[other, positive]`.
  public static func classificationTarget(_ column: Column, positive: String?, file: String?) throws -> TrainingTarget {
    let categorical = column.asCategorical()
    if let row = categorical.codes.firstIndex(of: CategoricalColumn.missingCode) {
      throw ModelError.missingTarget(target: column.name, row: row + 1, file: file)
    }
    var levels = categorical.presentLevels
    if column.isNumeric {
      levels.sort { Double($0)! < Double($1)! }
    } else {
      levels.sort { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }
    if let positive {
      guard let positiveCode = categorical.levels.firstIndex(of: positive).map(Int32.init), levels.contains(positive) else {
        throw ModelError.positiveNotFound(target: column.name, value: positive, seen: levels, file: file)
      }
      if levels.count == 1 { throw ModelError.singleClass(target: column.name, value: positive, file: file) }
      let others = levels.filter { $0 != positive }
      let negative = others.count == 1 ? others[0] : "not \(positive)"
      let labels = ContiguousArray(categorical.codes.map { $0 == positiveCode ? Int32(1) : Int32(0) })
      return .classes([negative, positive], labels: labels)
    }
    if levels.count == 1 { throw ModelError.singleClass(target: column.name, value: levels[0], file: file) }
    let map = categorical.codeMap(into: levels)
    return .classes(levels, labels: ContiguousArray(categorical.codes.map { map[Int($0)] }))
  }

  static func regressionTarget(_ column: Column, file: String?) throws -> TrainingTarget {
    switch column {
    case let .categorical(categorical):
      throw ModelError.targetNotNumeric(target: column.name, example: categorical.levels.first ?? "", file: file)
    case let .numeric(numeric):
      if let row = numeric.values.firstIndex(where: \.isNaN) {
        throw ModelError.missingTarget(target: column.name, row: row + 1, file: file)
      }
      return .values(numeric.values)
    }
  }

  static func sampleWeights(_ column: Column, file: String?) throws -> [Double] {
    guard case let .numeric(numeric) = column else {
      let categorical = column.asCategorical()
      let row = categorical.codes.firstIndex { $0 >= 0 } ?? 0
      throw ModelError.invalidWeight(column: column.name, row: row + 1, value: categorical.value(at: row) ?? "", file: file)
    }
    if let row = numeric.values.firstIndex(where: { $0.isNaN || $0 < 0 }) {
      let value = numeric.values[row]
      throw ModelError.invalidWeight(column: column.name, row: row + 1, value: value.isNaN ? "(missing)" : formatNumber(value), file: file)
    }
    return Array(numeric.values)
  }
}
