import CandorCore

/// A seeded mutant of a file's bytes, for tests that a reader refuses what it cannot read instead of trapping:
/// 1 to `maxEdits` edits, each a random byte, a deletion of up to `maxDeletion` bytes, or one of `inserts`.
public func seededMutant(of original: [UInt8], inserts: [[UInt8]], maxEdits: Int, maxDeletion: Int, random: inout SeededRandom) -> [UInt8] {
  var bytes = original
  for _ in 0..<(1 + random.nextIndex(below: maxEdits)) {
    if bytes.isEmpty { break }
    let at = random.nextIndex(below: bytes.count)
    switch random.nextIndex(below: 3) {
    case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
    case 1: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.nextIndex(below: maxDeletion)))
    default: bytes.insert(contentsOf: inserts[random.nextIndex(below: inserts.count)], at: at)
    }
  }
  return bytes
}
