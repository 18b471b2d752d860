import CandorModels

/// One group's achievable trade-offs between a constrained metric (x) and the objective (y), as Fairlearn's
/// `_tradeoff_curve` builds them: every threshold between consecutive distinct scores gives the classifier
/// `score > t` (and, with `flip`, also `score < t`), hence a point; the upper convex hull of those points is
/// what randomizing between two thresholds can reach.
struct TradeoffCurve {
  struct Point: Equatable {
    var x: Double
    var y: Double
    var threshold: Double
    var operation: GroupThresholdPolicy.Operator = .above
  }

  /// Confusion sums of one classifier, weighted.
  struct Counts {
    var truePositives, falsePositives, trueNegatives, falseNegatives: Double
    var positives: Double { truePositives + falseNegatives }
    var negatives: Double { trueNegatives + falsePositives }
    var n: Double { truePositives + trueNegatives + falsePositives + falseNegatives }
  }

  let hull: [Point]
  let positives: Double
  let negatives: Double

  /// - Parameters: rows of one group (scores, 0/1 labels, weights); `x` and `y` map counts to the axes.
  init(scores: [Double], labels: [UInt8], weights: [Double], flip: Bool = false, x: (Counts) -> Double, y: (Counts) -> Double) {
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var positives = 0.0, negatives = 0.0
    for i in scores.indices { if labels[i] == 1 { positives += weights[i] } else { negatives += weights[i] } }
    self.positives = positives
    self.negatives = negatives
    var points: [Point] = []
    var selected = [0.0, 0.0]  // weight of negatives and positives scored above the threshold
    func add(_ threshold: Double) {
      let counts = Counts(truePositives: selected[1], falsePositives: selected[0], trueNegatives: negatives - selected[0],
                          falseNegatives: positives - selected[1])
      points.append(Point(x: x(counts), y: y(counts), threshold: threshold))
      // The flipped classifier selects exactly the rows this one leaves out (Fairlearn appends it right after).
      if flip {
        let flipped = Counts(truePositives: counts.falseNegatives, falsePositives: counts.trueNegatives,
                             trueNegatives: counts.falsePositives, falseNegatives: counts.truePositives)
        points.append(Point(x: x(flipped), y: y(flipped), threshold: threshold, operation: .below))
      }
    }
    add(.infinity)
    var k = 0
    while k < order.count {
      let score = scores[order[k]]
      while k < order.count && scores[order[k]] == score {
        selected[Int(labels[order[k]])] += weights[order[k]]
        k += 1
      }
      let next = k < order.count ? scores[order[k]] : -Double.infinity
      add((score + next) / 2)
    }
    // Stable, as pandas' multi-column sort: equal points keep their order, and the hull keeps the last of them.
    points = points.enumerated().sorted { a, b in
      a.element.x != b.element.x ? a.element.x < b.element.x : (a.element.y != b.element.y ? a.element.y < b.element.y : a.offset < b.offset)
    }.map(\.element)
    hull = Self.upperHull(points)
  }

  /// Andrew's monotone chain, upper part, dropping collinear middle points (Fairlearn's exact test).
  static func upperHull(_ sorted: [Point]) -> [Point] {
    var hull: [Point] = []
    for r2 in sorted {
      while hull.count >= 2 {
        let r1 = hull[hull.count - 1], r0 = hull[hull.count - 2]
        if (r1.y - r0.y) * (r2.x - r0.x) <= (r2.y - r0.y) * (r1.x - r0.x) { hull.removeLast() } else { break }
      }
      hull.append(r2)
    }
    return hull
  }

  /// The hull segment for x: index i with hull[i].x < x ≤ hull[i+1].x (i = 0 at the left end), the mixing
  /// weight p0 on hull[i] and the interpolated y — Fairlearn's `_interpolate_curve`.
  func interpolate(at x: Double) -> (index: Int, p0: Double, y: Double) {
    var index = 0
    // searchsorted(side="right") − 1, then step back when x sits exactly on a vertex — but never onto a vertex
    // at the same x: where the hull starts with a vertical segment (several vertices at x = 0), x = 0 is its
    // top vertex, as Fairlearn's `_get_interpolation_indices` has it by exempting its first grid point.
    var low = 0, high = hull.count
    while low < high {
      let mid = (low + high) / 2
      if hull[mid].x <= x { low = mid + 1 } else { high = mid }
    }
    index = max(low - 1, 0)
    if index > 0 && hull[index].x == x && hull[index - 1].x < x { index -= 1 }
    index = min(index, hull.count - 2)
    let left = hull[index], right = hull[index + 1]
    let p0 = (right.x - x) / (right.x - left.x)
    let p1 = 1 - p0
    return (index, p0, p0 * left.y + p1 * right.y)
  }

  /// The largest y on the hull within [low, high] and where it is: y is concave in x, so the best point is
  /// the unconstrained maximum clamped into the window.
  func best(in low: Double, _ high: Double) -> (x: Double, y: Double) {
    let peak = hull.indices.max { hull[$0].y < hull[$1].y || (hull[$0].y == hull[$1].y && $0 > $1) }!
    let x = min(max(hull[peak].x, low), high)
    return (x, interpolate(at: x).y)
  }
}
