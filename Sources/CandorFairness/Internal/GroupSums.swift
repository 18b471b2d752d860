/// Weighted sums per group (the last "group" is all rows), laid out group-major with `terms.slotCount`
/// slots each. Every metric is a function of these sums, and the sums add up across rows, shards and
/// strata. `multiplicity` (bootstrap resampling counts) multiplies each row's weight.
struct GroupSums {
  let groupCount: Int
  let slotCount: Int
  var sums: [Double]
  /// ROC AUC per group and overall (NaN when a group holds one class), when scores are given.
  var areas: [Double]

  /// The slots of one group's sums. Binary: rows, weight, the four confusion cells, their Σw², then the
  /// score terms; regression: rows, weight, then the moments of prediction and target.
  enum Slot {
    static let rows = 0
    static let weight = 1
    /// Binary: the four weighted confusion cells, in `Cell` order.
    static let cells = 2
    /// Binary: Σw² of each confusion cell (Kish's effective counts), in `Cell` order.
    static let squaredWeights = 6
    static let logLoss = 10
    static let brierScore = 11
    /// Binary: the calibration gaps Σw·(score − label), one slot per bin.
    static let calibrationGaps = 12
    /// Regression moments.
    static let prediction = 2, absoluteError = 3, squaredError = 4, target = 5, squaredTarget = 6
  }

  /// The confusion-matrix cells, in their slot order.
  enum Cell: Int, CaseIterable {
    case truePositive, falsePositive, trueNegative, falseNegative
  }

  subscript(group: Int, slot: Int) -> Double { sums[group * slotCount + slot] }

  /// The weight of one confusion cell of group g.
  func weight(_ cell: Cell, group g: Int) -> Double { self[g, Slot.cells + cell.rawValue] }

  /// Sums already added up (merged shards): groupCount + 1 blocks, the last one of all rows.
  init(groupCount: Int, slotCount: Int, sums: [Double], areas: [Double]) {
    precondition(sums.count == (groupCount + 1) * slotCount, "one block of sums per group and one of all rows")
    (self.groupCount, self.slotCount, self.sums, self.areas) = (groupCount, slotCount, sums, areas)
  }

  /// - Parameter withAreas: false leaves `areas` empty (a shard's replicate sums: its AUC is the merge's work).
  init(terms: RowTerms, groups: UnsafeBufferPointer<Int32>, groupCount: Int, multiplicity: UnsafeBufferPointer<Double>? = nil, withAreas: Bool = true) {
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
          s[base + Slot.rows] += m
          s[base + Slot.weight] += w
          if let probabilities = terms.positiveProbability {
            // Expected cells of a randomized decision: positive with weight p, negative with 1 − p.
            let p = probabilities[i]
            let (positiveCell, negativeCell) = terms.label[i] == 1
              ? (Cell.truePositive.rawValue, Cell.falseNegative.rawValue) : (Cell.falsePositive.rawValue, Cell.trueNegative.rawValue)
            s[base + Slot.cells + positiveCell] += w * p
            s[base + Slot.cells + negativeCell] += w * (1 - p)
            s[base + Slot.squaredWeights + positiveCell] += w * w / m * p
            s[base + Slot.squaredWeights + negativeCell] += w * w / m * (1 - p)
          } else {
            let cell = Int(terms.cell[i])
            s[base + Slot.cells + cell] += w
            s[base + Slot.squaredWeights + cell] += w * w / m  // Σ w² for the effective count: m copies of weight w/m each
          }
          if terms.hasScores {
            s[base + Slot.logLoss] += w * terms.loss[i]
            s[base + Slot.brierScore] += w * terms.brier[i]
            s[base + Slot.calibrationGaps + Int(terms.calibrationBin[i])] += w * terms.calibrationGap[i]
          }
        }
      case .regression:
        for i in 0..<terms.count {
          let m = multiplicity?[i] ?? 1
          if m == 0 { continue }
          let w = terms.weight(i) * m
          let base = Int(groups[i]) * slots
          let p = terms.prediction[i], y = terms.target[i]
          s[base + Slot.rows] += m
          s[base + Slot.weight] += w
          s[base + Slot.prediction] += w * p
          s[base + Slot.absoluteError] += w * abs(p - y)
          s[base + Slot.squaredError] += w * (p - y) * (p - y)
          s[base + Slot.target] += w * y
          s[base + Slot.squaredTarget] += w * y * y
        }
      }
      // Overall = the sum over groups.
      let overall = groupCount * slots
      for g in 0..<groupCount { for k in 0..<slots { s[overall + k] += s[g * slots + k] } }
    }
    if let ranked = terms.ranked, withAreas {
      areas = ranked.rocAreas(groups: groups, groupCount: groupCount, multiplicity: multiplicity)
    }
  }

  // MARK: - Metric values

  /// The metric for group g (g = groupCount: all rows).
  func value(_ metric: FairnessMetric, group g: Int) -> Double {
    let w = self[g, Slot.weight]
    switch metric {
    case .count: return self[g, Slot.rows]
    case .weightSum: return w
    // A group whose weights are all 0 has no weighted value at all (a rate of 0/0 is not the 0 convention
    // Fairlearn uses for a group without positives).
    case _ where w == 0: return .nan
    case .meanPrediction: return self[g, Slot.prediction] / w
    case .meanAbsoluteError: return self[g, Slot.absoluteError] / w
    case .meanSquaredError: return self[g, Slot.squaredError] / w
    case .rSquared:
      let residual = self[g, Slot.squaredError]
      let total = self[g, Slot.squaredTarget] - self[g, Slot.target] * self[g, Slot.target] / w
      // sklearn's r2_score: undefined (nan) below two rows; with force_finite a constant target gives 1 for a
      // perfect fit, else 0.
      if self[g, Slot.rows] < 2 { return .nan }
      return total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
    default: break
    }
    let tp = weight(.truePositive, group: g), fp = weight(.falsePositive, group: g)
    let tn = weight(.trueNegative, group: g), fn = weight(.falseNegative, group: g)
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
    case .logLoss: return self[g, Slot.logLoss] / w
    case .brierScore: return self[g, Slot.brierScore] / w
    case .expectedCalibrationError:
      // Σ_b (W_b / W)·|mean score_b − mean label_b| = Σ_b |Σ_b w·(s − y)| / W.
      var total = 0.0
      for b in 0..<RowTerms.calibrationBins { total += abs(self[g, Slot.calibrationGaps + b]) }
      return total / w
    default: return .nan
    }
  }

  /// The confusion-matrix cells (TP, FP, TN, FN order) a proportion counts in its numerator and denominator.
  static func cells(of metric: FairnessMetric) -> (numerator: [Cell], denominator: [Cell])? {
    switch metric {
    case .selectionRate: ([.truePositive, .falsePositive], Cell.allCases)
    case .accuracy: ([.truePositive, .trueNegative], Cell.allCases)
    case .truePositiveRate: ([.truePositive], [.truePositive, .falseNegative])
    case .falsePositiveRate: ([.falsePositive], [.falsePositive, .trueNegative])
    case .falseNegativeRate: ([.falseNegative], [.truePositive, .falseNegative])
    case .trueNegativeRate: ([.trueNegative], [.falsePositive, .trueNegative])
    case .precision: ([.truePositive], [.truePositive, .falsePositive])
    default: nil
    }
  }

  /// Kish's effective number of rows behind a proportion, (Σw)² / Σw², over the denominator cells.
  func effectiveCount(_ metric: FairnessMetric, group g: Int) -> Double {
    guard let cells = Self.cells(of: metric) else { return .nan }
    let total = cells.denominator.reduce(0) { $0 + weight($1, group: g) }
    let squares = cells.denominator.reduce(0) { $0 + self[g, Slot.squaredWeights + $1.rawValue] }
    return squares > 0 ? total * total / squares : 0
  }
}
