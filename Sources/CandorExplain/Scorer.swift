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
      var correctByClass: [Double] = [0, 0], totalByClass: [Double] = [0, 0]
      if kind == .multiclassProbabilities {
        correctByClass = [Double](repeating: 0, count: outputs)
        totalByClass = correctByClass
      }
      for i in range {
        let base = (offset + i - range.lowerBound) * outputs
        let predicted: Int
        if kind == .binaryProbability {
          predicted = predictions[base] > 0.5 ? 1 : 0
        } else {
          var best = 0
          for k in 1..<outputs where predictions[base + k] > predictions[base + best] { best = k }
          predicted = best
        }
        let label = Int(truth[i])
        totalByClass[label] += w(i)
        if predicted == label { correctByClass[label] += w(i) }
      }
      if self == .accuracy { return correctByClass.reduce(0, +) / totalByClass.reduce(0, +) }
      let recalls = zip(correctByClass, totalByClass).filter { $0.1 > 0 }.map { $0.0 / $0.1 }
      return recalls.reduce(0, +) / Double(recalls.count)
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
      var pairs: [(Double, Double, Bool)] = []
      for i in range { pairs.append((predictions[(offset + i - range.lowerBound) * outputs], w(i), truth[i] == 1)) }
      pairs.sort { $0.0 < $1.0 }
      var area = 0.0, negativesBelow = 0.0, positives = 0.0
      var k = 0
      while k < pairs.count {
        var blockPositive = 0.0, blockNegative = 0.0
        let score = pairs[k].0
        while k < pairs.count && pairs[k].0 == score {
          if pairs[k].2 { blockPositive += pairs[k].1 } else { blockNegative += pairs[k].1 }
          k += 1
        }
        area += blockPositive * (negativesBelow + 0.5 * blockNegative)
        negativesBelow += blockNegative
        positives += blockPositive
      }
      return area / (positives * negativesBelow)
    case .r2, .mse, .mae:
      var mean = 0.0
      for i in range { mean += w(i) * truth[i]; weightSum += w(i) }
      mean /= weightSum
      var residual = 0.0, spread = 0.0, absolute = 0.0
      for i in range {
        let e = predictions[(offset + i - range.lowerBound) * outputs] - truth[i]
        residual += w(i) * e * e
        absolute += w(i) * abs(e)
        spread += w(i) * (truth[i] - mean) * (truth[i] - mean)
      }
      switch self {
      case .mse: return residual / weightSum
      case .mae: return absolute / weightSum
      default: return spread > 0 ? 1 - residual / spread : (residual == 0 ? 1 : 0)
      }
    }
  }
}
