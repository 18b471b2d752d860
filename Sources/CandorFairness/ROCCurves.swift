import CandorCore

/// ROC curves by group, for reports: (false positive rate, true positive rate) at every distinct score
/// threshold, thinned to at most `maxPoints` per curve (the first and last points always kept).
public enum ROCCurves {
  public static func compute(labels: ContiguousArray<UInt8>, scores: ContiguousArray<Double>, weights: ContiguousArray<Double>?,
                             grouping: Grouping, maxPoints: Int = 200) -> [String: [(x: Double, y: Double)]] {
    let order = scores.withUnsafeBufferPointer { ascendingOrder($0) }.reversed().map { Int($0) }
    let groupCount = grouping.keys.count
    var positives = [Double](repeating: 0, count: groupCount), negatives = positives
    for i in labels.indices {
      let w = weights?[i] ?? 1
      if labels[i] == 1 { positives[Int(grouping.groupOfRow[i])] += w } else { negatives[Int(grouping.groupOfRow[i])] += w }
    }
    var truePositives = [Double](repeating: 0, count: groupCount), falsePositives = truePositives
    var curves = [[(x: Double, y: Double)]](repeating: [(0, 0)], count: groupCount)
    // Groups with rows at the current score, in order of first appearance (a flag per group, no set per score).
    var touched: [Int] = [], isTouched = [Bool](repeating: false, count: groupCount)
    var k = 0
    while k < order.count {
      let score = scores[order[k]]
      while k < order.count && scores[order[k]] == score {
        let i = order[k]
        let g = Int(grouping.groupOfRow[i])
        if labels[i] == 1 { truePositives[g] += weights?[i] ?? 1 } else { falsePositives[g] += weights?[i] ?? 1 }
        if !isTouched[g] {
          isTouched[g] = true
          touched.append(g)
        }
        k += 1
      }
      for g in touched {
        curves[g].append((negatives[g] > 0 ? falsePositives[g] / negatives[g] : 0, positives[g] > 0 ? truePositives[g] / positives[g] : 0))
        isTouched[g] = false
      }
      touched.removeAll(keepingCapacity: true)
    }
    return Dictionary(uniqueKeysWithValues: zip(grouping.keys, curves.map { thinned($0, maxPoints: maxPoints) }))
  }

  /// The same curves from each group's score histogram (merged shards): a point at every distinct score, from the
  /// highest down.
  static func compute(histograms: [String: ScoreHistogram], maxPoints: Int = 200) -> [String: [(x: Double, y: Double)]] {
    histograms.mapValues { histogram in
      let positives = histogram.positive.reduce(0, +), negatives = histogram.negative.reduce(0, +)
      var truePositives = 0.0, falsePositives = 0.0
      var curve: [(x: Double, y: Double)] = [(0, 0)]
      for k in histogram.scores.indices.reversed() {
        truePositives += histogram.positive[k]
        falsePositives += histogram.negative[k]
        curve.append((negatives > 0 ? falsePositives / negatives : 0, positives > 0 ? truePositives / positives : 0))
      }
      return thinned(curve, maxPoints: maxPoints)
    }
  }

  static func thinned(_ curve: [(x: Double, y: Double)], maxPoints: Int) -> [(x: Double, y: Double)] {
    guard curve.count > maxPoints else { return curve }
    let step = Double(curve.count - 1) / Double(maxPoints - 1)
    return (0..<maxPoints).map { curve[Int((Double($0) * step).rounded())] }
  }
}
