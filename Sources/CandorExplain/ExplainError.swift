/// What is wrong with an explanation request.
public enum ExplainError: Error, Equatable, CustomStringConvertible {
  case unknownFeature(String, available: [String])
  case rowOutOfRange(row: Int, rowCount: Int)
  case invalidOption(name: String, value: String, reason: String)
  case scorerNeedsClassifier(String)
  case scorerNeedsRegression(String)

  public var description: String {
    switch self {
    case let .unknownFeature(name, available):
      "No feature or group '\(name)'. The model's features are: \(available.joined(separator: ", "))."
    case let .rowOutOfRange(row, rowCount):
      "Row \(row) is out of range: the data has rows 0 to \(rowCount - 1)."
    case let .invalidOption(name, value, reason):
      "--\(name) \(value): \(reason)."
    case let .scorerNeedsClassifier(name):
      "The scorer '\(name)' needs a classifier; this model is a regression model."
    case let .scorerNeedsRegression(name):
      "The scorer '\(name)' needs a regression model; this model is a classifier."
    }
  }
}
