import CandorCore
import Foundation
import Testing

/// The feature JSON of candor-model files (docs/schemas/candor-model.schema.json).
@Suite struct FeatureEncoderCodableTests {
  static func decode(_ json: String) throws -> FeatureEncoder.Feature {
    try JSONDecoder().decode(FeatureEncoder.Feature.self, from: Data(json.utf8))
  }

  static func encode(_ feature: FeatureEncoder.Feature) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(feature), as: UTF8.self)
  }

  @Test("each kind writes only its own fields, and reads back equal",
        arguments: [
          (FeatureEncoder.Feature.numeric("age", mean: 38.5, scale: 13.25), #"{"kind":"numeric","mean":38.5,"name":"age","scale":13.25}"#),
          (.categorical("sex", categories: ["Female", "Male"]), #"{"categories":["Female","Male"],"kind":"categorical","name":"sex"}"#),
        ])
  func roundTrip(feature: FeatureEncoder.Feature, json: String) throws {
    #expect(try Self.encode(feature) == json)
    #expect(try Self.decode(json) == feature)
  }

  @Test("a numeric feature without a positive, normal scale and a categorical one with a repeated category are refused by name")
  func refused() throws {
    #expect(throws: DecodingError.self) { try Self.decode(#"{"kind":"numeric","mean":1,"name":"age","scale":0}"#) }
    #expect(throws: DecodingError.self) { try Self.decode(#"{"kind":"numeric","name":"age","scale":1}"#) }
    // A subnormal scale divides to infinity (a model of NaNs).
    #expect(throws: DecodingError.self) { try Self.decode(#"{"kind":"numeric","mean":1,"name":"age","scale":1e-320}"#) }
    #expect(throws: DecodingError.self) { try Self.decode(#"{"categories":["a","a"],"kind":"categorical","name":"c"}"#) }
    do {
      _ = try Self.decode(#"{"kind":"numeric","mean":1,"name":"age","scale":-2}"#)
      Issue.record("a negative scale was accepted")
    } catch let DecodingError.dataCorrupted(context) {
      #expect(context.debugDescription == "numeric feature 'age' needs a finite mean and a positive scale of at least 2.2e-308")
    }
  }
}
