import CandorCore

/// What is wrong with the inputs of a fairness assessment.
public enum FairnessError: CandorError, Equatable {
  case labelNotBinary(column: String, values: [String], file: String?)
  case predictionNotBinary(column: String, row: Int, value: String, file: String?)
  case scoreOutOfRange(column: String, row: Int, value: Double, file: String?)
  case scoreNotFinite(column: String, row: Int, value: Double, file: String?)
  case missingValue(column: String, row: Int, file: String?)
  case negativeWeight(column: String, row: Int, value: Double, file: String?)
  case weightsAllZero(column: String, file: String?)
  /// Weights whose total (or total of squares) is beyond the largest double, so every weighted metric would be wrong.
  case weightsTooLarge(column: String, file: String?)
  case notABinaryModel(classes: [String])
  /// The positive label is neither of the label column's two values.
  case positiveNotFound(column: String, positive: String, values: [String], file: String?)
  /// The positive label is not one of the binary model's classes.
  case positiveNotAModelClass(positive: String, classes: [String])
  /// A threshold policy given where its base model belongs.
  case thresholdPolicyAsBase
  /// An analysis that needs scores, given a model that answers labels only.
  case needsScores(analysis: String)
  /// One column named for two roles (the label as a sensitive feature, say).
  case columnInTwoRoles(column: String, Setting, Setting)
  case invalidSetting(InvalidSetting)
  case privilegedValueNotFound(column: String, value: String, seen: [String])
  case degenerateGroup(group: String)
  /// A sensitive set (or the sensitive features of a mitigation) names no column.
  case noSensitiveFeatures
  /// A part of a sharded assessment (the `index`-th given to the merge) that does not hold what a part holds.
  case damagedPart(index: Int, reason: String)

  public func message(naming name: (Setting) -> String) -> String {
    func at(_ file: String?, _ row: Int) -> String { "\(file.map { "\($0), " } ?? "")data row \(row)" }
    switch self {
    case let .labelNotBinary(column, values, file):
      return "\(file.map { "\($0): " } ?? "")the label column '\(printable(column))' must hold two classes for binary metrics, but it holds "
        + "\(values.count): \(values.prefix(10).map { printable($0) }.joined(separator: ", "))\(values.count > 10 ? ", …" : "")."
    case let .predictionNotBinary(column, row, value, file):
      return "\(at(file, row)), column '\(printable(column))': prediction '\(printable(value))' is not 0 or 1 (nor one of the label's two values)."
    case let .scoreNotFinite(column, row, value, file):
      return "\(at(file, row)), column '\(printable(column))': score \(formatNumber(value)) is not a finite number."
    case let .scoreOutOfRange(column, row, value, file):
      return "\(at(file, row)), column '\(printable(column))': score \(formatNumber(value)) is outside [0, 1]; scores are probabilities P(y = positive)."
    case let .missingValue(column, row, file):
      return "\(at(file, row)), column '\(printable(column))': the value is missing. Labels, predictions, scores and weights may not be missing."
    case let .negativeWeight(column, row, value, file):
      return "\(at(file, row)), column '\(printable(column))': weight \(formatNumber(value)) is negative."
    case let .weightsAllZero(column, file):
      return "\(file.map { "\($0): " } ?? "")every weight in column '\(printable(column))' is zero."
    case let .weightsTooLarge(column, file):
      return "\(file.map { "\($0): " } ?? "")the weights in column '\(printable(column))' add up (or their squares do) beyond the largest number a double holds (about 1.8e308). Divide them by a common factor: no metric changes."
    case let .notABinaryModel(classes):
      return "Fairness metrics need a binary classifier or a regression model; this model has \(classes.count) classes (\(classes.map { printable($0) }.joined(separator: ", ")))."
    case let .positiveNotFound(column, positive, values, file):
      return "\(file.map { "\($0): " } ?? "")the positive label '\(positive)' never occurs in column '\(column)'. Its values are: "
        + "\(values.joined(separator: ", "))."
    case let .positiveNotAModelClass(positive, classes):
      return "\(name(.positive)) \(positive): the model's classes are \(classes.joined(separator: " and ")); name one of them."
    case let .columnInTwoRoles(column, first, second):
      return "'\(column)' is given both as \(name(first)) and as \(name(second)); a column can play one of these roles only."
    case let .needsScores(analysis):
      return "\(analysis) needs the model's scores, and this model answers class labels only (--model-output labels). "
        + "Give a model that answers probabilities, or use candor fairness, which works on labels."
    case .thresholdPolicyAsBase:
      return "The model is already a threshold policy (saved by candor mitigate threshold). Give the model it was fitted on "
        + "to fit a new policy."
    case let .invalidSetting(invalid):
      return invalid.message(naming: name)
    case let .degenerateGroup(group):
      return "Group '\(printable(group))' has only one label class in the fitting data, so no threshold trade-off can be computed for it."
    case let .damagedPart(index, reason):
      return "Part \(index + 1) of the merge is damaged: \(reason)."
    case .noSensitiveFeatures:
      return "\(name(.sensitiveFeatures)) names no column: give at least one sensitive column (several make intersectional groups)."
    case let .privilegedValueNotFound(column, value, seen):
      return "\(name(.privilegedSplits)): column '\(printable(column))' never holds '\(printable(value))'. Its values are: \(seen.map { printable($0) }.joined(separator: ", "))."
    }
  }
}

extension Setting {
  /// The sensitive features: of each set of an assessment, or of a mitigation.
  public static let sensitiveFeatures = Setting("sensitiveFeatures")
  public static let confidenceLevel = Setting("confidenceLevel")
  public static let positive = Setting("positive")
  public static let scoreColumn = Setting("scoreColumn")
  public static let threshold = Setting("threshold")
  public static let minGroupSize = Setting("minGroupSize")
  public static let costFalsePositive = Setting("costFalsePositive")
  public static let costFalseNegative = Setting("costFalseNegative")
  public static let gridSize = Setting("gridSize")
  /// The score a threshold policy maximizes.
  public static let objective = Setting("objective")
  public static let bootstrapReplicates = Setting("bootstrapReplicates")
  public static let controlFeatures = Setting("controlFeatures")
  /// Privileged groups of AIF360's comparisons (`column=value`).
  public static let privilegedSplits = Setting("privilegedSplits")
  /// The orders α of the generalized entropy indices.
  public static let entropyAlphas = Setting("entropyAlphas")
  public static let predictionColumn = Setting("predictionColumn")
  /// How far the groups' equalized metric may differ in threshold optimization.
  public static let constraintTolerance = Setting("constraintTolerance")
}
