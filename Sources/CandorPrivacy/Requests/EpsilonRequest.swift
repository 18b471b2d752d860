import CandorCore

/// What (ε, δ) an event tree costs: `candor privacy epsilon` as a library call.
public struct EpsilonRequest: Sendable, Equatable {
  public var event: PrivacyEvent
  public var delta: Double
  public var fractionalOrders = FractionalOrderMethod.exact

  public init(event: PrivacyEvent, delta: Double) {
    self.event = event
    self.delta = delta
  }
}

/// The ε of an event tree at δ under the RDP accountant, with what was used to get it.
public struct EpsilonResult: Sendable, Equatable, Codable, JSONDocument {
  public var epsilon: Double
  public var delta: Double
  public var accountant = "rdp"
  /// The RDP order that gives ε (nil when δ = 0).
  public var optimalOrder: Double?
  /// How the subsampled Gaussian's RDP was computed at fractional orders.
  public var fractionalOrders: FractionalOrderMethod
  public var events: PrivacyEvent

  enum CodingKeys: String, CodingKey {
    case epsilon, delta, accountant, events
    case optimalOrder = "optimal_order"
    case fractionalOrders = "rdp_fractional_orders"
  }
}

/// The noise a target (ε, δ) needs for a DP-SGD run: `candor privacy sigma` as a library call.
public struct NoiseMultiplierRequest: Sendable, Equatable {
  public var targetEpsilon: Double
  public var delta: Double
  public var samplingRate: Double
  public var steps: Int
  public var tolerance = 1e-10
  public var fractionalOrders = FractionalOrderMethod.exact

  public init(targetEpsilon: Double, delta: Double, samplingRate: Double, steps: Int) {
    (self.targetEpsilon, self.delta, self.samplingRate, self.steps) = (targetEpsilon, delta, samplingRate, steps)
  }
}

public struct NoiseMultiplierResult: Sendable, Equatable, Codable, JSONDocument {
  public var noiseMultiplier: Double
  /// ε at that noise multiplier (never above the target) and its RDP order.
  public var epsilon: Double
  public var optimalOrder: Double?
  public var targetEpsilon: Double
  public var delta: Double
  public var samplingRate: Double
  public var steps: Int
  public var tolerance: Double
  public var accountant = "rdp"
  public var fractionalOrders: FractionalOrderMethod

  enum CodingKeys: String, CodingKey {
    case epsilon, delta, steps, tolerance, accountant
    case noiseMultiplier = "noise_multiplier"
    case optimalOrder = "optimal_order"
    case targetEpsilon = "target_epsilon"
    case samplingRate = "sampling_rate"
    case fractionalOrders = "rdp_fractional_orders"
  }
}

extension EpsilonRequest {
  /// - Throws: `PrivacyError.invalidSetting` for δ outside [0, 1) or an event whose parameters are not a
  ///   mechanism; `.unsupportedEvent`.
  public func run() throws(PrivacyError) -> EpsilonResult {
    guard delta >= 0 && delta < 1 else { throw .invalidSetting(.init(.delta, value: formatNumber(delta), .because("must be at least 0 and below 1"))) }
    if let (place, reason) = event.invalidPart { throw .invalidSetting(.init(.events, value: place, .because(reason))) }
    var accountant = RDPAccountant(fractionalOrders: fractionalOrders)
    try accountant.compose(event)
    let (epsilon, order) = accountant.epsilon(delta: delta)
    return EpsilonResult(epsilon: epsilon, delta: delta, optimalOrder: order, fractionalOrders: fractionalOrders, events: event)
  }
}

extension NoiseMultiplierRequest {
  /// - Throws: `PrivacyError.invalidSetting` for a sampling rate outside (0, 1], fewer than 1 step, a tolerance
  ///   that is not positive; what `NoiseCalibration` throws.
  public func run() throws(PrivacyError) -> NoiseMultiplierResult {
    guard samplingRate > 0 && samplingRate <= 1 else { throw .invalidSetting(.init(.samplingRate, value: formatNumber(samplingRate), .because("must be above 0 and at most 1"))) }
    guard steps >= 1 else { throw .invalidSetting(.init(.steps, value: "\(steps)", .atLeast(1))) }
    guard tolerance > 0 && tolerance.isFinite else { throw .invalidSetting(.init(.calibrationTolerance, value: formatNumber(tolerance), .positiveFinite)) }
    let (q, steps) = (samplingRate, steps)
    let found = try NoiseCalibration.noiseMultiplier(targetEpsilon: targetEpsilon, delta: delta, tolerance: tolerance, fractionalOrders: fractionalOrders) {
      .dpSGD(samplingRate: q, noiseMultiplier: $0, steps: steps)
    }
    return NoiseMultiplierResult(noiseMultiplier: found.noiseMultiplier, epsilon: found.epsilon, optimalOrder: found.optimalOrder, targetEpsilon: targetEpsilon,
                                 delta: delta, samplingRate: samplingRate, steps: steps, tolerance: tolerance, fractionalOrders: fractionalOrders)
  }
}

extension Setting {
  public static let events = Setting("events")
  public static let calibrationTolerance = Setting("calibrationTolerance")
  public static let fractionalOrders = Setting("fractionalOrders")
}
