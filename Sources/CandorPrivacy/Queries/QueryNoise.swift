import CandorCore
import Foundation

/// The noise one part of an answer carries (a count, a sum, every cell of a histogram): exact discrete Laplace or
/// discrete Gaussian on integers (Canonne, Kamath & Steinke 2020, `DiscreteNoise`), never floating-point noise
/// (Mironov 2012). Real values are put on an integer grid first (`ValueGrid`), so the noise is an integer number of
/// grid steps; its parameters are exact rationals, rounded towards more noise, and the event it spends is worked out
/// from the parameters actually used.
public struct QueryNoise: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Codable {
    case discreteLaplace = "discrete_laplace"
    case discreteGaussian = "discrete_gaussian"
  }

  public var kind: Kind
  /// The discrete Laplace's scale t/s (P(z) ∝ exp(−|z|·s/t)) or the discrete Gaussian's σ², in grid steps.
  public var numerator: UInt64
  public var denominator: UInt64
  /// The part's sensitivity in grid steps (L1 for Laplace, L2 for Gaussian).
  public var sensitivity: Int

  /// Discrete Laplace noise that makes a sum of sensitivity Δ pure ε-DP, with ε rounded down to a multiple of 2⁻²⁰.
  public static func laplace(epsilon: Double, sensitivity: Int) -> QueryNoise {
    let steps = UInt64((epsilon * 0x1p20).rounded(.down))
    precondition(steps >= 1 && sensitivity >= 1 && sensitivity <= 1 << 20, "checked by PrivateQuery")
    let scale = DiscreteNoise.Rational(UInt64(sensitivity) << 20, steps)
    return QueryNoise(kind: .discreteLaplace, numerator: scale.numerator, denominator: scale.denominator, sensitivity: sensitivity)
  }

  /// The largest σ the discrete Gaussian sampler takes here (its 128-bit products stay exact far into the tails).
  public static let largestGaussianSigma = 0x1p24

  /// Discrete Gaussian noise that makes a sum of L2 sensitivity Δ ρ-zCDP: σ² = Δ²/(2ρ) rounded up to a multiple of
  /// 2⁻²⁰ (2⁻¹⁰ for σ above 2¹⁶, where the sampler's 128-bit products need the room); nil when σ would pass
  /// `largestGaussianSigma`.
  public static func gaussian(rho: Double, sensitivity: Int) -> QueryNoise? {
    let variance = Double(sensitivity) * Double(sensitivity) / (2 * rho)
    guard variance.squareRoot() <= largestGaussianSigma else { return nil }
    let bits: UInt64 = variance.squareRoot() <= 0x1p16 ? 20 : 10
    let scaled = UInt64((scalbn(variance, Int(bits)) * (1 + 1e-15)).rounded(.up))
    let exact = DiscreteNoise.Rational(max(scaled, 1), 1 << bits)
    return QueryNoise(kind: .discreteGaussian, numerator: exact.numerator, denominator: exact.denominator, sensitivity: sensitivity)
  }

  var parameter: DiscreteNoise.Rational { DiscreteNoise.Rational(numerator, denominator) }
  var value: Double { Double(numerator) / Double(denominator) }
  /// The discrete Laplace's a = s/t, per grid step.
  var laplaceParameter: Double { Double(denominator) / Double(numerator) }
  /// A discrete Laplace part's pure ε, a·Δ.
  var epsilon: Double { laplaceParameter * Double(sensitivity) }
  /// A discrete Gaussian part's ρ, Δ²/(2σ²).
  var rho: Double { Double(sensitivity) * Double(sensitivity) / (2 * value) }

  /// One draw, in grid steps.
  public func draw(using random: inout some RandomNumberGenerator) -> Int64 {
    switch kind {
    case .discreteLaplace: DiscreteNoise.laplace(scale: parameter, using: &random)
    case .discreteGaussian: DiscreteNoise.gaussian(variance: parameter, using: &random)
    }
  }

  /// What the noise spends: DiscreteLaplaceDpEvent(a = s/t, Δ) — pure (a·Δ)-DP — or ZCDpEvent(ρ = Δ²/(2σ²)). Each
  /// parameter is rounded up by one ulp, so the recorded event never claims less than the noise gives.
  public var event: PrivacyEvent {
    switch kind {
    case .discreteLaplace:
      return .discreteLaplace(noiseParameter: laplaceParameter.nextUp, sensitivity: sensitivity)
    case .discreteGaussian:
      return .zCDP(rho: rho.nextUp, xi: 0)
    }
  }

  /// The smallest k with P(|noise| > k) ≤ 1 − coverage, in grid steps: the half-width of the interval around the
  /// answer that holds the noise actually added with that probability. Discrete Laplace of a = s/t:
  /// P(|Z| ≥ k) = 2e^{−ak}/(1 + e^{−a}) for k ≥ 1. Discrete Gaussian: its tail summed for σ < 100; beyond, the normal
  /// tail at k + ½ (the two differ by about e^{−2π²σ²}, Poisson summation).
  public func halfWidth(coverage: Double) -> Int64 {
    let miss = 1 - coverage
    switch kind {
    case .discreteLaplace:
      let a = laplaceParameter
      let k = (log(2 / (miss * (1 + exp(-a)))) / a).rounded(.up) - 1
      return Int64(max(0, k))
    case .discreteGaussian:
      let variance = value, sigma = variance.squareRoot()
      if sigma >= 100 {
        return Int64(max(0, (sigma * Statistics.normalQuantile(1 - miss / 2) - 0.5).rounded(.up)))
      }
      let reach = Int(40 * sigma) + 2
      let mass = (0...reach).map { exp(-Double($0 * $0) / (2 * variance)) }
      let total = mass[0] + 2 * mass.dropFirst().reduce(0, +)
      // P(|Z| > k) = 2·Σ_{x > k} mass / total; walk k up until it is small enough.
      var beyond = 2 * mass.dropFirst().reduce(0, +)
      var k = 0
      while beyond / total > miss && k < reach {
        k += 1
        beyond -= 2 * mass[k]
      }
      return Int64(k)
    }
  }

  /// The noise's standard deviation in grid steps: √(2e^{−a})/(1 − e^{−a}) for the discrete Laplace, at most σ for
  /// the discrete Gaussian (CKS20 Prop. 19), reported as σ.
  public var standardDeviation: Double {
    switch kind {
    case .discreteLaplace:
      let a = laplaceParameter
      return (2 * exp(-a)).squareRoot() / -expm1(-a)
    case .discreteGaussian: return value.squareRoot()
    }
  }
}

/// Real values on an integer grid of step γ = 2^e, the smallest power of two with max(|lo|, |hi|)/γ ≤ 2¹⁶: each
/// value clamped into the bounds and rounded to a neighbouring grid point at random, up with probability equal to
/// its fractional part, so the rounded value is unbiased. Rounding is per record and independent of the others, so a
/// sum's sensitivity is the largest |grid value| the bounds allow whatever the coins (the privacy argument holds
/// for every outcome of them, so they need not be secret).
public struct ValueGrid: Sendable, Hashable, Codable {
  public var lower: Double
  public var upper: Double
  /// γ.
  public var step: Double

  public static let largestSteps = 1 << 16

  public init(lower: Double, upper: Double) {
    precondition(lower < upper)
    self.lower = lower
    self.upper = upper
    let reach = max(abs(lower), abs(upper))
    step = reach > 0 ? scalbn(1.0, reach.exponent + 1 - 16) : 1
    // reach < 2^(exponent + 1), so reach/γ < 2¹⁶.
  }

  /// The sensitivity of a sum of grid values: the largest |value| a record can add.
  public var sensitivity: Int { Int(max(abs((lower / step).rounded(.down)), abs((upper / step).rounded(.up)))) }

  /// `x` clamped and randomly rounded, in steps: up when `coin` (uniform in [0, 1)) falls below the fraction, so the
  /// rounding is unbiased.
  @inline(__always)
  public func steps(_ x: Double, coin: Double) -> Int64 {
    let scaled = min(max(x, lower), upper) / step
    let floor = scaled.rounded(.down)
    return Int64(floor) + (coin < scaled - floor ? 1 : 0)
  }
}
