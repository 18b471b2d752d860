import CandorCore

extension Outcomes {
  /// Binary labels: 1 where the column's text equals `positive`. The column may hold at most two values.
  public static func binaryLabels(_ column: Column, positive: String, file: String?) throws -> ContiguousArray<UInt8> {
    let categorical = column.asCategorical()
    if let row = categorical.codes.firstIndex(of: CategoricalColumn.missingCode) {
      throw FairnessError.missingValue(column: column.name, row: row + 1, file: file)
    }
    let present = categorical.presentLevels
      .sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    guard present.count <= 2 else { throw FairnessError.labelNotBinary(column: column.name, values: present, file: file) }
    guard present.count < 2 || present.contains(positive) else {
      throw FairnessError.positiveNotFound(column: column.name, positive: positive, values: present, file: file)
    }
    let positiveCode = categorical.levels.firstIndex(of: positive).map(Int32.init) ?? -2
    return ContiguousArray(categorical.codes.map { $0 == positiveCode ? 1 : 0 })
  }

  /// Binary predictions, read with the label's own values: a prediction equal to one of the label column's
  /// values is positive exactly when it is `positive` (so labels 0/1 with `positive` 0 read a predicted 0 as
  /// positive, as Fairlearn's `pos_label` does); only a value the labels never hold may be the indicator
  /// `1`/`0`, for labels written as words.
  public static func binaryPredictions(_ column: Column, positive: String, labelValues: [String], file: String?) throws
    -> ContiguousArray<UInt8>
  {
    let categorical = column.asCategorical()
    let map: [UInt8?] = categorical.levels.map { level in
      if labelValues.contains(level) || level == positive { return level == positive ? 1 : 0 }
      if level == "1" { return 1 }
      if level == "0" { return 0 }
      return nil
    }
    var result = ContiguousArray<UInt8>(repeating: 0, count: categorical.codes.count)
    for (row, code) in categorical.codes.enumerated() {
      guard code >= 0 else { throw FairnessError.missingValue(column: column.name, row: row + 1, file: file) }
      guard let value = map[Int(code)] else {
        throw FairnessError.predictionNotBinary(column: column.name, row: row + 1, value: categorical.levels[Int(code)], file: file)
      }
      result[row] = value
    }
    return result
  }

  /// Scores P(ŷ = 1): numbers in [0, 1].
  public static func scores(_ column: Column, file: String?) throws -> ContiguousArray<Double> {
    let values = try numbers(column, file: file)
    if let row = values.firstIndex(where: { $0 < 0 || $0 > 1 }) {
      throw FairnessError.scoreOutOfRange(column: column.name, row: row + 1, value: values[row], file: file)
    }
    return values
  }

  /// Scores of any scale (probabilities, log-odds, margins): finite numbers.
  public static func finiteScores(_ column: Column, file: String?) throws -> ContiguousArray<Double> {
    let values = try numbers(column, file: file)
    if let row = values.firstIndex(where: { !$0.isFinite }) {
      throw FairnessError.scoreNotFinite(column: column.name, row: row + 1, value: values[row], file: file)
    }
    return values
  }

  /// Sample weights: non-negative numbers, not all zero.
  public static func weights(_ column: Column, file: String?) throws -> ContiguousArray<Double> {
    let values = try numbers(column, file: file)
    if let row = values.firstIndex(where: { $0 < 0 }) {
      throw FairnessError.negativeWeight(column: column.name, row: row + 1, value: values[row], file: file)
    }
    if values.allSatisfy({ $0 == 0 }) { throw FairnessError.weightsAllZero(column: column.name, file: file) }
    // Every metric divides weighted sums; a total that overflows (1e308 twice) would turn them into inf/inf.
    var (total, squares) = (0.0, 0.0)
    for w in values { total += w; squares += w * w }
    if !total.isFinite || !squares.isFinite { throw FairnessError.weightsTooLarge(column: column.name, file: file) }
    return values
  }

  /// A numeric column without missing values.
  public static func numbers(_ column: Column, file: String?) throws -> ContiguousArray<Double> {
    switch column {
    case let .categorical(categorical):
      let text = categorical.firstText ?? (0, categorical.value(at: 0) ?? "")
      throw TableError.textInNumericColumn(file: file, column: column.name, row: text.row + 1, value: text.value)
    case let .numeric(numeric):
      if let row = numeric.values.firstIndex(where: \.isNaN) {
        throw FairnessError.missingValue(column: column.name, row: row + 1, file: file)
      }
      return numeric.values
    }
  }

  /// Outcomes from a predictions file: labels and predictions (or scores thresholded at `threshold`, a
  /// prediction being positive when the score is above it, as scikit-learn's `predict` does at 0.5).
  public static func fromColumns(table: Table, labelColumn: String, predictionColumn: String?, scoreColumn: String?,
                                 positive: String, threshold: Double) throws -> Outcomes {
    let file = table.source
    let labelsColumn = try table.column(labelColumn)
    let labels = try binaryLabels(labelsColumn, positive: positive, file: file)
    let scores = try scoreColumn.map { try Self.scores(table.column($0), file: file) }
    let predictions: ContiguousArray<UInt8>
    if let predictionColumn {
      let labelValues = labelsColumn.asCategorical().presentLevels
      predictions = try binaryPredictions(table.column(predictionColumn), positive: positive, labelValues: labelValues, file: file)
    } else if let scores {
      predictions = ContiguousArray(scores.map { $0 > threshold ? 1 : 0 })
    } else {
      throw FairnessError.invalidSetting(.init(.predictionColumn, value: "(none)", .because("give a prediction column, a score column, or both")))
    }
    return .binary(labels: labels, predictions: predictions, scores: scores)
  }
}
