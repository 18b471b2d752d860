import CandorTestSupport
import Foundation
import Testing

@testable import CandorCore

/// `LevelIndex` numbers byte strings by first occurrence, whatever their hashes: keys of every length from 0 to 40
/// (the hash's three-byte, four-byte and eight-byte cases), keys differing in one byte, and the table's growth.
@Suite struct LevelIndexTests {
  @Test("codes by first occurrence and texts back, for 20,000 drawn keys over 3,000 distinct ones")
  func firstOccurrence() {
    var random = SeededRandom(seed: 31)
    var distinct: [[UInt8]] = []
    for length in 0...40 {
      for _ in 0..<70 { distinct.append((0..<length).map { _ in UInt8.random(in: 97...100, using: &random) }) }
    }
    // Neighbours: one byte changed at each position of a long key.
    let long = Array("Asian-Pac-Islander, a longer level".utf8)
    for k in 0..<long.count { var key = long; key[k] ^= 1; distinct.append(key) }
    var index = LevelIndex(), expected: [[UInt8]: Int32] = [:], order: [[UInt8]] = []
    for _ in 0..<20_000 {
      let key = distinct[Int.random(in: 0..<distinct.count, using: &random)]
      let code = key.withUnsafeBufferPointer { index.code(for: $0) }
      if let known = expected[key] {
        #expect(code == known)
      } else {
        #expect(code == Int32(order.count))
        expected[key] = code
        order.append(key)
      }
    }
    #expect(index.levelCount == order.count && order.count > 1_500)
    for (code, key) in order.enumerated() { #expect(index.text(of: code) == String(decoding: key, as: UTF8.self)) }
  }
}
