import Foundation

/// Decimal text → `Double`, correctly rounded.
///
/// Fast path (Clinger 1990): at most 15 significant digits and no exponent, so the digits and the power of
/// ten are both exact doubles and one IEEE division rounds correctly. Everything else goes to `strtod`.
/// Hexadecimal floats are refused (no spreadsheet writes them); surrounding spaces are allowed.
enum NumberParser {
  /// 10⁰ … 10²², all exact doubles (a tuple, so no lazy global initialization in the hot path).
  @inline(__always) static func powerOfTen(_ k: Int) -> Double {
    let table: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
                Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
      (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
       1e20, 1e21, 1e22)
    return withUnsafeBytes(of: table) { $0.load(fromByteOffset: k * 8, as: Double.self) }
  }

  static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scratch: inout [UInt8]) -> Double? {
    // Plain integers (the most common numeric cell) in one tight loop.
    if end - start <= 16 && end > start {
      var i = start
      let negative = bytes[i] == UInt8(ascii: "-")
      if negative { i += 1 }
      if i < end {
        var mantissa: UInt64 = 0
        var j = i
        while j < end {
          let digit = bytes[j] &- 0x30
          if digit > 9 { break }
          mantissa = mantissa &* 10 &+ UInt64(digit)
          j += 1
        }
        if j == end { return negative ? -Double(mantissa) : Double(mantissa) }
      }
    }
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
