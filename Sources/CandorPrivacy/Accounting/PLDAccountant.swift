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
    event.firstUnsupportedSampling({ sampled in
      switch sampled {
      case .gaussian, .laplace: true
      default: false
      }
    }, reason: "PLD accounts Poisson sampling of one Gaussian or one Laplace release")
  }

  /// Composes `event`; all or nothing.
  /// - Throws: `PrivacyError.unsupportedEvent` (the accountant is unchanged).
  public mutating func compose(_ event: PrivacyEvent) throws(PrivacyError) {
    if let (part, reason) = Self.unsupportedPart(of: event) {
      throw .unsupportedEvent(accountant: "PLD", part: part.shortDescription, reason: reason)
    }
    var copy = self
    try copy.add(event, count: 1)
    self = copy
  }

  mutating func add(_ event: PrivacyEvent, count: Int) throws(PrivacyError) {
    switch event {
    case .noOp: return
    case .nonPrivate: nonPrivate = true
    case let .repeated(inner, times):
      let (product, overflow) = count.multipliedReportingOverflow(by: times)
      guard !overflow else { throw .unsupportedEvent(accountant: "PLD", part: event.shortDescription, reason: "the repetition count overflows") }
      try add(inner, count: product)
    case let .composed(events):
      for e in events { try add(e, count: count) }
    case let .gaussian(sigma):
      try compose(.gaussian(standardDeviation: sigma / Double(count).squareRoot()), samplingRate: 1, count: 1, event: event)
    case let .laplace(b):
      try compose(.laplace(scale: b), samplingRate: 1, count: count, event: event)
    case let .poissonSampled(q, inner):
      if q == 0 { return }
      switch inner {
      case let .gaussian(sigma): try compose(.gaussian(standardDeviation: sigma), samplingRate: q, count: count, event: event)
      case let .laplace(b): try compose(.laplace(scale: b), samplingRate: q, count: count, event: event)
      default: preconditionFailure("checked by unsupportedPart")
      }
    }
  }

  private mutating func compose(_ noise: AdditiveNoiseLoss.Noise, samplingRate: Double, count: Int, event: PrivacyEvent) throws(PrivacyError) {
    let bounds = AdditiveNoiseLoss(noise: noise, samplingRate: samplingRate, adjacency: .remove).epsilonBounds
    let points = (bounds.upper - bounds.lower) / discretization
    guard points.isFinite, points <= Double(largestGrid) else {
      throw .unsupportedEvent(accountant: "PLD", part: event.shortDescription, reason:
        "its loss distribution spans \(points.isFinite ? formatRounded(points) : "infinitely many") grid points of \(formatNumber(discretization)), more than \(largestGrid) (the noise is too small for this accountant; use RDP)")
    }
    var pair = AdditiveNoiseLoss.pair(noise, samplingRate: samplingRate, discretization: discretization)
    if count > 1 {
      guard let composed = pair.selfComposed(count, largestSize: largestGrid) else {
        throw .unsupportedEvent(accountant: "PLD", part: event.shortDescription, reason:
          "\(count) repetitions spread its loss distribution over more than \(largestGrid) grid points of \(formatNumber(discretization)) (use RDP)")
      }
      pair = composed
    }
    distribution = distribution.composed(with: pair)
  }

  /// ε at δ: the smallest ε whose δ(ε) is at most δ under both adjacencies.
  public func epsilon(delta: Double) -> Double {
    nonPrivate ? .infinity : distribution.epsilon(delta: delta)
  }
}
