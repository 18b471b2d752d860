import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// The PRV accountant against prv_accountant 0.2.0's `PRVAccountant(eps_error=0.01, delta_error=δ/1000)` (the
/// reference README's tolerance: inside its [eps_low, eps_up]) and against dp_accounting's PLD value, an upper bound
/// usually tighter than that bracket: at most 1e-3 above it.
@Suite struct PRVAccountantTests {
  static func bracket(_ event: Any?, delta: Double) throws -> EpsilonBracket {
    try PRVAccountant().epsilon(try PrivacyFixtures.event(event), delta: delta)
  }

  static func check(_ id: String, _ c: [String: Any]) throws {
    let prv = c["prv"] as! [String: Any]
    let ours = try bracket(c["event"], delta: PrivacyFixtures.number(c["delta"]))
    let (low, estimate, up) = (PrivacyFixtures.number(prv["eps_low"]), PrivacyFixtures.number(prv["eps_estimate"]), PrivacyFixtures.number(prv["eps_up"]))
    #expect(ours.estimate >= low && ours.estimate <= up, "\(id): estimate \(ours.estimate) outside prv_accountant's [\(low), \(up)]")
    #expect(ours.lower <= estimate && estimate <= ours.upper, "\(id): prv_accountant's estimate \(estimate) outside ours \(ours)")
    #expect(ours.lower <= ours.estimate && ours.estimate <= ours.upper)
    let pld = PrivacyFixtures.number((c["pld"] as! [String: Any])["epsilon"])
    // PLD is an upper bound, tight for Gaussians and 2.2e-3 loose for ten Laplace releases (its grid's pessimism).
    #expect(ours.estimate <= pld + 1e-3 && ours.estimate >= pld - 2.5e-3, "\(id): estimate \(ours.estimate) vs dp_accounting's PLD \(pld)")
    #expect(ours.upper >= pld - 1e-3 && abs(ours.upper - up) <= 0.012, "\(id): upper \(ours.upper) vs PLD \(pld), prv_accountant's \(up)")
    if let exact = c["exact"] as? [String: Any] {
      let e = PrivacyFixtures.number(exact["epsilon"])
      #expect(ours.lower <= e && e <= ours.upper && abs(ours.estimate - e) < 1e-5, "\(id): \(ours) vs exact \(e)")
    }
  }

  @Test("every subsampled-Gaussian case inside prv_accountant's bracket, at most 1e-3 above dp_accounting's PLD ε",
        arguments: PrivacyFixtures.accountantCases.map { $0["id"] as! String })
  func accountantCase(_ id: String) throws {
    try Self.check(id, RDPAccountantTests.testCase(id))
  }

  nonisolated(unsafe) static let compositionCases = PrivacyFixtures.composition["cases"] as! [[String: Any]]

  @Test("every composition tree prv_accountant supports: inside its bracket, at most 1e-3 above PLD",
        arguments: compositionCases.filter { ($0["prv"] as! [String: Any])["eps_low"] != nil }.map { $0["id"] as! String })
  func compositionCase(_ id: String) throws {
    try Self.check(id, Self.compositionCases.first { $0["id"] as? String == id }!)
  }

  @Test("a non-private release is infinite; a Poisson-sampled Laplace is refused by name, as prv_accountant has none")
  func unsupportedTrees() throws {
    let nonPrivate = Self.compositionCases.first { $0["id"] as? String == "non_private_event" }!
    #expect(try Self.bracket(nonPrivate["event"], delta: 1e-5) == EpsilonBracket(lower: .infinity, estimate: .infinity, upper: .infinity))
    let sampledLaplace = Self.compositionCases.first { $0["id"] as? String == "poisson_sampled_laplace" }!
    #expect {
      _ = try Self.bracket(sampledLaplace["event"], delta: 1e-5)
    } throws: { error in
      (error as? PrivacyError)?.message(naming: { $0.rawValue }).contains("PRV accounts Poisson sampling of Gaussian releases only") == true
    }
  }

  @Test("δ = 0, losses past 700, a grid past the bound and too much work are refused with the reason, quickly")
  func refusals() {
    let step = PrivacyEvent.poissonSampled(samplingRate: 0.5, of: .gaussian(noiseMultiplier: 0.3))
    #expect(throws: PrivacyError.self) { _ = try PRVAccountant().epsilon(.repeated(step, times: 10), delta: 0) }
    #expect {
      _ = try PRVAccountant().epsilon(.repeated(step, times: 1_000_000), delta: 1e-5)
    } throws: { error in
      (error as? PrivacyError)?.message(naming: { $0.rawValue }).contains("past the 700 a double can carry through e^ε") == true
    }
    let fine = PrivacyEvent.poissonSampled(samplingRate: 0.001, of: .gaussian(noiseMultiplier: 2))
    #expect {
      _ = try PRVAccountant().epsilon(.repeated(fine, times: 10_000_000), delta: 1e-5)
    } throws: { error in
      (error as? PrivacyError)?.message(naming: { $0.rawValue }).contains("its grid would need") == true
    }
    // ε past 700 (a Gaussian of σ 0.01: 5426) is refused, not capped at 709.8 as a naive e^ε would.
    #expect(throws: PrivacyError.self) { _ = try PRVAccountant().epsilon(.gaussian(noiseMultiplier: 0.01), delta: 1e-5) }
    // Too many distinct mechanisms for the work bound.
    let many = PrivacyEvent.composed((0..<600).map { .poissonSampled(samplingRate: 0.01, of: .gaussian(noiseMultiplier: 1 + Double($0) * 1e-6)) })
    #expect {
      _ = try PRVAccountant().epsilon(many, delta: 1e-5)
    } throws: { error in
      (error as? PrivacyError)?.message(naming: { $0.rawValue }).contains("distinct mechanisms on a grid of") == true
    }
  }

  @Test("laws: any order or grouping gives the same ε; n copies equal one repeated n times; Gaussians merge exactly")
  func laws() throws {
    let a = PrivacyEvent.repeated(.poissonSampled(samplingRate: 0.01, of: .gaussian(noiseMultiplier: 1)), times: 300)
    let b = PrivacyEvent.repeated(.laplace(noiseMultiplier: 20), times: 4)
    let c = PrivacyEvent.gaussian(noiseMultiplier: 6)
    let accountant = PRVAccountant()
    let reference = try accountant.epsilon(.composed([a, b, c]), delta: 1e-5)
    #expect(try accountant.epsilon(.composed([c, .composed([b, a])]), delta: 1e-5) == reference)
    #expect(try accountant.epsilon(.composed([b, c, a, .noOp]), delta: 1e-5) == reference)
    let step = PrivacyEvent.poissonSampled(samplingRate: 0.02, of: .gaussian(noiseMultiplier: 1.2))
    #expect(try accountant.epsilon(.composed(Array(repeating: step, count: 50)), delta: 1e-5)
            == accountant.epsilon(.repeated(step, times: 50), delta: 1e-5))
    // Four Gaussians of σ = 2 are one of σ = 1.
    #expect(try accountant.epsilon(.repeated(.gaussian(noiseMultiplier: 2), times: 4), delta: 1e-5)
            == accountant.epsilon(.gaussian(noiseMultiplier: 1), delta: 1e-5))
  }

  @Test("the real FFT equals the direct transform, and its inverse gives the sequence back")
  func realTransform() {
    var random = SeededRandom(seed: 11)
    for n in [2, 4, 64, 1024] {
      let x = (0..<n).map { _ in random.nextUniform() - 0.5 }
      let fft = RealFFT(length: n)
      let (re, im) = fft.forward(x)
      for k in 0...(n / 2) {
        var sumRe = 0.0, sumIm = 0.0
        for (j, v) in x.enumerated() {
          let angle = -2 * Double.pi * Double(j * k) / Double(n)
          sumRe += v * cos(angle)
          sumIm += v * sin(angle)
        }
        #expect(abs(re[k] - sumRe) < 1e-11 && abs(im[k] - sumIm) < 1e-11, "n \(n), bin \(k)")
      }
      #expect(maxAbsoluteDifference(fft.inverse(re, im), x) < 1e-14)
    }
  }
}
