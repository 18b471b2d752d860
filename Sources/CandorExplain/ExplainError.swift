import CandorCore

/// What is wrong with an explanation request.
public enum ExplainError: CandorError, Equatable {
  case unknownFeature(String, available: [String])
  case rowOutOfRange(row: Int, rowCount: Int)
  case invalidSetting(InvalidSetting)
  case scorerNeedsClassifier(String)
  case scorerNeedsRegression(String)
  case weightsNotNumeric(column: String)
  case regressionTargetNotNumeric(column: String)
  /// A target value that is none of the model's classes (`row` is the 1-based data row).
  case targetNotAClass(column: String, row: Int, value: String, classes: [String])
  case backgroundColumnNotInData(column: String, file: String?)
  /// An explanation that needs scores, of a model that answers labels only.
  case needsScores(what: String)
  /// TreeSHAP asked of a model that is not a tree ensemble.
  case notATreeModel

  public func message(naming name: (Setting) -> String) -> String {
    switch self {
    case let .unknownFeature(name, available):
      "No feature or group '\(printable(name))'. The model's features are: \(available.map { printable($0) }.joined(separator: ", "))."
    case let .rowOutOfRange(row, rowCount):
      "Row \(row) is out of range: the data has rows 0 to \(rowCount - 1)."
    case let .invalidSetting(invalid):
      invalid.message(naming: name)
    case let .scorerNeedsClassifier(name):
      "The scorer '\(printable(name))' needs a classifier; this model is a regression model."
    case let .scorerNeedsRegression(name):
      "The scorer '\(printable(name))' needs a regression model; this model is a classifier."
    case let .weightsNotNumeric(column):
      "\(name(.sampleWeightColumn)) \(printable(column)): the column must be numeric."
    case let .regressionTargetNotNumeric(column):
      "\(name(.targetColumn)) \(printable(column)): a regression target must be numeric."
    case let .targetNotAClass(column, row, value, classes):
      "\(name(.targetColumn)) \(printable(column)): data row \(row) holds '\(printable(value))', which is not one of the model's classes (\(classes.map { printable($0) }.joined(separator: ", ")))."
    case let .needsScores(what):
      "\(what) needs the model's scores, and this model answers class labels only (--model-output labels). "
        + "Permutation importance with \(name(.scorer)) accuracy or balanced_accuracy works on labels."
    case .notATreeModel:
      "\(name(.effectMethod)) treeshap: TreeSHAP needs a tree ensemble (an XGBoost or LightGBM model, or an ONNX graph scored by one tree node whose features each come from one column); use kernelshap or shap."
    case let .backgroundColumnNotInData(column, file):
      "\(name(.background)) \(file ?? "(table)"): its column '\(printable(column))' is not in the data."
    }
  }
}

extension Setting {
  public static let nsamples = Setting("nsamples")
  public static let maxFeatures = Setting("maxFeatures")
  /// KernelSHAP's target standard error.
  public static let standardErrorTolerance = Setting("standardErrorTolerance")
  public static let link = Setting("link")
  public static let gridResolution = Setting("gridResolution")
  public static let percentiles = Setting("percentiles")
  public static let effectMethod = Setting("effectMethod")
  /// The score permutation importance measures.
  public static let scorer = Setting("scorer")
  /// Clusters of a k-means background summary.
  public static let backgroundClusters = Setting("backgroundClusters")
  public static let backgroundSize = Setting("backgroundSize")
  public static let background = Setting("background")
  public static let repeats = Setting("repeats")
  public static let sampleWeightColumn = Setting("sampleWeightColumn")
  /// Rows to explain (`0:20`, `3,8`).
  public static let rows = Setting("rows")
  /// Groups of columns explained as one player.
  public static let playerGroups = Setting("playerGroups")
}
