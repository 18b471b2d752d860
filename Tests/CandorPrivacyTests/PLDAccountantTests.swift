import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// The PLD accountant against dp_accounting 0.6.0's `PLDAccountant(value_discretization_interval=1e-4)` (the same
/// algorithm: pessimistic connect-the-dots, FFT composition): within two grid steps (2e-4) plus 1e-6 relative of
/// its ε, never below the exact value where one is known, and inside prv_accountant's [eps_low, eps_up].
@Suite struct PLDAccountantTests {
  static func epsilon(_ event: PrivacyEvent, delta: Double) throws -> Double {
    var accountant = PLDAccountant()
    try accountant.compose(event)
    return accountant.epsilon(delta: delta)
  }

  static func within(_ ours: Double, _ reference: Double) -> Bool {
    if reference.isInfinite { return ours == reference }
    return abs(ours - reference) <= 2e-4 + 1e-6 * abs(reference)
  }

  @Test("the Gaussian truncation quantile is Φ⁻¹(½·e⁻⁵⁰)")
  func truncationQuantile() {
    #expect(abs(logNormalCDF(AdditiveNoiseLoss.gaussianTruncationQuantile) - (log(0.5) - 50)) < 1e-12)
  }

  @Test("FFT convolution equals the direct sum")
  func convolution() {
    var random = SeededRandom(seed: 3)
    let a = (0..<700).map { _ in random.nextUniform() }, b = (0..<300).map { _ in random.nextUniform() }
    var direct = [Double](repeating: 0, count: 999)
    for i in a.indices { for j in b.indices { direct[i + j] += a[i] * b[j] } }
    #expect(maxAbsoluteDifference(FFT.convolve(a, b), direct) < 1e-10)
  }

  @Test("every subsampled-Gaussian case within 2e-4 of dp_accounting's PLD ε, inside PRV's bounds, never below an exact value",
        arguments: PrivacyFixtures.accountantCases.map { $0["id"] as! String })
  func accountantCase(_ id: String) throws {
    let c = RDPAccountantTests.testCase(id)
    let delta = PrivacyFixtures.number(c["delta"])
    let ours = try Self.epsilon(try PrivacyFixtures.event(c["event"]), delta: delta)
    let reference = PrivacyFixtures.number((c["pld"] as! [String: Any])["epsilon"])
    #expect(Self.within(ours, reference), "\(id): \(ours) vs dp_accounting \(reference)")
    if let prv = c["prv"] as? [String: Any], prv["eps_low"] != nil {
      #expect(ours >= PrivacyFixtures.number(prv["eps_low"]) && ours <= PrivacyFixtures.number(prv["eps_up"]) + 2e-4, "\(id): \(ours) vs PRV \(prv)")
    }
    if let exact = c["exact"] as? [String: Any] {
      #expect(ours >= PrivacyFixtures.number(exact["epsilon"]) - 1e-12, "\(id): below the exact value")
    }
  }

  @Test("every composition tree within 2e-4 of dp_accounting's PLD ε (infinite for a non-private release, 0 for nothing)",
        arguments: (PrivacyFixtures.composition["cases"] as! [[String: Any]]).map { $0["id"] as! String })
  func compositionCase(_ id: String) throws {
    let c = (PrivacyFixtures.composition["cases"] as! [[String: Any]]).first { $0["id"] as? String == id }!
    let ours = try Self.epsilon(try PrivacyFixtures.event(c["event"]), delta: PrivacyFixtures.number(c["delta"]))
    let reference = PrivacyFixtures.number((c["pld"] as! [String: Any])["epsilon"])
    #expect(Self.within(ours, reference), "\(id): \(ours) vs dp_accounting \(reference)")
  }

  @Test("bounded work: a distribution too wide for the grid (tiny noise, 10¹⁸ repetitions, 10⁸ sampled steps) is refused naming the event, quickly")
  func boundedWork() {
    let events: [PrivacyEvent] = [
      .gaussian(noiseMultiplier: 1e-6),
      .repeated(.repeated(.laplace(noiseMultiplier: 1), times: 1_000_000_000_000), times: 1_000_000),
      .dpSGD(samplingRate: 0.01, noiseMultiplier: 1, steps: 100_000_000),
    ]
    for event in events {
      var accountant = PLDAccountant()
      #expect(throws: PrivacyError.self) { try accountant.compose(event) }
      #expect(accountant.epsilon(delta: 1e-5) == 0, "a refused event leaves the accountant as it was")
    }
    // --accountant all falls back to RDP with a note.
    var request = EpsilonRequest(event: events[2], delta: 1e-5)
    request.accountant = .all
    let result = try? request.run()
    #expect(result?.accountant == "rdp" && result?.accountants?[1].epsilon == nil && result?.accountants?[1].note?.contains("more than 20000000 grid points") == true)
  }

  @Test("long lists: 3,000 equal Gaussians are one Gaussian (to the grid step), equal sampled steps are gathered, 101 distinct mechanisms are refused; huge noise costs 0 without trapping")
  func longLists() throws {
    // 3,000 Gaussians of σ 10 are one of σ 10/√3000.
    let many = try Self.epsilon(.composed(Array(repeating: .gaussian(noiseMultiplier: 10), count: 3000)), delta: 1e-5)
    #expect(abs(many - (try Self.epsilon(.gaussian(noiseMultiplier: 10 / 3000.0.squareRoot()), delta: 1e-5))) <= 2e-4)
    let step = PrivacyEvent.poissonSampled(samplingRate: 0.01, of: .gaussian(noiseMultiplier: 1))
    #expect(try Self.epsilon(.composed(Array(repeating: .repeated(step, times: 10), count: 50)), delta: 1e-5)
            == (try Self.epsilon(.repeated(step, times: 500), delta: 1e-5)))
    let distinct = PrivacyEvent.composed((0...100).map { .laplace(noiseMultiplier: 10 + Double($0)) })
    var accountant = PLDAccountant()
    #expect {
      try accountant.compose(distinct)
    } throws: { error in
      (error as? PrivacyError)?.message(naming: { $0.rawValue }).contains("101 distinct mechanisms, more than the 100") == true
    }
    // A sampled step with noise so large its distribution is one point (it trapped in the FFT's length check).
    #expect(try Self.epsilon(.dpSGD(samplingRate: 0.5, noiseMultiplier: 1e18, steps: 2), delta: 1e-5) == 0)
    #expect(try Self.epsilon(.repeated(step, times: 0), delta: 1e-5) == 0)
  }

  @Test("the Laplace mechanism's ε at δ = 1e-5 within 2e-4 of its exact value ε₀ + 2 ln(1 − δ), never below it")
  func laplace() throws {
    for c in (PrivacyFixtures.mechanisms["laplace"] as! [String: Any])["cases"] as! [[String: Any]] {
      let scale = PrivacyFixtures.number(c["scale"]) / PrivacyFixtures.number(c["sensitivity"])
      let ours = try Self.epsilon(.laplace(noiseMultiplier: scale), delta: 1e-5)
      let values = c["epsilon_at_delta_1e-5"] as! [String: Any]
      let exact = PrivacyFixtures.number(values["exact"])
      #expect(ours >= exact - 1e-12 && ours <= exact + 2e-4, "scale \(scale): \(ours) vs \(exact)")
      #expect(Self.within(ours, PrivacyFixtures.number(values["pld"])))
    }
  }
}
