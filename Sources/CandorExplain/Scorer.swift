import CandorCore
import CandorModels
import Foundation

/// A score of predictions against the truth (scikit-learn's scorers). Importance is the drop in score,
/// so for the losses (log loss, MSE, MAE) it is the rise in loss, as scikit-learn reports with `neg_` scorers.
public enum Scorer: String, Sendable, CaseIterable, Codable {
  case accuracy
  case balancedAccuracy = "balanced_accuracy"
  case rocAUC = "roc_auc"
  case logLoss = "log_loss"
  case r2
  case mse
  case mae

  public var isLoss: Bool { self == .logLoss || self == .mse || self == .mae }
  public var needsClassifier: Bool { [.accuracy, .balancedAccuracy, .rocAUC, .logLoss].contains(self) }

  /// The score of `predictions` (rows × outputs: P(positive) for a binary model, class probabilities for a
  /// multiclass one, values for regression) against `truth` (class index or value), rows `range` only.
  func score(_ predictions: UnsafeBufferPointer<Double>, outputs: Int, kind: OutputKind, truth: [Double], weights: [Double]?,
             range: Range<Int>, offset: Int) -> Double {
    var total = 0.0, weightSum = 0.0
    func w(_ i: Int) -> Double { weights?[i] ?? 1 }
    switch self {
    case .accuracy, .balancedAccuracy:
      var tally = ClassificationTally(classCount: kind == .binaryProbability ? 2 : outputs)
      for i in range {
        let row = offset + i - range.lowerBound
        tally.add(predicted: ClassificationTally.predictedClass(predictions, row: row, width: outputs), label: Int(truth[i]), weight: w(i))
      }
      return self == .accuracy ? tally.accuracy : tally.balancedAccuracy
    case .logLoss:
      let epsilon = 2.220446049250313e-16
      for i in range {
        let base = (offset + i - range.lowerBound) * outputs
        let label = Int(truth[i])
        let p = kind == .binaryProbability ? (label == 1 ? predictions[base] : 1 - predictions[base]) : predictions[base + label]
        total -= w(i) * log(min(max(p, epsilon), 1 - epsilon))
        weightSum += w(i)
      }
      return total / weightSum
    case .rocAUC:
      var scores = ContiguousArray<Double>(), labels = ContiguousArray<UInt8>()
      scores.reserveCapacity(range.count)
      labels.reserveCapacity(range.count)
      for i in range {
        scores.append(predictions[(offset + i - range.lowerBound) * outputs])
        labels.append(truth[i] == 1 ? 1 : 0)
      }
      return RankedScores(scores: scores, labels: labels, weights: weights.map { ContiguousArray($0[range]) }).rocArea()
    case .r2:
      // A regression model has one output column, so the range's predictions are contiguous.
      let fitted = UnsafeBufferPointer(rebasing: predictions[offset..<(offset + range.count)])
      return truth.withUnsafeBufferPointer { truth in
        let targets = UnsafeBufferPointer(rebasing: truth[range])
        guard let weights else { return rSquared(predictions: fitted, targets: targets, weights: nil) }
        return weights.withUnsafeBufferPointer { rSquared(predictions: fitted, targets: targets, weights: UnsafeBufferPointer(rebasing: $0[range])) }
      }
    case .mse, .mae:
      for i in range {
        let e = predictions[(offset + i - range.lowerBound) * outputs] - truth[i]
        total += self == .mse ? w(i) * e * e : w(i) * abs(e)
        weightSum += w(i)
      }
      return total / weightSum
    }
  }
}
