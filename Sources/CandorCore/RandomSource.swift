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

  /// An independent stream for worker `index`: the generator advanced by `index + 1` jumps of 2¹²⁸ steps,
  /// so parallel workers never overlap and results do not depend on scheduling.
  public func stream(_ index: Int) -> SeededRandom {
    var copy = self
    for _ in 0...index { copy.jump() }
    return copy
  }

  private mutating func jump() {
    let jumpPolynomial: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
    var s0: UInt64 = 0, s1: UInt64 = 0, s2: UInt64 = 0, s3: UInt64 = 0
    for word in jumpPolynomial {
      for bit in 0..<64 {
        if word & (1 << UInt64(bit)) != 0 {
          s0 ^= state.0
          s1 ^= state.1
          s2 ^= state.2
          s3 ^= state.3
        }
        _ = next()
      }
    }
    state = (s0, s1, s2, s3)
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

