import CandorCore
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
}
