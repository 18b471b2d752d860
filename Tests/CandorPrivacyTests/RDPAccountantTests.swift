import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// The reference files of Tests/Fixtures/privacy/ (copied from the shared reference; anchors/ref_privacy.py with
/// dp-accounting 0.6.0, prv-accountant 0.2.0, mpmath 1.4.1; its README says how each number was made).
enum PrivacyFixtures {
  /// A number that may be written "Infinity".
  static func number(_ value: Any?) -> Double {
    if let n = value as? NSNumber { return n.doubleValue }
    switch value as? String {
    case "Infinity": return .infinity
    case "-Infinity": return -.infinity
    default: return .nan
    }
  }

  static func numbers(_ value: Any?) -> [Double] { (value as? [Any] ?? []).map(number) }

  static func file(_ name: String) -> [String: Any] { try! Fixtures.json("privacy/" + name) as! [String: Any] }

  static func event(_ value: Any?) throws -> PrivacyEvent {
    try PrivacyEvent.decode(try JSONSerialization.data(withJSONObject: value!), path: "fixture")
  }

  nonisolated(unsafe) static let accountant = file("accountant_cases.json")
  nonisolated(unsafe) static let accountantCases = (accountant["cases"] as! [[String: Any]])
  nonisolated(unsafe) static let composition = file("composition_cases.json")
  nonisolated(unsafe) static let calibration = file("calibration_cases.json")
  nonisolated(unsafe) static let mechanisms = file("mechanisms.json")
}

/// True when a and b agree to `relative` (both infinite counts as agreeing).
func close(_ a: Double, _ b: Double, relative: Double) -> Bool {
  if a.isInfinite || b.isInfinite { return a == b }
  return abs(a - b) <= relative * max(abs(a), abs(b), 1e-300)
}

@Suite struct RDPAccountantTests {
  static let caseIDs = PrivacyFixtures.accountantCases.map { $0["id"] as! String }
  static func testCase(_ id: String) -> [String: Any] { PrivacyFixtures.accountantCases.first { $0["id"] as? String == id }! }

  @Test("the default orders are dp_accounting's 156, bit for bit")
  func defaultOrders() {
    #expect(RDPAccountant.defaultOrders == PrivacyFixtures.numbers(PrivacyFixtures.accountant["rdp_orders"]))
  }

  @Test("the pruned exact ε (integrals only where the minimum can be) equals the exact RDP at every order: ε and order, every run and tree",
        arguments: caseIDs + (PrivacyFixtures.composition["cases"] as! [[String: Any]]).map { $0["id"] as! String })
  func prunedExact(_ id: String) throws {
    let c = PrivacyFixtures.accountantCases.first { $0["id"] as? String == id }
      ?? (PrivacyFixtures.composition["cases"] as! [[String: Any]]).first { $0["id"] as? String == id }!
    let event = try PrivacyFixtures.event(c["event"]), delta = PrivacyFixtures.number(c["delta"])
    var full = RDPAccountant(fractionalOrders: .exact)
    guard (try? full.compose(event)) != nil else {
      #expect(throws: PrivacyError.self) { try RDPAccountant.exactEpsilon(of: event, delta: delta) }
      return
    }
    let pruned = try RDPAccountant.exactEpsilon(of: event, delta: delta)
    let everywhere = full.epsilon(delta: delta)
    #expect(pruned.epsilon == everywhere.epsilon && pruned.order == everywhere.order, "\(id): \(pruned) vs \(everywhere)")
  }

  @Test("the pruning's lower bound (monotone in α, convex chords from the integer orders) never exceeds the exact RDP at a fractional order, every run and tree",
        arguments: caseIDs + (PrivacyFixtures.composition["cases"] as! [[String: Any]]).map { $0["id"] as! String })
  func fractionalLowerBoundHolds(_ id: String) throws {
    let c = PrivacyFixtures.accountantCases.first { $0["id"] as? String == id }
      ?? (PrivacyFixtures.composition["cases"] as! [[String: Any]]).first { $0["id"] as? String == id }!
    let event = try PrivacyFixtures.event(c["event"])
    var exact = RDPAccountant(fractionalOrders: .exact), series = RDPAccountant(fractionalOrders: .dpAccounting)
    guard (try? exact.compose(event)) != nil else { return }
    try series.compose(event)
    let lower = RDPAccountant.fractionalLowerBounds(rdp: series.rdp, orders: series.orders)
    var bounded = 0
    for (k, bound) in lower.enumerated() {
      guard let bound else { #expect(series.orders[k] == series.orders[k].rounded()); continue }
      bounded += 1
      #expect(bound <= exact.rdp[k] * (1 + 1e-12), "\(id) order \(series.orders[k]): bound \(bound) above \(exact.rdp[k])")
    }
    #expect(bounded == 90)  // 1.1 … 10.9 but the integers 2 … 10
  }

  // dp_accounting 0.6.0: RdpAccountant().compose(event); _rdp per order and get_epsilon_and_optimal_order(delta).
  @Test("dp_accounting's series: RDP at every order and ε within 1e-9 relative, the same optimal order (39 cases)", arguments: caseIDs)
  func matchesDPAccounting(_ id: String) throws {
    let c = Self.testCase(id)
    let rdp = c["rdp"] as! [String: Any]
    var accountant = RDPAccountant(fractionalOrders: .dpAccounting)
    try accountant.compose(try PrivacyFixtures.event(c["event"]))
    let expected = PrivacyFixtures.numbers(rdp["rdp_per_order"])
    for (k, (ours, theirs)) in zip(accountant.rdp, expected).enumerated() {
      #expect(close(ours, theirs, relative: 1e-9), "order \(accountant.orders[k]): \(ours) vs \(theirs)")
    }
    let (epsilon, order) = accountant.epsilon(delta: PrivacyFixtures.number(c["delta"]))
    #expect(close(epsilon, PrivacyFixtures.number(rdp["epsilon"]), relative: 1e-9), "\(epsilon)")
    #expect(order == PrivacyFixtures.number(rdp["optimal_order"]))
    let classic = RDPAccountant.classicEpsilon(rdp: accountant.rdp, orders: accountant.orders, delta: PrivacyFixtures.number(c["delta"]))
    #expect(close(classic.epsilon, PrivacyFixtures.number(rdp["epsilon_classic_conversion"]), relative: 1e-9))
    #expect(classic.order == PrivacyFixtures.number(rdp["optimal_order_classic_conversion"]))
  }

  // The reference's rdp_true: integer orders by the exact sum (mpmath, 40 digits), fractional orders by scipy quad.
  @Test("the exact RDP (numerical integration at fractional orders): every order and ε within 1e-9 relative of the reference's rdp_true, never above dp_accounting's", arguments: caseIDs)
  func matchesTrueRDP(_ id: String) throws {
    let c = Self.testCase(id)
    let truth = c["rdp_true"] as! [String: Any]
    let steps = PrivacyFixtures.number(c["steps"])
    var accountant = RDPAccountant()
    try accountant.compose(try PrivacyFixtures.event(c["event"]))
    let single = PrivacyFixtures.numbers(truth["rdp_single_step"])
    let looser = PrivacyFixtures.numbers((c["rdp"] as! [String: Any])["rdp_per_order"])
    for (k, ours) in accountant.rdp.enumerated() {
      #expect(close(ours, steps * single[k], relative: 1e-9), "order \(accountant.orders[k]): \(ours) vs \(steps * single[k])")
      #expect(ours <= looser[k] * (1 + 1e-10), "order \(accountant.orders[k]) above dp_accounting's upper bound")
    }
    let (epsilon, order) = accountant.epsilon(delta: PrivacyFixtures.number(c["delta"]))
    #expect(close(epsilon, PrivacyFixtures.number(truth["epsilon"]), relative: 1e-9), "\(epsilon)")
    #expect(order == PrivacyFixtures.number(truth["optimal_order"]))
  }

  // Mechanisms.json: Mironov 2017 Prop. 6 at orders {1, 1.5, 2, 4, 16, 256}.
  @Test("Laplace RDP is Mironov's Prop. 6 (1e-12 relative), also below order 1.1 where dp_accounting uses a Taylor series")
  func laplace() {
    for c in PrivacyFixtures.mechanisms["laplace"].flatMap({ ($0 as! [String: Any])["cases"] as? [[String: Any]] }) ?? [] {
      let epsilon = PrivacyFixtures.number(c["epsilon"])
      for (order, expected) in zip(PrivacyFixtures.numbers(c["rdp_orders"]), PrivacyFixtures.numbers(c["rdp"])) {
        #expect(close(RDPAccountant.laplaceRDP(epsilon: epsilon, order: order), expected, relative: 1e-12), "ε \(epsilon), order \(order)")
      }
    }
    // The series and the closed form meet at 1.1.
    #expect(close(RDPAccountant.laplaceRDP(epsilon: 0.7, order: 1.1 - 1e-9), RDPAccountant.laplaceRDP(epsilon: 0.7, order: 1.1 + 1e-9), relative: 1e-7))
  }

  // Found by a hostile-input pass (2026-12-06): DP-SGD at ε = 1e-300 gave σ ≈ 19,000 and was charged ε = 0, since the
  // integral over [−40σ, z₀ + 40σ] (z₀ ≈ 7·10⁸) missed the integrand's mass near 0.
  @Test("at a huge noise multiplier the exact RDP is the small-q expansion's (dp_accounting's series is far above it), ε is above 0 and PLD's and falls as σ grows, until the KL bound makes it 0")
  func hugeNoise() throws {
    var previous = Double.infinity
    for sigma in [1_000, 3_000, 10_000, 18_994.59732070459, 50_000.0] {
      let event = PrivacyEvent.dpSGD(samplingRate: 0.128064, noiseMultiplier: sigma, steps: 8)
      var exact = RDPAccountant(), series = RDPAccountant(fractionalOrders: .dpAccounting)
      try exact.compose(event)
      try series.compose(event)
      // A⍺ − 1 = C(α,2)·q²·(exp(1/σ²) − 1)·(1 + O(αq/σ²)): with σ ≥ 1000 and α ≤ 64 the first term is A⍺ − 1 to 1e-5.
      for (k, order) in exact.orders.enumerated() where order <= 64 {
        let expansion = 8 * log1p(order * (order - 1) / 2 * 0.128064 * 0.128064 * expm1(1 / (sigma * sigma))) / (order - 1)
        #expect(close(exact.rdp[k], expansion, relative: 1e-4), "σ \(sigma), order \(order): \(exact.rdp[k]) vs \(expansion)")
        #expect(exact.rdp[k] <= series.rdp[k] * (1 + 1e-10), "σ \(sigma), order \(order): above dp_accounting's upper bound")
      }
      var pld = PLDAccountant()
      try pld.compose(event)
      let epsilon = exact.epsilon(delta: 1e-5).epsilon
      if sigma < 50_000 {
        #expect(epsilon > 0 && epsilon >= pld.epsilon(delta: 1e-5) && epsilon < previous, "σ \(sigma): ε \(epsilon), PLD's \(pld.epsilon(delta: 1e-5))")
      } else {
        // The KL divergence (≤ the RDP at order 1.1, 2.9e-11) is below δ² = 1e-10: the run is (0, δ)-DP, and PLD agrees.
        #expect(exact.rdp[0] < 1e-10 && epsilon == 0 && pld.epsilon(delta: 1e-5) == 0)
      }
      previous = epsilon
    }
  }
}
