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
    score(of: sums(predictions, outputs: outputs, kind: kind, truth: truth, weights: weights, range: range, offset: offset))
  }
}

/// A scorer's statistics over some rows, which add up across the shards of a run and from which the score follows
/// (`Scorer.merging`, `Scorer.score(of:)`).
public struct ScoreSums: Sendable, Equatable, Codable {
  /// Accuracy and balanced accuracy: the correct and the total weight, then each class's correct and total weight.
  /// Log loss, MSE, MAE: the loss sum and the weight sum. R²: the residual sum of squares, then the targets' count,
  /// weight, a shift (the part's first target), the weighted sum of deviations from the shift and the sum of squared
  /// deviations from the mean (combined across parts by the update of Chan, Golub & LeVeque 1983, "Algorithms for
  /// computing the sample variance", with the means' difference taken from the shifts so it keeps its digits).
  public var sums: [Double]
  /// ROC AUC: the rows' scores at full resolution (a pair of rows in two parts counts too).
  public var histogram: ScoreHistogram?

  public init(sums: [Double], histogram: ScoreHistogram? = nil) {
    (self.sums, self.histogram) = (sums, histogram)
  }
}

extension Scorer {
  /// How many numbers `ScoreSums.sums` holds for this scorer with `classCount` classes.
  func sumCount(classCount: Int) -> Int {
    switch self {
    case .accuracy, .balancedAccuracy: 2 + 2 * classCount
    case .logLoss, .mse, .mae: 2
    case .r2: 6
    case .rocAUC: 0
    }
  }

  /// The statistics of `predictions` against `truth` over rows `range` of the data (prediction row
  /// `offset + i − range.lowerBound` belongs to data row i): what `score` reduces to one number, kept additive.
  func sums(_ predictions: UnsafeBufferPointer<Double>, outputs: Int, kind: OutputKind, truth: [Double], weights: [Double]?,
            range: Range<Int>, offset: Int) -> ScoreSums {
    func w(_ i: Int) -> Double { weights?[i] ?? 1 }
    func prediction(_ i: Int) -> Int { (offset + i - range.lowerBound) * outputs }
    switch self {
    case .accuracy, .balancedAccuracy:
      var tally = ClassificationTally(classCount: kind == .binaryProbability ? 2 : outputs)
      for i in range {
        tally.add(predicted: ClassificationTally.predictedClass(predictions, row: offset + i - range.lowerBound, width: outputs), label: Int(truth[i]), weight: w(i))
      }
      return ScoreSums(sums: [tally.correctWeight, tally.totalWeight] + zip(tally.correctByClass, tally.totalByClass).flatMap { [$0, $1] })
    case .logLoss, .mse, .mae:
      var total = 0.0, weightSum = 0.0
      let epsilon = 2.220446049250313e-16
      for i in range {
        let base = prediction(i)
        if self == .logLoss {
          let label = Int(truth[i])
          let p = kind == .binaryProbability ? (label == 1 ? predictions[base] : 1 - predictions[base]) : predictions[base + label]
          total -= w(i) * log(min(max(p, epsilon), 1 - epsilon))
        } else {
          let e = predictions[base] - truth[i]
          total += self == .mse ? w(i) * e * e : w(i) * abs(e)
        }
        weightSum += w(i)
      }
      return ScoreSums(sums: [total, weightSum])
    case .r2:
      // Two passes, as `rSquared` makes: the mean, then the squared deviations from it. The mean is kept as a
      // shift (the part's first target) plus the weighted sum of deviations from it, so the merge's difference of
      // two parts' means loses no digits to targets far from zero.
      let shift = range.isEmpty ? 0 : truth[range.lowerBound]
      var shifted = 0.0, weightSum = 0.0
      for i in range {
        shifted += w(i) * (truth[i] - shift)
        weightSum += w(i)
      }
      let mean = weightSum > 0 ? shift + shifted / weightSum : 0
      var residual = 0.0, spread = 0.0
      for i in range {
        let e = predictions[prediction(i)] - truth[i], d = truth[i] - mean
        residual += w(i) * e * e
        spread += w(i) * d * d
      }
      return ScoreSums(sums: [residual, Double(range.count), weightSum, shift, shifted, spread])
    case .rocAUC:
      var scores = ContiguousArray<Double>(), labels = ContiguousArray<UInt8>()
      scores.reserveCapacity(range.count)
      labels.reserveCapacity(range.count)
      for i in range {
        scores.append(predictions[prediction(i)])
        labels.append(truth[i] == 1 ? 1 : 0)
      }
      return ScoreSums(sums: [], histogram: ScoreHistogram(RankedScores(scores: scores, labels: labels, weights: weights.map { ContiguousArray($0[range]) })))
    }
  }

  /// The statistics of all the parts' rows, parts in order.
  func merging(_ parts: [ScoreSums]) -> ScoreSums {
    guard var merged = parts.first else { return ScoreSums(sums: []) }
    if self == .rocAUC { return ScoreSums(sums: [], histogram: ScoreHistogram.merging(parts.map { $0.histogram ?? ScoreHistogram() })) }
    for part in parts.dropFirst() {
      guard self == .r2 else {
        for j in merged.sums.indices { merged.sums[j] += part.sums[j] }
        continue
      }
      merged.sums[0] += part.sums[0]
      merged.sums[1] += part.sums[1]
      let (wa, ca, sa, m2a) = (merged.sums[2], merged.sums[3], merged.sums[4], merged.sums[5])
      let (wb, cb, sb, m2b) = (part.sums[2], part.sums[3], part.sums[4], part.sums[5])
      if wb == 0 { continue }
      if wa == 0 {
        merged.sums.replaceSubrange(2...5, with: part.sums[2...5])
        continue
      }
      // Chan, Golub & LeVeque's M2 = M2a + M2b + δ²·wa·wb/w, with δ the difference of the means taken from the
      // shifts (whose difference is exact for nearby targets) and the small deviation sums.
      let delta = (cb - ca) + (sb / wb - sa / wa)
      let weight = wa + wb
      merged.sums[2] = weight
      merged.sums[4] = sa + sb + wb * (cb - ca)
      merged.sums[5] = m2a + m2b + delta * delta * (wa * wb / weight)
    }
    return merged
  }

  /// The score the statistics give: what `score` gives for the same rows, up to the order of additions.
  func score(of sums: ScoreSums) -> Double {
    let s = sums.sums
    switch self {
    case .accuracy: return s[1] > 0 ? s[0] / s[1] : 0
    case .balancedAccuracy:
      var tally = ClassificationTally(classCount: (s.count - 2) / 2)
      (tally.correctWeight, tally.totalWeight) = (s[0], s[1])
      for c in 0..<tally.totalByClass.count { (tally.correctByClass[c], tally.totalByClass[c]) = (s[2 + 2 * c], s[3 + 2 * c]) }
      return tally.balancedAccuracy
    case .logLoss, .mse, .mae: return s[0] / s[1]
    case .r2:
      if s[1] < 2 { return .nan }
      return s[5] > 0 ? 1 - s[0] / s[5] : (s[0] == 0 ? 1 : 0)
    case .rocAUC: return sums.histogram?.rocArea ?? .nan
    }
  }

  /// Whether `sums` has this scorer's shape with `classCount` classes, finite sums and non-negative weights: what a
  /// part read from a file is checked for before anything is added.
  func isWellFormed(_ sums: ScoreSums, classCount: Int) -> Bool {
    guard sums.sums.count == sumCount(classCount: classCount), sums.sums.allSatisfy(\.isFinite) else { return false }
    switch self {
    case .rocAUC:
      guard let h = sums.histogram, h.positive.count == h.scores.count, h.negative.count == h.scores.count else { return false }
      return zip(h.scores, h.scores.dropFirst()).allSatisfy { $0 < $1 } && h.scores.allSatisfy(\.isFinite)
        && (h.positive + h.negative).allSatisfy { $0.isFinite && $0 >= 0 }
    case .r2: return sums.histogram == nil && sums.sums[1] >= 0 && sums.sums[2] >= 0 && sums.sums[5] >= 0
    default: return sums.histogram == nil
    }
  }
}
