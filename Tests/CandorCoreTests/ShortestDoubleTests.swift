@testable import CandorCore
import Foundation
import Testing

/// `ShortestDouble` must write exactly what `Double.description` writes, for every double.
@Suite struct ShortestDoubleTests {
  static func text(_ value: Double) -> String {
    var bytes: [UInt8] = []
    ShortestDouble.append(value, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The first value (if any) of `values` whose text differs from `description`, with both texts.
  static func firstMismatch(_ values: some Sequence<Double>) -> String? {
    for value in values where text(value) != value.description {
      return "\(value.bitPattern): \(text(value)) vs \(value.description)"
    }
    return nil
  }

  @Test("Swift's layout at every boundary: 1e-4, 2^53, exponent digits, signs, zeros, non-finite values")
  func layoutAtEveryBoundary() {
    let expected: [(Double, String)] = [
      (0, "0.0"), (-0.0, "-0.0"), (1, "1.0"), (-200, "-200.0"), (0.1, "0.1"), (0.3, "0.3"), (2.5, "2.5"),
      (123.456, "123.456"), (0.001, "0.001"), (0.0001, "0.0001"), (0.00012345, "0.00012345"), (9.999e-5, "9.999e-05"),
      (1e-5, "1e-05"), (4.35e-5, "4.35e-05"), (1e-100, "1e-100"), (1e15, "1000000000000000.0"),
      (8.5e15, "8500000000000000.0"), (0x1p53, "9007199254740992.0"), (0x1p53 + 2, "9.007199254740994e+15"),
      (9.5e15, "9.5e+15"), (1e16, "1e+16"), (12_345_678_901_234_567, "1.2345678901234568e+16"), (1e22, "1e+22"),
      (1.5e300, "1.5e+300"), (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
      (.leastNormalMagnitude, "2.2250738585072014e-308"), (5e-324, "5e-324"), (1.23e-308, "1.23e-308"),
      (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"), (0.1 + 0.2, "0.30000000000000004"),
      (-0.02342702198192228, "-0.02342702198192228"), (-5.4454075063979674e-05, "-5.4454075063979674e-05"),
    ]
    for (value, text) in expected {
      #expect(Self.text(value) == text, "\(value)")
      #expect(value.description == text, "\(value): the expectation itself")
    }
  }

  /// Every binade's powers of two (the irregular spacing below them) and their neighbours, positive and negative.
  @Test("every binade: its power of two (narrower interval below), neighbours and middle, both signs")
  func everyExponentAndItsNeighbours() {
    var values: [Double] = []
    for biased in UInt64(0)...0x7FF {
      for fraction: UInt64 in [0, 1, 2, 3, (1 << 52) - 1, (1 << 51), (1 << 51) + 1] {
        let bits = biased << 52 | fraction
        values += [Double(bitPattern: bits), Double(bitPattern: bits | 1 << 63)]
      }
    }
    #expect(Self.firstMismatch(values) == nil)
  }

  /// Random bit patterns: every exponent equally likely, so the whole table is read.
  @Test("1,000,000 random bit patterns, every exponent equally likely")
  func randomBitPatterns() {
    var random = SeededRandom(seed: 20_261_207)
    #expect(Self.firstMismatch((0..<1_000_000).lazy.map { _ in Double(bitPattern: random.next()) }) == nil)
  }

  /// Short decimals (where the shortest and the closest choices decide) and integers, as data holds them.
  @Test("1,200,000 short decimals, integers and fractions of the kind data holds")
  func shortDecimalsAndIntegers() {
    var random = SeededRandom(seed: 7)
    var values: [Double] = []
    for _ in 0..<300_000 {
      let digits = Double(random.next() % 100_000_000)
      let power = Int(random.next() % 60) - 30
      values.append(digits * pow(10, Double(power)))
      values.append(Double(String(Int(random.next() % 1_000_000)) + "e" + String(Int(random.next() % 640) - 330))!)
      values.append(Double(Int64(bitPattern: random.next()) >> (random.next() % 64)))
      values.append(Double(random.next() >> 11) * 0x1p-53)
    }
    #expect(Self.firstMismatch(values) == nil)
  }

  @Test("IntegerText writes what String(value) writes: the extremes, every digit count, 100,000 random values")
  func integers() {
    var random = SeededRandom(seed: 19)
    let values: [Int] = [.min, .max, 0, -1, 9, 10, -10] + (0..<19).map { Int(pow(10, Double($0))) } + (0..<100_000).map { _ in
      Int(bitPattern: UInt(random.next())) >> Int(random.next() % 64)
    }
    let mismatch = values.first { value in
      var bytes: [UInt8] = []
      IntegerText.append(value, to: &bytes)
      return String(decoding: bytes, as: UTF8.self) != String(value)
    }
    #expect(mismatch == nil)
  }
}
