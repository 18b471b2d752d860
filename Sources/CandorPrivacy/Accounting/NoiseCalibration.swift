import CandorCore

/// The noise a target (ε, δ) needs: the smallest noise multiplier σ whose event the RDP accountant takes to at
/// most ε, by bisection (ε(σ) decreases in σ), as dp_accounting's `calibrate_dp_mechanism` does with brentq.
public enum NoiseCalibration {
  public struct Result: Sendable, Equatable, Codable {
    public var noiseMultiplier: Double
    /// ε at that σ (never above the target).
    public var epsilon: Double
    public var optimalOrder: Double?

    enum CodingKeys: String, CodingKey {
      case epsilon
      case noiseMultiplier = "noise_multiplier"
      case optimalOrder = "optimal_order"
    }
  }

  /// - Parameters:
  ///   - event: the mechanism as a function of σ (a DP-SGD run: `PrivacyEvent.dpSGD(samplingRate:noiseMultiplier:steps:)`).
  ///   - tolerance: the returned σ is within this of the boundary σ*, and never below it.
  ///   - largest: the search stops here.
  /// - Throws: `PrivacyError.invalidSetting` for a target that is not positive or a δ outside (0, 1);
  ///   `.unreachableEpsilon` when even σ = `largest` gives more than the target; `.unsupportedEvent`.
  public static func noiseMultiplier(targetEpsilon: Double, delta: Double, tolerance: Double = 1e-10, largest: Double = 1e6,
                                     fractionalOrders: FractionalOrderMethod = .exact,
                                     event: (Double) -> PrivacyEvent) throws(PrivacyError) -> Result {
    guard targetEpsilon > 0 && targetEpsilon.isFinite else { throw .invalidSetting(.init(.epsilon, value: formatNumber(targetEpsilon), .positiveFinite)) }
    guard delta > 0 && delta < 1 else { throw .invalidSetting(.init(.delta, value: formatNumber(delta), .betweenZeroAndOne)) }
    func epsilon(_ sigma: Double) throws(PrivacyError) -> (epsilon: Double, order: Double?) {
      if fractionalOrders == .exact { return try RDPAccountant.exactEpsilon(of: event(sigma), delta: delta) }
      var accountant = RDPAccountant(fractionalOrders: fractionalOrders)
      try accountant.compose(event(sigma))
      return accountant.epsilon(delta: delta)
    }
    var low = 0.0, high = 1.0
    var atHigh: (epsilon: Double, order: Double?)
    if fractionalOrders == .exact {
      // dp_accounting's series bounds the RDP above at every order, so its σ is feasible for the exact RDP: the
      // cheap search gives the bracket's upper end, and the exact one only closes the last, narrow gap.
      let series = try noiseMultiplier(targetEpsilon: targetEpsilon, delta: delta, tolerance: tolerance, largest: largest,
                                       fractionalOrders: .dpAccounting, event: event)
      high = series.noiseMultiplier
      var step = 1e-3
      low = high * (1 - step)
      while low > 0, try epsilon(low).epsilon <= targetEpsilon {
        high = low
        step = min(0.5, step * 8)
        low = high * (1 - step)
      }
      if low <= 0 { low = 0 }
      atHigh = try epsilon(high)
      return try closeBracket(low: low, high: high, atHigh: atHigh, target: targetEpsilon, tolerance: tolerance, epsilon: epsilon)
    }
    atHigh = try epsilon(high)
    while atHigh.epsilon > targetEpsilon {
      guard high < largest else {
        throw .unreachableEpsilon(target: targetEpsilon, delta: delta, largest: largest, epsilonThere: atHigh.epsilon)
      }
      (low, high) = (high, min(high * 2, largest))
      atHigh = try epsilon(high)
    }
    return try closeBracket(low: low, high: high, atHigh: atHigh, target: targetEpsilon, tolerance: tolerance, epsilon: epsilon)
  }

  /// The smallest σ whose event the PLD accountant (on a grid of `discretization`) takes to at most ε. RDP's σ
  /// (dp_accounting's series, to 1e-6) brackets it from above — PLD is the tighter bound in practice; when it is not,
  /// the bracket grows — then the bracket is closed on PLD's ε(σ) to `tolerance`. PLD's ε is flat between grid
  /// steps, so a tolerance below about 1e-6 buys nothing.
  public static func pldNoiseMultiplier(targetEpsilon: Double, delta: Double, tolerance: Double = 1e-6, discretization: Double = 1e-4,
                                        largest: Double = 1e6, event: (Double) -> PrivacyEvent) throws(PrivacyError) -> Result {
    let start = try noiseMultiplier(targetEpsilon: targetEpsilon, delta: delta, tolerance: 1e-6, largest: largest, fractionalOrders: .dpAccounting, event: event)
    func epsilon(_ sigma: Double) throws(PrivacyError) -> (epsilon: Double, order: Double?) {
      var accountant = PLDAccountant(discretization: discretization)
      try accountant.compose(event(sigma))
      return (accountant.epsilon(delta: delta), nil)
    }
    var high = start.noiseMultiplier, atHigh = try epsilon(high)
    while atHigh.epsilon > targetEpsilon {
      guard high < largest else { throw .unreachableEpsilon(target: targetEpsilon, delta: delta, largest: largest, epsilonThere: atHigh.epsilon) }
      high = min(high * 1.25, largest)
      atHigh = try epsilon(high)
    }
    var low = high * 0.9
    while try epsilon(low).epsilon <= targetEpsilon {
      (high, atHigh) = (low, try epsilon(low))
      low = high * 0.8
    }
    return try closeBracket(low: low, high: high, atHigh: atHigh, target: targetEpsilon, tolerance: tolerance, epsilon: epsilon)
  }

  /// Narrows [low, high] (ε(low) > target ≥ ε(high)) to within `tolerance`, returning the high end.
  static func closeBracket(low: Double, high: Double, atHigh: (epsilon: Double, order: Double?), target targetEpsilon: Double, tolerance: Double,
                           epsilon: (Double) throws(PrivacyError) -> (epsilon: Double, order: Double?)) throws(PrivacyError) -> Result {
    var (low, high, atHigh) = (low, high, atHigh)
    // Regula falsi with the Illinois weighting (Dowell & Jarratt 1971) on g(σ) = ε(σ) − target, which keeps the
    // bracket [low, high] with g(low) > 0 ≥ g(high) and converges superlinearly; a step that would not shrink the
    // bracket by a quarter is a bisection, and ε(low) = ∞ (σ = 0) bisects.
    var gLow = Double.infinity, gHigh = atHigh.epsilon - targetEpsilon
    var lastSide = 0
    while high - low > tolerance {
      var next = 0.5 * (low + high)
      if gLow.isFinite && gLow > gHigh {
        let secant = high - gHigh * (high - low) / (gHigh - gLow)
        let width = high - low
        if secant > low + 0.01 * width && secant < high - 0.01 * width { next = secant }
      }
      // Near the end, step just past the boundary on the side that closes the bracket.
      if high - next < tolerance / 2 { next = high - tolerance / 2 }
      if next - low < tolerance / 2 { next = low + tolerance / 2 }
      guard next > low && next < high else { break }
      let atNext = try epsilon(next)
      let g = atNext.epsilon - targetEpsilon
      if g > 0 {
        (low, gLow) = (next, g)
        if lastSide == -1 { gHigh /= 2 }
        lastSide = -1
      } else {
        (high, gHigh, atHigh) = (next, g, atNext)
        if lastSide == 1 { gLow /= 2 }
        lastSide = 1
      }
    }
    return Result(noiseMultiplier: high, epsilon: atHigh.epsilon, optimalOrder: atHigh.order)
  }
}
