import CandorCore
import Foundation
import Testing

@Suite struct JSONTreeEncoderTests {
  struct Inner: Codable, Equatable {
    var name: String
    var values: [Double]
  }

  struct Sample: Codable, Equatable {
    var count: Int
    var seed: UInt64
    var rate: Double
    var whole: Double
    var missing: Double
    var path: String
    var flags: [Bool]
    var empty: [String]
    var none: [String: Int]
    var optional: Int?
    var byGroup: [String: [String: Double]]
    var items: [Inner]

    enum CodingKeys: String, CodingKey {
      case count, seed, rate, whole, missing, path, flags, empty, none, optional, items
      case byGroup = "by_group"
    }
  }

  static let sample = Sample(
    count: 3, seed: 18_446_744_073, rate: 0.1, whole: 200, missing: .nan, path: "reports/a b\t\"é\"\u{1}\u{8}",
    flags: [true, false], empty: [], none: [:], optional: nil,
    byGroup: ["selection_rate": ["b": 1e-5, "B": -0.0, "a|b": .infinity], "accuracy": [:]],
    items: [Inner(name: "x", values: [1, 2.5, -.infinity]), Inner(name: "", values: [])])

  @Test("the sorted layout writes what JSONEncoder([.prettyPrinted, .sortedKeys]) wrote, byte for byte")
  func sortedLayoutMatchesFoundation() throws {
    let foundation = JSONEncoder()
    foundation.outputFormatting = [.prettyPrinted, .sortedKeys]
    foundation.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    #expect(try CandorJSON.data(Self.sample) == foundation.encode(Self.sample))
  }

  @Test("a document reads back to the value it was written from, in both layouts")
  func roundTrip() throws {
    for layout in [JSONLayout.sorted, .compact] {
      let decoded = try CandorJSON.decoder().decode(Sample.self, from: JSONTreeEncoder.encode(Self.sample).data(layout: layout))
      #expect(decoded.count == 3 && decoded.seed == 18_446_744_073 && decoded.whole == 200 && decoded.missing.isNaN)
      #expect(decoded.path == Self.sample.path && decoded.items == Self.sample.items)
      #expect(decoded.byGroup["selection_rate"]?["a|b"] == .infinity)
    }
  }

  @Test("the compact layout keeps the encoded key order and puts number arrays on one line")
  func compactLayout() throws {
    let text = String(decoding: try JSONTreeEncoder.encode(Inner(name: "x", values: [1, 0.5])).data(layout: .compact), as: UTF8.self)
    #expect(text == "{\n  \"name\": \"x\",\n  \"values\": [1.0, 0.5]\n}\n")
  }
}
