import Foundation

/// The Gaussian mechanism's exact privacy curve (Balle & Wang 2018, "Improving the Gaussian Mechanism for
/// Differential Privacy: Analytical Calibration and Optimal Denoising", arXiv:1805.06530, Thm 8): with noise
/// σ·Δ for L2 sensitivity Δ, the release is (ε, δ)-DP exactly when
/// δ ≥ Φ(1/(2σ) − εσ) − e^ε Φ(−1/(2σ) − εσ). All three quantities from the other two, by bisection on that
/// curve (monotone in each); and the classic σ = √(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Thm A.1), valid only for
/// ε < 1.
public enum GaussianMechanism {
  /// δ(ε) of noise multiplier σ.
  public static func delta(epsilon: Double, noiseMultiplier sigma: Double) -> Double {
    let a = 1 / (2 * sigma), b = epsilon * sigma
    // The second term as exp(ε + log Φ(·)), which neither overflows nor loses the tail.
    let value = normalCDF(a - b) - exp(epsilon + logNormalCDF(-a - b))
    return max(0, value)
  }

  /// The smallest noise multiplier whose δ(ε) is at most `delta` (relative precision 1e-15).
  public static func noiseMultiplier(epsilon: Double, delta: Double) -> Double {
    precondition(epsilon >= 0 && delta > 0 && delta < 1)
    // δ(ε, σ) decreases in σ: bracket, then bisect in log σ.
    var low = 1e-6, high = 1.0
    while self.delta(epsilon: epsilon, noiseMultiplier: high) > delta { (low, high) = (high, high * 2) }
    while self.delta(epsilon: epsilon, noiseMultiplier: low) <= delta && low > 1e-300 { low /= 2 }
    for _ in 0..<200 {
      let mid = (low * high).squareRoot()
      if mid <= low || mid >= high { break }
      if self.delta(epsilon: epsilon, noiseMultiplier: mid) > delta { low = mid } else { high = mid }
      if high - low <= 1e-16 * high { break }
    }
    return high
  }

  /// The smallest ε with δ(ε) at most `delta` for noise multiplier σ (absolute precision 1e-15, relative 1e-15).
  public static func epsilon(noiseMultiplier sigma: Double, delta: Double) -> Double {
    precondition(sigma > 0 && delta > 0)
    if self.delta(epsilon: 0, noiseMultiplier: sigma) <= delta { return 0 }
    var low = 0.0, high = 1.0
    while self.delta(epsilon: high, noiseMultiplier: sigma) > delta { (low, high) = (high, high * 2) }
    for _ in 0..<200 {
      let mid = 0.5 * (low + high)
      if mid <= low || mid >= high { break }
      if self.delta(epsilon: mid, noiseMultiplier: sigma) > delta { low = mid } else { high = mid }
      if high - low <= 1e-15 * max(1, high) { break }
    }
    return high
  }

  /// Dwork & Roth's σ = √(2 ln(1.25/δ))/ε, a guarantee only for ε < 1.
  public static func classicNoiseMultiplier(epsilon: Double, delta: Double) -> Double {
    (2 * log(1.25 / delta)).squareRoot() / epsilon
  }
}

/// The Laplace mechanism: noise of scale b·Δ for L1 sensitivity Δ is pure (1/b)-DP; its exact privacy curve is
/// δ(ε) = 1 − exp((ε − ε₀)/2) for 0 ≤ ε ≤ ε₀ = 1/b, so ε(δ) = ε₀ + 2·log(1 − δ).
public enum LaplaceMechanism {
  /// The noise scale (per unit of sensitivity) for pure ε-DP.
  public static func noiseMultiplier(epsilon: Double) -> Double { 1 / epsilon }

  /// The smallest ε at `delta` for noise multiplier b.
  public static func epsilon(noiseMultiplier b: Double, delta: Double) -> Double {
    max(0, 1 / b + 2 * log1p(-delta))
  }
}
