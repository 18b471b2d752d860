import Foundation

/// The seedable generator used everywhere in Candor: xoshiro256** (Blackman & Vigna 2021,
/// "Scrambled linear pseudorandom number generators", https://prng.di.unimi.it/), seeded through
/// SplitMix64 so that any 64-bit seed gives a well-mixed state.
///
/// Not for privacy noise: use `SecureRandomSource` there (see `RandomSource.secure`).
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var splitMix = seed
    func next() -> UInt64 {
      splitMix &+= 0x9E37_79B9_7F4A_7C15
      var z = splitMix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (next(), next(), next(), next())
  }

  public static func == (a: SeededRandom, b: SeededRandom) -> Bool { a.state == b.state }

  @inlinable static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  public mutating func next() -> UInt64 {
    let result = Self.rotl(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = Self.rotl(state.3, 45)
    return result
  }

  /// The generator for stream `stream` of `seed`: replicate r of a bootstrap, worker w of a parallel loop.
  /// Results then depend on the seed and the stream number only, never on scheduling. The pair is mixed
  /// through SplitMix64, so neighbouring streams start from unrelated states.
  public init(seed: UInt64, stream: Int) {
    self.init(seed: seed ^ (UInt64(truncatingIfNeeded: stream) &+ 1) &* 0xD1B5_4A32_D192_ED03)
  }

  /// A uniform integer in `0..<bound` by Lemire's multiply-shift (bias below bound / 2⁶⁴).
  public mutating func nextIndex(below bound: Int) -> Int {
    Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
  }
}

/// A cryptographically secure generator: the operating system's CSPRNG (`getrandom` on Linux,
/// `arc4random` on Apple platforms) through the standard library's `SystemRandomNumberGenerator`.
/// Differential-privacy noise must come from this unless the user asks for a seeded, non-private run.
public struct SecureRandomSource: RandomNumberGenerator, Sendable {
  private var system = SystemRandomNumberGenerator()
  public init() {}
  public mutating func next() -> UInt64 { system.next() }
}

extension RandomNumberGenerator {
  /// Uniform in [0, 1) with 53 random bits.
  public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Standard normal by the Box–Muller transform (one of the pair is used, so draws are independent of
  /// call order).
  public mutating func nextGaussian() -> Double {
    var u1 = nextUniform()
    while u1 == 0 { u1 = nextUniform() }
    let u2 = nextUniform()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}

