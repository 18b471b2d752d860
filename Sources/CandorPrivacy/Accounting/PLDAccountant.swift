import CandorCore
import Foundation

/// The privacy loss distribution accountant (Koskela et al. 2020; Doroshenko et al. 2022), as dp_accounting 0.6.0's
/// `PLDAccountant` under add-or-remove-one neighbours: each mechanism's loss distribution on a grid of
/// `discretization` (default 1e-4) by pessimistic connect-the-dots, compositions by FFT convolution, ε the larger of
/// the remove and add distributions'. Every rounding is upward, so ε is an upper bound on the true value, above it by
/// at most a few grid steps. Gaussians repeated n times become one Gaussian with σ/√n, which is exact.
public struct PLDAccountant: Sendable {
  public let discretization: Double
  var distribution: PrivacyLossPair
  /// A `NonPrivateDpEvent` (or a zero noise multiplier) was composed: ε is infinite.
  var nonPrivate = false

  /// The most grid points one mechanism's distribution may span (default 20 million, about 160 MB of work); beyond it
  /// the event is refused instead of running for minutes.
  public let largestGrid: Int

  public init(discretization: Double = 1e-4, largestGrid: Int = 20_000_000) {
    self.discretization = discretization
    self.largestGrid = largestGrid
    distribution = .identity(discretization: discretization)
  }

  /// The first part of `event` this accountant cannot account, and why.
  public static func unsupportedPart(of event: PrivacyEvent) -> (part: PrivacyEvent, reason: String)? {
    if let found = MechanismCounts(event).zCDPRelease {
      return (found, "a zCDP release has an RDP curve, not a privacy loss distribution (RDP accounts it)")
    }
    return event.firstUnsupportedSampling({ sampled in
      switch sampled {
      case .gaussian, .laplace: true
      default: false
      }
    }, reason: "PLD accounts Poisson sampling of one Gaussian or one Laplace release")
  }

  /// The most distinct mechanisms one composition may hold (each is a distribution of its own, up to a second of
  /// work); beyond it the tree is refused rather than run for minutes.
  public static let largestMechanisms = 100

  /// Composes `event`; all or nothing. Every plain Gaussian in it is merged into one (exact) and equal mechanisms
  /// are gathered, each self-composed once with its total count (`MechanismCounts`).
  /// - Throws: `PrivacyError.unsupportedEvent` (the accountant is unchanged).
  public mutating func compose(_ event: PrivacyEvent) throws(PrivacyError) {
    if let (part, reason) = Self.unsupportedPart(of: event) {
      throw .unsupportedEvent(accountant: "PLD", part: part.shortDescription, reason: reason)
    }
    let counts = MechanismCounts(event)
    guard counts.others.count <= Self.largestMechanisms else {
      throw .unsupportedEvent(accountant: "PLD", part: event.shortDescription, reason:
        "it holds \(counts.others.count) distinct mechanisms, more than the \(Self.largestMechanisms) this accountant composes (use RDP)")
    }
    var copy = self
    if counts.nonPrivate { copy.nonPrivate = true }
    if let sigma = counts.mergedGaussian {
      try copy.compose(.gaussian(standardDeviation: sigma), samplingRate: 1, count: 1, event: event)
    }
    for (mechanism, count) in counts.others {
      guard count < 1e15 else {
        throw .unsupportedEvent(accountant: "PLD", part: mechanism.shortDescription, reason: "it runs \(formatRounded(count)) times, more than this accountant composes (use RDP)")
      }
      switch mechanism {
      case let .laplace(b): try copy.compose(.laplace(scale: b), samplingRate: 1, count: Int(count), event: mechanism)
      case let .discreteLaplace(a, sensitivity): try copy.composeDiscreteLaplace(a, sensitivity: sensitivity, count: Int(count), event: mechanism)
      case let .poissonSampled(q, .gaussian(sigma)): try copy.compose(.gaussian(standardDeviation: sigma), samplingRate: q, count: Int(count), event: mechanism)
      case let .poissonSampled(q, .laplace(b)): try copy.compose(.laplace(scale: b), samplingRate: q, count: Int(count), event: mechanism)
      default: preconditionFailure("checked by unsupportedPart")
      }
    }
    self = copy
  }

  private mutating func compose(_ noise: AdditiveNoiseLoss.Noise, samplingRate: Double, count: Int, event: PrivacyEvent) throws(PrivacyError) {
    let bounds = AdditiveNoiseLoss(noise: noise, samplingRate: samplingRate, adjacency: .remove).epsilonBounds
    let points = (bounds.upper - bounds.lower) / discretization
    guard points.isFinite, points <= Double(largestGrid) else {
      throw .unsupportedEvent(accountant: "PLD", part: event.shortDescription, reason:
        "its loss distribution spans \(points.isFinite ? formatRounded(points) : "infinitely many") grid points of \(formatNumber(discretization)), more than \(largestGrid) (the noise is too small — or too extreme to compute — for this accountant; use RDP)")
    }
    try composeRepeated(AdditiveNoiseLoss.pair(noise, samplingRate: samplingRate, discretization: discretization), count: count, event: event)
  }

  /// Composes `pair` self-composed `count` times.
  private mutating func composeRepeated(_ pair: PrivacyLossPair, count: Int, event: PrivacyEvent) throws(PrivacyError) {
    var pair = pair
    if count > 1 {
      guard let composed = pair.selfComposed(count, largestSize: largestGrid) else {
        throw .unsupportedEvent(accountant: "PLD", part: event.shortDescription, reason:
          "\(count) repetitions spread its loss distribution over more than \(largestGrid) grid points of \(formatNumber(discretization)) (use RDP)")
      }
      pair = composed
    }
    distribution = distribution.composed(with: pair)
  }

  /// A discrete Laplace release's loss distribution, exactly: for noise x ~ DLap(a) the loss a(|x − C| − |x|) is aC
  /// for x ≤ 0 (mass 1/(1 + e^{−a})), −aC for x ≥ C (mass e^{−aC}/(1 + e^{−a})), a(C − 2x) between (mass
  /// tanh(a/2)e^{−ax}); each value rounded up to the grid (pessimistic). Adding and removing a record are mirror
  /// images (x ↦ C − x), so one distribution serves both.
  private mutating func composeDiscreteLaplace(_ a: Double, sensitivity c: Int, count: Int, event: PrivacyEvent) throws(PrivacyError) {
    let epsilon = a * Double(c)
    let points = 2 * epsilon / discretization
    guard points.isFinite, points <= Double(largestGrid), c <= largestGrid else {
      throw .unsupportedEvent(accountant: "PLD", part: event.shortDescription, reason:
        "its loss distribution spans \(points.isFinite ? formatRounded(points) : "infinitely many") grid points of \(formatNumber(discretization)), more than \(largestGrid) (use RDP)")
    }
    func bucket(_ loss: Double) -> Int { Int((loss / discretization).rounded(.up)) }
    let lower = bucket(-epsilon), upper = bucket(epsilon)
    var probabilities = [Double](repeating: 0, count: upper - lower + 1)
    let half = 1 / (1 + exp(-a))
    probabilities[upper - lower] += half
    probabilities[0] += exp(-epsilon) * half
    if c > 1 { for x in 1..<c { probabilities[bucket(a * Double(c - 2 * x)) - lower] += tanh(a / 2) * exp(-a * Double(x)) } }
    let pmf = LossPMF(discretization: discretization, lowerLoss: lower, probabilities: probabilities, infinityMass: 0)
    try composeRepeated(PrivacyLossPair(remove: pmf, add: nil), count: count, event: event)
  }

  /// ε at δ: the smallest ε whose δ(ε) is at most δ under both adjacencies.
  public func epsilon(delta: Double) -> Double {
    nonPrivate ? .infinity : distribution.epsilon(delta: delta)
  }
}
