import Foundation

/// Maps byte strings to dense codes without making a `String` per cell: open addressing on a word-at-a-time
/// hash, level bytes kept in one arena.
struct LevelIndex {
  private var arena: [UInt8] = []
  private var offsets: [Int] = [0]
  private var slots = [Int32](repeating: -1, count: 64)
  private var hashes: [UInt64] = []

  var levelCount: Int { offsets.count - 1 }

  mutating func code(for key: UnsafeBufferPointer<UInt8>) -> Int32 {
    let hash = Self.hash(key)
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let code = slots[slot]
      if code < 0 { break }
      if hashes[Int(code)] == hash && equals(Int(code), key) { return code }
      slot = (slot + 1) & mask
    }
    let code = Int32(levelCount)
    arena.append(contentsOf: key)
    offsets.append(arena.count)
    hashes.append(hash)
    slots[slot] = code
    if levelCount * 2 > slots.count { grow() }
    return code
  }

  func text(of level: Int) -> String? {
    arena[offsets[level]..<offsets[level + 1]].withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
  }

  private func equals(_ level: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
    let start = offsets[level], end = offsets[level + 1]
    guard end - start == key.count else { return false }
    guard let keyBytes = key.baseAddress else { return true }
    return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, keyBytes, key.count) == 0 }
  }

  /// A hash of the bytes a word at a time, reading nothing outside them: 8-byte words (the last one overlapping the
  /// one before), or for shorter keys two overlapping 4-byte words or three bytes, each word mixed in by a multiply
  /// and a shift, the length first. (Byte-at-a-time FNV-1a cost a dependent multiply per byte.) Codes are numbered
  /// by first occurrence, so the hash decides only where a level sits in the table, never its code.
  @inline(__always) static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
    let n = key.count
    guard n > 0, let bytes = key.baseAddress else { return 0x9E37_79B9_7F4A_7C15 }
    let raw = UnsafeRawPointer(bytes)
    var h = UInt64(n) &* 0x9E37_79B9_7F4A_7C15
    @inline(__always) func mix(_ word: UInt64) {
      h = (h ^ word) &* 0xFF51_AFD7_ED55_8CCD
      h ^= h >> 32
    }
    if n >= 8 {
      var i = 0
      while i + 8 < n {
        mix(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        i += 8
      }
      mix(raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
    } else if n >= 4 {
      mix(UInt64(raw.loadUnaligned(as: UInt32.self)) << 32 | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)))
    } else {
      mix(UInt64(bytes[0]) << 16 | UInt64(bytes[n / 2]) << 8 | UInt64(bytes[n - 1]))
    }
    return h
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    let mask = slots.count - 1
    for level in 0..<levelCount {
      var slot = Int(truncatingIfNeeded: hashes[level]) & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(level)
    }
  }
}
