import CDigests
import Foundation

/// SHA-256 (FIPS 180-4, "Secure Hash Standard", §6.2), for pinning the files a saved result refers to: a threshold
/// policy names its base model by path and digest and refuses a base whose bytes changed. Foundation on Linux has
/// no CryptoKit, and this is too small a need for a package.
public enum SHA256 {
  /// The digest of `data` as 64 lowercase hex digits.
  public static func hex(_ data: Data) -> String {
    HexText.lowercase(digest(data))
  }

  /// True when the CPU has the SHA extensions: whole blocks then go through `candor_sha256_blocks` (about 1.5 GB/s
  /// against this file's 200 MB/s), and every digest is the same either way (tested).
  public static let hardware = candor_sha256_hardware() == 1

  /// The 32-byte digest of `data`, with the CPU's SHA instructions when `useHardware` and it has them.
  public static func digest(_ data: Data, useHardware: Bool = hardware) -> [UInt8] {
    data.withUnsafeBytes { digest($0, useHardware: useHardware) }
  }

  /// The digest of `bytes` as 64 lowercase hex digits.
  public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
    HexText.lowercase(digest(bytes))
  }

  public static func digest(_ data: UnsafeRawBufferPointer, useHardware: Bool = hardware) -> [UInt8] {
    var state: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
    // The message, a 1 bit, zeros to 56 bytes mod 64, and its length in bits as a big-endian 64-bit number.
    var tail = [UInt8](data[(data.count - data.count % 64)...])
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    let bits = UInt64(data.count) &* 8
    for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    var schedule = [UInt32](repeating: 0, count: 64)
    let hardware = useHardware && Self.hardware
    func blocks(_ bytes: UnsafeRawBufferPointer, count: Int) {
      if hardware {
        state.withUnsafeMutableBufferPointer { candor_sha256_blocks($0.baseAddress!, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count) }
        return
      }
      for k in 0..<count { compress(&state, block: UnsafeRawBufferPointer(rebasing: bytes[(64 * k)..<(64 * k + 64)]), schedule: &schedule) }
    }
    let whole = data.count / 64
    if whole > 0 { blocks(data, count: whole) }
    tail.withUnsafeBytes { blocks($0, count: tail.count / 64) }
    return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
  }

  private static let roundConstants: [UInt32] = withUnsafeBytes(of: candor_sha256_round_constants) { Array($0.bindMemory(to: UInt32.self)) }

  @inline(__always) private static func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }

  /// One 64-byte block into the state (§6.2.2).
  private static func compress(_ state: inout [UInt32], block: UnsafeRawBufferPointer, schedule w: inout [UInt32]) {
    for t in 0..<16 {
      w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
    }
    for t in 16..<64 {
      let s0 = rotate(w[t - 15], 7) ^ rotate(w[t - 15], 18) ^ (w[t - 15] >> 3)
      let s1 = rotate(w[t - 2], 17) ^ rotate(w[t - 2], 19) ^ (w[t - 2] >> 10)
      w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
    }
    var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
    for t in 0..<64 {
      let t1 = h &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ roundConstants[t] &+ w[t]
      let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
      (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
    }
    for (i, value) in [a, b, c, d, e, f, g, h].enumerated() { state[i] = state[i] &+ value }
  }
}
