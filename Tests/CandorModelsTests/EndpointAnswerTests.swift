import CandorModels
import Foundation
import Testing

/// An endpoint's answer read as scores: class probabilities must be a distribution over the declared classes.
@Suite struct EndpointAnswerTests {
  static func answer(_ json: String) -> [UInt8] {
    Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)".utf8)
  }

  @Test("rows of class probabilities that sum to 1 (within 1e-4) are read; a row that does not is refused, naming it")
  func probabilitiesSumToOne() throws {
    let output = BlackBoxOutput(kind: .multiclassProbabilities, classes: ["a", "b", "c"])
    #expect(try EndpointModel.scores(fromHTTPAnswer: Self.answer(#"{"predictions": [[0.2, 0.3, 0.5], [0.33333, 0.33333, 0.33334]]}"#), output: output, rows: 2)
      == [0.2, 0.3, 0.5, 0.33333, 0.33333, 0.33334])
    #expect(throws: ModelError.modelEndpointFailed(url: "(answer)", rows: 0...1, reason: "prediction 2: its class probabilities sum to 0.9, not 1")) {
      try EndpointModel.scores(fromHTTPAnswer: Self.answer(#"{"predictions": [[0.2, 0.3, 0.5], [0.3, 0.3, 0.3]]}"#), output: output, rows: 2)
    }
    // A binary model answering both classes: they too must sum to 1.
    let binary = BlackBoxOutput(kind: .binaryProbability, classes: ["0", "1"])
    #expect(try EndpointModel.scores(fromHTTPAnswer: Self.answer(#"{"predictions": [[0.25, 0.75]]}"#), output: binary, rows: 1) == [0.75])
    #expect(throws: ModelError.modelEndpointFailed(url: "(answer)", rows: 0...0, reason: "prediction 1: its class probabilities sum to 1.5, not 1")) {
      try EndpointModel.scores(fromHTTPAnswer: Self.answer(#"{"predictions": [[0.75, 0.75]]}"#), output: binary, rows: 1)
    }
  }
}
