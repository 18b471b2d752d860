import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// A model file may declare any size at all; every declared size is checked against the data in the file,
/// with products computed with overflow checks, and a mismatch is a broken file, never a trap.
@Suite struct ModelFileSizeTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let rows: Int
    let columns: Int
    let values: [Double]
    let reason: String
    var testDescription: String { name }
  }

  static let matrixCases: [Case] = [
    Case(name: "10¹⁵ × 10¹⁵ (the product overflows)", rows: 1_000_000_000_000_000, columns: 1_000_000_000_000_000,
         values: [1, 2, 3],
         reason: "parameters.coefficients: declares a 1000000000000000×1000000000000000 matrix but holds 3 values"),
    Case(name: "2⁶² × 4, whose product wraps to 0", rows: 1 << 62, columns: 4, values: [],
         reason: "parameters.coefficients: declares a 4611686018427387904×4 matrix but holds 0 values"),
    Case(name: "negative sides whose product is the count", rows: -2, columns: -3, values: [1, 2, 3, 4, 5, 6],
         reason: "parameters.coefficients: declares a -2×-3 matrix but holds 6 values"),
    Case(name: "one value short", rows: 1, columns: 26, values: Array(repeating: 0.5, count: 25),
         reason: "parameters.coefficients: declares a 1×26 matrix but holds 25 values"),
  ]

  static func coefficients(_ testCase: Case) throws -> Data {
    try ModelFileTests.mutated { json in
      var parameters = json["parameters"] as! [String: Any]
      parameters["coefficients"] = ["rows": testCase.rows, "columns": testCase.columns, "values": testCase.values]
      json["parameters"] = parameters
    }
  }

  @Test("a coefficient matrix whose declared size is not its number of values is a broken file", arguments: matrixCases)
  func coefficientSizes(_ testCase: Case) throws {
    #expect(throws: ModelError.invalidModel(path: "m.json", reason: testCase.reason)) {
      try ModelFile.decode(try Self.coefficients(testCase), path: "m.json")
    }
  }

  @Test("the message names the file and the inconsistent matrix")
  func message() throws {
    let error = #expect(throws: ModelError.self) { try ModelFile.decode(try Self.coefficients(Self.matrixCases[0]), path: "m.json") }
    #expect(error?.message(naming: \.rawValue) == "m.json is a broken candor-model file: parameters.coefficients: declares a "
      + "1000000000000000×1000000000000000 matrix but holds 3 values.")
  }

  @Test("an MLP layer declaring 10¹⁵ × 10¹⁵ weights is a broken file, named by its index")
  func layerSize() throws {
    var json = try JSONSerialization.jsonObject(with: try ModelFileTests.germanModels()[2].encoded()) as! [String: Any]
    var parameters = json["parameters"] as! [String: Any]
    var layers = parameters["layers"] as! [[String: Any]]
    layers[1]["weights"] = ["rows": 1_000_000_000_000_000, "columns": 1_000_000_000_000_000, "values": [0.5]]
    parameters["layers"] = layers
    json["parameters"] = parameters
    let data = try JSONSerialization.data(withJSONObject: json)
    #expect(throws: ModelError.invalidModel(
      path: "m.json",
      reason: "parameters.layers[1].weights: declares a 1000000000000000×1000000000000000 matrix but holds 1 values")) {
      try ModelFile.decode(data, path: "m.json")
    }
  }

  @Test("a training summary must count the features and encoded columns the file holds")
  func trainingSummary() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "risk", positive: "1"), classification: true)
    let (model, summary) = try LogisticRegression.fit(data)
    var json = try JSONSerialization.jsonObject(
      with: ModelFile(model: .logistic(model), target: "risk", training: summary).encoded()) as! [String: Any]
    #expect(try ModelFile.decode(try JSONSerialization.data(withJSONObject: json), path: "m.json").training == summary)
    var training = json["training"] as! [String: Any]
    training["encoded_columns"] = 1_000_000_000_000_000
    json["training"] = training
    #expect(throws: ModelError.invalidModel(
      path: "m.json",
      reason: "the training summary describes a logistic model of 9 features and 1000000000000000 encoded columns, "
        + "but the file holds a logistic model of 9 features and 26 encoded columns")) {
      try ModelFile.decode(try JSONSerialization.data(withJSONObject: json), path: "m.json")
    }
    training["encoded_columns"] = 26
    training["rows"] = -5
    json["training"] = training
    #expect(throws: ModelError.invalidModel(path: "m.json", reason: "the training summary counts -5 rows and 5 iterations")) {
      try ModelFile.decode(try JSONSerialization.data(withJSONObject: json), path: "m.json")
    }
  }

  @Test("a thresholded model's encoder must be its base model's")
  func thresholdedEncoder() throws {
    let base = try ModelFileTests.germanModels()[0].model
    let policy = GroupThresholdPolicy(sensitiveFeatures: ["sex"], rules: [
      "female": .init(p0: 1, threshold0: 0.5, p1: 0, threshold1: 0.5),
      "male": .init(p0: 1, threshold0: 0.4, p1: 0, threshold1: 0.4),
    ])
    let file = ModelFile(model: .thresholded(ThresholdedModel(base: base, policy: policy)), target: "risk", training: nil)
    var json = try JSONSerialization.jsonObject(with: file.encoded()) as! [String: Any]
    #expect(try ModelFile.decode(try JSONSerialization.data(withJSONObject: json), path: "m.json") == file)
    json["encoder"] = ["features": [["name": "sex", "kind": "categorical", "categories": ["female", "male"]]]]
    #expect(throws: ModelError.invalidModel(
      path: "m.json", reason: "the classes and encoder of the thresholded model differ from those of its base model")) {
      try ModelFile.decode(try JSONSerialization.data(withJSONObject: json), path: "m.json")
    }
  }
}
