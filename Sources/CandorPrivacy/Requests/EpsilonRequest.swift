import CandorCore

/// What (ε, δ) an event tree costs: `candor privacy epsilon` as a library call.
public struct EpsilonRequest: Sendable, Equatable {
  /// Which accountant prices the events: one, or every one side by side (the tightest answers).
  public enum Accountant: String, Sendable, CaseIterable, Codable {
    case rdp, pld, all
  }

  public var event: PrivacyEvent
  public var delta: Double
  public var fractionalOrders = FractionalOrderMethod.exact
  public var accountant = Accountant.rdp
  /// The PLD accountant's grid step.
  public var discretization = 1e-4

  public init(event: PrivacyEvent, delta: Double) {
    self.event = event
    self.delta = delta
  }
}

/// The ε of an event tree at δ, with what was used to get it.
public struct EpsilonResult: Sendable, Equatable, Codable, JSONDocument {
  public var epsilon: Double
  public var delta: Double
  /// The accountant whose ε this is: the one asked for, or with `all` the tightest.
  public var accountant = "rdp"
  /// The RDP order that gives ε (nil when δ = 0, or for PLD).
  public var optimalOrder: Double?
  /// How the subsampled Gaussian's RDP was computed at fractional orders.
  public var fractionalOrders: FractionalOrderMethod
  public var events: PrivacyEvent
  /// With `all`: every accountant's answer, or why it has none.
  public var accountants: [AccountantEpsilon]?

  enum CodingKeys: String, CodingKey {
    case epsilon, delta, accountant, events, accountants
    case optimalOrder = "optimal_order"
    case fractionalOrders = "rdp_fractional_orders"
  }

  public init(epsilon: Double, delta: Double, accountant: String = "rdp", optimalOrder: Double?, fractionalOrders: FractionalOrderMethod,
              events: PrivacyEvent, accountants: [AccountantEpsilon]? = nil) {
    (self.epsilon, self.delta, self.accountant, self.optimalOrder) = (epsilon, delta, accountant, optimalOrder)
    (self.fractionalOrders, self.events, self.accountants) = (fractionalOrders, events, accountants)
  }
}

/// One accountant's ε for an event tree, with how far it can be from the true value, or why it has none.
public struct AccountantEpsilon: Sendable, Equatable, Codable {
  public var accountant: String
  /// Nil when the accountant cannot account the events (`note` says why).
  public var epsilon: Double?
  public var optimalOrder: Double?
  /// What the number is: an upper bound, and how loose it can be.
  public var bound: String
  public var note: String?

  enum CodingKeys: String, CodingKey {
    case accountant, epsilon, bound, note
    case optimalOrder = "optimal_order"
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
    switch accountant {
    case .rdp:
      let (epsilon, order) = try rdpEpsilon()
      return EpsilonResult(epsilon: epsilon, delta: delta, optimalOrder: order, fractionalOrders: fractionalOrders, events: event)
    case .pld:
      return EpsilonResult(epsilon: try pldEpsilon(), delta: delta, accountant: "pld", optimalOrder: nil, fractionalOrders: fractionalOrders, events: event)
    case .all:
      var entries: [AccountantEpsilon] = []
      let rdpBound = fractionalOrders == .exact ? "upper bound (RDP conversion, Canonne et al. 2020)" : "upper bound (RDP with dp_accounting's fractional-order series)"
      do {
        let (epsilon, order) = try rdpEpsilon()
        entries.append(AccountantEpsilon(accountant: "rdp", epsilon: epsilon, optimalOrder: order, bound: rdpBound))
      } catch let error {
        entries.append(AccountantEpsilon(accountant: "rdp", epsilon: nil, bound: rdpBound, note: error.message(naming: { $0.rawValue })))
      }
      let pldBound = "upper bound (pessimistic connect-the-dots on a grid of \(formatNumber(discretization)); within a few grid steps above the true value)"
      do {
        entries.append(AccountantEpsilon(accountant: "pld", epsilon: try pldEpsilon(), bound: pldBound))
      } catch let error {
        entries.append(AccountantEpsilon(accountant: "pld", epsilon: nil, bound: pldBound, note: error.message(naming: { $0.rawValue })))
      }
      entries.append(AccountantEpsilon(accountant: "prv", epsilon: nil, bound: "bracket [eps_low, eps_up] (Gopi et al. 2021)",
                                       note: "the PRV accountant is not implemented yet"))
      guard let tightest = entries.filter({ $0.epsilon != nil }).min(by: { $0.epsilon! < $1.epsilon! }) else {
        throw .unsupportedEvent(accountant: "RDP or PLD", part: event.shortDescription, reason: entries.compactMap(\.note).joined(separator: "; "))
      }
      return EpsilonResult(epsilon: tightest.epsilon!, delta: delta, accountant: tightest.accountant, optimalOrder: tightest.optimalOrder,
                           fractionalOrders: fractionalOrders, events: event, accountants: entries)
    }
  }

  func rdpEpsilon() throws(PrivacyError) -> (Double, Double?) {
    var rdp = RDPAccountant(fractionalOrders: fractionalOrders)
    try rdp.compose(event)
    return rdp.epsilon(delta: delta)
  }

  func pldEpsilon() throws(PrivacyError) -> Double {
    var pld = PLDAccountant(discretization: discretization)
    try pld.compose(event)
    return pld.epsilon(delta: delta)
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

/// ε after 1, …, T repetitions of one step (a DP-SGD run's ε against its steps), at up to `points` step counts, for
/// charts: the step's RDP is computed once and multiplied by the count, which is what composition does.
public struct EpsilonCurve: Sendable, Equatable, Codable {
  /// Empty when RDP cannot bound the step (then only the PLD curve is drawn).
  public var steps: [Int]
  /// RDP's ε after each of `steps`.
  public var epsilon: [Double]
  public var delta: Double
  public var accountant = "rdp"
  /// PLD's ε at fewer step counts (each one is a composition of its own); empty when not asked for or when the PLD
  /// accountant cannot account the step.
  public var pldSteps: [Int] = []
  public var pldEpsilon: [Double] = []

  /// - Parameter pldPoints: how many step counts PLD is also computed at (0: none).
  /// - Throws: what the RDP accountant throws for the step.
  public init(step: PrivacyEvent, upTo total: Int, delta: Double, points: Int = 64,
              fractionalOrders: FractionalOrderMethod = .exact, pldPoints: Int = 0) throws(PrivacyError) {
    if pldPoints > 0 {
      let counts = Array(Set([total] + (1...pldPoints).map { max(1, Int((Double(total) * Double($0) / Double(pldPoints)).rounded())) })).sorted()
      for count in counts {
        var pld = PLDAccountant()
        guard (try? pld.compose(.repeated(step, times: count))) != nil else { break }
        pldSteps.append(count)
        pldEpsilon.append(pld.epsilon(delta: delta))
      }
    }
    self.delta = delta
    var accountant = RDPAccountant(fractionalOrders: fractionalOrders)
    do {
      try accountant.compose(step)
    } catch {
      // A step RDP cannot bound (a sampled Laplace) is charted by PLD alone, when there is a PLD curve.
      if pldSteps.isEmpty { throw error }
      (steps, epsilon) = ([], [])
      return
    }
    let counts = Array(Set([1, total] + (1...max(1, points)).map { max(1, Int((Double(total) * Double($0) / Double(points)).rounded())) })).sorted()
    steps = counts
    epsilon = counts.map { count in
      RDPAccountant.epsilon(rdp: accountant.rdp.map { $0 * Double(count) }, orders: accountant.orders, delta: delta).epsilon
    }
  }
}
