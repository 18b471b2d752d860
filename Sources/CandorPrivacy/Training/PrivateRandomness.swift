import CandorCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The operating system's CSPRNG read in blocks: the kernel's `/dev/urandom` on Linux (the generator behind
/// `getrandom(2)`; `arc4random_buf` on Apple platforms), 4 KiB at a time, so a DP-SGD run does not make a system call
/// per draw. Every value is the kernel's output, used once.
public struct BufferedSystemRandom: RandomNumberGenerator, Sendable {
  private var buffer = [UInt64](repeating: 0, count: 512)
  private var position = 512

  public init() {}

  public mutating func next() -> UInt64 {
    if position == buffer.count { refill() }
    defer { position += 1 }
    return buffer[position]
  }

  private mutating func refill() {
    buffer.withUnsafeMutableBytes { bytes in
      #if canImport(Glibc)
        // The kernel refusing randomness leaves no safe way to continue a private run.
        let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if device < 0 { fatalError("cannot open /dev/urandom (errno \(errno)); no secure randomness for privacy noise") }
        defer { close(device) }
        var filled = 0
        while filled < bytes.count {
          let got = read(device, bytes.baseAddress! + filled, bytes.count - filled)
          if got < 0 && errno == EINTR { continue }
          if got <= 0 { fatalError("reading /dev/urandom failed (errno \(errno)); no secure randomness for privacy noise") }
          filled += got
        }
      #else
        arc4random_buf(bytes.baseAddress!, bytes.count)
      #endif
    }
    position = 0
  }
}

/// Standard normal noise for privacy mechanisms.
///
/// Each draw is the sum of four normals divided by 2 (still exactly N(0, 1)). A single floating-point normal sample
/// leaves gaps in the set of values it can return, and an attacker who sees a noisy output can tell which inputs it
/// could have come from (Jin, McMurtry, Rubinstein & Ohrimenko 2022, "Are We There Yet? Timing and Floating-Point
/// Attacks on Differential Privacy Systems", arXiv:2112.05307); summing several samples closes those gaps (Holohan &
/// Braghin 2021, "Secure Random Sampling in Differential Privacy", arXiv:2107.10138), as Opacus's `secure_mode`
/// does. The normals come in pairs from Marsaglia's polar method (Marsaglia & Bray 1964), whose rejection step
/// replaces Box–Muller's sine and cosine; the uniforms from the generator the run is given:
/// `BufferedSystemRandom` unless the user asked for an insecure seed.
public struct GaussianNoise<Source: RandomNumberGenerator> {
  public var source: Source

  public init(source: Source) {
    self.source = source
  }

  /// One N(0, 1) draw.
  public mutating func next() -> Double {
    let (a, b) = pair()
    let (c, d) = pair()
    return (a + b + c + d) / 2
  }

  /// Two independent N(0, 1) draws: a point uniform in the unit disc (by rejection from the square, 53-bit
  /// coordinates), scaled by √(−2 ln s / s) for its squared radius s.
  mutating func pair() -> (Double, Double) {
    while true {
      let u = Double(source.next() >> 11) * 0x1.0p-52 - 1
      let v = Double(source.next() >> 11) * 0x1.0p-52 - 1
      let s = u * u + v * v
      if s >= 1 || s == 0 { continue }
      let scale = (-2 * log(s) / s).squareRoot()
      return (u * scale, v * scale)
    }
  }
}

/// Poisson sampling as DP-SGD's accounting assumes it (Mironov, Talwar & Zhang 2019): at every step each of the
/// n examples joins the batch on its own with probability q, so batch sizes vary and a batch may be empty.
///
/// The members are drawn as the gaps between them: the number of examples skipped before the next member is
/// geometric, P(gap ≥ k) = (1 − q)ᵏ, drawn by inversion as ⌊ln U / ln(1 − q)⌋ with U uniform in (0, 1]. That is
/// the same distribution as n coin flips, in about q·n draws instead of n.
public struct PoissonSampler: Sendable {
  public let population: Int
  public let rate: Double
  let logSkip: Double

  public init(population: Int, rate: Double) {
    precondition(population >= 0 && rate > 0 && rate <= 1, "Poisson sampling needs n ≥ 0 and q in (0, 1]")
    self.population = population
    self.rate = rate
    logSkip = log1p(-rate)
  }

  /// One step's batch: indices in increasing order (reusing `batch`'s storage).
  public func sample(into batch: inout [Int], using random: inout some RandomNumberGenerator) {
    batch.removeAll(keepingCapacity: true)
    if rate == 1 {
      batch.append(contentsOf: 0..<population)
      return
    }
    var index = -1
    while true {
      let u = Double((random.next() >> 11) + 1) * 0x1.0p-53
      let gap = (log(u) / logSkip).rounded(.down)
      if gap >= Double(population - index - 1) { return }
      index += Int(gap) + 1
      batch.append(index)
    }
  }
}
