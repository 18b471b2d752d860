import CandorCore
import Foundation
import Testing

@Suite struct JSONReaderTests {
  struct Row: Codable, Equatable {
    var row: Int
    var prediction: [Double]
    var values: [[Double]]
    var label: String?
    var flag: Bool
    var seed: UInt64
    var small: Int8
  }

  struct Document: Codable, Equatable {
    var name: String
    var rows: [Row]
    var byGroup: [String: [String: Double]]
    var missing: Double
    var counts: [Int]
    var big: [Int]
    var nested: [[[Int]]]
  }

  static let document = Document(
    name: "a \"b\"\\ /c\n\té😀\u{1}", rows: [
      Row(row: 0, prediction: [0.1], values: [[1e-300, -0.0, 5e-324, 1.7976931348623157e308]], label: nil, flag: true, seed: 42, small: -128),
      Row(row: 1, prediction: [], values: [], label: "x", flag: false, seed: 1 << 60, small: 127),
    ],
    byGroup: ["b": ["x": 1.5], "a": [:]], missing: .nan, counts: [1, 2, 3], big: [1 << 62, -(1 << 62), 9_007_199_254_740_993],
    nested: [[[1], []], []])

  @Test("decodes what Foundation's JSONDecoder decodes, from the same bytes")
  func matchesFoundation() throws {
    let data = try CandorJSON.data(Self.document)
    let ours = try CandorJSON.decode(Document.self, from: data)
    let theirs = try CandorJSON.decoder().decode(Document.self, from: data)
    #expect(ours.missing.isNaN && theirs.missing.isNaN)
    var (a, b) = (ours, theirs)
    (a.missing, b.missing) = (0, 0)
    #expect(a == b)
    #expect(a.big == [1 << 62, -(1 << 62), 9_007_199_254_740_993])
    #expect(a.rows[0].values[0].map(\.bitPattern) == Self.document.rows[0].values[0].map(\.bitPattern))
  }

  @Test("numbers: integers exact in 64 bits, others correctly rounded, arrays of doubles flat", arguments: [
    "0", "12", "-9223372036854775808", "9223372036854775807", "9223372036854775808", "1.5", "-2.25e-3", "1E+2",
    "0.1", "2.2250738585072011e-308", "4.9e-324", "1.7976931348623157e308", "123456789012345678901234567890",
    "0.30000000000000004", "9007199254740993", "1e-400",
  ])
  func numbers(_ text: String) throws {
    let value = try JSONReader.read(Data(text.utf8))
    switch value {
    case let .integer(n): #expect(Int(text) == n)
    case let .number(x): #expect(x.bitPattern == Double(text)!.bitPattern, "\(text)")
    default: Issue.record("\(text) read as \(value)")
    }
  }

  @Test("-0 is the double -0, as Foundation reads it")
  func negativeZero() throws {
    #expect(try JSONReader.read(Data("-0".utf8)) == .number(-0.0))
    guard case let .number(x) = try JSONReader.read(Data("-0".utf8)) else { return }
    #expect(x.sign == .minus)
  }

  @Test("an array of numbers is one flat list; one that holds an integer beyond 2^53 keeps its elements")
  func numberArrays() throws {
    #expect(try JSONReader.read(Data("[1, 2.5, -3e2]".utf8)) == .numberArray([1, 2.5, -300]))
    #expect(try JSONReader.read(Data("[1, 9007199254740993]".utf8)) == .array([.number(1), .integer(9_007_199_254_740_993)]))
    #expect(try JSONReader.read(Data("[1, \"a\"]".utf8)) == .array([.number(1), .string("a")]))
  }

  @Test("strings: escapes, surrogate pairs, a byte order mark")
  func strings() throws {
    #expect(try JSONReader.read(Data(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#.utf8)) == .string("a\"\\/\u{8}\u{c}\n\r\té😀"))
    #expect(try JSONReader.read(Data([0xEF, 0xBB, 0xBF] + Array(#"{"k": 1}"#.utf8))) == .object([("k", .integer(1))]))
  }

  /// The plain-string scan reads eight bytes at a time: an escape or a control character is found at every
  /// position of a word and of the tail, and bytes at or above 0x80 (UTF-8) are not mistaken for either.
  @Test("an escape or a control character is found at every position of a long string")
  func escapesAtEveryPosition() throws {
    for length in [7, 8, 9, 23, 24] {
      for position in 0..<length {
        let plain = Array(repeating: UInt8(ascii: "a"), count: length)
        let accented = plain[..<position] + [0xC3, 0xA9] + plain[(position + 1)...]
        #expect(try JSONReader.read(Data([0x22] + accented + [0x22])) == .string(String(decoding: accented, as: UTF8.self)))
        var escaped = plain
        escaped.replaceSubrange(position...position, with: Array(#"\n"#.utf8))
        var expected = plain
        expected[position] = 0x0A
        #expect(try JSONReader.read(Data([0x22] + escaped + [0x22])) == .string(String(decoding: expected, as: UTF8.self)))
        var control = plain
        control[position] = 0x1F
        #expect(throws: JSONReader.SyntaxError.self) { try JSONReader.read(Data([0x22] + control + [0x22])) }
      }
    }
  }

  @Test("a key written twice is read at its first place, as Foundation does")
  func duplicateKeys() throws {
    struct K: Decodable { var k: Int }
    let data = Data(#"{"k": 1, "k": 2}"#.utf8)
    #expect(try CandorJSON.decode(K.self, from: data).k == (try CandorJSON.decoder().decode(K.self, from: data)).k)
    #expect(try CandorJSON.decode(K.self, from: data).k == 1)
  }

  @Test("bad JSON names its line, column and what is wrong", arguments: [
    ("{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7, "expected ':' after a key, found '2'"),
    ("[1, 2", 1, 6, "the document ends inside an array"),
    ("", 1, 1, "the document is empty"),
    ("{\"a\": 01}", 1, 7, "a number may not start with 0 followed by more digits"),
    ("[1.]", 1, 4, "a number needs a digit after its decimal point"),
    ("[-]", 1, 3, "a number needs a digit after its sign"),
    ("\"abc", 1, 1, "a string is not closed"),
    ("\"a\u{1}b\"", 1, 3, "a string holds a control character (byte 0x1); write it as an escape"),
    ("\"\\x\"", 1, 2, "a string holds an unknown escape '\\x'"),
    ("\"\\ud83d\"", 1, 2, "a \\u escape holds half of a surrogate pair"),
    ("[1] x", 1, 5, "unexpected 'x' after the end of the document"),
    ("[tru]", 1, 2, "'t' cannot start a value"),
    ("{\"a\": 1e400}", 1, 7, "the number 1e400 is beyond the range of a 64-bit float"),
  ])
  func faults(_ text: String, _ line: Int, _ column: Int, _ reason: String) throws {
    #expect {
      _ = try JSONReader.read(Data(text.utf8))
    } throws: { error in
      guard let error = error as? JSONReader.SyntaxError else { return false }
      return (error.line, error.column, error.reason) == (line, column, reason)
    }
  }

  @Test("invalid UTF-8 in a string is refused")
  func invalidUTF8() throws {
    #expect(throws: JSONReader.SyntaxError.self) { try JSONReader.read(Data([0x22, 0xFF, 0x22])) }
  }

  @Test("nesting beyond 512 levels is refused rather than exhausting the stack")
  func depth() throws {
    let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
    #expect(throws: JSONReader.SyntaxError.self) { try JSONReader.read(Data(deep.utf8)) }
    let fine = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    #expect(throws: Never.self) { try JSONReader.read(Data(fine.utf8)) }
  }

  @Test("decoding errors carry the coding path, as Foundation's do")
  func decodingErrors() throws {
    struct Count: Decodable { var rows: [Row] }
    let data = Data(#"{"rows": [{"row": 1.5, "prediction": [], "values": [], "flag": true, "seed": 1, "small": 1}]}"#.utf8)
    #expect {
      _ = try CandorJSON.decode(Count.self, from: data)
    } throws: { error in
      guard case let .dataCorrupted(context)? = error as? DecodingError else { return false }
      return context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["rows", "0", "row"]
    }
    let missing = Data(#"{"rows": [{"row": 1}]}"#.utf8)
    #expect {
      _ = try CandorJSON.decode(Count.self, from: missing)
    } throws: { error in
      guard case let .keyNotFound(key, context)? = error as? DecodingError else { return false }
      return key.stringValue == "prediction" && context.codingPath.count == 2
    }
    #expect {
      _ = try CandorJSON.decode(Count.self, from: Data(#"{"rows": 3}"#.utf8))
    } throws: { error in
      guard case .typeMismatch? = error as? DecodingError else { return false }
      return true
    }
    #expect {
      _ = try CandorJSON.decode(Row.self, from: Data(#"{"row": 1, "prediction": [], "values": [], "flag": true, "seed": 1, "small": 300}"#.utf8))
    } throws: { error in
      guard case .dataCorrupted? = error as? DecodingError else { return false }
      return true
    }
  }
}
