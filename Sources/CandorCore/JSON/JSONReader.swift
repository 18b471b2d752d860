import Foundation

/// A byte-level JSON reader (RFC 8259) into a `JSONValue` tree, for Candor's own documents: parts, model files,
/// ledgers. Foundation's `JSONDecoder` scans a document into its own map and then walks it through `Decoder`
/// containers, byte by byte for strings; a part's packed arrays are megabytes of base64 and a model file
/// thousands of numbers, and reading them cost more than the work they feed. Here a string without escapes is
/// found with `memchr` and copied once, and a number is read where it is scanned.
///
/// What it gives:
/// - integers written without fraction or exponent that fit 64 signed bits as `.integer` (exact, as
///   `JSONDecoder` reads them), other numbers as `.number` (correctly rounded, by `strtod`);
/// - an array of numbers as `.numberArray` when every one of them is a double exactly (integers beyond 2⁵³ keep
///   their own elements);
/// - objects with their members in the order written (a repeated key is kept; `JSONValueDecoder` reads the
///   first, as Foundation does, and `firstDuplicateJSONKey` refuses them where that matters).
/// A fault names the line and column of the byte where it was found.
public enum JSONReader {
  public struct SyntaxError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: String
    /// The document is valid JSON, but holds a number beyond a double's range (RFC 8259 §6 lets a reader refuse it).
    public var isValidJSON = false
    public var description: String { "line \(line), column \(column): \(reason)" }
  }

  /// Deeper nesting is refused (as Foundation's parser does beyond 512), so no document can exhaust the stack.
  public static let maxDepth = 512

  public static func read(_ data: Data) throws(SyntaxError) -> JSONValue {
    let result: Result<JSONValue, SyntaxError> = data.withUnsafeBytes { raw in
      var parser = Parser(bytes: raw)
      do throws(SyntaxError) {
        return .success(try parser.document())
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  private struct Parser {
    let base: UnsafePointer<UInt8>?
    let count: Int
    var i = 0

    init(bytes: UnsafeRawBufferPointer) {
      base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
      count = bytes.count
    }

    @inline(__always) func byte(_ at: Int) -> UInt8 { base![at] }

    func fault(_ reason: String, at offset: Int? = nil) -> SyntaxError {
      let end = min(offset ?? i, count)
      var line = 1, lineStart = 0
      if let base {
        for k in 0..<end where base[k] == 0x0A {
          line += 1
          lineStart = k + 1
        }
      }
      return SyntaxError(line: line, column: end - lineStart + 1, reason: reason)
    }

    mutating func document() throws(SyntaxError) -> JSONValue {
      // A UTF-8 byte order mark is skipped, as Foundation does.
      if count >= 3, byte(0) == 0xEF, byte(1) == 0xBB, byte(2) == 0xBF { i = 3 }
      skipSpace()
      guard i < count else { throw fault("the document is empty") }
      let value = try self.value(depth: 0)
      skipSpace()
      guard i == count else { throw fault("unexpected \(shown(at: i)) after the end of the document") }
      return value
    }

    @inline(__always) mutating func skipSpace() {
      while i < count {
        switch byte(i) {
        case 0x20, 0x0A, 0x0D, 0x09: i += 1
        default: return
        }
      }
    }

    func shown(at offset: Int) -> String {
      guard offset < count else { return "the end of the document" }
      let b = byte(offset)
      return (0x21..<0x7F).contains(b) ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
      guard i < count else { throw fault("the document ends where a value should be") }
      switch byte(i) {
      case 0x7B: return try object(depth: depth + 1)
      case 0x5B: return try array(depth: depth + 1)
      case 0x22: return .string(try string())
      case 0x74: try word("true"); return .bool(true)
      case 0x66: try word("false"); return .bool(false)
      case 0x6E: try word("null"); return .null
      case 0x2D, 0x30...0x39: return try number()
      default: throw fault("\(shown(at: i)) cannot start a value")
      }
    }

    mutating func word(_ text: StaticString) throws(SyntaxError) {
      let n = text.utf8CodeUnitCount
      guard i + n <= count, memcmp(base! + i, text.utf8Start, n) == 0 else {
        throw fault("\(shown(at: i)) cannot start a value")
      }
      i += n
    }

    mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
      guard depth <= JSONReader.maxDepth else { throw fault("the document nests more than \(JSONReader.maxDepth) levels deep") }
      i += 1
      var members: [(String, JSONValue)] = []
      skipSpace()
      if i < count, byte(i) == 0x7D {
        i += 1
        return .object(members)
      }
      while true {
        skipSpace()
        guard i < count, byte(i) == 0x22 else { throw fault("expected a key in quotes, found \(shown(at: i))") }
        let key = try string()
        skipSpace()
        guard i < count, byte(i) == 0x3A else { throw fault("expected ':' after a key, found \(shown(at: i))") }
        i += 1
        skipSpace()
        members.append((key, try value(depth: depth)))
        skipSpace()
        guard i < count else { throw fault("the document ends inside an object") }
        if byte(i) == 0x2C {
          i += 1
          continue
        }
        guard byte(i) == 0x7D else { throw fault("expected ',' or '}' in an object, found \(shown(at: i))") }
        i += 1
        return .object(members)
      }
    }

    mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
      guard depth <= JSONReader.maxDepth else { throw fault("the document nests more than \(JSONReader.maxDepth) levels deep") }
      i += 1
      var items: [JSONValue] = []
      var numbers: [Double] = []
      /// Every element so far a number that a double holds exactly.
      var allNumbers = true
      skipSpace()
      if i < count, byte(i) == 0x5D {
        i += 1
        return .array([])
      }
      while true {
        skipSpace()
        let item = try value(depth: depth)
        if allNumbers {
          switch item {
          case let .number(x): numbers.append(x)
          case let .integer(n) where n.magnitude <= 1 << 53: numbers.append(Double(n))
          default:
            allNumbers = false
            items = numbers.map(JSONValue.number)
            items.append(item)
          }
        } else {
          items.append(item)
        }
        skipSpace()
        guard i < count else { throw fault("the document ends inside an array") }
        if byte(i) == 0x2C {
          i += 1
          continue
        }
        guard byte(i) == 0x5D else { throw fault("expected ',' or ']' in an array, found \(shown(at: i))") }
        i += 1
        return allNumbers ? .numberArray(numbers) : .array(items)
      }
    }

    /// A string's text, `i` at its opening quote.
    mutating func string() throws(SyntaxError) -> String {
      let start = i + 1
      // The closing quote unless an escape comes first.
      guard let found = memchr(base! + start, 0x22, count - start) else {
        throw fault("a string is not closed", at: i)
      }
      let end = base!.distance(to: found.assumingMemoryBound(to: UInt8.self))
      let span = UnsafeBufferPointer(start: base! + start, count: end - start)
      if Self.isPlain(span) {
        guard let text = String(validating: span, as: UTF8.self) else { throw fault("a string is not valid UTF-8", at: start) }
        i = end + 1
        return text
      }
      return try escapedString(from: start)
    }

    /// Whether `span` holds no backslash and no control character, eight bytes at a time: a part's packed arrays
    /// are strings of megabytes. (A word has a byte below 0x20 when (w - 0x20…) & ~w & 0x80… is not zero, and a
    /// backslash when w ^ 0x5C… has a zero byte.)
    static func isPlain(_ span: UnsafeBufferPointer<UInt8>) -> Bool {
      let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
      let raw = UnsafeRawBufferPointer(span)
      var k = 0
      while k + 8 <= raw.count {
        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k, as: UInt64.self))
        let backslashes = word ^ (0x5C &* ones)
        if ((word &- 0x20 &* ones) & ~word | (backslashes &- ones) & ~backslashes) & highs != 0 { return false }
        k += 8
      }
      while k < raw.count {
        if raw[k] < 0x20 || raw[k] == 0x5C { return false }
        k += 1
      }
      return true
    }

    /// The slow path: a string with escapes (or a control character, refused).
    mutating func escapedString(from start: Int) throws(SyntaxError) -> String {
      var bytes: [UInt8] = []
      var k = start
      while true {
        guard k < count else { throw fault("a string is not closed", at: start - 1) }
        let b = byte(k)
        if b == 0x22 { break }
        if b < 0x20 { throw fault("a string holds a control character (byte 0x\(String(b, radix: 16, uppercase: true))); write it as an escape", at: k) }
        guard b == 0x5C else {
          bytes.append(b)
          k += 1
          continue
        }
        guard k + 1 < count else { throw fault("a string is not closed", at: start - 1) }
        let e = byte(k + 1)
        k += 2
        switch e {
        case 0x22, 0x5C, 0x2F: bytes.append(e)
        case 0x62: bytes.append(0x08)
        case 0x66: bytes.append(0x0C)
        case 0x6E: bytes.append(0x0A)
        case 0x72: bytes.append(0x0D)
        case 0x74: bytes.append(0x09)
        case 0x75:
          var scalar = try hex4(at: k)
          k += 4
          if (0xD800..<0xDC00).contains(scalar) {
            // A high surrogate must be followed by an escaped low one.
            guard k + 6 <= count, byte(k) == 0x5C, byte(k + 1) == 0x75 else { throw fault("a \\u escape holds half of a surrogate pair", at: k - 6) }
            let low = try hex4(at: k + 2)
            guard (0xDC00..<0xE000).contains(low) else { throw fault("a \\u escape holds half of a surrogate pair", at: k - 6) }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            k += 6
          } else if (0xDC00..<0xE000).contains(scalar) {
            throw fault("a \\u escape holds half of a surrogate pair", at: k - 6)
          }
          bytes.append(contentsOf: String(Character(UnicodeScalar(scalar)!)).utf8)
        default:
          throw fault("a string holds an unknown escape '\\\(Character(UnicodeScalar(e)))'", at: k - 2)
        }
      }
      guard let text = String(validating: bytes, as: UTF8.self) else { throw fault("a string is not valid UTF-8", at: start) }
      i = k + 1
      return text
    }

    func hex4(at k: Int) throws(SyntaxError) -> UInt32 {
      guard k + 4 <= count else { throw fault("a \\u escape needs four hexadecimal digits", at: k - 2) }
      var value: UInt32 = 0
      for j in k..<(k + 4) {
        let b = byte(j)
        let digit: UInt32
        switch b {
        case 0x30...0x39: digit = UInt32(b - 0x30)
        case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
        case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
        default: throw fault("a \\u escape needs four hexadecimal digits", at: k - 2)
        }
        value = value << 4 | digit
      }
      return value
    }

    /// A number per RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    mutating func number() throws(SyntaxError) -> JSONValue {
      let start = i
      var k = i
      var negative = false
      if byte(k) == 0x2D {
        negative = true
        k += 1
      }
      func isDigit(_ at: Int) -> Bool { at < count && (0x30...0x39).contains(byte(at)) }
      guard isDigit(k) else { throw fault("a number needs a digit after its sign", at: k) }
      var magnitude: UInt64 = 0
      var digits = 0
      if byte(k) == 0x30 {
        k += 1
        if isDigit(k) { throw fault("a number may not start with 0 followed by more digits", at: start) }
      } else {
        while isDigit(k) {
          if digits < 19 { magnitude = magnitude * 10 + UInt64(byte(k) - 0x30) }
          digits += 1
          k += 1
        }
      }
      var integral = true
      if k < count, byte(k) == 0x2E {
        integral = false
        k += 1
        guard isDigit(k) else { throw fault("a number needs a digit after its decimal point", at: k) }
        while isDigit(k) { k += 1 }
      }
      if k < count, byte(k) == 0x65 || byte(k) == 0x45 {
        integral = false
        k += 1
        if k < count, byte(k) == 0x2B || byte(k) == 0x2D { k += 1 }
        guard isDigit(k) else { throw fault("a number needs a digit in its exponent", at: k) }
        while isDigit(k) { k += 1 }
      }
      i = k
      // "-0" is the double −0 (the sorted layout writes −0.0 so), as Foundation reads it.
      if integral && negative && magnitude == 0 { return .number(-0.0) }
      if integral && digits <= 18 {
        let value = Int(magnitude)
        return .integer(negative ? -value : value)
      }
      if integral && digits == 19 {
        if !negative, magnitude <= UInt64(Int.max) { return .integer(Int(magnitude)) }
        if negative, magnitude <= UInt64(Int.max) + 1 { return .integer(magnitude == UInt64(Int.max) + 1 ? .min : -Int(magnitude)) }
      }
      let length = k - start
      let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text -> Double in
        UnsafeMutableRawPointer(text.baseAddress!).copyMemory(from: base! + start, byteCount: length)
        text[length] = 0
        return strtod(text.baseAddress!, nil)
      }
      guard value.isFinite else {
        let literal = String(decoding: UnsafeBufferPointer(start: base! + start, count: min(length, 40)), as: UTF8.self)
        var error = fault("the number \(literal)\(length > 40 ? "…" : "") is beyond the range of a 64-bit float", at: start)
        error.isValidJSON = true
        throw error
      }
      return .number(value)
    }
  }
}
