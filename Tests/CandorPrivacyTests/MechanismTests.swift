import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// The Gaussian and Laplace mechanisms (mechanisms.json: mpmath at 40 digits; dp_accounting's get_sigma_gaussian /
/// get_epsilon_gaussian) and noise calibration (calibration_cases.json: dp_accounting's calibrate_dp_mechanism).
@Suite struct MechanismTests {
  static func cases(_ key: String) -> [[String: Any]] { (PrivacyFixtures.mechanisms[key] as! [String: Any])["cases"] as! [[String: Any]] }

  @Test("analytic Gaussian σ(ε, δ) within 1e-10 relative of the 40-digit value; the classic σ exactly; δ at that σ round-trips")
  func gaussianSigma() {
    for c in Self.cases("gaussian_sigma_for_eps_delta") {
      let (epsilon, delta) = (PrivacyFixtures.number(c["epsilon"]), PrivacyFixtures.number(c["delta"]))
      let sigma = GaussianMechanism.noiseMultiplier(epsilon: epsilon, delta: delta)
      #expect(close(sigma, PrivacyFixtures.number(c["sigma_analytic"]), relative: 1e-10), "ε \(epsilon) δ \(delta): \(sigma)")
      #expect(close(GaussianMechanism.classicNoiseMultiplier(epsilon: epsilon, delta: delta), PrivacyFixtures.number(c["sigma_classic"]), relative: 1e-15))
      #expect(close(GaussianMechanism.delta(epsilon: epsilon, noiseMultiplier: sigma), delta, relative: 1e-9))
    }
  }

  @Test("analytic Gaussian ε(σ, δ) and δ(ε, σ) within 1e-10 relative of the 40-digit values")
  func gaussianEpsilonAndDelta() {
    for c in Self.cases("gaussian_epsilon_for_sigma_delta") {
      let epsilon = GaussianMechanism.epsilon(noiseMultiplier: PrivacyFixtures.number(c["sigma"]), delta: PrivacyFixtures.number(c["delta"]))
      #expect(close(epsilon, PrivacyFixtures.number(c["epsilon"]), relative: 1e-10), "σ \(c["sigma"]!) δ \(c["delta"]!): \(epsilon)")
    }
    for c in Self.cases("gaussian_delta_for_sigma_eps") {
      let delta = GaussianMechanism.delta(epsilon: PrivacyFixtures.number(c["epsilon"]), noiseMultiplier: PrivacyFixtures.number(c["sigma"]))
      #expect(close(delta, PrivacyFixtures.number(c["delta"]), relative: 1e-10), "σ \(c["sigma"]!) ε \(c["epsilon"]!): \(delta)")
    }
  }

  @Test("Laplace: ε = Δ/b, and the exact ε at δ = 1e-5 is ε₀ + 2 log(1 − δ) (1e-12)")
  func laplace() {
    for c in Self.cases("laplace") {
      let b = PrivacyFixtures.number(c["scale"]) / PrivacyFixtures.number(c["sensitivity"])
      #expect(close(1 / b, PrivacyFixtures.number(c["epsilon"]), relative: 1e-15))
      let exact = (c["epsilon_at_delta_1e-5"] as! [String: Any])["exact"]
      #expect(close(LaplaceMechanism.epsilon(noiseMultiplier: b, delta: 1e-5), PrivacyFixtures.number(exact), relative: 1e-12))
    }
  }

  static let calibrationIDs = (PrivacyFixtures.calibration["cases"] as! [[String: Any]]).map { $0["id"] as! String }

  // |σ − σ*| ≤ tol + 1e-9 with σ* the reference's tight boundary, and ε at our σ never above the target.
  @Test("σ for a target ε under RDP: at the boundary σ* (dp_accounting's series: rdp.sigma_tight; exact: rdp_true.sigma_tight), never giving more than the target", arguments: calibrationIDs)
  func calibration(_ id: String) throws {
    let c = (PrivacyFixtures.calibration["cases"] as! [[String: Any]]).first { $0["id"] as? String == id }!
    let (target, delta, q) = (PrivacyFixtures.number(c["target_epsilon"]), PrivacyFixtures.number(c["delta"]), PrivacyFixtures.number(c["q"]))
    let steps = Int(PrivacyFixtures.number(c["steps"]))
    for (method, block) in [(FractionalOrderMethod.dpAccounting, "rdp"), (.exact, "rdp_true")] {
      let tolerance = 1e-10
      let result = try NoiseCalibration.noiseMultiplier(targetEpsilon: target, delta: delta, tolerance: tolerance, fractionalOrders: method) {
        .dpSGD(samplingRate: q, noiseMultiplier: $0, steps: steps)
      }
      let boundary = PrivacyFixtures.number((c[block] as! [String: Any])["sigma_tight"])
      #expect(abs(result.noiseMultiplier - boundary) <= tolerance + 1e-9, "\(method): \(result.noiseMultiplier) vs \(boundary)")
      #expect(result.epsilon <= target + 1e-12)
    }
  }

  // pld.sigma: dp_accounting's calibrate_dp_mechanism(PLDAccountant(1e-4), …, tol=1e-5); relative 1e-3 (the reference
  // README: PLD's ε(σ) is flat on its grid), and the PLD ε at our σ never above the target.
  @Test("σ for a target ε under PLD: within 1e-3 relative of dp_accounting's PLD calibration, 5–10 % below RDP's, never giving more than the target",
        arguments: calibrationIDs)
  func pldCalibration(_ id: String) throws {
    let c = (PrivacyFixtures.calibration["cases"] as! [[String: Any]]).first { $0["id"] as? String == id }!
    let (target, delta, q) = (PrivacyFixtures.number(c["target_epsilon"]), PrivacyFixtures.number(c["delta"]), PrivacyFixtures.number(c["q"]))
    let steps = Int(PrivacyFixtures.number(c["steps"]))
    let result = try NoiseCalibration.pldNoiseMultiplier(targetEpsilon: target, delta: delta) { .dpSGD(samplingRate: q, noiseMultiplier: $0, steps: steps) }
    let reference = PrivacyFixtures.number((c["pld"] as! [String: Any])["sigma"])
    #expect(close(result.noiseMultiplier, reference, relative: 1e-3), "\(result.noiseMultiplier) vs dp_accounting's \(reference)")
    var pld = PLDAccountant()
    try pld.compose(.dpSGD(samplingRate: q, noiseMultiplier: result.noiseMultiplier, steps: steps))
    #expect(pld.epsilon(delta: delta) <= target && result.epsilon <= target)
    #expect(result.noiseMultiplier < PrivacyFixtures.number((c["rdp"] as! [String: Any])["sigma_tight"]))
  }

  // ε there: dp_accounting 0.6.0, RdpAccountant().compose(GaussianDpEvent(1000.0)).get_epsilon(1e-5).
  @Test("a target ε no σ reaches is refused, saying how far the search went")
  func unreachable() {
    #expect(throws: PrivacyError.unreachableEpsilon(target: 1e-9, delta: 1e-5, largest: 1000, epsilonThere: 0.0040134096770715055)) {
      try NoiseCalibration.noiseMultiplier(targetEpsilon: 1e-9, delta: 1e-5, largest: 1000) { .dpSGD(samplingRate: 1, noiseMultiplier: $0, steps: 1) }
    }
  }
}
