import CandorCore

/// What (ε, δ) an event tree costs: `candor privacy epsilon` as a library call.
public struct EpsilonRequest: Sendable, Equatable {
  /// Which accountant prices the events: one, or every one side by side (the tightest answers).
  public enum Accountant: String, Sendable, CaseIterable, Codable {
    case rdp, pld, prv, all
  }

  public var event: PrivacyEvent
  public var delta: Double
  public var fractionalOrders = FractionalOrderMethod.exact
  public var accountant = Accountant.rdp
  /// The PLD accountant's grid step.
  public var discretization = 1e-4
  /// The PRV accountant's ε error (its δ error is δ/1000).
  public var prvEpsilonError = 0.01

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
  /// PRV's bracket: the true ε is at least `lower` and at most `upper` (= `epsilon`); `estimate` lies between.
  public var bracket: EpsilonBracket?
  /// With `all`: every accountant's answer, or why it has none.
  public var accountants: [AccountantEpsilon]?

  enum CodingKeys: String, CodingKey {
    case epsilon, delta, accountant, events, accountants, bracket
    case optimalOrder = "optimal_order"
    case fractionalOrders = "rdp_fractional_orders"
  }

  public init(epsilon: Double, delta: Double, accountant: String = "rdp", optimalOrder: Double?, fractionalOrders: FractionalOrderMethod,
              events: PrivacyEvent, bracket: EpsilonBracket? = nil, accountants: [AccountantEpsilon]? = nil) {
    (self.epsilon, self.delta, self.accountant, self.optimalOrder) = (epsilon, delta, accountant, optimalOrder)
    (self.fractionalOrders, self.events, self.bracket, self.accountants) = (fractionalOrders, events, bracket, accountants)
  }
}

/// One accountant's ε for an event tree, with how far it can be from the true value, or why it has none.
public struct AccountantEpsilon: Sendable, Equatable, Codable {
  public var accountant: String
  /// Nil when the accountant cannot account the events (`note` says why).
  public var epsilon: Double?
  public var optimalOrder: Double?
  /// Where the true ε lies, for an accountant that brackets it (PRV).
  public var bracket: EpsilonBracket?
  /// What the number is: an upper bound, and how loose it can be.
  public var bound: String
  public var note: String?

  enum CodingKeys: String, CodingKey {
    case accountant, epsilon, bound, note, bracket
    case optimalOrder = "optimal_order"
  }

  public init(accountant: String, epsilon: Double?, optimalOrder: Double? = nil, bracket: EpsilonBracket? = nil, bound: String, note: String? = nil) {
    (self.accountant, self.epsilon, self.optimalOrder, self.bracket, self.bound, self.note) = (accountant, epsilon, optimalOrder, bracket, bound, note)
  }
}

/// The noise a target (ε, δ) needs for a DP-SGD run: `candor privacy sigma` as a library call.
public struct NoiseMultiplierRequest: Sendable, Equatable {
  /// The accountant whose ε the noise must meet: RDP, or PLD (tighter, so less noise for the same ε).
  public enum Accountant: String, Sendable, CaseIterable, Codable {
    case rdp, pld
  }

  public var targetEpsilon: Double
  public var delta: Double
  public var samplingRate: Double
  public var steps: Int
  /// How close σ comes to the boundary; under PLD at least 1e-6 (its ε is flat between grid steps).
  public var tolerance = 1e-10
  public var fractionalOrders = FractionalOrderMethod.exact
  public var accountant = Accountant.rdp

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
    case .prv:
      let bracket = try prvEpsilon()
      return EpsilonResult(epsilon: bracket.upper, delta: delta, accountant: "prv", optimalOrder: nil, fractionalOrders: fractionalOrders, events: event,
                           bracket: bracket)
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
      let prvBound = "upper end of the bracket the true value lies in (Gopi et al. 2021; ε error \(formatNumber(prvEpsilonError)), δ error δ/1000)"
      do {
        let bracket = try prvEpsilon()
        entries.append(AccountantEpsilon(accountant: "prv", epsilon: bracket.upper, bracket: bracket, bound: prvBound))
      } catch let error {
        entries.append(AccountantEpsilon(accountant: "prv", epsilon: nil, bound: prvBound, note: error.message(naming: { $0.rawValue })))
      }
      guard let tightest = entries.filter({ $0.epsilon.map { !$0.isNaN } ?? false }).min(by: { $0.epsilon! < $1.epsilon! }) else {
        throw .unsupportedEvent(accountant: "RDP, PLD or PRV", part: event.shortDescription, reason: entries.compactMap(\.note).joined(separator: "; "))
      }
      return EpsilonResult(epsilon: tightest.epsilon!, delta: delta, accountant: tightest.accountant, optimalOrder: tightest.optimalOrder,
                           fractionalOrders: fractionalOrders, events: event, accountants: entries)
    }
  }

  func rdpEpsilon() throws(PrivacyError) -> (Double, Double?) {
    if fractionalOrders == .exact { return try RDPAccountant.exactEpsilon(of: event, delta: delta) }
    var rdp = RDPAccountant(fractionalOrders: fractionalOrders)
    try rdp.compose(event)
    return rdp.epsilon(delta: delta)
  }

  func prvEpsilon() throws(PrivacyError) -> EpsilonBracket {
    try PRVAccountant(epsilonError: prvEpsilonError).epsilon(event, delta: delta)
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
    let run = { (sigma: Double) in PrivacyEvent.dpSGD(samplingRate: q, noiseMultiplier: sigma, steps: steps) }
    let found: NoiseCalibration.Result, used: Double
    switch accountant {
    case .rdp:
      used = tolerance
      found = try NoiseCalibration.noiseMultiplier(targetEpsilon: targetEpsilon, delta: delta, tolerance: tolerance, fractionalOrders: fractionalOrders, event: run)
    case .pld:
      used = max(tolerance, 1e-6)
      found = try NoiseCalibration.pldNoiseMultiplier(targetEpsilon: targetEpsilon, delta: delta, tolerance: used, event: run)
    }
    return NoiseMultiplierResult(noiseMultiplier: found.noiseMultiplier, epsilon: found.epsilon, optimalOrder: found.optimalOrder, targetEpsilon: targetEpsilon,
                                 delta: delta, samplingRate: samplingRate, steps: steps, tolerance: used, accountant: accountant.rawValue,
                                 fractionalOrders: fractionalOrders)
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
  /// PRV's ε (the upper end of its bracket) at the same step counts as PLD.
  public var prvSteps: [Int] = []
  public var prvEpsilon: [Double] = []

  /// - Parameter pldPoints: how many step counts PLD and PRV are also computed at (0: none).
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
      for count in counts {
        guard let bracket = try? PRVAccountant().epsilon(.repeated(step, times: count), delta: delta) else { break }
        prvSteps.append(count)
        prvEpsilon.append(bracket.upper)
      }
    }
    self.delta = delta
    var accountant = RDPAccountant(fractionalOrders: fractionalOrders)
    do {
      try accountant.compose(step)
    } catch {
      // A step RDP cannot bound (a sampled Laplace) is charted by PLD (and PRV) alone, when there is such a curve.
      if pldSteps.isEmpty && prvSteps.isEmpty { throw error }
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
