/// Binary labels with their scores in ascending score order (the radix order of `ascendingOrder`), the one
/// input every ROC statistic needs: the permutation explanations' `roc_auc` scorer and the fairness
/// report's per-group ROC AUC both compute it here.
///
/// Layout: `labels` and `weights` are indexed by row; `order[k]` is the row with the k-th smallest score and
/// `sortedScores[k]` its score (gathered once, so a pass in score order reads scores sequentially).
public struct RankedScores: Sendable {
  public let count: Int
  /// Rows by ascending score; ties keep row order.
  public let order: ContiguousArray<Int32>
  public let sortedScores: ContiguousArray<Double>
  /// 1 for the positive class, 0 otherwise, per row.
  public let labels: ContiguousArray<UInt8>
  /// Per-row weights; nil weighs every row 1.
  public let weights: ContiguousArray<Double>?

  /// Orders `scores` (no NaN) by an LSD radix sort: O(rows), one allocation per array.
  public init(scores: ContiguousArray<Double>, labels: ContiguousArray<UInt8>, weights: ContiguousArray<Double>?) {
    precondition(labels.count == scores.count && (weights?.count ?? scores.count) == scores.count, "one label and weight per score")
    count = scores.count
    let order = scores.withUnsafeBufferPointer { ascendingOrder($0) }
    self.order = order
    sortedScores = ContiguousArray(unsafeUninitializedCapacity: scores.count) { buffer, initialized in
      for k in 0..<order.count { buffer[k] = scores[Int(order[k])] }
      initialized = order.count
    }
    self.labels = labels
    self.weights = weights
  }

  /// Weighted ROC AUC of every group and of all rows, in one pass over the rows in score order:
  /// AUC = Σ_positives w·(weight of negatives scored lower + ½·weight of negatives tied) / (P·N), the
  /// Mann–Whitney statistic with ties counted as half (scikit-learn's `roc_auc_score` with `sample_weight`).
  ///
  /// - Parameters:
  ///   - groups: the group (0..<groupCount) of each row; nil: no groups, only all rows.
  ///   - multiplicity: bootstrap resampling counts per row, multiplying its weight (0 skips the row).
  /// - Returns: groupCount + 1 areas, the last one of all rows; NaN where a group holds one class only.
  /// - Complexity: O(rows + groups), five arrays of groupCount + 1 doubles and no allocation per row.
  public func rocAreas(groups: UnsafeBufferPointer<Int32>?, groupCount: Int, multiplicity: UnsafeBufferPointer<Double>? = nil) -> [Double] {
    precondition(groups != nil || groupCount == 0, "groups name a group per row")
    let slots = groupCount + 1, all = groupCount
    var negativesBelow = [Double](repeating: 0, count: slots)
    var blockPositives = [Double](repeating: 0, count: slots)
    var blockNegatives = [Double](repeating: 0, count: slots)
    var area = [Double](repeating: 0, count: slots)
    var positives = [Double](repeating: 0, count: slots)
    // Slots with rows at the current score, flushed when the score changes.
    var touched: [Int] = []
    touched.reserveCapacity(slots)
    func flush() {
      for g in touched {
        area[g] += blockPositives[g] * (negativesBelow[g] + 0.5 * blockNegatives[g])
        negativesBelow[g] += blockNegatives[g]
        positives[g] += blockPositives[g]
        blockPositives[g] = 0
        blockNegatives[g] = 0
      }
      touched.removeAll(keepingCapacity: true)
    }
    func add(_ w: Double, isPositive: Bool, to g: Int) {
      if blockPositives[g] == 0 && blockNegatives[g] == 0 { touched.append(g) }
      if isPositive { blockPositives[g] += w } else { blockNegatives[g] += w }
    }
    var k = 0
    while k < count {
      let score = sortedScores[k]
      while k < count && sortedScores[k] == score {
        let i = Int(order[k])
        k += 1
        let m = multiplicity?[i] ?? 1
        if m == 0 { continue }
        let w = (weights?[i] ?? 1) * m
        let isPositive = labels[i] == 1
        if let groups { add(w, isPositive: isPositive, to: Int(groups[i])) }
        add(w, isPositive: isPositive, to: all)
      }
      flush()
    }
    return (0..<slots).map { g in
      let p = positives[g], negatives = negativesBelow[g]
      return p > 0 && negatives > 0 ? area[g] / (p * negatives) : .nan
    }
  }

  /// Weighted ROC AUC of all rows (see `rocAreas`); NaN when only one class is present.
  public func rocArea() -> Double { rocAreas(groups: nil, groupCount: 0)[0] }
}
