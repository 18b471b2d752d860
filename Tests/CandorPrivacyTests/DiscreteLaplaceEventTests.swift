import CandorCore
import Foundation
import Testing

@testable import CandorPrivacy

/// dp_accounting's `DiscreteLaplaceDpEvent`: read and written in its JSON, accounted exactly by PLD and bounded by RDP
/// (randomized response), and never cheaper than a continuous Laplace of the same ε.
@Suite struct DiscreteLaplaceEventTests {
  /// The exact ε at δ of n discrete Laplace releases with parameter a, sensitivity 1: the loss is ±a per release
  /// (randomized response), so δ(ε') = Σₖ C(n,k) pᵏ qⁿ⁻ᵏ (1 − e^{ε' − a(2k − n)})₊, solved by bisection.
  static func exactEpsilon(a: Double, n: Int, delta: Double) -> Double {
    let logP = -log1p(exp(-a)), logQ = -a - log1p(exp(-a))
    func deltaAt(_ e: Double) -> Double {
      (0...n).reduce(0.0) { total, k in
        let loss = a * Double(2 * k - n)
        guard loss > e else { return total }
        let logWeight = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) + Double(k) * logP + Double(n - k) * logQ
        return total + exp(logWeight) * -expm1(e - loss)
      }
    }
    var (low, high) = (0.0, a * Double(n))
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if deltaAt(middle) > delta { low = middle } else { high = middle }
    }
    return high
  }

  @Test("reads and writes dp_accounting's fields; a bad parameter or sensitivity is refused by its path")
  func json() throws {
    let text = #"{"type": "DiscreteLaplaceDpEvent", "noise_parameter": 0.5, "sensitivity": 2}"#
    let event = try PrivacyEvent.decode(Data(text.utf8), path: "e.json")
    #expect(event == .discreteLaplace(noiseParameter: 0.5, sensitivity: 2))
    #expect(try PrivacyEvent.decode(try JSONEncoder().encode(event), path: "again.json") == event)
    #expect(throws: PrivacyError.self) { try PrivacyEvent.decode(Data(#"{"type": "DiscreteLaplaceDpEvent", "noise_parameter": 0.5, "sensitivity": 0}"#.utf8), path: "e.json") }
    #expect(throws: PrivacyError.self) { try PrivacyEvent.decode(Data(#"{"type": "DiscreteLaplaceDpEvent", "noise_parameter": -1, "sensitivity": 1}"#.utf8), path: "e.json") }
  }

  @Test("PLD within 2e-4 above the exact ε of 1, 10 and 100 releases; RDP never below it; dearer than a continuous Laplace of the same ε",
        arguments: [(0.5, 1), (0.1, 10), (0.05, 100)])
  func accounting(_ a: Double, _ n: Int) throws {
    let event = PrivacyEvent.repeated(.discreteLaplace(noiseParameter: a, sensitivity: 1), times: n)
    let exact = Self.exactEpsilon(a: a, n: n, delta: 1e-5)
    var pld = PLDAccountant()
    try pld.compose(event)
    let ours = pld.epsilon(delta: 1e-5)
    #expect(ours >= exact - 1e-9 && ours <= exact + 2e-4, "PLD \(ours) vs exact \(exact)")
    var rdp = RDPAccountant()
    try rdp.compose(event)
    #expect(rdp.epsilon(delta: 1e-5).epsilon >= exact - 1e-9)
    var continuous = PLDAccountant()
    try continuous.compose(.repeated(.laplace(noiseMultiplier: 1 / a), times: n))
    if n > 1 { #expect(continuous.epsilon(delta: 1e-5) < exact, "a continuous Laplace would under-count the discrete one") }
  }

  @Test("PRV refuses it by name and the ledger's tightest accountant still prices it; a Poisson-sampled one is refused")
  func otherAccountants() throws {
    let event = PrivacyEvent.repeated(.discreteLaplace(noiseParameter: 0.1, sensitivity: 1), times: 10)
    #expect(throws: PrivacyError.self) { _ = try PRVAccountant().epsilon(event, delta: 1e-5) }
    let priced = try LedgerEpsilon(event, delta: 1e-5)
    #expect(priced.accountant == "pld" && priced.byAccountant["prv"] == nil)
    var pld = PLDAccountant()
    #expect(throws: PrivacyError.self) { try pld.compose(.poissonSampled(samplingRate: 0.1, of: .discreteLaplace(noiseParameter: 1, sensitivity: 1))) }
  }
}
