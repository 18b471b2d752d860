import CandorCore
import Foundation

/// Rényi differential privacy accounting (Mironov 2017, "Rényi Differential Privacy", arXiv:1702.07476): each
/// event's RDP at a list of orders, added over composition, turned into (ε, δ) at the best order. The events and
/// conversion are dp_accounting 0.6.0's `RdpAccountant` (its default orders, its conversion), with the exact
/// subsampled-Gaussian RDP at fractional orders by default (`FractionalOrderMethod`).
public struct RDPAccountant: Sendable, Equatable {
  /// dp_accounting's default orders: 1.1, 1.2, …, 10.9, then 11 … 63, 128, 256, 512, 1024.
  public static let defaultOrders: [Double] = {
    let fractional: [Double] = (1...99).map { (x: Int) -> Double in 1 + Double(x) / 10 }
    let integers: [Double] = (11...63).map { (x: Int) -> Double in Double(x) }
    return fractional + integers + [128, 256, 512, 1024]
  }()

  public let orders: [Double]
  public let fractionalOrders: FractionalOrderMethod
  /// The RDP of everything composed so far, per order.
  public private(set) var rdp: [Double]

  public init(orders: [Double] = defaultOrders, fractionalOrders: FractionalOrderMethod = .exact) {
    precondition(!orders.isEmpty && orders.allSatisfy { $0 > 1 }, "RDP orders above 1")
    self.orders = orders
    self.fractionalOrders = fractionalOrders
    rdp = [Double](repeating: 0, count: orders.count)
  }

  /// The first part of `event` this accountant cannot account, and why; nil when it can account all of it.
  /// RDP takes Gaussian and Laplace releases, repetition and composition, and Poisson sampling of a Gaussian (or of
  /// Gaussians composed, one Gaussian with 1/σ² = Σ 1/σᵢ², Mironov et al. 2019 §3); a Poisson-sampled Laplace
  /// has no RDP bound here (as in dp_accounting).
  public static func unsupportedPart(of event: PrivacyEvent) -> (part: PrivacyEvent, reason: String)? {
    event.firstUnsupportedSampling({ effectiveNoiseMultiplier($0) != nil }, reason:
      "a Poisson-sampled event must be Gaussian releases (composed or repeated); RDP of a sampled Laplace or a sampled sampling is not bounded here")
  }

  /// Adds `event`'s RDP; all or nothing.
  /// - Throws: `PrivacyError.unsupportedEvent` (the accountant is unchanged).
  public mutating func compose(_ event: PrivacyEvent) throws(PrivacyError) {
    if let (part, reason) = Self.unsupportedPart(of: event) {
      throw .unsupportedEvent(accountant: "RDP", part: part.shortDescription, reason: reason)
    }
    var sampled: [SampledGaussian: [Double]] = [:]
    let added = Self.rdp(of: event, orders: orders, method: fractionalOrders, sampled: &sampled)
    for k in rdp.indices { rdp[k] += added[k] }
  }

  /// A Poisson-sampled Gaussian's parameters: a ledger's history repeats the same runs, whose per-order RDP is
  /// computed once per accounting.
  struct SampledGaussian: Hashable {
    var samplingRate: Double
    var noiseMultiplier: Double
  }

  /// The RDP of a supported event at each order; `count` multiplies (nested repetitions), as dp_accounting does.
  static func rdp(of event: PrivacyEvent, orders: [Double], method: FractionalOrderMethod, count: Double = 1,
                  sampled: inout [SampledGaussian: [Double]]) -> [Double] {
    switch event {
    case .noOp: return [Double](repeating: 0, count: orders.count)
    case .nonPrivate: return [Double](repeating: .infinity, count: orders.count)
    case let .gaussian(sigma): return orders.map { count * ($0 / (2 * sigma * sigma)) }
    case let .laplace(b): return orders.map { count * laplaceRDP(epsilon: 1 / b, order: $0) }
    case let .discreteLaplace(a, sensitivity): return orders.map { count * pureRDP(epsilon: a * Double(sensitivity), order: $0) }
    case let .zCDP(rho, xi): return orders.map { count * (xi + rho * $0) }
    case let .repeated(inner, times): return rdp(of: inner, orders: orders, method: method, count: count * Double(times), sampled: &sampled)
    case let .composed(events):
      var total = [Double](repeating: 0, count: orders.count)
      for e in events {
        let part = rdp(of: e, orders: orders, method: method, count: count, sampled: &sampled)
        for k in total.indices { total[k] += part[k] }
      }
      return total
    case let .poissonSampled(q, inner):
      let key = SampledGaussian(samplingRate: q, noiseMultiplier: effectiveNoiseMultiplier(inner)!)
      let single = sampled[key] ?? orders.map {
        SubsampledGaussianRDP.rdp(samplingRate: key.samplingRate, noiseMultiplier: key.noiseMultiplier, order: $0, method: method)
      }
      sampled[key] = single
      return single.map { count * $0 }
    }
  }

  /// The noise multiplier of the one Gaussian equal to a nest of composed and repeated Gaussians (adding 1/σ²),
  /// nil when the nest holds anything else.
  static func effectiveNoiseMultiplier(_ event: PrivacyEvent) -> Double? {
    switch event {
    case let .gaussian(sigma): return sigma
    case let .repeated(inner, times): return effectiveNoiseMultiplier(inner).map { $0 / Double(times).squareRoot() }
    case let .composed(events):
      var precision = 0.0
      for e in events {
        guard let sigma = effectiveNoiseMultiplier(e) else { return nil }
        precision += 1 / (sigma * sigma)
      }
      return 1 / precision.squareRoot()
    default: return nil
    }
  }

  /// RDP of a Laplace release that is pure ε-DP (Mironov 2017, Prop. 6):
  /// ε + log(1 + (α − 1)·expm1(ε(1 − 2α))/(2α − 1))/(α − 1); the KL divergence ε + expm1(−ε) at α = 1, and
  /// below α = 1.1 dp_accounting's Taylor series of the log (stable as α → 1).
  static func laplaceRDP(epsilon e: Double, order a: Double) -> Double {
    if a == 1 { return e + expm1(-e) }
    let c = expm1(e * (1 - 2 * a)) / (2 * a - 1)
    if a < 1.1 {
      let v = -c * (a - 1)
      var total = 0.0, power = 1.0
      for k in 1..<100 {
        total += power / Double(k)
        power *= v
      }
      return e + c * total
    }
    return e + log1p((a - 1) * c) / (a - 1)
  }

  /// The RDP of randomized response with ε, which every pure ε-DP mechanism's is at most (randomized response
  /// dominates them all, Kairouz, Oh & Viswanath 2015, and RDP respects post-processing); a discrete Laplace of
  /// sensitivity 1 is exactly it: log(p^α q^{1−α} + q^α p^{1−α})/(α − 1), p = 1/(1 + e^{−ε}), q = 1 − p.
  static func pureRDP(epsilon e: Double, order a: Double) -> Double {
    let logP = -log1p(exp(-e)), logQ = -e - log1p(exp(-e))
    return logAdd(a * logP + (1 - a) * logQ, a * logQ + (1 - a) * logP) / (a - 1)
  }

  /// ε at `delta`, and the order that gives it.
  public func epsilon(delta: Double) -> (epsilon: Double, order: Double?) {
    Self.epsilon(rdp: rdp, orders: orders, delta: delta)
  }

  /// RDP → (ε, δ) by Canonne, Kamath & Steinke 2020 ("The Discrete Gaussian for Differential Privacy",
  /// arXiv:2004.00010 v4, Prop. 12; Asoodeh et al. 2020, arXiv:2001.05990, Eq. 20), as dp_accounting's
  /// `compute_epsilon`: per order ε(α) = r + log1p(−1/α) − log(δα)/(α − 1), 0 where δ² + expm1(−r) > 0 (the KL
  /// bound), +∞ at α ≤ 1.01; the minimum over orders, the first order attaining it. δ = 0: ε is 0 when every RDP
  /// is 0, else +∞.
  public static func epsilon(rdp: [Double], orders: [Double], delta: Double) -> (epsilon: Double, order: Double?) {
    precondition(rdp.count == orders.count && delta >= 0)
    if delta == 0 { return (rdp.allSatisfy { $0 == 0 } ? 0 : .infinity, nil) }
    var best = Double.infinity, bestOrder = orders[0], found = false
    for (a, r) in zip(orders, rdp) {
      let e = orderEpsilon(rdp: r, order: a, delta: delta)
      if !found || e < best {
        (best, bestOrder, found) = (e, a, true)
      }
    }
    return (max(0, best), bestOrder)
  }

  /// The ε one order gives (δ > 0); it never falls as the RDP grows. An order whose RDP could not be computed (NaN:
  /// extreme parameters) or came out below 0 (no divergence is; dp_accounting refuses it) gives no bound.
  static func orderEpsilon(rdp r: Double, order a: Double, delta: Double) -> Double {
    if r.isNaN || r < 0 { return .infinity }
    if delta * delta + expm1(-r) > 0 { return 0 }
    return a > 1.01 ? r + log1p(-1 / a) - log(delta * a) / (a - 1) : .infinity
  }

  /// ε of `event` at δ with the exact fractional-order RDP, integrating only at the fractional orders that could
  /// hold the minimum. dp_accounting's series bounds the RDP above at every order (and equals it at integer ones),
  /// which bounds the minimum above by B; `fractionalLowerBounds` bounds each fractional order's RDP below from the
  /// integer orders, and an α whose ε from that lower bound is above B cannot be the minimiser. The answer — ε and
  /// its order — is the one the exact RDP at every order gives; typically 0–5 of the 99 fractional orders are
  /// integrated instead of all of them.
  /// - Throws: `PrivacyError.unsupportedEvent`.
  public static func exactEpsilon(of event: PrivacyEvent, delta: Double, orders: [Double] = defaultOrders) throws(PrivacyError) -> (epsilon: Double, order: Double?) {
    var series = RDPAccountant(orders: orders, fractionalOrders: .dpAccounting)
    try series.compose(event)
    if delta == 0 { return series.epsilon(delta: 0) }
    let upper = zip(series.rdp, orders).map { orderEpsilon(rdp: $0, order: $1, delta: delta) }.min() ?? .infinity
    // A hair of slack so that rounding in the bound never drops an order that ties the minimum.
    let slack = upper * (1 + 1e-9)
    let lower = fractionalLowerBounds(rdp: series.rdp, orders: orders)
    let candidates = orders.indices.filter { k in
      lower[k].map { $0.isNaN || orderEpsilon(rdp: $0, order: orders[k], delta: delta) <= slack } ?? false
    }
    var merged = series.rdp
    if !candidates.isEmpty {
      var exact = RDPAccountant(orders: candidates.map { orders[$0] }, fractionalOrders: .exact)
      try exact.compose(event)
      for (j, k) in candidates.enumerated() { merged[k] = exact.rdp[j] }
    }
    return epsilon(rdp: merged, orders: orders, delta: delta)
  }

  /// A lower bound on the RDP at each fractional order from the exact values at the integer orders (nil at integer
  /// orders; NaN where an integer value it needs is NaN). Two facts about any Rényi divergence: it never falls as
  /// the order grows (van Erven & Harremoës 2014, Thm. 3), so RDP(α) ≥ RDP(⌊α⌋); and L(α) = (α − 1)·RDP(α) =
  /// log ∫ p^α q^(1−α) is convex in α (Hölder; ibid. Thm. 11), as is a sum of them (composition), so L lies above the
  /// extension of each chord outside it — the chord over ⌊α⌋ − 1, ⌊α⌋ and the one over ⌊α⌋ + 1, ⌊α⌋ + 2, with
  /// L(1) = 0. The chords are far tighter than the monotone bound where RDP grows quickly with the order.
  static func fractionalLowerBounds(rdp: [Double], orders: [Double]) -> [Double?] {
    var atInteger: [Int: Double] = [1: 0]
    for (a, r) in zip(orders, rdp) where a == a.rounded(.down) && a < 1e6 { atInteger[Int(a)] = (a - 1) * r }
    return orders.map { a -> Double? in
      guard a != a.rounded(.down) else { return nil }
      let n = Int(a.rounded(.down))
      let needed = [n - 1, n, n + 1, n + 2].compactMap { atInteger[$0] }
      if needed.contains(where: \.isNaN) { return .nan }
      var bound = -Double.infinity
      if n >= 2, let l0 = atInteger[n - 1], let l1 = atInteger[n], l0.isFinite, l1.isFinite {
        bound = max(bound, l1 + (a - Double(n)) * (l1 - l0))
      }
      if let l2 = atInteger[n + 1], let l3 = atInteger[n + 2], l2.isFinite, l3.isFinite {
        bound = max(bound, l2 - (Double(n + 1) - a) * (l3 - l2))
      }
      // The monotone bound RDP(α) ≥ RDP(n) enters as L(α) ≥ (α − 1)·RDP(n) ≥ L(n) when RDP(n) ≥ 0.
      if n >= 2, let ln = atInteger[n] { bound = max(bound, (a - 1) * ln / Double(n - 1)) }
      return bound == -.infinity ? 0 : max(0, bound / (a - 1))
    }
  }

  /// Mironov 2017 Prop. 3, min over orders of r − log(δ)/(α − 1): the classic conversion, for comparison.
  public static func classicEpsilon(rdp: [Double], orders: [Double], delta: Double) -> (epsilon: Double, order: Double) {
    var best = Double.infinity, bestOrder = orders[0]
    for (a, r) in zip(orders, rdp) {
      let e = r - log(delta) / (a - 1)
      if e < best { (best, bestOrder) = (e, a) }
    }
    return (max(0, best), bestOrder)
  }
}

extension PrivacyEvent {
  /// A short name of the event for messages: its JSON type and parameters, without nested trees.
  public var shortDescription: String {
    switch self {
    case let .gaussian(sigma): "GaussianDpEvent(noise_multiplier \(formatNumber(sigma)))"
    case let .laplace(b): "LaplaceDpEvent(noise_multiplier \(formatNumber(b)))"
    case let .discreteLaplace(a, sensitivity): "DiscreteLaplaceDpEvent(noise_parameter \(formatNumber(a)), sensitivity \(sensitivity))"
    case let .zCDP(rho, xi): "ZCDpEvent(rho \(formatNumber(rho)), xi \(formatNumber(xi)))"
    case let .poissonSampled(q, inner): "PoissonSampledDpEvent(sampling_probability \(formatNumber(q)), \(inner.shortDescription))"
    case let .repeated(inner, times): "SelfComposedDpEvent(\(inner.shortDescription), count \(times))"
    case let .composed(events): "ComposedDpEvent(\(events.count) events)"
    case .noOp: "NoOpDpEvent"
    case .nonPrivate: "NonPrivateDpEvent"
    }
  }
}

extension PrivacyEvent {
  /// The event in words for a page (numbers to six significant digits): "1272 steps of Gaussian noise σ = 1.38016
  /// on Poisson samples at rate 0.00786217".
  public var summary: String {
    switch self {
    case let .gaussian(sigma): return "Gaussian noise σ = \(formatRounded(sigma))"
    case let .laplace(b): return "Laplace noise, scale \(formatRounded(b)) (pure ε = \(formatRounded(1 / b)))"
    case let .discreteLaplace(a, sensitivity): return "discrete Laplace noise, parameter \(formatRounded(a)) on a sum of sensitivity \(sensitivity) (pure ε = \(formatRounded(a * Double(sensitivity))))"
    case let .poissonSampled(q, inner): return "\(inner.summary) on a Poisson sample at rate \(formatRounded(q))"
    case let .repeated(.poissonSampled(q, inner), times): return "\(times) steps of \(inner.summary) on Poisson samples at rate \(formatRounded(q))"
    case let .repeated(inner, times): return "\(times) × (\(inner.summary))"
    case let .composed(events):
      if events.isEmpty { return "nothing" }
      let shown = events.prefix(3).map(\.summary).joined(separator: "; ")
      return events.count > 3 ? "\(shown); and \(events.count - 3) more" : shown
    case .noOp: return "no release"
    case let .zCDP(rho, xi): return xi == 0 ? "a ρ = \(formatRounded(rho)) zCDP release" : "a (ξ = \(formatRounded(xi)), ρ = \(formatRounded(rho)))-zCDP release"
    case .nonPrivate: return "a release without protection (ε = ∞)"
    }
  }
}
