import CandorCore
import Testing

@Suite struct RandomSourceTests {
  // Reference: xoshiro256** with state seeded by SplitMix64(0), first outputs from the C reference
  // implementation (prng.di.unimi.it) fed the same SplitMix64 stream.
  @Test("the same seed gives the same stream; another seed another")
  func reproducible() {
    var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
    let first = (0..<5).map { _ in a.next() }
    #expect(first == (0..<5).map { _ in b.next() })
    #expect(first != (0..<5).map { _ in c.next() })
  }

  @Test("streams of one seed differ from each other and from the seed's own stream")
  func streams() {
    var s0 = SeededRandom(seed: 9, stream: 0), s1 = SeededRandom(seed: 9, stream: 1), p = SeededRandom(seed: 9)
    let a = (0..<4).map { _ in s0.next() }, b = (0..<4).map { _ in s1.next() }, c = (0..<4).map { _ in p.next() }
    #expect(a != b && a != c && b != c)
  }

  @Test("indices below a bound cover it evenly")
  func indices() {
    var random = SeededRandom(seed: 6)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[random.nextIndex(below: 7)] += 1 }
    // 10,000 expected per cell, standard deviation ≈ 93; seeded, so this is deterministic.
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
  }

  @Test("uniforms lie in [0, 1) and Gaussians have mean 0 and variance 1")
  func distributions() {
    var random = SeededRandom(seed: 5)
    let n = 200_000
    var sum = 0.0, squares = 0.0, low = 1.0, high = 0.0
    for _ in 0..<n {
      let u = random.nextUniform()
      low = min(low, u)
      high = max(high, u)
      let g = random.nextGaussian()
      sum += g
      squares += g * g
    }
    #expect(low >= 0 && high < 1)
    // Seeded, so deterministic; 5 standard errors of slack for the mean (σ/√n ≈ 0.0022) and variance.
    #expect(abs(sum / Double(n)) < 0.011)
    #expect(abs(squares / Double(n) - 1) < 0.016)
  }
}

@Suite struct StatisticsTests {
  // scipy.stats.norm.ppf values.
  @Test("normal quantiles match scipy to 1e-14", arguments: [
    (0.975, 1.959963984540054), (0.5, 0.0), (0.025, -1.9599639845400545), (0.995, 2.5758293035489004),
    (1e-10, -6.361340902404056), (0.9, 1.2815515655446004),
  ])
  func normalQuantile(p: Double, expected: Double) {
    #expect(abs(Statistics.normalQuantile(p) - expected) < 1e-14 * max(1, abs(expected)))
  }

  // numpy.quantile([1, 2, 4, 8], q) with the default (linear) method.
  @Test("quantiles interpolate like NumPy's default")
  func quantile() {
    let values: [Double] = [1, 2, 4, 8]
    #expect(Statistics.quantile(sorted: values, 0.025) == 1.075)
    #expect(Statistics.quantile(sorted: values, 0.5) == 3)
    #expect(Statistics.quantile(sorted: values, 1) == 8)
    #expect(Statistics.quantile(sorted: [Double](), 0.5).isNaN)
  }

  // scipy 1.17: scipy.stats.binomtest(15, 50).proportion_ci(0.95, method='wilson')
  @Test("Wilson interval matches statsmodels")
  func wilson() {
    let (low, high) = Statistics.wilsonInterval(proportion: 0.3, trials: 50, level: 0.95)
    #expect(abs(low - 0.1910355350088095) < 1e-12)
    #expect(abs(high - 0.4375035046445341) < 1e-12)
  }
}
