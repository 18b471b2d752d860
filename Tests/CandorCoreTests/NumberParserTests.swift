import CandorTestSupport
import Foundation
import Testing

@testable import CandorCore

/// The CSV reader's number parser gives `Double(String)`'s correctly rounded value, bit for bit, on drawn plain
/// decimals of every shape its eight-digit (SWAR) path meets, and on the general path's text.
@Suite struct NumberParserTests {
  static func parse(_ text: String) -> Double? {
    var scratch: [UInt8] = []
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { NumberParser.parse($0, 0, $0.count, scratch: &scratch) }
  }

  static func same(_ a: Double?, _ b: Double?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case let (x?, y?): x.bitPattern == y.bitPattern
    default: false
    }
  }

  @Test("drawn decimals of 1 to 21 digits, the point anywhere, leading zeros and signs: Double(String)'s bits")
  func drawnDecimals() {
    var random = SeededRandom(seed: 11)
    var compared = 0
    for trial in 0..<400_000 {
      let digits = 1 + trial % 21
      var text = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
      // A run of leading zeros now and then, and the point anywhere (or nowhere).
      if trial % 5 == 0 { text = String(repeating: "0", count: Int.random(in: 1...6, using: &random)) + text }
      let point = Int.random(in: -1...text.count, using: &random)
      if point >= 0 { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
      if trial % 3 == 0 { text = "-" + text }
      let expected = Double(text)
      #expect(Self.same(Self.parse(text), expected), "\(text)")
      compared += 1
    }
    #expect(compared == 400_000)
  }

  @Test("edge texts", arguments: [
    ("0", 0.0), ("-0", -0.0), ("5.", 5.0), (".5", 0.5), ("-.25", -0.25), ("12345678", 12_345_678.0),
    ("1234567812345678", 1_234_567_812_345_678.0), ("9999999999999999999", 9_999_999_999_999_999_999.0),
    ("0.30000000000000004", 0.30000000000000004), ("9007199254740993", 9_007_199_254_740_993.0),
    ("0.1", 0.1), (" 7 ", 7.0), ("+3.5", 3.5), ("1e5", 100_000.0), ("-2.5E-3", -0.0025),
    ("12345678901234567890123", 12_345_678_901_234_567_890_123.0),
  ])
  func edges(_ text: String, _ value: Double) {
    #expect(Self.parse(text)?.bitPattern == value.bitPattern, "\(text)")
  }

  @Test("text that is not a number", arguments: ["", "-", ".", "-.", "1..2", "12a", "1234567a", "12345678.9x", "0x10", "1 2", "--1"])
  func notNumbers(_ text: String) {
    #expect(Self.parse(text) == nil, "\(text)")
  }

  @Test("the eight-digit step reads every eight-digit string and refuses every byte that is not a digit at every position")
  func eightDigitWords() {
    var random = SeededRandom(seed: 5)
    for _ in 0..<20_000 {
      let value = UInt64.random(in: 0..<100_000_000, using: &random)
      let text = Array(String(format: "%08llu", value).utf8)
      let word = text.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
      #expect(NumberParser.isEightDigits(word) && NumberParser.eightDigits(word) == value)
    }
    for position in 0..<8 {
      for byte in UInt8(0)...UInt8(255) where !(0x30...0x39).contains(byte) {
        var text = Array("12345678".utf8)
        text[position] = byte
        let word = text.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        #expect(!NumberParser.isEightDigits(word), "byte \(byte) at \(position)")
      }
    }
  }
}
