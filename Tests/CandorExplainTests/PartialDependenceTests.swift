import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// scikit-learn 1.9.1 `partial_dependence(pipeline, X, features=[name], kind='both', grid_resolution=20,
/// percentiles=(0.05, 0.95))` on all 1000 German rows (Tests/Fixtures/partial_dependence.json, README file E).
@Suite struct PartialDependenceTests {
  @Test("grids, averages and ICE curves match scikit-learn within 1e-12", arguments: ["age", "duration", "housing"])
  func matchesScikitLearn(feature: String) throws {
    let reference = ((try Fixtures.json("partial_dependence.json") as! [String: Any])["features"] as! [String: [String: Any]])[feature]!
    let result = try PartialDependence.compute(model: try GermanModel.load(), table: try GermanModel.data(), features: [feature], ice: true)
    let curve = try #require(result.features[feature])
    if let grid = reference["grid_values"] as? [Double] {
      #expect(maxAbsoluteDifference(curve.grid!, grid) < 1e-12)  // JSONSerialization may round the last bit
    } else {
      #expect(curve.levels == reference["grid_values"] as? [String])
    }
    #expect(maxAbsoluteDifference(curve.average, reference["average"] as! [Double]) < 1e-12)
    let ice = reference["individual_first_10_rows"] as! [[Double]]
    for r in 0..<10 { #expect(maxAbsoluteDifference(curve.individual![r], ice[r]) < 1e-12) }
  }

  @Test("ALE of a linear model is the coefficient times the feature, centred")
  func aleOfLinearModel() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "credit_amount"), classification: false)
    let (model, _) = try LinearRegression.fit(data)
    let effects = try PartialDependence.accumulatedLocalEffects(model: model, table: table, features: ["duration"], bins: 10)
    let curve = try #require(effects.features["duration"])
    let slope = model.coefficients[model.encoder.featureGroups.first { $0.name == "duration" }!.columns.lowerBound]
      / model.encoder.features.first { $0.name == "duration" }!.scale!
    for k in 1..<curve.grid!.count {
      let rise = curve.average[k] - curve.average[k - 1], run = curve.grid![k] - curve.grid![k - 1]
      #expect(abs(rise - slope * run) < 1e-9 * max(1, abs(slope * run)))
    }
  }
}

@Suite struct PartialDependenceGenericPathTests {
  @Test("a black-box model (tables in, probabilities out) gets the same curves as the encoder path")
  func opaqueModel() throws {
    let model = try GermanModel.load(), data = try GermanModel.data()
    let direct = try PartialDependence.compute(model: model, table: data, features: ["age", "housing"], ice: true)
    let opaque = try PartialDependence.compute(model: OpaqueModel(inner: model), table: data, features: ["age", "housing"], ice: true)
    for name in ["age", "housing"] {
      let a = direct.features[name]!, b = opaque.features[name]!
      #expect(a.grid == b.grid && a.levels == b.levels)
      #expect(maxAbsoluteDifference(a.average, b.average) < 1e-12)
      #expect(maxAbsoluteDifference(a.individual!.flatMap { $0 }, b.individual!.flatMap { $0 }) < 1e-12)
    }
  }
}
