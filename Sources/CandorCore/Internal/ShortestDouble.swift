/// A double's shortest round-trip text, byte for byte what `Double.description` writes, in a fraction of its time.
///
/// The digits are Schubfach's (R. Giulietti, "The Schubfach way to render doubles", 2020; the algorithm of Java's
/// `Double.toString` since JDK 19): the shortest decimal in the double's rounding interval, and of those the closest,
/// ties to even — the decimal `Double.description` picks too. Three 64×64-bit products find it; Swift's own
/// formatter spent about 460 instructions per double in software 128-bit arithmetic, which was most of the time of
/// writing a large JSON result. The layout is Swift's (`swift_format_double`): exponential below 1e-4 or above 2^53,
/// at least two exponent digits, and ".0" after an integral value.
///
/// Zeros, subnormals, infinities and NaNs go to `description` itself: they are rare, and Schubfach's handling of
/// the smallest subnormals follows Java's two-digit rule, not Swift's.
enum ShortestDouble {
  /// The most `write` writes: a sign, 17 digits, a point, "e-" and 3 exponent digits.
  static let capacity = 24

  /// Writes `value`'s text to `out` (which has room for `capacity` bytes); the number of bytes written.
  static func write(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
    let bits = value.bitPattern
    let biasedExponent = Int(truncatingIfNeeded: (bits >> 52) & 0x7FF)
    guard biasedExponent != 0 && biasedExponent != 0x7FF else { return described(value, to: out) }
    var sign = 0
    if bits >> 63 != 0 {
      out[0] = 0x2D
      sign = 1
    }
    // |value| = c 2^q with 2^52 <= c < 2^53.
    let c = (1 << 52) | (bits & ((1 << 52) - 1))
    let minusQ = 1075 - biasedExponent
    let decimal: (digits: UInt64, exponent: Int)
    if 0 < minusQ && minusQ < 53 && (c >> UInt64(minusQ)) << UInt64(minusQ) == c {
      // An integer below 2^53 is its own shortest decimal (section 8.2 of the paper).
      decimal = (c >> UInt64(minusQ), 0)
    } else {
      decimal = toDecimal(q: -minusQ, c: c)
    }
    return sign + format(decimal.digits, exponent: decimal.exponent, isLarge: value.magnitude > 0x1p53, to: out + sign)
  }

  /// Appends `value`'s text to `bytes`.
  static func append(_ value: Double, to bytes: inout [UInt8]) {
    TextSlot.with({ write(value, to: $0) }) { bytes.append(contentsOf: $0) }
  }

  private static func described(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
    var text = value.description
    return text.withUTF8 { utf8 in
      let count = min(utf8.count, capacity)
      out.update(from: utf8.baseAddress!, count: count)
      return count
    }
  }

  // MARK: Schubfach (figure 4 of the paper, with the computations of its figure 7 and section 9)

  /// The decimal digits × 10^exponent that `c` 2^q renders as (c a normal double's significand, 2^52 <= c < 2^53).
  @inline(__always)
  private static func toDecimal(q: Int, c: UInt64) -> (digits: UInt64, exponent: Int) {
    let out: UInt64 = c & 1
    let cb = c << 2
    let cbr = cb + 2
    let cbl: UInt64
    let k: Int
    if c != 1 << 52 || q == -1074 {
      // Regular spacing: the rounding interval is symmetric.
      cbl = cb - 2
      k = floorLog10Pow2(q)
    } else {
      // A power of two: the interval below is half as wide.
      cbl = cb - 1
      k = floorLog10ThreeQuartersPow2(q)
    }
    let h = q + floorLog2Pow10(-k) + 2
    let index = 2 * (k - kMin)
    let g1 = g[index], g0 = g[index + 1]
    let vb = roundToOdd(g1, g0, cb << UInt64(h))
    let vbl = roundToOdd(g1, g0, cbl << UInt64(h))
    let vbr = roundToOdd(g1, g0, cbr << UInt64(h))
    let s = vb >> 2
    if s >= 100 {
      // One digit fewer: s' = floor(s / 10) (section 10: s 115_292_150_460_684_698 / 2^60).
      let sp10 = 10 * s.multipliedFullWidth(by: 115_292_150_460_684_698 << 4).high
      let tp10 = sp10 + 10
      let upin = vbl + out <= sp10 << 2
      let wpin = (tp10 << 2) + out <= vbr
      if upin != wpin { return (upin ? sp10 : tp10, k) }
    }
    let t = s + 1
    let uin = vbl + out <= s << 2
    let win = (t << 2) + out <= vbr
    if uin != win { return (uin ? s : t, k) }
    // Both lie in the interval: the closer one, ties to the even one.
    let cmp = Int64(bitPattern: vb &- ((s + t) << 1))
    return (cmp < 0 || (cmp == 0 && s & 1 == 0) ? s : t, k)
  }

  /// rop(cp g 2^-127) with g = g1 2^63 + g0: the product rounded to odd (section 9.10, figure 5).
  @inline(__always)
  private static func roundToOdd(_ g1: UInt64, _ g0: UInt64, _ cp: UInt64) -> UInt64 {
    let x1 = g0.multipliedFullWidth(by: cp).high
    let (y1, y0) = g1.multipliedFullWidth(by: cp)
    let z = (y0 >> 1) &+ x1
    let vbp = y1 &+ (z >> 63)
    let mask63: UInt64 = (1 << 63) - 1
    return vbp | (((z & mask63) &+ mask63) >> 63)
  }

  /// floor(log10(2^e)) for |e| <= 1100 (checked exactly by scripts/shortest_double_table.py).
  @inline(__always) static func floorLog10Pow2(_ e: Int) -> Int { (e &* 661_971_961_083) >> 41 }
  /// floor(log10(3/4 2^e)) for |e| <= 1100.
  @inline(__always) static func floorLog10ThreeQuartersPow2(_ e: Int) -> Int { (e &* 661_971_961_083 &- 274_743_187_321) >> 41 }
  /// floor(log2(10^e)) for |e| <= 330.
  @inline(__always) static func floorLog2Pow10(_ e: Int) -> Int { (e &* 913_124_641_741) >> 38 }

  // MARK: Swift's layout

  /// Writes digits × 10^exponent as `swift_format_double` lays it out; `isLarge`: the value is above 2^53.
  @inline(__always)
  private static func format(_ digits: UInt64, exponent: Int, isLarge: Bool, to out: UnsafeMutablePointer<UInt8>) -> Int {
    var digits = digits, exponent = exponent
    while digits % 10 == 0 {
      digits /= 10
      exponent += 1
    }
    let count = digitCount(digits)
    // The value is 0.d1…dn × 10^point.
    let point = exponent + count
    if point < -3 || isLarge {
      writeDigits(digits, count: count, to: out + 1)
      out[0] = out[1]
      var end = 1
      if count > 1 {
        out[1] = 0x2E
        end = count + 1
      }
      var power = point - 1
      out[end] = 0x65
      out[end + 1] = power < 0 ? 0x2D : 0x2B
      power = abs(power)
      end += 2
      if power >= 100 {
        out[end] = 0x30 + UInt8(truncatingIfNeeded: power / 100)
        power %= 100
        end += 1
      }
      writePair(power, to: out + end)
      return end + 2
    }
    if point <= 0 {
      out[0] = 0x30
      out[1] = 0x2E
      for i in 0..<(-point) { out[2 + i] = 0x30 }
      writeDigits(digits, count: count, to: out + 2 - point)
      return 2 - point + count
    }
    writeDigits(digits, count: count, to: out)
    if point < count {
      var i = count
      while i > point {
        out[i] = out[i - 1]
        i -= 1
      }
      out[point] = 0x2E
      return count + 1
    }
    for i in count..<point { out[i] = 0x30 }
    out[point] = 0x2E
    out[point + 1] = 0x30
    return point + 2
  }

  @inline(__always)
  private static func digitCount(_ value: UInt64) -> Int {
    var count = floorLog10Pow2(64 - value.leadingZeroBitCount)
    if value >= powersOfTen[count] { count += 1 }
    return count
  }

  private static let powersOfTen: [UInt64] = (0...19).map { power in (0..<power).reduce(1) { product, _ in product * 10 } }

  /// Writes the `count` decimal digits of `value` from the right: eight at a time (as two 32-bit halves of four),
  /// then two at a time.
  @inline(__always)
  private static func writeDigits(_ value: UInt64, count: Int, to out: UnsafeMutablePointer<UInt8>) {
    var value = value
    var end = count
    while end >= 8 {
      let (quotient, remainder) = value.quotientAndRemainder(dividingBy: 100_000_000)
      let eight = UInt32(truncatingIfNeeded: remainder)
      let high = eight / 10_000, low = eight % 10_000
      writePair(Int(high / 100), to: out + end - 8)
      writePair(Int(high % 100), to: out + end - 6)
      writePair(Int(low / 100), to: out + end - 4)
      writePair(Int(low % 100), to: out + end - 2)
      value = quotient
      end -= 8
    }
    var rest = UInt32(truncatingIfNeeded: value)
    while end >= 2 {
      writePair(Int(rest % 100), to: out + end - 2)
      rest /= 100
      end -= 2
    }
    if end == 1 { out[0] = 0x30 + UInt8(truncatingIfNeeded: rest) }
  }

  @inline(__always)
  private static func writePair(_ value: Int, to out: UnsafeMutablePointer<UInt8>) {
    let pairs = digitPairs.utf8Start
    out[0] = pairs[2 * value]
    out[1] = pairs[2 * value + 1]
  }

  private static let digitPairs: StaticString = """
    0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
    5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
    """
}
