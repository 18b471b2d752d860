import Foundation

/// Decimal text → `Double`, correctly rounded.
///
/// Fast path (Clinger 1990): at most 15 significant digits and no exponent, so the digits and the power of
/// ten are both exact doubles and one IEEE division rounds correctly. Everything else goes to `strtod`.
/// Hexadecimal floats are refused (no spreadsheet writes them); surrounding spaces are allowed.
enum NumberParser {
  private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

  static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, scratch: inout [UInt8]) -> Double? {
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
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
      }
    }
    return slowParse(bytes, s, e, scratch: &scratch)
  }

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
