import CandorTestSupport
import Foundation
import Testing

@testable import CandorCore

/// BLAKE3 gives the reference implementation's digests at every width of vector instructions this CPU has: lengths
/// around blocks, chunks, and the 4096-chunk subtrees hashed one at a time, and misaligned inputs.
@Suite struct BLAKE3Tests {
  /// Bytes i mod 251, the BLAKE3 test vectors' input.
  static let pattern: [UInt8] = (0..<(32 << 20)).map { UInt8($0 % 251) }

  static var levels: [Int] { Array(0...BLAKE3.bestLevel) }

  @Test("the reference digests of the test-vector input, at every length of the fixture and every level this CPU runs")
  func referenceVectors() throws {
    let fixture = try Fixtures.json("blake3_vectors.json") as! [String: Any]
    let vectors = fixture["vectors"] as! [[String: Any]]
    #expect(vectors.count == 38)
    try Self.pattern.withUnsafeBytes { all in
      for vector in vectors {
        let length = vector["length"] as! Int, expected = vector["blake3"] as! String
        try #require(length <= all.count)
        for level in Self.levels {
          #expect(BLAKE3.hex(UnsafeRawBufferPointer(rebasing: all[0..<length]), level: level) == expected, "length \(length), level \(level)")
        }
      }
    }
    // The default path is the widest level.
    #expect(BLAKE3.hex(Data(Self.pattern.prefix(102_400))) == vectors.first { $0["length"] as! Int == 102_400 }!["blake3"] as! String)
  }

  @Test("every level agrees on drawn lengths at every alignment, and a changed byte anywhere changes the digest")
  func levelsAgree() {
    var random = SeededRandom(seed: 3)
    let bytes: [UInt8] = (0..<(1 << 20) + 64).map { _ in UInt8.random(in: 0...255, using: &random) }
    bytes.withUnsafeBytes { all in
      for trial in 0..<60 {
        let offset = trial % 17, length = trial < 20 ? trial * 97 : Int.random(in: 0...(1 << 20), using: &random)
        let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
        let digests = Set(Self.levels.map { BLAKE3.hex(slice, level: $0) })
        #expect(digests.count == 1, "length \(length) at offset \(offset)")
      }
    }
    var changed = Array(bytes.prefix(300_000))
    let original = BLAKE3.hex(Data(changed))
    for position in [0, 1023, 1024, 65_535, 299_999] {
      changed[position] ^= 1
      #expect(BLAKE3.hex(Data(changed)) != original, "byte \(position)")
      changed[position] ^= 1
    }
  }
}
