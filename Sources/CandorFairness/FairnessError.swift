import CandorCore

/// What is wrong with the inputs of a fairness assessment.
public enum FairnessError: CandorError, Equatable {
  case labelNotBinary(column: String, values: [String], file: String?)
  case predictionNotBinary(column: String, row: Int, value: String, file: String?)
  case scoreOutOfRange(column: String, row: Int, value: Double, file: String?)
  case missingValue(column: String, row: Int, file: String?)
  case negativeWeight(column: String, row: Int, value: Double, file: String?)
  case weightsAllZero(column: String, file: String?)
  case notABinaryModel(classes: [String])
  case invalidSetting(InvalidSetting)
  case privilegedValueNotFound(column: String, value: String, seen: [String])
  case degenerateGroup(group: String)
  /// A sensitive set (or the sensitive features of a mitigation) names no column.
  case noSensitiveFeatures

  public func message(naming name: (Setting) -> String) -> String {
    func at(_ file: String?, _ row: Int) -> String { "\(file.map { "\($0), " } ?? "")data row \(row)" }
    switch self {
    case let .labelNotBinary(column, values, file):
      return "\(file.map { "\($0): " } ?? "")the label column '\(printable(column))' must hold two classes for binary metrics, but it holds "
        + "\(values.count): \(values.prefix(10).map { printable($0) }.joined(separator: ", "))\(values.count > 10 ? ", …" : "")."
    case let .predictionNotBinary(column, row, value, file):
      return "\(at(file, row)), column '\(printable(column))': prediction '\(printable(value))' is not 0 or 1 (nor one of the label's two values)."
    case let .scoreOutOfRange(column, row, value, file):
      return "\(at(file, row)), column '\(printable(column))': score \(formatNumber(value)) is outside [0, 1]; scores are probabilities P(y = positive)."
    case let .missingValue(column, row, file):
      return "\(at(file, row)), column '\(printable(column))': the value is missing. Labels, predictions, scores and weights may not be missing."
    case let .negativeWeight(column, row, value, file):
      return "\(at(file, row)), column '\(printable(column))': weight \(formatNumber(value)) is negative."
    case let .weightsAllZero(column, file):
      return "\(file.map { "\($0): " } ?? "")every weight in column '\(printable(column))' is zero."
    case let .notABinaryModel(classes):
      return "Fairness metrics need a binary classifier or a regression model; this model has \(classes.count) classes (\(classes.map { printable($0) }.joined(separator: ", ")))."
    case let .invalidSetting(invalid):
      return invalid.message(naming: name)
    case let .degenerateGroup(group):
      return "Group '\(printable(group))' has only one label class in the fitting data, so no threshold trade-off can be computed for it."
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
  public static let bootstrapReplicates = Setting("bootstrapReplicates")
  /// Privileged groups of AIF360's comparisons (`column=value`).
  public static let privilegedSplits = Setting("privilegedSplits")
  public static let predictionColumn = Setting("predictionColumn")
  /// How far the groups' equalized metric may differ in threshold optimization.
  public static let constraintTolerance = Setting("constraintTolerance")
}
