import CandorCore
import Foundation

/// The privacy random variable accountant (Gopi, Lee & Wutschitz 2021, "Numerical Composition of Differential
/// Privacy", arXiv:2106.02848), as prv_accountant 0.2.0's `PRVAccountant`: each mechanism's privacy loss Y =
/// log(P(o)/Q(o)), o ~ P, truncated to a domain [−L, L] chosen from an RDP bound (their Remark 5.6) and discretized
/// on a mesh h = ε_error / √(N/2 · ln(12/δ_error)) for N compositions (their Theorem 5.5) with each cell's mass at
/// its centre and the grid shifted so the discrete mean equals the continuous one; the N losses are summed by one
/// FFT power product; ε(δ) is read from the composed distribution. The true ε lies in
/// [ε(δ + δ_error) − ε_error, ε(δ − δ_error) + ε_error]; `epsilon` is that upper end, as Opacus reports it.
///
/// Where we differ from prv_accountant, and why: Gaussians are merged into one Gaussian first (their losses add
/// exactly, 1/σ² summing), which counts as one composition; the grid is a power of two wide (a little more domain,
/// never less); all mechanisms are composed in one cyclic product instead of FFT powers followed by pairwise
/// linear convolutions; cell masses near the upper tail come from survival functions, and the subsampled
/// Gaussian's mean from the integral over the noise (adaptive Gauss–Kronrod), so no extended precision is needed.
public struct PRVAccountant: Sendable {
  /// The ε error the grid is sized for (prv_accountant's `eps_error`; 0.01 in its examples and Opacus).
  public let epsilonError: Double
  /// δ_error as a fraction of δ (δ/1000, as prv_accountant's own `find_noise_multiplier`).
  public let deltaErrorFraction: Double
  /// The most grid points; beyond it the event is refused instead of running for minutes (default 2²³, about
  /// 400 MB of work).
  public let largestGrid: Int

  public init(epsilonError: Double = 0.01, deltaErrorFraction: Double = 1e-3, largestGrid: Int = 1 << 23) {
    precondition(epsilonError > 0 && deltaErrorFraction > 0 && deltaErrorFraction < 1)
    (self.epsilonError, self.deltaErrorFraction, self.largestGrid) = (epsilonError, deltaErrorFraction, largestGrid)
  }

  /// The first part of `event` this accountant cannot account, and why.
  public static func unsupportedPart(of event: PrivacyEvent) -> (part: PrivacyEvent, reason: String)? {
    if let found = MechanismCounts(event).others.first(where: { if case .discreteLaplace = $0.mechanism { true } else { false } }) {
      return (found.mechanism, "PRV here has no discrete Laplace (its loss takes a few values; PLD accounts it exactly)")
    }
    if let found = MechanismCounts(event).zCDPRelease {
      return (found, "a zCDP release has an RDP curve, not a privacy random variable (RDP accounts it)")
    }
    return event.firstUnsupportedSampling({ RDPAccountant.effectiveNoiseMultiplier($0) != nil },
                                          reason: "PRV accounts Poisson sampling of Gaussian releases only")
  }

  /// ε at δ: the bracket the true value lies in and the estimate between.
  /// - Throws: `PrivacyError.unsupportedEvent` for an event it cannot account, δ = 0, or a grid past `largestGrid`.
  public func epsilon(_ event: PrivacyEvent, delta: Double) throws(PrivacyError) -> EpsilonBracket {
    if let (part, reason) = Self.unsupportedPart(of: event) {
      throw .unsupportedEvent(accountant: "PRV", part: part.shortDescription, reason: reason)
    }
    guard let mechanisms = Self.variables(of: event) else { return EpsilonBracket(lower: .infinity, estimate: .infinity, upper: .infinity) }
    if mechanisms.isEmpty { return EpsilonBracket(lower: 0, estimate: 0, upper: 0) }
    guard delta > 0 else {
      throw .unsupportedEvent(accountant: "PRV", part: event.shortDescription, reason: "PRV needs δ above 0")
    }
    let deltaError = delta * deltaErrorFraction
    let total = mechanisms.reduce(0) { $0 + $1.count }

    // Remark 5.6: L bounds the composed loss at δ_error/4 and each single loss at δ_error/(8N), by RDP.
    let rdps = mechanisms.map { m in Self.rdpOrders.map { m.variable.rdp(order: $0) } }
    var composed = [Double](repeating: 0, count: Self.rdpOrders.count)
    for (m, rdp) in zip(mechanisms, rdps) { for k in composed.indices { composed[k] += m.count * rdp[k] } }
    var bound = Self.rdpEpsilon(composed, delta: deltaError / 4)
    for rdp in rdps { bound = max(bound, Self.rdpEpsilon(rdp, delta: deltaError / 8 / total)) }
    let domain = max(bound, epsilonError) + 3
    // ε(δ) is read through e^{±t}: losses past ~700 leave the range of a double, and the answer would be capped
    // there instead of growing.
    guard domain <= Self.largestLoss else {
      throw .unsupportedEvent(accountant: "PRV", part: event.shortDescription, reason:
        "its losses reach \(domain.isFinite ? formatRounded(domain) : "infinity"), past the \(formatNumber(Self.largestLoss)) a double can carry through e^ε (ε is very large; use RDP or PLD)")
    }
    let mesh = epsilonError / (total / 2 * log(12 / deltaError)).squareRoot()
    let half = (domain / mesh).rounded(.up)
    guard half.isFinite, 2 * half + 2 <= Double(largestGrid) else {
      throw .unsupportedEvent(accountant: "PRV", part: event.shortDescription, reason:
        "its grid would need \(half.isFinite ? formatRounded(2 * half + 2) : "infinitely many") points of \(formatNumber(mesh)) to cover losses up to \(formatNumber(domain)), more than \(largestGrid) (ε is very large; use RDP or PLD)")
    }
    let size = FFT.size(atLeast: Int(2 * half) + 2)
    // Each distinct mechanism costs a discretization and a transform over the whole grid.
    guard Double(mechanisms.count) * Double(size) <= Double(Self.largestWork) else {
      throw .unsupportedEvent(accountant: "PRV", part: event.shortDescription, reason:
        "its \(mechanisms.count) distinct mechanisms on a grid of \(size) points are more than \(Self.largestWork) cells of work (use RDP)")
    }
    guard Double.ulpOfOne * Double(size) < delta - deltaError else {
      throw .unsupportedEvent(accountant: "PRV", part: event.shortDescription, reason:
        "δ = \(formatNumber(delta)) is too small for double-precision sums over \(size) grid points")
    }
    let grid = Grid(lowest: -(size / 2 - 1), size: size, mesh: mesh)

    // One mechanism at a time: its spectrum's power is multiplied into the running product, so memory stays one grid.
    let fft = RealFFT(length: size)
    var product: (re: [Double], im: [Double])?
    var shift = 0.0
    for m in mechanisms {
      let cells = try grid.discretize(m.variable)
      shift += m.count * cells.shift
      let spectrum = fft.forward(cells.masses)
      let power = FFT.powerProduct([(spectrum.re, spectrum.im, m.count)])
      if let running = product {
        var (re, im) = running
        for k in re.indices {
          let (a, b) = (re[k] * power.re[k] - im[k] * power.im[k], re[k] * power.im[k] + im[k] * power.re[k])
          (re[k], im[k]) = (a, b)
        }
        product = (re, im)
      } else {
        product = power
      }
    }
    let cyclic = fft.inverse(product!.re, product!.im)
    // The sum of N grid values (lowest + iᵣ)·h sits at Σiᵣ mod size; on the grid it is index Σiᵣ + (N − 1)·lowest.
    let offset = Int((total - 1).truncatingRemainder(dividingBy: Double(size))) * (grid.lowest % size) % size
    var masses = [Double](repeating: 0, count: size)
    for j in 0..<size { masses[j] = cyclic[((j - offset) % size + size) % size] }
    let losses = (0..<size).map { Double(grid.lowest + $0) * mesh + shift }
    let curve = PrivacyCurve(losses: losses, masses: masses)
    let estimate = curve.epsilon(delta: delta)
    let upper = curve.epsilon(delta: delta - deltaError) + epsilonError
    let lower = curve.epsilon(delta: delta + deltaError) - epsilonError
    guard !(lower.isNaN || estimate.isNaN || upper.isNaN) else {
      throw .unsupportedEvent(accountant: "PRV", part: event.shortDescription, reason: "its composed distribution gives no number for ε (the parameters are too extreme for this accountant; use RDP)")
    }
    return EpsilonBracket(lower: max(0, lower), estimate: max(0, estimate), upper: max(0, upper))
  }

  /// The largest loss the grid may reach: e^{±t} stays a normal double.
  static let largestLoss = 700.0
  /// The most (distinct mechanisms × grid points) one accounting may take: a few seconds on two cores.
  static let largestWork = 1 << 25

  /// prv_accountant's RDP orders for the domain bound: 1.1, 1.2, …, 10.9, 12, …, 63.
  static let rdpOrders: [Double] = (1...99).map { 1 + Double($0) / 10 } + (12...63).map(Double.init)

  /// min over orders of rdp − log(δα)/(α − 1) + log(1 − 1/α) (prv_accountant's RDP conversion, NaNs skipped).
  static func rdpEpsilon(_ rdp: [Double], delta: Double) -> Double {
    var best = Double.infinity
    for (r, a) in zip(rdp, rdpOrders) {
      let e = r - log(delta * a) / (a - 1) + log1p(-1 / a)
      if !e.isNaN { best = min(best, e) }
    }
    return best
  }

  /// The tree's mechanisms as privacy random variables with their counts (`MechanismCounts`: Gaussians merged,
  /// identical mechanisms gathered); nil for a non-private release.
  static func variables(of event: PrivacyEvent) -> [(variable: PrivacyRandomVariable, count: Double)]? {
    let counts = MechanismCounts(event)
    if counts.nonPrivate { return nil }
    var list: [(variable: PrivacyRandomVariable, count: Double)] = counts.mergedGaussian.map { [(.gaussian(mu: 1 / $0), 1)] } ?? []
    // In a fixed order, so any order or grouping of the same events multiplies the same spectra in the same order.
    for (mechanism, count) in counts.others.sorted(by: { "\($0.mechanism)" < "\($1.mechanism)" }) {
      switch mechanism {
      case let .laplace(b): list.append((.laplace(mu: 1 / b), count))
      case let .poissonSampled(q, .gaussian(sigma)): list.append((.sampledGaussian(samplingRate: q, noiseMultiplier: sigma), count))
      default: preconditionFailure("checked by unsupportedPart")
      }
    }
    return list
  }

  /// The cell-centred grid (lowest + i)·h, i < size, that every mechanism is discretized on.
  struct Grid {
    let lowest: Int
    let size: Int
    let mesh: Double

    var lower: Double { Double(lowest) * mesh }
    var upper: Double { Double(lowest + size - 1) * mesh }

    /// The boundary below cell j, clipped to the domain.
    func edge(_ j: Int) -> Double { min(upper, max(lower, (Double(lowest + j) - 0.5) * mesh)) }

    /// Each cell's mass of the loss truncated to [lower, upper] (and renormalized), and the shift of the grid that
    /// makes its mean the continuous mean (prv_accountant's `CellCentred` discretiser).
    func discretize(_ variable: PrivacyRandomVariable) throws(PrivacyError) -> (masses: [Double], shift: Double) {
      // Edges between cells, clipped to the domain. Left of the median the CDF, right of it the survival function:
      // a cell's mass is then a difference of two small numbers, not of two numbers near 1.
      let edges = size + 1
      var low = 0, high = edges - 1
      while low < high {
        let middle = (low + high) / 2
        if variable.cdf(edge(middle)) < 0.5 { low = middle + 1 } else { high = middle }
      }
      let median = max(1, low)
      let tails = DisjointWrites<Double>(repeating: 0, count: edges)
      let chunk = 1 << 15
      parallelFor((edges + chunk - 1) / chunk) { c in
        for j in (c * chunk)..<min(edges, (c + 1) * chunk) {
          tails[j] = j < median ? variable.cdf(edge(j)) : variable.survival(edge(j))
        }
      }
      let kept = 1 - tails[0] - tails[edges - 1]
      var masses = [Double](repeating: 0, count: size)
      var discreteMean = 0.0
      for i in 0..<size {
        let mass: Double
        if i + 1 < median { mass = tails[i + 1] - tails[i] }
        else if i >= median { mass = tails[i] - tails[i + 1] }
        else { mass = (1 - tails[i + 1]) - tails[i] }
        masses[i] = max(0, mass) / kept
        discreteMean += Double(lowest + i) * mesh * masses[i]
      }
      let shift = variable.truncatedMean(lower: lower, upper: upper) - discreteMean
      guard abs(shift) < mesh / 2 else {
        throw .unsupportedEvent(accountant: "PRV", part: variable.description, reason:
          "its discretized mean is \(formatNumber(abs(shift))) from the continuous mean, more than half the grid step \(formatNumber(mesh))")
      }
      return (masses, shift)
    }
  }
}

/// Where the true ε lies at a δ, and the accountant's estimate (PRV: Gopi et al. 2021, Theorem 5.5).
public struct EpsilonBracket: Sendable, Equatable, Codable {
  public var lower: Double
  public var estimate: Double
  public var upper: Double
}

/// A discrete privacy loss distribution on increasing losses tᵢ with masses pᵢ, and ε(δ) from it:
/// δ(ε) = Σ_{tᵢ ≥ ε} pᵢ(1 − e^{ε − tᵢ}), solved exactly between grid points (prv_accountant's `compute_epsilon`).
struct PrivacyCurve {
  let losses: [Double]
  /// Σ_{j ≥ i} pⱼ and Σ_{j ≥ i} pⱼ e^{−tⱼ}.
  private let upperMass: [Double]
  private let upperDiscounted: [Double]

  init(losses: [Double], masses: [Double]) {
    self.losses = losses
    var mass = [Double](repeating: 0, count: losses.count + 1), discounted = mass
    for i in stride(from: losses.count - 1, through: 0, by: -1) {
      mass[i] = mass[i + 1] + masses[i]
      discounted[i] = discounted[i + 1] + masses[i] * exp(-losses[i])
    }
    (upperMass, upperDiscounted) = (mass, discounted)
  }

  /// δ at ε = tᵢ.
  private func delta(at i: Int) -> Double { upperMass[i] - exp(losses[i]) * upperDiscounted[i] }

  /// The ε whose δ(ε) is `delta`: the first grid point whose δ is at most `delta` (a binary search, as numpy's
  /// `searchsorted`; δ(tᵢ) falls with i), then the exact solution over the mass at and above it.
  func epsilon(delta target: Double) -> Double {
    var low = 0, high = losses.count
    while low < high {
      let middle = (low + high) / 2
      if delta(at: middle) > target { low = middle + 1 } else { high = middle }
    }
    let i = min(low, losses.count - 1)
    guard upperDiscounted[i] > 0 else { return losses[i] }
    return log((upperMass[i] - target) / upperDiscounted[i])
  }
}

/// The privacy loss of one mechanism run once under its worse neighbouring dataset, as prv_accountant defines it.
enum PrivacyRandomVariable: Hashable, Sendable, CustomStringConvertible {
  /// A Gaussian release with μ = sensitivity/σ: Y ~ N(μ²/2, μ²).
  case gaussian(mu: Double)
  /// A Gaussian release on a Poisson sample of rate q: P = (1 − q)N(0, σ²) + qN(1, σ²) against Q = N(0, σ²),
  /// Y = log(1 − q + q·e^{(2x − 1)/(2σ²)}), x ~ P.
  case sampledGaussian(samplingRate: Double, noiseMultiplier: Double)
  /// A Laplace release with μ = sensitivity/b: Y = μ with mass ½, −μ with mass ½e^{−μ}, between density ¼e^{(t−μ)/2}.
  case laplace(mu: Double)

  var description: String {
    switch self {
    case let .gaussian(mu): "Gaussian(noise_multiplier \(formatNumber(1 / mu)))"
    case let .sampledGaussian(q, sigma): "PoissonSampled(\(formatNumber(q)), Gaussian(\(formatNumber(sigma))))"
    case let .laplace(mu): "Laplace(\(formatNumber(1 / mu)))"
    }
  }

  /// RDP at order α (the bound the domain is sized from): αμ²/2; Mironov 2017 Prop. 6 for Laplace; the
  /// subsampled Gaussian as dp_accounting's series (prv_accountant's copy of TF Privacy's).
  func rdp(order: Double) -> Double {
    switch self {
    case let .gaussian(mu): return order * mu * mu / 2
    case let .laplace(mu): return RDPAccountant.laplaceRDP(epsilon: mu, order: order)
    case let .sampledGaussian(q, sigma):
      return SubsampledGaussianRDP.rdp(samplingRate: q, noiseMultiplier: sigma, order: order, method: .dpAccounting)
    }
  }

  /// The noise value x whose loss is t (the loss grows with x), −∞ below the support.
  private func noise(atLoss t: Double, q: Double, sigma: Double) -> Double {
    let z: Double
    if t > 0 { z = t + log1p((q - 1) * exp(-t)) - log(q) } else {
      let inside = expm1(t) + q
      guard inside > 0 else { return -.infinity }
      z = log(inside) - log(q)
    }
    return sigma * sigma * z + 0.5
  }

  /// P(Y ≤ t).
  func cdf(_ t: Double) -> Double {
    switch self {
    case let .gaussian(mu): return normalCDF((t - mu * mu / 2) / mu)
    case let .laplace(mu): return t < -mu ? 0 : t >= mu ? 1 : 0.5 * exp((t - mu) / 2)
    case let .sampledGaussian(q, sigma):
      let x = noise(atLoss: t, q: q, sigma: sigma)
      if x == -.infinity { return 0 }
      return (1 - q) * normalCDF(x / sigma) + q * normalCDF((x - 1) / sigma)
    }
  }

  /// P(Y > t), accurate where it is small.
  func survival(_ t: Double) -> Double {
    switch self {
    case let .gaussian(mu): return normalCDF((mu * mu / 2 - t) / mu)
    case let .laplace(mu): return t < -mu ? 1 : t >= mu ? 0 : 1 - 0.5 * exp((t - mu) / 2)
    case let .sampledGaussian(q, sigma):
      let x = noise(atLoss: t, q: q, sigma: sigma)
      if x == -.infinity { return 1 }
      return (1 - q) * normalCDF(-x / sigma) + q * normalCDF((1 - x) / sigma)
    }
  }

  /// E[Y | lower ≤ Y ≤ upper].
  func truncatedMean(lower: Double, upper: Double) -> Double {
    switch self {
    case let .gaussian(mu):
      // A truncated normal: m + μ(φ(a) − φ(b))/(Φ(b) − Φ(a)).
      let m = mu * mu / 2, a = (lower - m) / mu, b = (upper - m) / mu
      let density = { (x: Double) in exp(-x * x / 2) / (2 * Double.pi).squareRoot() }
      return m + mu * (density(a) - density(b)) / (normalCDF(b) - normalCDF(a))
    case let .laplace(mu):
      // Atoms at ±μ and ¼e^{(t−μ)/2} between, whose t-moment has antiderivative ½(t − 2)e^{(t−μ)/2}.
      var mass = 0.0, moment = 0.0
      if -mu >= lower && -mu <= upper { mass += 0.5 * exp(-mu); moment -= mu * 0.5 * exp(-mu) }
      if mu >= lower && mu <= upper { mass += 0.5; moment += mu * 0.5 }
      let (a, b) = (max(-mu, lower), min(mu, upper))
      if a < b {
        mass += 0.5 * (exp((b - mu) / 2) - exp((a - mu) / 2))
        moment += 0.5 * ((b - 2) * exp((b - mu) / 2) - (a - 2) * exp((a - mu) / 2))
      }
      return moment / mass
    case let .sampledGaussian(q, sigma):
      // ∫ p(x)·Y(x) dx over the noise values whose loss is in the domain (the loss grows with x), cut where the
      // density is below 1e-300.
      let reach = 37 * sigma
      let a = max(noise(atLoss: lower, q: q, sigma: sigma), -reach), b = min(noise(atLoss: upper, q: q, sigma: sigma), 1 + reach)
      let scale = 1 / (sigma * (2 * Double.pi).squareRoot())
      func density(_ x: Double) -> Double {
        scale * ((1 - q) * exp(-x * x / (2 * sigma * sigma)) + q * exp(-(x - 1) * (x - 1) / (2 * sigma * sigma)))
      }
      func loss(_ x: Double) -> Double {
        let u = (2 * x - 1) / (2 * sigma * sigma)
        return u > 0 ? u + log(q + (1 - q) * exp(-u)) : log1p(q * expm1(u))
      }
      // Split where the loss changes sign, so each piece has one sign.
      let middle = min(max(0.5, a), b)
      let negative = integrate({ -density($0) * loss($0) }, from: a, to: middle, relativeTolerance: 1e-13, scale: 0.1, maxIntervals: 2000)
      let positive = integrate({ density($0) * loss($0) }, from: middle, to: b, relativeTolerance: 1e-13, scale: 0.1, maxIntervals: 2000)
      let mass = (1 - q) * (normalCDF(b / sigma) - normalCDF(a / sigma)) + q * (normalCDF((b - 1) / sigma) - normalCDF((a - 1) / sigma))
      return (positive - negative) / mass
    }
  }
}
