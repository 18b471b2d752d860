import CandorCore
import Foundation

/// Per-row terms every group statistic is a weighted sum of, computed once and shared by every sensitive
/// set, stratum and bootstrap replicate: the confusion cell, the log-loss and Brier terms, the calibration
/// bin, or for regression the errors.
struct RowTerms: Sendable {
  enum Kind { case binary, regression }

  static let binarySlots = 22
  static let regressionSlots = 7
  static let calibrationBins = 10
  /// sklearn's `log_loss` clips probabilities to [ε, 1 − ε] with ε = float64 machine epsilon.
  static let logLossEpsilon = 2.220446049250313e-16

  let kind: Kind
  let count: Int
  let baseWeights: ContiguousArray<Double>?
  let hasScores: Bool
  /// Binary: 0 TP, 1 FP, 2 TN, 3 FN.
  var cell = ContiguousArray<UInt8>()
  /// Randomized binary: P(ŷ = 1) per row (then `cell` is unused).
  var positiveProbability: ContiguousArray<Double>?
  var label = ContiguousArray<UInt8>()
  var loss = ContiguousArray<Double>()
  var brier = ContiguousArray<Double>()
  var calibrationBin = ContiguousArray<UInt8>()
  /// score − label, summed per calibration bin (expected calibration error).
  var calibrationGap = ContiguousArray<Double>()
  /// Labels and weights in score order, for ROC AUC (binary with scores only).
  var ranked: RankedScores?
  /// Regression terms.
  var prediction = ContiguousArray<Double>()
  var target = ContiguousArray<Double>()

  var slotCount: Int { kind == .binary ? Self.binarySlots : Self.regressionSlots }

  init(_ outcomes: Outcomes, weights: ContiguousArray<Double>?) {
    count = outcomes.count
    baseWeights = weights
    switch outcomes {
    case let .binary(labels, predictions, scores):
      kind = .binary
      hasScores = scores != nil
      label = labels
      cell = ContiguousArray((0..<count).map { i in
        labels[i] == 1 ? (predictions[i] == 1 ? 0 : 3) : (predictions[i] == 1 ? 1 : 2)
      })
      if let scores {
        loss.reserveCapacity(count)
        brier.reserveCapacity(count)
        for i in 0..<count {
          let s = scores[i], y = Double(labels[i])
          let clipped = min(max(labels[i] == 1 ? s : 1 - s, Self.logLossEpsilon), 1 - Self.logLossEpsilon)
          loss.append(-log(clipped))
          brier.append((s - y) * (s - y))
          // Clamped before Int(_:), which traps on NaN or a huge value (a model's scores are not checked as columns are).
          let unit = s.isNaN ? 0 : min(max(s, 0), 1)
          calibrationBin.append(UInt8(min(Int(unit * Double(Self.calibrationBins)), Self.calibrationBins - 1)))
          calibrationGap.append(s - y)
        }
        ranked = RankedScores(scores: scores, labels: labels, weights: weights)
      }
    case let .randomizedBinary(labels, probabilities):
      kind = .binary
      hasScores = false
      label = labels
      positiveProbability = probabilities
    case let .regression(targets, predictions):
      kind = .regression
      hasScores = false
      target = targets
      prediction = predictions
    }
  }

  func weight(_ i: Int) -> Double { baseWeights?[i] ?? 1 }
}
