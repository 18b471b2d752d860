import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// Heterogeneous event trees (composition_cases.json): DP-SGD phases, Laplace queries, nested rounds, NoOp,
/// NonPrivate, an empty composition, and a Poisson-sampled Laplace RDP cannot bound.
@Suite struct CompositionTests {
  nonisolated(unsafe) static let cases = PrivacyFixtures.composition["cases"] as! [[String: Any]]
  static let ids = cases.map { $0["id"] as! String }

  @Test("every event tree: dp_accounting's RDP and ε (1e-9) with its series, the reference's rdp_true with the exact RDP; refused where dp_accounting refuses", arguments: ids)
  func matchesReference(_ id: String) throws {
    let c = Self.cases.first { $0["id"] as? String == id }!
    let event = try PrivacyFixtures.event(c["event"])
    let delta = PrivacyFixtures.number(c["delta"])
    let rdp = c["rdp"] as! [String: Any]
    if rdp["supported"] as? Bool == false {
      var accountant = RDPAccountant()
      #expect(throws: PrivacyError.unsupportedEvent(accountant: "RDP", part: "PoissonSampledDpEvent(sampling_probability 0.1, LaplaceDpEvent(noise_multiplier 1))",
                                                    reason: "a Poisson-sampled event must be Gaussian releases (composed or repeated); RDP of a sampled Laplace or a sampled sampling is not bounded here")) {
        try accountant.compose(event)
      }
      #expect(accountant.rdp.allSatisfy { $0 == 0 }, "a refused event left the accountant changed")
      return
    }
    for (method, block) in [(FractionalOrderMethod.dpAccounting, rdp), (.exact, c["rdp_true"] as! [String: Any])] {
      var accountant = RDPAccountant(fractionalOrders: method)
      try accountant.compose(event)
      if let expected = block["rdp_per_order"] {
        for (k, (ours, theirs)) in zip(accountant.rdp, PrivacyFixtures.numbers(expected)).enumerated() {
          #expect(close(ours, theirs, relative: 1e-9), "\(method) order \(accountant.orders[k]): \(ours) vs \(theirs)")
        }
      }
      let (epsilon, order) = accountant.epsilon(delta: delta)
      #expect(close(epsilon, PrivacyFixtures.number(block["epsilon"]), relative: 1e-9), "\(method): \(epsilon)")
      if epsilon.isFinite { #expect(order == PrivacyFixtures.number(block["optimal_order"]), "\(method)") }
    }
  }

  static let step = PrivacyEvent.poissonSampled(samplingRate: 0.01, of: .gaussian(noiseMultiplier: 1.1))
  static let parts: [PrivacyEvent] = [.repeated(step, times: 300), .laplace(noiseMultiplier: 10), .gaussian(noiseMultiplier: 4),
                                      .repeated(.poissonSampled(samplingRate: 0.05, of: .gaussian(noiseMultiplier: 2)), times: 40), .noOp]

  static func epsilon(_ event: PrivacyEvent) throws -> Double {
    var accountant = RDPAccountant()
    try accountant.compose(event)
    return accountant.epsilon(delta: 1e-6).epsilon
  }

  @Test("laws: the same events in any order or grouping, or composed one at a time, give the same ε; n copies composed equal the event repeated n times")
  func laws() throws {
    let whole = try Self.epsilon(.composed(Self.parts))
    #expect(whole > 0.5 && whole < 20)
    // Every order of the five parts.
    func permutations(_ items: [PrivacyEvent]) -> [[PrivacyEvent]] {
      guard let first = items.first else { return [[]] }
      return permutations(Array(items.dropFirst())).flatMap { rest in (0...rest.count).map { i in var r = rest; r.insert(first, at: i); return r } }
    }
    for order in permutations(Self.parts) { #expect(close(try Self.epsilon(.composed(order)), whole, relative: 1e-12)) }
    // Groupings, and one compose call per part.
    let grouped = PrivacyEvent.composed([.composed(Array(Self.parts[0..<2])), .composed([.composed(Array(Self.parts[2..<4])), Self.parts[4]])])
    #expect(close(try Self.epsilon(grouped), whole, relative: 1e-12))
    var stepwise = RDPAccountant()
    for part in Self.parts.reversed() { try stepwise.compose(part) }
    #expect(close(stepwise.epsilon(delta: 1e-6).epsilon, whole, relative: 1e-12))
    // n copies = repeated n times; repeated(repeated(e, a), b) = repeated(e, a·b).
    #expect(close(try Self.epsilon(.composed([PrivacyEvent](repeating: Self.step, count: 250))), try Self.epsilon(.repeated(Self.step, times: 250)), relative: 1e-12))
    #expect(close(try Self.epsilon(.repeated(.repeated(Self.step, times: 25), times: 10)), try Self.epsilon(.repeated(Self.step, times: 250)), relative: 1e-12))
    // Gaussians compose by adding 1/σ², sampled or not.
    #expect(close(try Self.epsilon(.repeated(.gaussian(noiseMultiplier: 3), times: 9)), try Self.epsilon(.gaussian(noiseMultiplier: 1)), relative: 1e-12))
  }

  @Test("an events file: dp_accounting's field names read and written back unchanged; bad files named by line, field path or parameter")
  func eventsFile() throws {
    let text = #"{"type": "ComposedDpEvent", "events": [{"type": "SelfComposedDpEvent", "count": 1000, "event": {"type": "PoissonSampledDpEvent", "sampling_probability": 0.01, "event": {"type": "GaussianDpEvent", "noise_multiplier": 1.0}}}, {"type": "LaplaceDpEvent", "noise_multiplier": 10}, {"type": "NoOpDpEvent"}, {"type": "NonPrivateDpEvent"}]}"#
    let event = try PrivacyEvent.decode(Data(text.utf8), path: "e.json")
    #expect(event == .composed([.dpSGD(samplingRate: 0.01, noiseMultiplier: 1, steps: 1000), .laplace(noiseMultiplier: 10), .noOp, .nonPrivate]))
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    #expect(try PrivacyEvent.decode(encoder.encode(event), path: "again.json") == event)
    #expect(try JSONDecoder().decode(PrivacyEvent.self, from: encoder.encode(event)) == event)
    // Found by Fuzz/PrivacyEvents: a σ with a 42-digit mantissa read by JSONSerialization was 1.9999999999999996e41,
    // not Double's 2e41, so a tree written back read as another tree.
    let long = try PrivacyEvent.decode(Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fuzz/privacy_events_long_mantissa.json"))), path: "long.json")
    guard case let .composed(parts) = long, case let .repeated(.poissonSampled(_, .gaussian(sigma)), _) = parts[0] else {
      Issue.record("the fuzz input reads as another tree")
      return
    }
    #expect(sigma == Double("199999999999999999999999999999999999999999.0")!)
    #expect(try PrivacyEvent.decode(encoder.encode(long), path: "again.json") == long)
    func refusal(_ text: String) -> String {
      do {
        _ = try PrivacyEvent.decode(Data(text.utf8), path: "e.json")
        return "read"
      } catch {
        return error.description
      }
    }
    #expect(refusal("{\"type\": \"GaussianDpEvent\",\n \"noise_multiplier\": }") == "e.json is not a privacy event tree: it is not valid JSON (line 2, column 22).")
    #expect(refusal(#"{"type": "RandomizedResponseDpEvent", "noise_parameter": 0.5, "num_buckets": 2}"#) == "e.json is not a privacy event tree: event.type 'RandomizedResponseDpEvent' is not an event type (the types are GaussianDpEvent, LaplaceDpEvent, DiscreteLaplaceDpEvent, ZCDpEvent, PoissonSampledDpEvent, SelfComposedDpEvent, ComposedDpEvent, NoOpDpEvent, NonPrivateDpEvent).")
    #expect(refusal(#"{"type": "ComposedDpEvent", "events": [{"type": "GaussianDpEvent"}]}"#) == "e.json is not a privacy event tree: event.events[0] (GaussianDpEvent) has no \"noise_multiplier\".")
    #expect(refusal(#"{"type": "GaussianDpEvent", "noise_multiplier": 1, "sigma": 2}"#) == "e.json is not a privacy event tree: event (GaussianDpEvent) has the field \"sigma\", which it does not take (it takes noise_multiplier).")
    #expect(refusal(#"{"type": "PoissonSampledDpEvent", "sampling_probability": 1.5, "event": {"type": "GaussianDpEvent", "noise_multiplier": 1}}"#) == "e.json is not a privacy event tree: event: sampling_probability 1.5 is not in [0, 1].")
    #expect(refusal(#"{"type": "SelfComposedDpEvent", "count": 2.5, "event": {"type": "NoOpDpEvent"}}"#) == "e.json is not a privacy event tree: event.count 2.5 is not a whole number.")
    #expect(refusal(#"{"type": "SelfComposedDpEvent", "count": 9223372036854775807, "event": {"type": "NoOpDpEvent"}}"#)
            == "e.json is not a privacy event tree: event.count 9.223372036854776e+18 is too large (at most 10^15; nest SelfComposedDpEvents for more).")
    #expect(refusal(#"{"type": "SelfComposedDpEvent", "count": 3, "event": {"type": "GaussianDpEvent", "noise_multiplier": 0}}"#) == "e.json is not a privacy event tree: event.event: noise_multiplier 0 is not a positive finite number.")
    #expect(refusal(#"{"type": "GaussianDpEvent", "noise_multiplier": "1"}"#) == "e.json is not a privacy event tree: event.noise_multiplier is not a number.")
  }
}
