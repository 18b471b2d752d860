import Foundation

/// How the RDP of a Poisson-subsampled Gaussian is computed at fractional orders (integer orders are the exact
/// finite sum either way).
public enum FractionalOrderMethod: String, Sendable, Codable, CaseIterable {
  /// A⍺ by numerical integration: its true value (the reference's `rdp_true`), tighter than dp_accounting's.
  case exact
  /// dp_accounting 0.6.0's series (`_compute_log_a_frac`): every binomial term added with its absolute value, an
  /// upper bound on A⍺ — a valid but looser guarantee — kept to reproduce its numbers.
  case dpAccounting = "dp_accounting"
}

/// The Rényi DP of one Poisson-subsampled Gaussian step (Mironov, Talwar & Zhang 2019, "Rényi Differential
/// Privacy of the Sampled Gaussian Mechanism", arXiv:1908.10530): at order α, log(A⍺)/(α − 1) with
/// A⍺ = E_{z∼N(0,σ²)}[((1 − q) + q·exp((2z − 1)/(2σ²)))^α].
enum SubsampledGaussianRDP {
  /// RDP at order α of sampling rate q and noise multiplier σ; +∞ when the dp_accounting series does not converge
  /// within its 1000 terms (the order then drops out of the minimum, as there).
  static func rdp(samplingRate q: Double, noiseMultiplier sigma: Double, order alpha: Double, method: FractionalOrderMethod) -> Double {
    if q == 0 { return 0 }
    if alpha.isInfinite { return .infinity }
    if q == 1 { return alpha / (2 * sigma * sigma) }
    if alpha == alpha.rounded() && alpha < 1e6 { return logAInteger(q: q, sigma: sigma, alpha: Int(alpha)) / (alpha - 1) }
    switch method {
    case .dpAccounting: return logAFractionalSeries(q: q, sigma: sigma, alpha: alpha) / (alpha - 1)
    case .exact: return log1p(aMinusOneByIntegration(q: q, sigma: sigma, alpha: alpha)) / (alpha - 1)
    }
  }

  /// log A⍺ for integer α: Σᵢ C(α,i) qⁱ (1−q)^(α−i) exp((i² − i)/(2σ²)), summed in log space (MTZ19 §3.3).
  static func logAInteger(q: Double, sigma: Double, alpha: Int) -> Double {
    var logA = -Double.infinity
    let logQ = log(q), log1mq = log1p(-q), a = Double(alpha)
    for i in 0...alpha {
      let d = Double(i)
      let s = logBinomial(a, d) + d * logQ + (a - d) * log1mq + (d * d - d) / (2 * sigma * sigma)
      logA = logAdd(logA, s)
    }
    return logA
  }

  /// dp_accounting 0.6.0's `_compute_log_a_frac`, term for term: the two halves of A⍺ split at
  /// z₀ = σ² log(1/q − 1) + ½, each term's binomial taken by absolute value, stopped when both terms have
  /// decreased and are 30 nats below the running total; +∞ after 1000 terms.
  static func logAFractionalSeries(q: Double, sigma: Double, alpha: Double) -> Double {
    var logA0 = -Double.infinity, logA1 = -Double.infinity
    let z0 = sigma * sigma * log(1 / q - 1) + 0.5
    let logQ = log(q), log1mq = log1p(-q), root2Sigma = 2.0.squareRoot() * sigma
    var lastS0 = -Double.infinity, lastS1 = -Double.infinity
    for step in 0..<1000 {
      let i = Double(step), j = alpha - i
      let logCoefficient = logBinomial(alpha, i)
      let logT0 = logCoefficient + i * logQ + j * log1mq
      let logT1 = logCoefficient + j * logQ + i * log1mq
      let logE0 = log(0.5) + logErfc((i - z0) / root2Sigma)
      let logE1 = log(0.5) + logErfc((z0 - j) / root2Sigma)
      let logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0
      let logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1
      logA0 = logAdd(logA0, logS0)
      logA1 = logAdd(logA1, logS1)
      let total = logAdd(logA0, logA1)
      if logS0 < lastS0 && logS1 < lastS1 && max(logS0, logS1) < total - 30 { return total }
      lastS0 = logS0
      lastS1 = logS1
    }
    return .infinity
  }

  /// A⍺ − 1 by integrating a positive integrand: with x(z) = q·expm1((2z − 1)/(2σ²)), E[x] = 0, so
  /// A⍺ − 1 = E[(1 + x)^α − 1 − αx], and (1 + x)^α − 1 − αx ≥ 0 for α > 1 — no cancellation between the halves
  /// below and above z₀. Adaptive Gauss–Kronrod over [−40σ, max(α, ½) + 40σ] (the integrand's mass sits near 0
  /// and near z = α, width σ: beyond z₀ the excess grows as exp(αz/σ²) and the Gaussian falls as exp(−z²/2σ²),
  /// their product peaking at z = α), split at 0, ½, α, 3σ and 10σ either side of them, and z₀ when it falls
  /// inside; relative tolerance 1e-14. (Running to z₀ + 40σ instead, at σ in the thousands z₀ is ~10⁹: the rule's
  /// first nodes all missed the mass near 0, and ε came out 0.)
  static func aMinusOneByIntegration(q: Double, sigma: Double, alpha: Double) -> Double {
    let variance = sigma * sigma
    let z0 = variance * log(1 / q - 1) + 0.5
    let normalizer = 1 / (sigma * (2 * Double.pi).squareRoot())
    func excess(_ x: Double) -> Double {
      // (1 + x)^α − 1 − αx: its Taylor series Σ_{k≥2} C(α,k) x^k where |x| is small, else directly.
      if abs(x) < 1e-3 {
        var term = alpha * (alpha - 1) / 2 * x * x, total = term
        var k = 2.0
        while abs(term) > 1e-18 * abs(total) && k < 60 {
          term *= (alpha - k) / (k + 1) * x
          total += term
          k += 1
        }
        return total
      }
      return expm1(alpha * log1p(x)) - alpha * x
    }
    func integrand(_ z: Double) -> Double {
      let x = q * expm1((2 * z - 1) / (2 * variance))
      // log of the excess; for x ≥ 1 as α·log(1 + x) + log(1 − (1 + αx)/(1 + x)^α), which does not overflow.
      let logExcess: Double
      if x >= 1 {
        let logPower = alpha * log1p(x)
        logExcess = logPower + log1p(-(1 + alpha * x) * exp(-logPower))
      } else {
        let g = excess(x)
        guard g > 0 else { return 0 }
        logExcess = log(g)
      }
      // φ(z)·excess, in log space where the excess is huge and φ tiny.
      return exp(logExcess - z * z / (2 * variance)) * normalizer
    }
    let low = -40 * sigma, high = max(alpha, 0.5) + 40 * sigma
    let around = [0, 0.5, alpha].flatMap { centre in [-10, -3, 0, 3, 10].map { centre + $0 * sigma } }
    let cuts = Array(Set(([low, z0, high] + around).filter { $0 >= low && $0 <= high })).sorted()
    // A first pass for the scale, then each interval to 1e-14 of its value or its share of that scale.
    let segments = Array(zip(cuts, cuts.dropFirst())).filter { $0.1 > $0.0 }
    let scale = segments.reduce(0.0) { $0 + kronrod15(integrand, $1.0, $1.1).value }
    var total = 0.0
    for (a, b) in segments {
      total += integrate(integrand, from: a, to: b, relativeTolerance: 1e-14, scale: scale * (b - a) / (high - low))
    }
    return total
  }
}
