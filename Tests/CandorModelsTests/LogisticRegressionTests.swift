import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

@Suite struct LogisticRegressionTests {
  static let spec = TrainingSpec(target: "income", positive: ">50K", drop: ["fnlwgt"])

  // scikit-learn 1.9.1: LogisticRegression(C=1.0, solver='newton-cholesky', tol=1e-12) behind
  // StandardScaler + OneHotEncoder(handle_unknown='ignore'), empty cells → "missing", fnlwgt unused
  // (Tests/Fixtures/adult_logreg_converged*.{json,csv}). lbfgs at tol=1e-10 lands within 8.5e-6, so 1e-4.
  @Test("Adult probabilities on the test set match scikit-learn's converged fit within 1e-4")
  func adultMatchesConvergedScikitLearn() throws {
    let train = try Fixtures.adult("train")
    let test = try Fixtures.adult("test")
    let data = try TrainingSet.prepare(train, spec: Self.spec, classification: true)
    let (model, summary) = try LogisticRegression.fit(data)
    #expect(summary.converged)
    #expect(model.classes == ["<=50K", ">50K"])
    let probabilities = try model.predict(test)
    let reference = try CSVReader.read(path: Fixtures.path("adult_logreg_converged_test_scores.csv"))
    guard case let .numeric(expected) = try reference.column("probability_1") else { Issue.record("column type"); return }
    #expect(probabilities.rows == 16_281)
    #expect(maxAbsoluteDifference(probabilities.storage, expected.values) < 1e-4)
  }

  @Test("Adult coefficients and intercept match scikit-learn's converged fit")
  func adultCoefficientsMatch() throws {
    let train = try Fixtures.adult("train")
    let data = try TrainingSet.prepare(train, spec: Self.spec, classification: true)
    let (model, _) = try LogisticRegression.fit(data)
    let reference = try Fixtures.json("adult_logreg_converged.json") as! [String: Any]
    let coefficients = reference["coefficients"] as! [String: Double]
    #expect(abs(model.intercepts[0] - (reference["intercept"] as! Double)) < 1e-5)
    var compared = 0
    for (j, name) in model.encoder.encodedNames.enumerated() {
      // sklearn names: n__age, c__workclass_Private; ours: age, workclass=Private.
      let key = name.contains("=") ? "c__" + name.replacingOccurrences(of: "=", with: "_") : "n__" + name
      let expected = try #require(coefficients[key], "no reference coefficient \(key)")
      #expect(abs(model.coefficients[0, j] - expected) < 1e-5, "\(key)")
      compared += 1
    }
    #expect(compared == coefficients.count)
  }
}
