import Foundation

/// The privacy loss of an additive-noise mechanism of sensitivity 1, optionally on a Poisson sample of rate q, under
/// one adjacency (remove a record, or add one), as dp_accounting 0.6.0's `AdditiveNoisePrivacyLoss` defines it: the
/// noise's CDF and log-CDF, the loss without subsampling and its inverse, and from them the privacy curve δ(ε).
struct AdditiveNoiseLoss: Sendable {
  enum Noise: Sendable {
    /// N(0, σ²).
    case gaussian(standardDeviation: Double)
    /// Laplace with scale b.
    case laplace(scale: Double)
  }

  enum Adjacency: Sendable { case remove, add }

  var noise: Noise
  var samplingRate: Double
  var adjacency: Adjacency

  /// ln of the noise mass dp_accounting leaves out of a Gaussian's support (`log_mass_truncation_bound`).
  static let gaussianLogMassTruncation = -50.0
  /// Φ⁻¹(½·e⁻⁵⁰), the standard normal quantile where that truncation cuts (scipy.stats.norm.ppf(0.5 * exp(-50));
  /// checked in tests against the log-CDF).
  static let gaussianTruncationQuantile = -9.745474864965935

  func noiseCDF(_ x: Double) -> Double {
    switch noise {
    case let .gaussian(sigma): return normalCDF(x / sigma)
    case let .laplace(b): return x < 0 ? 0.5 * exp(x / b) : 1 - 0.5 * exp(-x / b)
    }
  }

  func noiseLogCDF(_ x: Double) -> Double {
    switch noise {
    case let .gaussian(sigma): return logNormalCDF(x / sigma)
    case let .laplace(b): return x < 0 ? log(0.5) + x / b : log1p(-0.5 * exp(-x / b))
    }
  }

  /// The loss of outcome x when a record is removed, before subsampling.
  func lossWithoutSampling(_ x: Double) -> Double {
    switch noise {
    case let .gaussian(sigma): return (-0.5 - x) / (sigma * sigma)
    case let .laplace(b): return (abs(x) - abs(x + 1)) / b
    }
  }

  func inverseWithoutSampling(_ loss: Double) -> Double {
    switch noise {
    case let .gaussian(sigma):
      return -0.5 - loss * sigma * sigma
    case let .laplace(b):
      let threshold = loss * b
      if threshold > 1 { return -.infinity }
      if threshold <= -1 { return .infinity }
      return 0.5 * (-1 - threshold)
    }
  }

  /// log(a·eᵇ + c) without overflow, for a > 0 (dp_accounting's `log_a_times_exp_b_plus_c`).
  static func logATimesExpBPlusC(_ a: Double, _ b: Double, _ c: Double) -> Double {
    if b == 0 { return log(a + c) }
    let d = b + log(a)
    if c == 0 { return d }
    if c < 0 {
      let s = log(-c)
      return d + log1p(-exp(s - d))  // log(eᵈ − eˢ), d > s
    }
    return logAdd(d, log(c))
  }

  func lossRemove(_ x: Double) -> Double {
    let plain = lossWithoutSampling(x)
    return samplingRate == 1 ? plain : Self.logATimesExpBPlusC(samplingRate, plain, 1 - samplingRate)
  }

  func loss(_ x: Double) -> Double {
    adjacency == .remove ? lossRemove(x) : -lossRemove(-x)
  }

  func inverseLoss(_ loss: Double) -> Double {
    let q = samplingRate
    switch adjacency {
    case .remove:
      if q == 1 { return inverseWithoutSampling(loss) }
      if isClose(loss, log1p(-q)) { return inverseWithoutSampling(-.infinity) }
      return inverseWithoutSampling(Self.logATimesExpBPlusC(1 / q, loss, 1 - 1 / q))
    case .add:
      if q == 1 { return 1 + inverseWithoutSampling(loss) }
      if isClose(loss, -log1p(-q)) { return 1 + inverseWithoutSampling(.infinity) }
      return 1 + inverseWithoutSampling(-Self.logATimesExpBPlusC(1 / q, -loss, 1 - 1 / q))
    }
  }

  /// Python's math.isclose with its default relative tolerance 1e-9.
  func isClose(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }

  /// CDF of the outcome under the dataset with the record (the "upper" distribution μ).
  func upperCDF(_ x: Double) -> Double {
    switch adjacency {
    case .add: return noiseCDF(x)
    case .remove: return samplingRate == 1 ? noiseCDF(x + 1) : (1 - samplingRate) * noiseCDF(x) + samplingRate * noiseCDF(x + 1)
    }
  }

  func lowerLogCDF(_ x: Double) -> Double {
    switch adjacency {
    case .add:
      return samplingRate == 1 ? noiseLogCDF(x - 1)
        : logAdd(log1p(-samplingRate) + noiseLogCDF(x), log(samplingRate) + noiseLogCDF(x - 1))
    case .remove: return noiseLogCDF(x)
    }
  }

  /// δ(ε), the hockey-stick divergence of the pair at ε, clipped to [0, 1].
  func delta(epsilon: Double) -> Double {
    let q = samplingRate
    var usesInverse = true
    if q < 1 {
      switch adjacency {
      case .add: usesInverse = epsilon < -log1p(-q)
      case .remove:
        if !(epsilon > log1p(-q)) { return min(max(-expm1(epsilon), 0), 1) }
      }
    }
    guard usesInverse else { return 0 }
    let x = inverseLoss(epsilon)
    let delta = upperCDF(x) - exp(epsilon + lowerLogCDF(x))
    return min(max(delta.isNaN ? 0 : delta, 0), 1)
  }

  /// [lower, upper] of the losses the connect-the-dots grid spans.
  var epsilonBounds: (lower: Double, upper: Double) {
    switch noise {
    case let .gaussian(sigma):
      var lowerX = sigma * Self.gaussianTruncationQuantile, upperX = -lowerX
      if adjacency == .add { upperX += 1 } else { lowerX -= 1 }
      return (loss(upperX), loss(lowerX))
    case let .laplace(b):
      let largest = 1 / b, q = samplingRate
      if q == 1 { return (-largest, largest) }
      switch adjacency {
      case .add: return (-log(1 - q + q * exp(largest)), -log(1 - q + q * exp(-largest)))
      case .remove: return (log(1 - q + q * exp(-largest)), log(1 - q + q * exp(largest)))
      }
    }
  }

  /// The pessimistic connect-the-dots PMF on the grid k·Δ covering `epsilonBounds`.
  func connectDotsPMF(discretization: Double) -> LossPMF {
    let bounds = epsilonBounds
    let lower = Int((bounds.lower / discretization).rounded(.down)), upper = Int((bounds.upper / discretization).rounded(.up))
    let deltas = (lower...upper).map { delta(epsilon: Double($0) * discretization) }
    return .connectingDots(discretization: discretization, lower: lower, upper: upper, deltas: deltas)
  }

  /// The pair (remove, add) of a mechanism; one PMF when q = 1, where both are the same.
  static func pair(_ noise: Noise, samplingRate: Double, discretization: Double) -> PrivacyLossPair {
    let remove: @Sendable () -> LossPMF = { AdditiveNoiseLoss(noise: noise, samplingRate: samplingRate, adjacency: .remove).connectDotsPMF(discretization: discretization) }
    if samplingRate == 1 { return PrivacyLossPair(remove: remove(), add: nil) }
    let (removePMF, addPMF) = PrivacyLossPair.both(remove, {
      AdditiveNoiseLoss(noise: noise, samplingRate: samplingRate, adjacency: .add).connectDotsPMF(discretization: discretization)
    })
    return PrivacyLossPair(remove: removePMF, add: addPMF)
  }
}
