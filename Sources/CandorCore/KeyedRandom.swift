/// Random numbers that are a function of a key — (seed, stream, index) — rather than of a generator's state, so the
/// draw of row r is the same whether one process draws every row or a shard draws only its own (sharded runs, the
/// Poisson bootstrap, a randomized model's predictions). SplitMix64's finalizer (Steele, Lea & Flood 2014, "Fast
/// splittable pseudorandom number generators") is chained over the key's parts, so every bit of each part reaches
/// every bit of the result. Not for privacy noise: that comes from `SecureRandomSource`.
public enum KeyedRandom {
  /// 64 random bits for the key.
  @inlinable @inline(__always)
  public static func bits(seed: UInt64, stream: Int, index: Int) -> UInt64 {
    mix(mix(mix(seed) ^ UInt64(truncatingIfNeeded: stream)) ^ UInt64(truncatingIfNeeded: index))
  }

  /// A uniform draw in [0, 1) on the 2⁻⁵³ grid for the key.
  @inlinable @inline(__always)
  public static func uniform(seed: UInt64, stream: Int, index: Int) -> Double {
    Double(bits(seed: seed, stream: stream, index: index) >> 11) * 0x1p-53
  }

  @inlinable @inline(__always)
  public static func mix(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
