/// A metric computed for every group; raw values are the JSON names (Fairlearn's where it has one).
public enum FairnessMetric: String, CaseIterable, Sendable, Codable {
  case count
  case weightSum = "weight_sum"
  case selectionRate = "selection_rate"
  case accuracy
  case balancedAccuracy = "balanced_accuracy"
  case truePositiveRate = "true_positive_rate"
  case falsePositiveRate = "false_positive_rate"
  case falseNegativeRate = "false_negative_rate"
  case trueNegativeRate = "true_negative_rate"
  case precision
  case rocAUC = "roc_auc"
  case logLoss = "log_loss"
  case brierScore = "brier_score"
  case expectedCalibrationError = "expected_calibration_error"
  case meanPrediction = "mean_prediction"
  case meanAbsoluteError = "mae"
  case meanSquaredError = "mse"
  case rSquared = "r2"

  /// The metrics reported for a binary classifier; score-based ones only when scores are given.
  public static func binary(weighted: Bool, hasScores: Bool) -> [FairnessMetric] {
    var metrics: [FairnessMetric] = [.count]
    if weighted { metrics.append(.weightSum) }
    metrics += [.selectionRate, .accuracy, .balancedAccuracy, .truePositiveRate, .falsePositiveRate,
                .falseNegativeRate, .trueNegativeRate, .precision]
    if hasScores { metrics += [.rocAUC, .logLoss, .brierScore, .expectedCalibrationError] }
    return metrics
  }

  public static func regression(weighted: Bool) -> [FairnessMetric] {
    [.count] + (weighted ? [.weightSum] : []) + [.meanPrediction, .meanAbsoluteError, .meanSquaredError, .rSquared]
  }

  /// Proportions, which get Wilson intervals: (numerator cells, denominator cells) of the confusion matrix.
  var isProportion: Bool {
    switch self {
    case .selectionRate, .accuracy, .truePositiveRate, .falsePositiveRate, .falseNegativeRate, .trueNegativeRate, .precision:
      true
    default:
      false
    }
  }
}
