@testable import CandorCore
import Foundation
import Testing

/// The packed bulk arrays of sharded runs' parts: exact to the bit, and read back from a JSON array of numbers too.
@Suite struct PackedArrayTests {
  struct Holder: Codable, Equatable {
    var doubles: [Double]
    var codes: [Int32]
    enum CodingKeys: String, CodingKey { case doubles, codes }
    init(doubles: [Double], codes: [Int32]) { (self.doubles, self.codes) = (doubles, codes) }
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encodePacked(doubles, forKey: .doubles)
      try container.encodePacked(codes, forKey: .codes)
    }
    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      doubles = try container.decodePacked([Double].self, forKey: .doubles)
      codes = try container.decodePacked([Int32].self, forKey: .codes)
    }
  }

  @Test("doubles and integers go through base64 and back bit for bit: −0, a NaN payload, infinities, the smallest subnormal, the extremes")
  func roundTrip() throws {
    let doubles: [Double] = [0, -0.0, 1, -1.5, .pi, .infinity, -.infinity, Double(bitPattern: 0x7FF8_0000_0000_1234), .leastNonzeroMagnitude,
                             .greatestFiniteMagnitude, 0.1 + 0.2, 1e-300]
    let codes: [Int32] = [-1, 0, 1, .max, .min]
    let data = try CandorJSON.data(Holder(doubles: doubles, codes: codes), layout: .compact)
    let back = try CandorJSON.decoder().decode(Holder.self, from: data)
    #expect(back.doubles.map(\.bitPattern) == doubles.map(\.bitPattern))
    #expect(back.codes == codes)
    // Little-endian bytes: 1.0 is 00 00 00 00 00 00 F0 3F.
    #expect(PackedArray.string([1.0]) == "AAAAAAAA8D8=")
    #expect(PackedArray.string([Double]()) == "" && PackedArray.doubles("") == [])
  }

  @Test("a JSON array of numbers is read as the packed form's values; text that is not base64 of whole values is refused")
  func readers() throws {
    let hand = try CandorJSON.decoder().decode(Holder.self, from: Data(#"{"doubles": [0.5, -2], "codes": [3, -1]}"#.utf8))
    #expect(hand == Holder(doubles: [0.5, -2], codes: [3, -1]))
    for bad in [#"{"doubles": "AAAAAAAAAA==", "codes": []}"#, #"{"doubles": "not base64!", "codes": []}"#, #"{"doubles": [], "codes": "AAAAAAA="}"#,
                #"{"doubles": true, "codes": []}"#] {
      #expect(throws: DecodingError.self, "\(bad)") { try CandorJSON.decoder().decode(Holder.self, from: Data(bad.utf8)) }
    }
  }

  /// The base64 decoder reads RFC 4648 §4 text (padded, nothing outside the alphabet) as Foundation does, and
  /// refuses what Foundation merely tolerates ("=" before the end, missing padding): a part is written whole by
  /// Candor, so anything else is damage. Every string of the alphabet, "=", space, line feed and "-" up to 12
  /// characters long that a seeded generator draws, and the round trip of every length of bytes.
  @Test("base64 decoded as Foundation decodes it; only canonical text accepted")
  func base64LikeFoundation() throws {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".utf8) + [0x20, 0x0A, 0x2D]
    let canonical = try Regex("^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
    var random = SeededRandom(seed: 64)
    var accepted = 0
    for _ in 0..<20_000 {
      let length = Int(random.next() % 13)
      let text = String(decoding: (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }, as: UTF8.self)
      let ours = PackedArray.bytes(base64: text)
      if text.wholeMatch(of: canonical) != nil {
        #expect(ours != nil && ours == Data(base64Encoded: text).map { [UInt8]($0) }, "\(text)")
        accepted += 1
      } else {
        #expect(ours == nil, "\(text)")
      }
    }
    #expect(accepted > 500)
    for length in 0..<40 {
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      #expect(PackedArray.bytes(base64: Data(bytes).base64EncodedString()) == bytes)
    }
  }
}
