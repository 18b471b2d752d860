import CandorCore
import Foundation

/// A privacy loss distribution discretized on the grid k·Δ (Meiser & Mohammadi 2018, "Tight on Budget? Tight Bounds
/// for r-Fold Approximate Differential Privacy"; Koskela, Jälkö & Honkela 2020): `probabilities[i]` is the mass at loss
/// (lowerLoss + i)·Δ, and `infinityMass` the mass at +∞ (outcomes one dataset can give and the other cannot, plus
/// tails cut off pessimistically). Rounding is always up, so every δ(ε) read from it is an upper bound. Follows
/// dp_accounting 0.6.0's `DensePLDPmf` (composition by FFT convolution with tails of 1e-15 truncated).
struct LossPMF: Sendable, Equatable {
  var discretization: Double
  var lowerLoss: Int
  var probabilities: [Double]
  var infinityMass: Double

  /// No privacy loss: all mass at 0.
  static func identity(discretization: Double) -> LossPMF {
    LossPMF(discretization: discretization, lowerLoss: 0, probabilities: [1], infinityMass: 0)
  }

  /// The distribution of the sum of the two losses (two mechanisms run in turn), its tails truncated.
  func composed(with other: LossPMF, tailMassTruncation: Double = 1e-15) -> LossPMF {
    let probabilities = FFT.convolve(self.probabilities, other.probabilities)
    var result = LossPMF(discretization: discretization, lowerLoss: lowerLoss + other.lowerLoss, probabilities: probabilities,
                         infinityMass: infinityMass + other.infinityMass - infinityMass * other.infinityMass)
    result.truncateTails(tailMassTruncation)
    return result
  }

  /// Cuts at most `mass`/2 from each end: the left part is moved up to the first kept loss, the right part to +∞
  /// (pessimistic both ways).
  mutating func truncateTails(_ mass: Double) {
    guard mass > 0, !probabilities.isEmpty else { return }
    func prefixToCut(_ values: some Sequence<Double>) -> Int {
      var sum = 0.0, index = 0
      for value in values {
        sum += value
        if sum > mass / 2 { return index }
        index += 1
      }
      return index
    }
    let left = prefixToCut(probabilities)
    let right = max(probabilities.count - prefixToCut(probabilities.reversed()), left + 1)
    let leftMass = probabilities[..<left].reduce(0, +)
    let rightMass = right < probabilities.count ? probabilities[right...].reduce(0, +) : 0
    var kept = Array(probabilities[left..<min(right, probabilities.count)])
    if kept.isEmpty { kept = [0] }
    kept[0] += leftMass
    lowerLoss += left
    probabilities = kept
    infinityMass += rightMass
  }

  /// The n-fold composition with itself: the support is first bounded by Chernoff bounds on the moment generating
  /// function at 40 orders (dp_accounting's `compute_self_convolve_bounds`), so tails of at most `tailMassTruncation`
  /// fall outside; then one cyclic FFT power over that window.
  /// Nil when the composed distribution would span more than `largestSize` grid points.
  func selfComposed(_ n: Int, tailMassTruncation: Double = 1e-15, largestSize: Int) -> LossPMF? {
    precondition(n >= 1)
    if n == 1 { return self }
    let size = probabilities.count
    let (span, overflow) = (size - 1).multipliedReportingOverflow(by: n)
    var upper = overflow ? Int.max / 2 : span, lower = 0
    if tailMassTruncation > 0 {
      let orders = ((-20)..<0).map { Double($0) / Double(size) } + (1...20).map { Double($0) / Double(size) }
      let logs = probabilities.map { $0 > 0 ? log($0) : -Double.infinity }
      for order in orders {
        // log Σ pᵢ e^{order·i}
        var largest = -Double.infinity
        for i in logs.indices { largest = max(largest, logs[i] + order * Double(i)) }
        var sum = 0.0
        for i in logs.indices where logs[i] > -.infinity { sum += exp(logs[i] + order * Double(i) - largest) }
        let logMGF = largest + log(sum)
        let bound = (Double(n) * logMGF + log(2 / tailMassTruncation)) / order
        guard bound.isFinite else { continue }
        // Compared as doubles first: a bound past Int's range leaves the limit as it is.
        if order > 0 && bound.rounded(.up) < Double(upper) { upper = Int(bound.rounded(.up)) }
        if order < 0 && bound.rounded(.down) > Double(lower) { lower = bound.rounded(.down) >= Double(upper) ? upper : Int(bound.rounded(.down)) }
      }
    }
    let outputCount = upper - lower + 1
    guard outputCount <= largestSize, lowerLoss.multipliedReportingOverflow(by: n).overflow == false else { return nil }
    let length = FFT.size(atLeast: max(outputCount, size, 2))
    let cyclic = FFT.cyclicPower(probabilities, times: n, length: length)
    // Index t of the true convolution sits at t mod length; read the window [lower, upper].
    let window = (0..<outputCount).map { cyclic[(lower + $0) % length] }
    let infinity = tailMassTruncation - expm1(Double(n) * log1p(-infinityMass))
    return LossPMF(discretization: discretization, lowerLoss: lowerLoss * n + lower, probabilities: window, infinityMass: infinity)
  }

  /// δ(ε) = P(∞) + Σ_{loss > ε} (1 − e^{ε − loss})·p(loss): the hockey-stick divergence.
  func delta(epsilon: Double) -> Double {
    var delta = infinityMass
    for (i, p) in probabilities.enumerated() {
      let loss = Double(lowerLoss + i) * discretization
      if loss > epsilon { delta += -expm1(epsilon - loss) * p }
    }
    return delta
  }

  /// The smallest ε with δ(ε) ≤ δ, walking down from the largest loss (dp_accounting's `_get_epsilon_for_delta`).
  func epsilon(delta: Double) -> Double {
    if infinityMass > delta { return .infinity }
    var upperMass = infinityMass, lowerMass = 0.0
    for i in stride(from: probabilities.count - 1, through: 0, by: -1) {
      let loss = Double(lowerLoss + i) * discretization, p = probabilities[i]
      if upperMass > delta && lowerMass > 0 && log((upperMass - delta) / lowerMass) >= loss { break }
      upperMass += p
      lowerMass += exp(-loss) * p
      if upperMass >= delta && lowerMass == 0 { return max(0, loss) }
    }
    if upperMass <= lowerMass + delta { return 0 }
    return log((upperMass - delta) / lowerMass)
  }

  /// The pessimistic connect-the-dots distribution of a mechanism whose privacy curve on the grid k·Δ,
  /// k = lower…upper, is `deltas` (Doroshenko, Ghazi, Kamath, Kumar & Manurangsi 2022, "Connect the Dots: Tighter
  /// Discrete Approximations of Privacy Loss Distributions", Algorithm 1 with a fixed gap; dp_accounting's
  /// `create_pmf_pessimistic_connect_dots_fixed_gap`). Its δ(ε) is the piecewise interpolation of the true curve
  /// between grid points in the (e^ε, δ) plane, which lies above it because the curve is convex there.
  static func connectingDots(discretization: Double, lower: Int, upper: Int, deltas given: [Double]) -> LossPMF {
    precondition(given.count == upper - lower + 1)
    if lower == upper {
      return LossPMF(discretization: discretization, lowerLoss: lower, probabilities: [1 - given[0]], infinityMass: given[0])
    }
    var deltas = given
    for k in 1..<deltas.count { deltas[k] = min(deltas[k], deltas[k - 1]) }  // non-increasing, as a privacy curve is
    let growth = expm1(discretization), shrink = expm1(-discretization), e = exp(discretization)
    var probabilities = [Double](repeating: 0, count: deltas.count)
    let last = deltas.count - 1
    probabilities[0] = 1 - deltas[0] + (deltas[1] - deltas[0]) / growth
    for k in 1..<last {
      probabilities[k] = ((deltas[k + 1] - deltas[k]) - (deltas[k] - deltas[k - 1]) * e) / growth
    }
    probabilities[last] = (deltas[last] - deltas[last - 1]) / shrink
    for k in probabilities.indices { probabilities[k] = max(0, probabilities[k]) }
    return LossPMF(discretization: discretization, lowerLoss: lower, probabilities: probabilities, infinityMass: deltas[last])
  }
}

/// The two privacy loss distributions of a mechanism under add-or-remove-one neighbours: removing a record and adding
/// one (the same for a mechanism without subsampling). ε is the larger of the two.
struct PrivacyLossPair: Sendable, Equatable {
  var remove: LossPMF
  /// Nil when it equals `remove`.
  var add: LossPMF?

  static func identity(discretization: Double) -> PrivacyLossPair {
    PrivacyLossPair(remove: .identity(discretization: discretization), add: nil)
  }

  func composed(with other: PrivacyLossPair) -> PrivacyLossPair {
    if add == nil && other.add == nil { return PrivacyLossPair(remove: remove.composed(with: other.remove), add: nil) }
    let (left, right) = (self, other)
    let (remove, add) = Self.both({ left.remove.composed(with: right.remove) },
                                  { (left.add ?? left.remove).composed(with: right.add ?? right.remove) })
    return PrivacyLossPair(remove: remove, add: add)
  }

  /// Nil when a composed distribution would be too wide (see `LossPMF.selfComposed`).
  func selfComposed(_ n: Int, largestSize: Int) -> PrivacyLossPair? {
    guard let add else { return remove.selfComposed(n, largestSize: largestSize).map { PrivacyLossPair(remove: $0, add: nil) } }
    let remove = self.remove
    let (composedRemove, composedAdd) = Self.both({ remove.selfComposed(n, largestSize: largestSize) }, { add.selfComposed(n, largestSize: largestSize) })
    guard let composedRemove, let composedAdd else { return nil }
    return PrivacyLossPair(remove: composedRemove, add: composedAdd)
  }

  /// The two distributions are independent work: one core each.
  static func both<T: Sendable>(_ first: @Sendable () -> T, _ second: @Sendable () -> T) -> (T, T) {
    let results = DisjointWrites<T?>(repeating: nil, count: 2)
    parallelFor(2) { k in results[k] = k == 0 ? first() : second() }
    return (results[0]!, results[1]!)
  }

  func epsilon(delta: Double) -> Double {
    max(remove.epsilon(delta: delta), add?.epsilon(delta: delta) ?? -.infinity)
  }

  func delta(epsilon: Double) -> Double {
    max(remove.delta(epsilon: epsilon), add?.delta(epsilon: epsilon) ?? 0)
  }
}
