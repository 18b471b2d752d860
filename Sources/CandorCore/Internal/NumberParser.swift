import Foundation

/// Decimal text → `Double`, correctly rounded.
///
/// Fast path (Clinger 1990): at most 15 significant digits and no exponent, so the digits and the power of
/// ten are both exact doubles and one IEEE division rounds correctly. Everything else goes to `strtod`.
/// Hexadecimal floats are refused (no spreadsheet writes them); surrounding spaces are allowed.
enum NumberParser {
  /// 10⁰ … 10²², all exact doubles: a switch, which the optimizer turns into a table of constants (a tuple built
  /// on the stack cost 23 stores a call).
  @inline(__always) static func powerOfTen(_ k: Int) -> Double {
    switch k {
    case 0: 1e0
    case 1: 1e1
    case 2: 1e2
    case 3: 1e3
    case 4: 1e4
    case 5: 1e5
    case 6: 1e6
    case 7: 1e7
    case 8: 1e8
    case 9: 1e9
    case 10: 1e10
    case 11: 1e11
    case 12: 1e12
    case 13: 1e13
    case 14: 1e14
    case 15: 1e15
    case 16: 1e16
    case 17: 1e17
    case 18: 1e18
    case 19: 1e19
    case 20: 1e20
    case 21: 1e21
    default: 1e22
    }
  }

  static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scratch: inout [UInt8]) -> Double? {
    if let value = plainDecimal(bytes, start, end) { return value }
    var s = start, e = end
    while s < e && bytes[s] == 0x20 { s += 1 }
    while e > s && bytes[e - 1] == 0x20 { e -= 1 }
    if s == e { return nil }
    var i = s
    var negative = false
    if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
      negative = bytes[i] == UInt8(ascii: "-")
      i += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0, fractionDigits = 0, sawPoint = false, sawDigit = false, fast = true
    while i < e {
      let b = bytes[i]
      if b >= 0x30 && b <= 0x39 {
        sawDigit = true
        if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(b - 0x30) }
        if mantissa != 0 || b != 0x30 { digits += 1 }
        if sawPoint { fractionDigits += 1 }
      } else if b == UInt8(ascii: ".") && !sawPoint {
        sawPoint = true
      } else {
        fast = false
        break
      }
      i += 1
    }
    if fast {
      guard sawDigit else { return nil }
      if digits <= 15 && fractionDigits <= 22 {
        let value = fractionDigits == 0 ? Double(mantissa) : Double(mantissa) / powerOfTen(fractionDigits)
        return negative ? -value : value
      }
      #if arch(x86_64) && !os(Windows)
        if digits <= 19 && fractionDigits <= 27, let value = extendedQuotient(mantissa, fractionDigits) {
          return negative ? -value : value
        }
      #endif
    }
    return slowParse(bytes, s, e, scratch: &scratch)
  }

  /// The common cell, without a branch per digit where it can: an optional minus, then at most 19 digits in all
  /// with at most one point among them, and nothing else. Runs of eight digits are read at once (SWAR: one 64-bit
  /// load, a check that every byte is a digit, three multiplications; Lemire, "Number Parsing at a Gigabyte per
  /// Second", 2021, §7). 19 digits fit a UInt64 exactly, so the value is the digits over a power of ten, correctly
  /// rounded by Clinger's division when they are below 2⁵³ and by the extended quotient otherwise. Nil for any
  /// other text, which the general path reads.
  @inline(__always) static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    guard end > start, end - start <= 21, let base = bytes.baseAddress else { return nil }
    var i = start
    let negative = base[i] == UInt8(ascii: "-")
    if negative { i += 1 }
    var mantissa: UInt64 = 0, digits = 0, point = -1
    while i < end {
      if end - i >= 8 {
        let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
        if isEightDigits(word) {
          mantissa = mantissa &* 100_000_000 &+ eightDigits(word)
          digits += 8
          i += 8
          continue
        }
      }
      let digit = base[i] &- 0x30
      if digit <= 9 {
        mantissa = mantissa &* 10 &+ UInt64(digit)
        digits += 1
      } else if base[i] == UInt8(ascii: ".") && point < 0 {
        point = digits
      } else {
        return nil
      }
      i += 1
    }
    guard digits > 0 && digits <= 19 else { return nil }
    let fraction = point < 0 ? 0 : digits - point
    let value: Double
    if fraction == 0 {
      value = Double(mantissa)  // correctly rounded
    } else if mantissa <= 1 << 53 {
      value = Double(mantissa) / powerOfTen(fraction)
    } else {
      #if arch(x86_64) && !os(Windows)
        guard let quotient = extendedQuotient(mantissa, fraction) else { return nil }
        value = quotient
      #else
        return nil
      #endif
    }
    return negative ? -value : value
  }

  /// True when the eight bytes of `word` (the first in its lowest byte) are all ASCII digits.
  @inline(__always) static func isEightDigits(_ word: UInt64) -> Bool {
    (word & 0xF0F0_F0F0_F0F0_F0F0) | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4) == 0x3333_3333_3333_3333
  }

  /// The number eight ASCII digits spell, the first in the lowest byte: pairs, then quads, then the eight.
  @inline(__always) static func eightDigits(_ word: UInt64) -> UInt64 {
    var v = word & 0x0F0F_0F0F_0F0F_0F0F
    v = (v &* (10 << 8 + 1)) >> 8
    v = ((v & 0x00FF_00FF_00FF_00FF) &* (100 << 16 + 1)) >> 16
    return ((v & 0x0000_FFFF_0000_FFFF) &* (10_000 << 32 + 1)) >> 32
  }

  #if arch(x86_64) && !os(Windows)
    /// m / 10^k for m < 2⁶⁴ and k ≤ 27, correctly rounded: both are exact in 80-bit extended precision
    /// (5²⁷ < 2⁶⁴), so the quotient is correctly rounded to 64 bits; rounding that to a double is correct
    /// unless it landed exactly on a midpoint between two doubles (low 11 bits 10000000000), where the
    /// double rounding could go wrong — then nil, and strtod decides.
    @inline(__always) static func extendedQuotient(_ m: UInt64, _ k: Int) -> Double? {
      let power = k <= 22 ? Float80(powerOfTen(k)) : Float80(powerOfTen(22)) * Float80(powerOfTen(k - 22))
      let q = Float80(m) / power
      if q == 0 { return 0 }
      if q.significandBitPattern & 0x7FF == 0x400 { return nil }
      return Double(q)
    }
  #endif

  private static func slowParse(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, scratch: inout [UInt8]) -> Double? {
    for k in s..<e where bytes[k] == UInt8(ascii: "x") || bytes[k] == UInt8(ascii: "X") { return nil }
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[s..<e]))
    scratch.append(0)
    return scratch.withUnsafeBufferPointer { p -> Double? in
      p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { c in
        var endPointer: UnsafeMutablePointer<CChar>?
        let value = strtod(c, &endPointer)
        guard let endPointer, endPointer - UnsafeMutablePointer(mutating: c) == e - s else { return nil }
        return value
      }
    }
  }
}
