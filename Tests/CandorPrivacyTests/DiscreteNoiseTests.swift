import CandorCore
import Foundation
import Testing

@testable import CandorPrivacy

/// The exact samplers of Canonne, Kamath & Steinke 2020 against their exact distributions: each probability within
/// 4.5 standard errors over many seeded draws, and a Kolmogorov–Smirnov distance below the 1 % critical value.
@Suite struct DiscreteNoiseTests {
  static func withinError(_ count: Int, of draws: Int, probability p: Double) -> Bool {
    let observed = Double(count) / Double(draws)
    return abs(observed - p) <= 4.5 * (p * (1 - p) / Double(draws)).squareRoot() + 1e-12
  }

  @Test("Bernoulli(exp(−γ)) at γ = 0, 1/3, 1, 5/2, 7: frequencies within 4.5 standard errors of e^−γ",
        arguments: [(UInt128(0), UInt128(1)), (1, 3), (1, 1), (5, 2), (7, 1)])
  func bernoulliExp(_ n: UInt128, _ d: UInt128) {
    var random = SeededRandom(seed: 41)
    let draws = 200_000
    let hits = (0..<draws).reduce(0) { total, _ in total + (DiscreteNoise.bernoulliExp(n, over: d, using: &random) ? 1 : 0) }
    #expect(Self.withinError(hits, of: draws, probability: exp(-Double(n) / Double(d))), "\(hits) of \(draws)")
  }

  /// P(x) = tanh(1/(2τ))·e^{−|x|/τ} for the discrete Laplace of scale τ.
  static func laplacePMF(_ x: Int, scale: Double) -> Double { tanh(1 / (2 * scale)) * exp(-Double(abs(x)) / scale) }

  @Test("discrete Laplace, scales 3/2 and 10: each value's frequency within 4.5 standard errors, KS distance below the 1 % critical value, mean 0",
        arguments: [(UInt64(3), UInt64(2)), (10, 1)])
  func laplace(_ t: UInt64, _ s: UInt64) {
    var random = SeededRandom(seed: 7)
    let draws = 100_000, scale = Double(t) / Double(s)
    let samples = (0..<draws).map { _ in Int(DiscreteNoise.laplace(scale: .init(t, s), using: &random)) }
    var counts: [Int: Int] = [:]
    for x in samples { counts[x, default: 0] += 1 }
    for x in -6...6 {
      #expect(Self.withinError(counts[x] ?? 0, of: draws, probability: Self.laplacePMF(x, scale: scale)), "x = \(x): \(counts[x] ?? 0)")
    }
    var cdf = 0.0, seen = 0, distance = 0.0
    for x in -200...200 {
      cdf += Self.laplacePMF(x, scale: scale)
      seen += counts[x] ?? 0
      distance = max(distance, abs(Double(seen) / Double(draws) - cdf))
    }
    #expect(distance < 1.63 / Double(draws).squareRoot(), "KS \(distance)")
    let mean = Double(samples.reduce(0, +)) / Double(draws)
    let variance = 2 * exp(-1 / scale) / pow(1 - exp(-1 / scale), 2)
    #expect(abs(mean) < 4.5 * (variance / Double(draws)).squareRoot())
  }

  @Test("discrete Gaussian, σ² = 4 and 2/3: each value's frequency within 4.5 standard errors of exp(−x²/2σ²)/Z, KS below the 1 % critical value",
        arguments: [(UInt64(4), UInt64(1)), (2, 3)])
  func gaussian(_ a: UInt64, _ b: UInt64) {
    var random = SeededRandom(seed: 19)
    let draws = 100_000, variance = Double(a) / Double(b)
    let normalizer = (-80...80).reduce(0.0) { $0 + exp(-Double($1 * $1) / (2 * variance)) }
    func pmf(_ x: Int) -> Double { exp(-Double(x * x) / (2 * variance)) / normalizer }
    var counts: [Int: Int] = [:]
    for _ in 0..<draws { counts[Int(DiscreteNoise.gaussian(variance: .init(a, b), using: &random)), default: 0] += 1 }
    for x in -6...6 { #expect(Self.withinError(counts[x] ?? 0, of: draws, probability: pmf(x)), "x = \(x): \(counts[x] ?? 0)") }
    var cdf = 0.0, seen = 0, distance = 0.0
    for x in -80...80 {
      cdf += pmf(x)
      seen += counts[x] ?? 0
      distance = max(distance, abs(Double(seen) / Double(draws) - cdf))
    }
    #expect(distance < 1.63 / Double(draws).squareRoot(), "KS \(distance)")
  }
}
