@testable import CandorCore
import Foundation
import Testing

@Suite struct JSONStreamEncoderTests {
  /// An array that holds scalars first and a container later: the stream wrote it inline and must re-lay it out.
  struct Mixed: Encodable {
    func encode(to encoder: any Encoder) throws {
      var list = encoder.unkeyedContainer()
      try list.encode(1)
      try list.encode("a, b")
      try list.encodeNil()
      try list.encode(2.5)
      var inner = list.nestedContainer(keyedBy: NameKey.self)
      try inner.encode(true, forKey: NameKey("t"))
      try list.encode(7)
      try list.encode([Double]())
      _ = list.nestedUnkeyedContainer()
    }
  }

  /// Encodes nothing at all: the tree writes an empty object.
  struct Silent: Encodable {
    func encode(to encoder: any Encoder) throws {}
  }

  /// Goes back to its first container after opening a second: cannot be streamed.
  struct Revisits: Encodable {
    func encode(to encoder: any Encoder) throws {
      var outer = encoder.container(keyedBy: NameKey.self)
      var first = outer.nestedUnkeyedContainer(forKey: NameKey("first"))
      var second = outer.nestedContainer(keyedBy: NameKey.self, forKey: NameKey("second"))
      try second.encode(1, forKey: NameKey("x"))
      try first.encode(2)
    }
  }

  struct Wide: Encodable {
    var big: UInt64 = .max
  }

  struct Document: Encodable {
    var sample = JSONTreeEncoderTests.sample
    var mixed = [Mixed()]
    var silent = Silent()
    var silentList = [Silent(), Silent()]
    var matrix: [[Double]] = [[1, -0.0, .nan], [], [3e-300]]
    var nested: [[[Int]]] = [[[1, 2], []], [], [[3]]]
    var strings = ["", "\"quoted\"", "a/b", "line\nbreak", "\u{0}"]
    var optionals: [Int?] = [nil, 1, nil]
    var scalarThenList: [JSONTreeEncoderTests.Inner] = []
    var numbers = ContiguousArray<Double>([0.1, 1e21, -1e-7])
    var floats: [Float] = [0.5, 1.25]
    var small: [Int8] = [-3, 4]
    var flag = false
  }

  @Test("writes what the tree writes, byte for byte, in the compact and the line layouts")
  func matchesTree() throws {
    for layout in [JSONLayout.compact, .line] {
      let streamed = try #require(JSONStreamEncoder.data(Document(), layout: layout))
      let tree = try JSONTreeEncoder.encode(Document()).data(layout: layout)
      #expect(String(decoding: streamed, as: UTF8.self) == String(decoding: tree, as: UTF8.self))
      #expect(try CandorJSON.data(Document(), layout: layout) == streamed)
    }
  }

  @Test("an array of scalars that later holds a container is laid out one element per line")
  func relaysOut() throws {
    let text = String(decoding: try #require(JSONStreamEncoder.data(Mixed(), layout: .compact)), as: UTF8.self)
    #expect(text == "[\n  1,\n  \"a, b\",\n  null,\n  2.5,\n  {\n    \"t\": true\n  },\n  7,\n  [],\n  []\n]\n")
    let line = String(decoding: try #require(JSONStreamEncoder.data(Mixed(), layout: .line)), as: UTF8.self)
    #expect(line == "[1,\"a, b\",null,2.5,{\"t\":true},7,[],[]]\n")
  }

  @Test("scalars at the top level and values that encode nothing")
  func edges() throws {
    #expect(JSONStreamEncoder.data(2.5, layout: .compact) == Data("2.5\n".utf8))
    #expect(JSONStreamEncoder.data("x", layout: .line) == Data("\"x\"\n".utf8))
    #expect(JSONStreamEncoder.data(Silent(), layout: .compact) == Data("{}\n".utf8))
    #expect(JSONStreamEncoder.data([Silent()], layout: .compact) == Data("[\n  {}\n]\n".utf8))
    #expect(JSONStreamEncoder.data(Optional<Int>.none, layout: .compact) == Data("null\n".utf8))
  }

  @Test("a conformance that goes back to a container it left is written through the tree, the same bytes")
  func fallsBack() throws {
    #expect(JSONStreamEncoder.data(Revisits(), layout: .compact) == nil)
    let text = String(decoding: try CandorJSON.data(Revisits(), layout: .compact), as: UTF8.self)
    #expect(text == "{\n  \"first\": [2],\n  \"second\": {\n    \"x\": 1\n  }\n}\n")
  }

  @Test("an unsigned number beyond 64 signed bits gives the tree encoder's error, naming where")
  func wideNumbers() throws {
    #expect(JSONStreamEncoder.data(Wide(), layout: .compact) == nil)
    #expect(throws: EncodingError.self) { try CandorJSON.data(Wide(), layout: .compact) }
  }

  @Test("integers are written as Swift prints them, at the extremes and every digit count")
  func integers() throws {
    let values: [Int] = [.min, -1_000_000_007, -10, -9, -1, 0, 1, 9, 10, 99, 100, 12_345, 9_999_999_999, .max]
    let expected = "[" + values.map { String($0) }.joined(separator: ",") + "]\n"
    #expect(String(decoding: try CandorJSON.data(values, layout: .line), as: UTF8.self) == expected)
    #expect(String(decoding: try JSONTreeEncoder.encode(values).data(layout: .line), as: UTF8.self) == expected)
  }
}
