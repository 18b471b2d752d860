import Foundation

/// Exact (Clopper–Pearson 1934) intervals for a binomial proportion, from the regularized incomplete beta function:
/// the lower end is the α/2 quantile of Beta(k, n − k + 1), the upper the 1 − α/2 quantile of Beta(k + 1, n − k)
/// (0 and 1 at k = 0 and k = n). Conservative: the coverage is at least the level for every true proportion, which
/// is what a lower bound on leakage needs (Carlini et al. 2022 report TPR at low FPR with these).
enum ProportionInterval {
  static func clopperPearson(successes k: Int, trials n: Int, level: Double = 0.95) -> (lower: Double, upper: Double) {
    precondition(n > 0 && k >= 0 && k <= n)
    let alpha = 1 - level
    let lower = k == 0 ? 0 : betaQuantile(alpha / 2, Double(k), Double(n - k + 1))
    let upper = k == n ? 1 : betaQuantile(1 - alpha / 2, Double(k + 1), Double(n - k))
    return (lower, upper)
  }

  /// x with I_x(a, b) = p, by bisection (I is increasing in x) to 1e-15 absolute.
  static func betaQuantile(_ p: Double, _ a: Double, _ b: Double) -> Double {
    var (low, high) = (0.0, 1.0)
    for _ in 0..<200 where high - low > 1e-15 {
      let middle = (low + high) / 2
      if regularizedBeta(middle, a, b) < p { low = middle } else { high = middle }
    }
    return (low + high) / 2
  }

  /// I_x(a, b) by its continued fraction (modified Lentz; Press et al., Numerical Recipes §6.4), on the side of
  /// x < (a + 1)/(a + b + 2) where it converges fast, and by symmetry I_x(a, b) = 1 − I_{1−x}(b, a) beyond.
  static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
    if x < (a + 1) / (a + b + 2) { return exp(logFront) * continuedFraction(x, a, b) / a }
    return 1 - exp(logFront) * continuedFraction(1 - x, b, a) / b
  }

  private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0, d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...10_000 {
      let m = Double(m), m2 = 2 * m
      var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let step = d * c
      h *= step
      if abs(step - 1) < 1e-16 { break }
    }
    return h
  }
}
