/// Exact samplers of the discrete Laplace and discrete Gaussian distributions over the integers (Canonne, Kamath &
/// Steinke 2020, "The Discrete Gaussian for Differential Privacy", arXiv:2004.00010, Algorithms 1–3). Every step is
/// integer arithmetic on rational parameters and uniform integers from the generator — no floating point — so the
/// output has exactly the stated distribution, not the one a rounded `log(uniform)` gives (Mironov 2012, "On
/// Significance of the Least Significant Bits for Differential Privacy", whose attack reads the low bits of naive
/// floating-point Laplace noise). With the system CSPRNG (`BufferedSystemRandom`) this is the noise of
/// `candor privacy query`; a seeded generator makes a reproducible, non-private draw.
///
/// Parameters are rationals `numerator/denominator` of positive integers; intermediate products are 128-bit, and a
/// parameter whose products would not fit is refused by `precondition` (callers scale to at most 2⁴⁰ each).
public enum DiscreteNoise {
  /// A positive rational n/d.
  public struct Rational: Sendable, Equatable, Hashable {
    public let numerator: UInt64
    public let denominator: UInt64

    public init(_ numerator: UInt64, _ denominator: UInt64 = 1) {
      precondition(denominator > 0, "a rational needs a positive denominator")
      let g = Self.gcd(numerator, denominator)
      (self.numerator, self.denominator) = (numerator / g, denominator / g)
    }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
      var (a, b) = (a, b)
      while b != 0 { (a, b) = (b, a % b) }
      return max(a, 1)
    }
  }

  /// Bernoulli(n/d) for n ≤ d: a uniform integer below d is below n.
  static func bernoulli(_ n: UInt128, over d: UInt128, using random: inout some RandomNumberGenerator) -> Bool {
    precondition(d > 0 && n <= d)
    if d <= UInt128(UInt64.max) { return UInt128(UInt64.random(in: 0..<UInt64(d), using: &random)) < n }
    return UInt128.random(in: 0..<d, using: &random) < n
  }

  /// Bernoulli(exp(−n/d)), CKS20 Algorithm 1: for γ ≤ 1, count K while Bernoulli(γ/K) succeeds and return whether K is
  /// odd (Σ γ^k/k! terms telescope to e^{−γ}); for γ > 1, ⌊γ⌋ draws of Bernoulli(e^{−1}) and one of e^{−(γ − ⌊γ⌋)}.
  public static func bernoulliExp(_ n: UInt128, over d: UInt128, using random: inout some RandomNumberGenerator) -> Bool {
    precondition(d > 0)
    if n <= d {
      var k: UInt128 = 1
      while bernoulli(n, over: d * k, using: &random) { k += 1 }
      return k % 2 == 1
    }
    let whole = n / d
    for _ in 0..<whole { if !bernoulliExp(1, over: 1, using: &random) { return false } }
    return bernoulliExp(n % d, over: d, using: &random)
  }

  /// The discrete Laplace with scale `scale` = t/s: P(x) ∝ exp(−|x|·s/t) over the integers (CKS20 Algorithm 2).
  public static func laplace(scale: Rational, using random: inout some RandomNumberGenerator) -> Int64 {
    let (t, s) = (UInt128(scale.numerator), UInt128(scale.denominator))
    precondition(t > 0, "the discrete Laplace needs a positive scale")
    while true {
      let u = UInt128(UInt64.random(in: 0..<UInt64(t), using: &random))
      guard bernoulliExp(u, over: t, using: &random) else { continue }
      var v: UInt128 = 0
      while bernoulliExp(1, over: 1, using: &random) { v += 1 }
      let y = (u + t * v) / s
      let negative = Bool.random(using: &random)
      if negative && y == 0 { continue }
      precondition(y <= UInt128(Int64.max), "discrete Laplace draw out of range")
      return negative ? -Int64(y) : Int64(y)
    }
  }

  /// The discrete Gaussian N_ℤ(0, σ²), σ² = `variance`: P(x) ∝ exp(−x²/(2σ²)) over the integers (CKS20
  /// Algorithm 3): a discrete Laplace of scale t = ⌊σ⌋ + 1, kept with probability exp(−(|y| − σ²/t)²/(2σ²)).
  public static func gaussian(variance: Rational, using random: inout some RandomNumberGenerator) -> Int64 {
    let (a, b) = (UInt128(variance.numerator), UInt128(variance.denominator))
    precondition(a > 0, "the discrete Gaussian needs a positive variance")
    // t = ⌊σ⌋ + 1 = ⌊√(a/b)⌋ + 1, by integer square root of ⌊a/b⌋.
    var root = UInt128(Double(a / b).squareRoot())
    while root * root > a / b { root -= 1 }
    while (root + 1) * (root + 1) <= a / b { root += 1 }
    let t = root + 1
    while true {
      let y = laplace(scale: Rational(UInt64(t)), using: &random)
      // (|y| − a/(bt))² / (2a/b) = (|y|·b·t − a)² / (2·a·b·t²).
      let magnitude = UInt128(y.magnitude) * b * t
      let difference = magnitude > a ? magnitude - a : a - magnitude
      let (square, overflow) = difference.multipliedReportingOverflow(by: difference)
      precondition(!overflow, "discrete Gaussian parameters too large")
      if bernoulliExp(square, over: 2 * a * b * t * t, using: &random) { return y }
    }
  }
}
