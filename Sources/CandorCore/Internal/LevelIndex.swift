/// Maps byte strings to dense codes without making a `String` per cell: open addressing on an FNV-1a
/// hash, level bytes kept in one arena.
struct LevelIndex {
  private var arena: [UInt8] = []
  private var offsets: [Int] = [0]
  private var slots = [Int32](repeating: -1, count: 64)
  private var hashes: [UInt64] = []

  var levelCount: Int { offsets.count - 1 }

  mutating func code(for key: UnsafeBufferPointer<UInt8>) -> Int32 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in key { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
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
    for k in 0..<key.count where arena[start + k] != key[k] { return false }
    return true
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
