/// Weighted sums per group (the last "group" is all rows), laid out group-major with `terms.slotCount`
/// slots each. Every metric is a function of these sums, and the sums add up across rows, shards and
/// strata. `multiplicity` (bootstrap resampling counts) multiplies each row's weight.
struct GroupSums {
  let groupCount: Int
  let slotCount: Int
  var sums: [Double]
  /// ROC AUC per group and overall (NaN when a group holds one class), when scores are given.
  var areas: [Double]

  subscript(group: Int, slot: Int) -> Double { sums[group * slotCount + slot] }

  init(terms: RowTerms, groups: UnsafeBufferPointer<Int32>, groupCount: Int, multiplicity: UnsafeBufferPointer<Double>? = nil) {
    self.groupCount = groupCount
    slotCount = terms.slotCount
    sums = [Double](repeating: 0, count: (groupCount + 1) * slotCount)
    areas = []
    let slots = slotCount
    sums.withUnsafeMutableBufferPointer { s in
      switch terms.kind {
      case .binary:
        for i in 0..<terms.count {
          let m = multiplicity?[i] ?? 1
          if m == 0 { continue }
          let w = terms.weight(i) * m
          let base = Int(groups[i]) * slots
          s[base] += m
          s[base + 1] += w
          if let probabilities = terms.positiveProbability {
            // Expected cells of a randomized decision: positive with weight p, negative with 1 − p.
            let p = probabilities[i]
            let (positiveCell, negativeCell) = terms.label[i] == 1 ? (0, 3) : (1, 2)
            s[base + 2 + positiveCell] += w * p
            s[base + 2 + negativeCell] += w * (1 - p)
            s[base + 6 + positiveCell] += w * w / m * p
            s[base + 6 + negativeCell] += w * w / m * (1 - p)
          } else {
            let cell = Int(terms.cell[i])
            s[base + 2 + cell] += w
            s[base + 6 + cell] += w * w / m  // Σ w² for the effective count: m copies of weight w/m each
          }
          if terms.hasScores {
            s[base + 10] += w * terms.loss[i]
            s[base + 11] += w * terms.brier[i]
            s[base + 12 + Int(terms.calibrationBin[i])] += w * terms.calibrationGap[i]
          }
        }
      case .regression:
        for i in 0..<terms.count {
          let m = multiplicity?[i] ?? 1
          if m == 0 { continue }
          let w = terms.weight(i) * m
          let base = Int(groups[i]) * slots
          let p = terms.prediction[i], y = terms.target[i]
          s[base] += m
          s[base + 1] += w
          s[base + 2] += w * p
          s[base + 3] += w * abs(p - y)
          s[base + 4] += w * (p - y) * (p - y)
          s[base + 5] += w * y
          s[base + 6] += w * y * y
        }
      }
      // Overall = the sum over groups.
      let overall = groupCount * slots
      for g in 0..<groupCount { for k in 0..<slots { s[overall + k] += s[g * slots + k] } }
    }
    if let ranked = terms.ranked {
      areas = ranked.rocAreas(groups: groups, groupCount: groupCount, multiplicity: multiplicity)
    }
  }

  // MARK: - Metric values

  /// The metric for group g (g = groupCount: all rows).
  func value(_ metric: FairnessMetric, group g: Int) -> Double {
    let w = self[g, 1]
    switch metric {
    case .count: return self[g, 0]
    case .weightSum: return w
    case .meanPrediction: return self[g, 2] / w
    case .meanAbsoluteError: return self[g, 3] / w
    case .meanSquaredError: return self[g, 4] / w
    case .rSquared:
      let residual = self[g, 4]
      let total = self[g, 6] - self[g, 5] * self[g, 5] / w
      // sklearn's r2_score with force_finite: a constant target gives 1 for a perfect fit, else 0.
      return total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
    default: break
    }
    let tp = self[g, 2], fp = self[g, 3], tn = self[g, 4], fn = self[g, 5]
    let positives = tp + fn, negatives = fp + tn
    func rate(_ numerator: Double, _ denominator: Double) -> Double { denominator > 0 ? numerator / denominator : 0 }
    switch metric {
    case .selectionRate: return (tp + fp) / w
    case .accuracy: return (tp + tn) / w
    case .truePositiveRate: return rate(tp, positives)
    case .falsePositiveRate: return rate(fp, negatives)
    case .falseNegativeRate: return rate(fn, positives)
    case .trueNegativeRate: return rate(tn, negatives)
    case .precision: return rate(tp, tp + fp)
    case .balancedAccuracy:
      // sklearn: mean recall over the classes present in y.
      switch (positives > 0, negatives > 0) {
      case (true, true): return (tp / positives + tn / negatives) / 2
      case (true, false): return tp / positives
      case (false, true): return tn / negatives
      case (false, false): return .nan
      }
    case .rocAUC: return areas[g]
    case .logLoss: return self[g, 10] / w
    case .brierScore: return self[g, 11] / w
    case .expectedCalibrationError:
      // Σ_b (W_b / W)·|mean score_b − mean label_b| = Σ_b |Σ_b w·(s − y)| / W.
      var total = 0.0
      for b in 0..<RowTerms.calibrationBins { total += abs(self[g, 12 + b]) }
      return total / w
    default: return .nan
    }
  }

  /// The confusion-matrix cells (TP, FP, TN, FN order) a proportion counts in its numerator and denominator.
  static func cells(of metric: FairnessMetric) -> (numerator: [Int], denominator: [Int])? {
    switch metric {
    case .selectionRate: ([0, 1], [0, 1, 2, 3])
    case .accuracy: ([0, 2], [0, 1, 2, 3])
    case .truePositiveRate: ([0], [0, 3])
    case .falsePositiveRate: ([1], [1, 2])
    case .falseNegativeRate: ([3], [0, 3])
    case .trueNegativeRate: ([2], [1, 2])
    case .precision: ([0], [0, 1])
    default: nil
    }
  }

  /// Kish's effective number of rows behind a proportion, (Σw)² / Σw², over the denominator cells.
  func effectiveCount(_ metric: FairnessMetric, group g: Int) -> Double {
    guard let cells = Self.cells(of: metric) else { return .nan }
    let total = cells.denominator.reduce(0) { $0 + self[g, 2 + $1] }
    let squares = cells.denominator.reduce(0) { $0 + self[g, 6 + $1] }
    return squares > 0 ? total * total / squares : 0
  }
}
