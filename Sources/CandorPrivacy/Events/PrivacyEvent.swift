import CandorCore
import Foundation

/// A mechanism that touches private data, described by what an accountant needs to know of it. Sampling wraps an
/// event; repetition and composition combine events; accountants interpret them (DESIGN.md: the ledger stores
/// events, not ε, so a tighter accountant can re-account the whole history later).
///
/// The JSON form mirrors dp_accounting's `DpEvent` classes (the reference's event trees): `type` is the class name
/// and each other field has the attribute's name — `{"type": "PoissonSampledDpEvent", "sampling_probability": q,
/// "event": {"type": "GaussianDpEvent", "noise_multiplier": σ}}`. Neighbouring datasets differ by adding or
/// removing one record (dp_accounting's `ADD_OR_REMOVE_ONE`).
public indirect enum PrivacyEvent: Hashable, Sendable {
  /// One release with Gaussian noise of standard deviation σ·Δ₂ (L2 sensitivity Δ₂).
  case gaussian(noiseMultiplier: Double)
  /// One release with Laplace noise of scale b·Δ₁ (L1 sensitivity Δ₁): pure (1/b)-DP.
  case laplace(noiseMultiplier: Double)
  /// One release of an integer sum of L1 sensitivity `sensitivity` with discrete Laplace noise P(z) ∝ e^{−a|z|}
  /// (dp_accounting's `DiscreteLaplaceDpEvent`): pure (a·sensitivity)-DP, but its privacy loss takes few values, so
  /// it composes worse than a continuous Laplace of the same ε and is accounted as itself.
  case discreteLaplace(noiseParameter: Double, sensitivity: Int)
  /// A release satisfying (ξ, ρ)-zero-concentrated DP (Bun & Steinke 2016, arXiv:1605.02065): RDP ξ + ρ·α at every
  /// order α (dp_accounting's `ZCDpEvent`). The discrete Gaussian's guarantee: N_ℤ(0, σ²) on an integer query of
  /// sensitivity Δ is (Δ²/(2σ²))-zCDP (Canonne, Kamath & Steinke 2020, Thm. 4). It has an RDP curve only, so RDP
  /// accounts it.
  case zCDP(rho: Double, xi: Double)
  /// `event` run on a Poisson sample: each record joins on its own with probability `samplingRate`.
  case poissonSampled(samplingRate: Double, of: PrivacyEvent)
  /// `event` run `times` times in sequence.
  case repeated(PrivacyEvent, times: Int)
  /// The events run in order (none: no cost).
  case composed([PrivacyEvent])
  /// Touches no private data.
  case noOp
  /// Releases without protection: ε is infinite.
  case nonPrivate

  /// A DP-SGD run: `steps` Poisson-sampled Gaussian steps.
  public static func dpSGD(samplingRate: Double, noiseMultiplier: Double, steps: Int) -> PrivacyEvent {
    .repeated(.poissonSampled(samplingRate: samplingRate, of: .gaussian(noiseMultiplier: noiseMultiplier)), times: steps)
  }

  /// The first Poisson-sampled part whose sampled event `accepts` refuses, with the refusal's reason: what an
  /// accountant cannot account (releases, repetition and composition every accountant takes).
  func firstUnsupportedSampling(_ accepts: (_ sampled: PrivacyEvent) -> Bool, reason: String) -> (part: PrivacyEvent, reason: String)? {
    switch self {
    case .gaussian, .laplace, .discreteLaplace, .zCDP, .noOp, .nonPrivate: return nil
    case let .repeated(inner, _): return inner.firstUnsupportedSampling(accepts, reason: reason)
    case let .composed(events):
      for e in events { if let found = e.firstUnsupportedSampling(accepts, reason: reason) { return found } }
      return nil
    case let .poissonSampled(_, inner): return accepts(inner) ? nil : (self, reason)
    }
  }

  /// The first part of the event whose parameters are not a mechanism (σ or b not a positive finite number, a
  /// rate outside [0, 1], a negative count), with where it sits, or nil.
  public var invalidPart: (path: String, reason: String)? {
    func check(_ event: PrivacyEvent, _ path: String) -> (String, String)? {
      switch event {
      case let .gaussian(sigma) where !(sigma > 0 && sigma.isFinite):
        return (path, "noise_multiplier \(formatNumber(sigma)) is not a positive finite number")
      case let .discreteLaplace(a, _) where !(a > 0 && a.isFinite):
        return (path, "noise_parameter \(formatNumber(a)) is not a positive finite number")
      case let .discreteLaplace(_, sensitivity) where sensitivity < 1:
        return (path, "sensitivity \(sensitivity) is not a whole number of at least 1")
      case let .zCDP(rho, xi) where !(rho >= 0 && rho.isFinite && xi >= 0 && xi.isFinite):
        return (path, "rho \(formatNumber(rho)) and xi \(formatNumber(xi)) must be finite numbers of at least 0")
      case let .laplace(b) where !(b > 0 && b.isFinite):
        return (path, "noise_multiplier \(formatNumber(b)) is not a positive finite number")
      case let .poissonSampled(q, inner):
        guard q >= 0 && q <= 1 else { return (path, "sampling_probability \(formatNumber(q)) is not in [0, 1]") }
        return check(inner, path + ".event")
      case let .repeated(inner, times):
        guard times >= 0 else { return (path, "count \(times) is negative") }
        return check(inner, path + ".event")
      case let .composed(events):
        for (k, e) in events.enumerated() { if let found = check(e, path + ".events[\(k)]") { return found } }
        return nil
      default: return nil
      }
    }
    return check(self, "event").map { (path: $0.0, reason: $0.1) }
  }
}

// MARK: - JSON (dp_accounting's DpEvent names)

extension PrivacyEvent: Codable {
  enum CodingKeys: String, CodingKey {
    case type, event, events, count, sensitivity, rho, xi
    case noiseMultiplier = "noise_multiplier"
    case noiseParameter = "noise_parameter"
    case samplingProbability = "sampling_probability"
  }

  /// The `type` names, dp_accounting's classes.
  public static let typeNames = ["GaussianDpEvent", "LaplaceDpEvent", "DiscreteLaplaceDpEvent", "ZCDpEvent", "PoissonSampledDpEvent", "SelfComposedDpEvent",
                                 "ComposedDpEvent", "NoOpDpEvent", "NonPrivateDpEvent"]

  /// Decodes through the same checked reader as events files (`init(json:at:)`), so a ledger and an events file
  /// accept exactly the same trees.
  public init(from decoder: any Decoder) throws {
    let tree = try JSONTree(from: decoder)
    do {
      self = try PrivacyEvent(json: tree, at: "event")
    } catch let fault {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: fault.text))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case let .gaussian(sigma):
      try c.encode("GaussianDpEvent", forKey: .type)
      try c.encode(sigma, forKey: .noiseMultiplier)
    case let .laplace(b):
      try c.encode("LaplaceDpEvent", forKey: .type)
      try c.encode(b, forKey: .noiseMultiplier)
    case let .discreteLaplace(a, sensitivity):
      try c.encode("DiscreteLaplaceDpEvent", forKey: .type)
      try c.encode(a, forKey: .noiseParameter)
      try c.encode(sensitivity, forKey: .sensitivity)
    case let .zCDP(rho, xi):
      try c.encode("ZCDpEvent", forKey: .type)
      try c.encode(rho, forKey: .rho)
      try c.encode(xi, forKey: .xi)
    case let .poissonSampled(q, event):
      try c.encode("PoissonSampledDpEvent", forKey: .type)
      try c.encode(q, forKey: .samplingProbability)
      try c.encode(event, forKey: .event)
    case let .repeated(event, times):
      try c.encode("SelfComposedDpEvent", forKey: .type)
      try c.encode(event, forKey: .event)
      try c.encode(times, forKey: .count)
    case let .composed(events):
      try c.encode("ComposedDpEvent", forKey: .type)
      try c.encode(events, forKey: .events)
    case .noOp: try c.encode("NoOpDpEvent", forKey: .type)
    case .nonPrivate: try c.encode("NonPrivateDpEvent", forKey: .type)
    }
  }

  /// Reads an events file: one event tree (JSON), checked.
  /// - Throws: `PrivacyError.unreadableEvents` naming the line and column of bad JSON, the field path of a
  ///   missing, unknown or mistyped field or an unknown `type`, or the event whose parameters are not a mechanism.
  public static func decode(_ data: Data, path: String) throws(PrivacyError) -> PrivacyEvent {
    // JSONSerialization names the place of a syntax error; JSONDecoder reads numbers exactly (JSONSerialization
    // rounds a long mantissa differently from Double's parser, so a tree written back would read as another).
    do {
      _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw .unreadableEvents(path: path, reason: "it is not valid JSON (\(jsonErrorPlace(error, in: data) ?? "\(error)"))")
    }
    if let duplicate = firstDuplicateJSONKey(in: data) {
      throw .unreadableEvents(path: path, reason: "line \(duplicate.line), column \(duplicate.column) repeats the key \"\(printable(duplicate.key))\" within one object (readers disagree on which one counts)")
    }
    let tree: JSONTree
    do {
      tree = try JSONDecoder().decode(JSONTree.self, from: data)
    } catch {
      throw .unreadableEvents(path: path, reason: "it is not valid JSON")
    }
    let event: PrivacyEvent
    do {
      event = try PrivacyEvent(json: tree, at: "event")
    } catch let reason {
      throw .unreadableEvents(path: path, reason: reason.text)
    }
    if let (place, reason) = event.invalidPart { throw .unreadableEvents(path: path, reason: "\(place): \(reason)") }
    return event
  }

  struct Fault: Error { var text: String }

  /// Parsed JSON with its numbers exactly as Double reads them.
  indirect enum JSONTree: Decodable {
    case object([String: JSONTree]), array([JSONTree]), number(Double), string(String), bool(Bool), null

    init(from decoder: any Decoder) throws {
      let c = try decoder.singleValueContainer()
      if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let n = try? c.decode(Double.self) {
        self = .number(n)
      } else if let t = try? c.decode(String.self) { self = .string(t) } else if let a = try? c.decode([JSONTree].self) { self = .array(a) } else {
        self = .object(try c.decode([String: JSONTree].self))
      }
    }
  }

  /// An event tree from parsed JSON; `place` names the field for messages (`event.events[2]`).
  init(json: JSONTree, at place: String) throws(Fault) {
    guard case let .object(fields) = json else { throw Fault(text: "\(place) is not an object with a \"type\"") }
    guard case let .string(type)? = fields["type"] else { throw Fault(text: "\(place) has no \"type\" (one of \(Self.typeNames.joined(separator: ", ")))") }
    let allowed: [String: [String]] = [
      "GaussianDpEvent": ["noise_multiplier"], "LaplaceDpEvent": ["noise_multiplier"], "DiscreteLaplaceDpEvent": ["noise_parameter", "sensitivity"], "ZCDpEvent": ["rho", "xi"], "PoissonSampledDpEvent": ["sampling_probability", "event"],
      "SelfComposedDpEvent": ["event", "count"], "ComposedDpEvent": ["events"], "NoOpDpEvent": [], "NonPrivateDpEvent": [],
    ]
    guard let keys = allowed[type] else {
      throw Fault(text: "\(place).type '\(printable(type))' is not an event type (the types are \(Self.typeNames.joined(separator: ", ")))")
    }
    if let extra = fields.keys.sorted().first(where: { $0 != "type" && !keys.contains($0) }) {
      throw Fault(text: "\(place) (\(type)) has the field \"\(printable(extra))\", which it does not take (it takes \(keys.isEmpty ? "none" : keys.joined(separator: ", ")))")
    }
    func number(_ key: String) throws(Fault) -> Double {
      guard let value = fields[key] else { throw Fault(text: "\(place) (\(type)) has no \"\(key)\"") }
      guard case let .number(n) = value else { throw Fault(text: "\(place).\(key) is not a number") }
      return n
    }
    func inner(_ key: String) throws(Fault) -> PrivacyEvent {
      guard let value = fields[key] else { throw Fault(text: "\(place) (\(type)) has no \"\(key)\"") }
      return try PrivacyEvent(json: value, at: place + "." + key)
    }
    switch type {
    case "GaussianDpEvent": self = .gaussian(noiseMultiplier: try number("noise_multiplier"))
    case "LaplaceDpEvent": self = .laplace(noiseMultiplier: try number("noise_multiplier"))
    case "DiscreteLaplaceDpEvent":
      let sensitivity = try number("sensitivity")
      guard sensitivity == sensitivity.rounded(), abs(sensitivity) < 1e15 else { throw Fault(text: "\(place).sensitivity \(formatNumber(sensitivity)) is not a whole number") }
      self = .discreteLaplace(noiseParameter: try number("noise_parameter"), sensitivity: Int(sensitivity))
    case "ZCDpEvent": self = .zCDP(rho: try number("rho"), xi: fields["xi"] == nil ? 0 : try number("xi"))
    case "PoissonSampledDpEvent": self = .poissonSampled(samplingRate: try number("sampling_probability"), of: try inner("event"))
    case "SelfComposedDpEvent":
      let count = try number("count")
      guard count == count.rounded() else { throw Fault(text: "\(place).count \(formatNumber(count)) is not a whole number") }
      guard abs(count) < 1e15 else { throw Fault(text: "\(place).count \(formatNumber(count)) is too large (at most 10^15; nest SelfComposedDpEvents for more)") }
      self = .repeated(try inner("event"), times: Int(count))
    case "ComposedDpEvent":
      guard case let .array(list)? = fields["events"] else { throw Fault(text: "\(place).events is not a list of events") }
      var events: [PrivacyEvent] = []
      for (k, item) in list.enumerated() { events.append(try PrivacyEvent(json: item, at: "\(place).events[\(k)]")) }
      self = .composed(events)
    case "NoOpDpEvent": self = .noOp
    default: self = .nonPrivate
    }
  }
}

/// A tree as the mechanisms it runs and how often: every plain Gaussian merged into one (their precisions 1/σ² add:
/// the composition is exactly one Gaussian), every other mechanism once with its total count (counts multiply through
/// repetitions), in order of first appearance. What the PLD and PRV accountants compose — one distribution per
/// distinct mechanism, however long the list — and what a work bound counts.
struct MechanismCounts {
  var gaussianPrecision = 0.0
  /// Laplace releases and Poisson-sampled releases (q strictly between 0 and 1; a sampled nest of Gaussians as one
  /// Gaussian), each with how many times it runs.
  var others: [(mechanism: PrivacyEvent, count: Double)] = []
  var nonPrivate = false
  private var index: [PrivacyEvent: Int] = [:]

  init(_ event: PrivacyEvent) { add(event, count: 1) }

  private mutating func add(_ event: PrivacyEvent, count: Double) {
    switch event {
    case .noOp: return
    case .nonPrivate: nonPrivate = true
    case let .gaussian(sigma): gaussianPrecision += count / (sigma * sigma)
    case .laplace, .discreteLaplace, .zCDP: tally(event, count)
    case let .repeated(inner, times): if times > 0 { add(inner, count: count * Double(times)) }
    case let .composed(events): for e in events { add(e, count: count) }
    case let .poissonSampled(q, inner):
      if q == 0 || count == 0 { return }
      if q == 1 { return add(inner, count: count) }
      let sampled = RDPAccountant.effectiveNoiseMultiplier(inner).map { PrivacyEvent.gaussian(noiseMultiplier: $0) } ?? inner
      tally(.poissonSampled(samplingRate: q, of: sampled), count)
    }
  }

  private mutating func tally(_ mechanism: PrivacyEvent, _ count: Double) {
    if count == 0 { return }
    if let k = index[mechanism] { others[k].count += count } else {
      index[mechanism] = others.count
      others.append((mechanism, count))
    }
  }

  /// The first zCDP release, which only RDP accounts.
  var zCDPRelease: PrivacyEvent? {
    others.first { if case .zCDP = $0.mechanism { true } else { false } }?.mechanism
  }

  /// The merged Gaussian's noise multiplier, nil when there is none.
  var mergedGaussian: Double? { gaussianPrecision > 0 ? 1 / gaussianPrecision.squareRoot() : nil }
}
