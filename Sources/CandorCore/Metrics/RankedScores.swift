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
    // Per slot: negatives below the current score, the current score's positives and negatives, the area and the
    // positives so far — one flat buffer, no closure capturing state (the bootstrap calls this once per replicate).
    var state = [Double](repeating: 0, count: 5 * slots)
    var isTouched = [Bool](repeating: false, count: slots)
    // Slots with rows at the current score, flushed when the score changes.
    var touched = [Int](repeating: 0, count: slots)
    state.withUnsafeMutableBufferPointer { s in
      isTouched.withUnsafeMutableBufferPointer { isTouched in
      touched.withUnsafeMutableBufferPointer { touched in
        order.withUnsafeBufferPointer { order in
          sortedScores.withUnsafeBufferPointer { sorted in
            labels.withUnsafeBufferPointer { labels in
              let below = 0, blockPositive = slots, blockNegative = 2 * slots, area = 3 * slots, positive = 4 * slots
              var touchedCount = 0
              @inline(__always) func add(_ w: Double, _ isPositive: Bool, _ g: Int) {
                if !isTouched[g] {
                  isTouched[g] = true
                  touched[touchedCount] = g
                  touchedCount += 1
                }
                s[(isPositive ? blockPositive : blockNegative) + g] += w
              }
              var k = 0
              while k < count {
                let score = sorted[k]
                while k < count && sorted[k] == score {
                  let i = Int(order[k])
                  k += 1
                  let m = multiplicity?[i] ?? 1
                  if m == 0 { continue }
                  let w = (weights?[i] ?? 1) * m
                  let isPositive = labels[i] == 1
                  if let groups { add(w, isPositive, Int(groups[i])) }
                  add(w, isPositive, all)
                }
                for t in 0..<touchedCount {
                  let g = touched[t]
                  s[area + g] += s[blockPositive + g] * (s[below + g] + 0.5 * s[blockNegative + g])
                  s[below + g] += s[blockNegative + g]
                  s[positive + g] += s[blockPositive + g]
                  s[blockPositive + g] = 0
                  s[blockNegative + g] = 0
                  isTouched[g] = false
                }
                touchedCount = 0
              }
            }
          }
        }
      }
      }
    }
    return (0..<slots).map { g in
      let p = state[4 * slots + g], negatives = state[g]
      return p > 0 && negatives > 0 ? state[3 * slots + g] / (p * negatives) : .nan
    }
  }

  /// Weighted ROC AUC of all rows (see `rocAreas`); NaN when only one class is present.
  public func rocArea() -> Double { rocAreas(groups: nil, groupCount: 0)[0] }
}
