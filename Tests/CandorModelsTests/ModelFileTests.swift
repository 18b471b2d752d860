import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

@Suite struct ModelFileTests {
  static func germanModels() throws -> [ModelFile] {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let classification = try TrainingSet.prepare(table, spec: TrainingSpec(target: "risk", positive: "1"), classification: true)
    let regression = try TrainingSet.prepare(table, spec: TrainingSpec(target: "credit_amount"), classification: false)
    var mlpOptions = MLPClassifier.Options()
    mlpOptions.maxEpochs = 2
    return [
      ModelFile(model: .logistic(try LogisticRegression.fit(classification).0), target: "risk", training: nil),
      ModelFile(model: .linear(try LinearRegression.fit(regression).0), target: "credit_amount", training: nil),
      ModelFile(model: .mlp(try MLPClassifier.fit(classification, options: mlpOptions).0), target: "risk", training: nil),
    ]
  }

  @Test("every built-in model survives a save and load unchanged")
  func roundTrip() throws {
    for file in try Self.germanModels() {
      let decoded = try ModelFile.decode(try file.encoded(), path: "m.json")
      #expect(decoded == file)
    }
  }

  @Test("the file declares its format and version")
  func header() throws {
    let file = try Self.germanModels()[0]
    let json = try JSONSerialization.jsonObject(with: file.encoded()) as! [String: Any]
    #expect(json["format"] as? String == "candor-model")
    #expect(json["version"] as? Int == 1)
    #expect(json["model_type"] as? String == "logistic")
  }

  static func mutated(_ change: (inout [String: Any]) -> Void) throws -> Data {
    var json = try JSONSerialization.jsonObject(with: try germanModels()[0].encoded()) as! [String: Any]
    change(&json)
    return try JSONSerialization.data(withJSONObject: json)
  }

  @Test("loading says what is wrong with a broken file")
  func validation() throws {
    #expect(throws: ModelError.notAModelFile(path: "m.json", reason: "it is not valid JSON")) {
      try ModelFile.decode(Data("risk,age\n1,2\n".utf8), path: "m.json")
    }
    #expect(throws: ModelError.notAModelFile(path: "m.json", reason: "it is not a JSON object")) {
      try ModelFile.decode(Data("[1, 2]".utf8), path: "m.json")
    }
    #expect(throws: ModelError.notAModelFile(path: "m.json", reason: "its \"format\" is 'other', expected 'candor-model'")) {
      try ModelFile.decode(try Self.mutated { $0["format"] = "other" }, path: "m.json")
    }
    #expect(throws: ModelError.unsupportedVersion(path: "m.json", version: 2, supported: 1)) {
      try ModelFile.decode(try Self.mutated { $0["version"] = 2 }, path: "m.json")
    }
    #expect(throws: ModelError.invalidModel(path: "m.json", reason: "field 'parameters' is missing at the top level")) {
      try ModelFile.decode(try Self.mutated { $0["parameters"] = nil }, path: "m.json")
    }
    let shrunk = try Self.mutated { json in
      var parameters = json["parameters"] as! [String: Any]
      parameters["coefficients"] = ["rows": 1, "columns": 2, "values": [1.0, 2.0]]
      json["parameters"] = parameters
    }
    #expect(throws: ModelError.invalidModel(
      path: "m.json", reason: "coefficients are 1×2 with 1 intercepts; 2 classes and 26 encoded columns need 1×26 and 1")) {
      try ModelFile.decode(shrunk, path: "m.json")
    }
  }
}
