import CandorCore
import CandorModels

/// What a fairness assessment computes, as data (`candor fairness`).
public struct FairnessRequest: Sendable {
  /// Where each row's outcome comes from.
  public enum Outcome: Sendable, Equatable {
    /// A model's scores: binary models predict positive above `threshold` (threshold policies in expectation
    /// over their randomized decisions); regression models give values.
    case model(threshold: Double)
    /// Binary columns of the data: 0/1 (or label-valued) predictions and/or scores P(y = positive); without a
    /// prediction column the scores are thresholded (positive above `threshold`).
    case binaryColumns(prediction: String?, score: String?, threshold: Double)
    /// A column of regression predictions.
    case regressionColumn(prediction: String)
  }

  public var targetColumn: String
  /// The label value of the positive class; nil: the model's positive class, or "1" for columns.
  public var positive: String?
  public var outcome: Outcome
  public var weightsColumn: String?
  /// Every assessment setting: sensitive sets, control features, privileged splits, bootstrap, level, seed.
  public var configuration: FairnessConfiguration
  /// Also trace ROC curves by group (for reports; not part of the JSON result).
  public var rocCurves = false

  public init(targetColumn: String, outcome: Outcome, sensitiveSets: [[String]]) {
    self.targetColumn = targetColumn
    self.outcome = outcome
    configuration = FairnessConfiguration(sensitiveSets: sensitiveSets)
  }
}

/// A fairness assessment and what a report draws beside it.
public struct FairnessAnalysis: Sendable {
  public var report: FairnessReport
  /// Sensitive set key → group → (false positive rate, true positive rate) points; empty unless asked for and
  /// scores exist.
  public var rocCurves: [String: [String: [ROCPoint]]]
}

/// A point of an ROC curve.
public typealias ROCPoint = (x: Double, y: Double)

extension FairnessAssessment {
  /// The assessment `request` asks for, of `model` (when its outcome is the model's) on `data`.
  /// - Throws: `TableError` for an absent or unreadable column, `FairnessError` for a bad setting, label,
  ///   prediction, score or weight.
  public static func run(_ request: FairnessRequest, data: Table, model: (any Model)? = nil) throws -> FairnessAnalysis {
    try check(request)
    let outcomes = try Outcomes.make(request, data: data, model: model)
    let weights = try request.weightsColumn.map { try Outcomes.weights(data.column($0), file: data.source) }
    let report = try assess(outcomes, weights: weights, table: data, configuration: request.configuration)
    var curves: [String: [String: [ROCPoint]]] = [:]
    if request.rocCurves, case let .binary(labels, _, scores?) = outcomes {
      for features in request.configuration.sensitiveSets {
        curves[Grouping.key(features)] = ROCCurves.compute(labels: labels, scores: scores, weights: weights,
                                                                    grouping: try data.grouping(by: features))
      }
    }
    return FairnessAnalysis(report: report, rocCurves: curves)
  }

  static func check(_ request: FairnessRequest) throws {
    try request.configuration.validate()
    for set in request.configuration.sensitiveSets {
      try ColumnRoles(target: request.targetColumn, sensitive: set, weights: request.weightsColumn).check()
    }
    switch request.outcome {
    case let .model(threshold), let .binaryColumns(_, _, threshold):
      guard threshold >= 0 && threshold <= 1 else {
        throw FairnessError.invalidSetting(.init(.threshold, value: formatNumber(threshold), .fromZeroToOne))
      }
    case .regressionColumn: break
    }
  }

  /// The part of the assessment `request` asks for that the rows of `data` give — rows `firstRow` onwards of the
  /// whole data, so an error names the row of the whole file. An empty part (a shard without rows) is valid.
  public static func partial(_ request: FairnessRequest, data: Table, model: (any Model)? = nil, firstRow: Int = 0) throws -> FairnessPartial {
    try check(request)
    try refuseUnmergeable(request.configuration)
    let isRegression: Bool
    switch request.outcome {
    case .regressionColumn: isRegression = true
    case .model: isRegression = model?.outputKind == .regression
    case .binaryColumns: isRegression = false
    }
    let positive = isRegression ? nil : request.positive ?? (model.map { $0.classes[$0.classes.count - 1] } ?? "1")
    guard data.rowCount > 0 else {
      return FairnessPartial(task: isRegression ? .regression : .binaryClassification, rows: 0, weighted: request.weightsColumn != nil,
                             hasScores: false, positive: positive, labelValues: [],
                             sets: request.configuration.sensitiveSets.map { .init(features: $0, groups: []) },
                             privilegedComparisons: request.configuration.privilegedSplits.map { .init(column: $0.column, values: $0.values, valuesSeen: [], sums: []) },
                             bootstrap: nil)
    }
    do {
      let outcomes = try Outcomes.make(request, data: data, model: model)
      // All-zero weights are checked at the merge: one shard's may be.
      let weights = try request.weightsColumn.map { name in
        do { return try Outcomes.weights(data.column(name), file: data.source) } catch FairnessError.weightsAllZero { return ContiguousArray(repeating: 0, count: data.rowCount) }
      }
      let labelValues = isRegression ? [] : try data.column(request.targetColumn).asCategorical().presentLevels
      if request.configuration.bootstrapReplicates > 0 {
        let sets = try request.configuration.sensitiveSets.map { try data.grouping(by: $0) }
          .map { grouping in
            let metrics = isRegression ? FairnessMetric.regression(weighted: weights != nil) : FairnessMetric.binary(weighted: weights != nil, hasScores: outcomes.hasScores)
            return SetLayout(metrics: metrics, groups: grouping.keys, isBinary: !isRegression).width
          }
        try BootstrapCost(replicates: request.configuration.bootstrapReplicates, rows: data.rowCount, valueCounts: sets)
          .check(limit: request.configuration.memoryLimit, maxDraws: request.configuration.maxBootstrapDraws)
      }
      return try partial(outcomes, weights: weights, table: data, configuration: request.configuration, positive: positive, labelValues: labelValues,
                         firstRow: firstRow)
    } catch let error as FairnessError {
      throw error.shiftingRows(by: firstRow)
    } catch let error as TableError {
      throw error.shiftingRows(by: firstRow)
    }
  }
}

extension FairnessError {
  /// The error with its data row counted in the whole data, for a part that starts at row `offset` of it.
  func shiftingRows(by offset: Int) -> FairnessError {
    switch self {
    case let .predictionNotBinary(column, row, value, file): .predictionNotBinary(column: column, row: row + offset, value: value, file: file)
    case let .scoreOutOfRange(column, row, value, file): .scoreOutOfRange(column: column, row: row + offset, value: value, file: file)
    case let .scoreNotFinite(column, row, value, file): .scoreNotFinite(column: column, row: row + offset, value: value, file: file)
    case let .missingValue(column, row, file): .missingValue(column: column, row: row + offset, file: file)
    case let .negativeWeight(column, row, value, file): .negativeWeight(column: column, row: row + offset, value: value, file: file)
    default: self
    }
  }
}

extension TableError {
  func shiftingRows(by offset: Int) -> TableError {
    switch self {
    case let .textInNumericFeature(file, column, row, value): .textInNumericFeature(file: file, column: column, row: row + offset, value: value)
    case let .textInNumericColumn(file, column, row, value): .textInNumericColumn(file: file, column: column, row: row + offset, value: value)
    default: self
    }
  }
}

extension Outcomes {
  /// The outcomes `request` names: from the model's scores, or from columns of `data`.
  static func make(_ request: FairnessRequest, data: Table, model: (any Model)?) throws -> Outcomes {
    let file = data.source
    switch request.outcome {
    case let .model(threshold):
      guard let model else { preconditionFailure("a model outcome needs a model") }
      return try fromModel(model, data: data, target: request.targetColumn, positive: request.positive, threshold: threshold)
    case let .regressionColumn(prediction):
      return .regression(targets: try numbers(data.column(request.targetColumn), file: file),
                         predictions: try numbers(data.column(prediction), file: file))
    case let .binaryColumns(prediction, score, threshold):
      return try fromColumns(table: data, labelColumn: request.targetColumn, predictionColumn: prediction, scoreColumn: score,
                             positive: request.positive ?? "1", threshold: threshold)
    }
  }

  /// Scores from a binary model (positive class `positive`, else the model's second class), thresholded
  /// (positive above `threshold`), or values from a regression model.
  public static func fromModel(_ model: any Model, data: Table, target: String, positive: String?, threshold: Double) throws -> Outcomes {
    switch model.outputKind {
    case .multiclassProbabilities:
      throw FairnessError.notABinaryModel(classes: model.classes)
    case .regression:
      return .regression(targets: try numbers(data.column(target), file: data.source),
                         predictions: ContiguousArray(try model.predict(data).storage))
    case .binaryProbability:
      if let positive, !model.classes.contains(positive) {
        throw FairnessError.positiveNotAModelClass(positive: positive, classes: model.classes)
      }
      let (positiveClass, probability) = try model.positiveClassProbabilities(data, positive: positive)
      let labels = try binaryLabels(data.column(target), positive: positiveClass, file: data.source)
      // A threshold policy's decisions are random: its metrics are expectations over them.
      if model.isRandomized { return .randomizedBinary(labels: labels, positiveProbabilities: probability) }
      // A model that answers labels only has decisions and no scores.
      if !model.providesScores { return .binary(labels: labels, predictions: ContiguousArray(probability.map { $0 > 0.5 ? 1 : 0 }), scores: nil) }
      return .binary(labels: labels, predictions: ContiguousArray(probability.map { $0 > threshold ? 1 : 0 }), scores: probability)
    }
  }
}
