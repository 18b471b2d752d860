import CandorCore
import CandorModels
import CandorTestSupport
import Foundation

/// The German-credit logistic regression of the shap/sklearn reference files, rebuilt from its arrays
/// (Tests/Fixtures/german_logreg_exact.json: encoder statistics, category lists, coefficients).
enum GermanModel {
  static func load() throws -> LogisticRegression {
    let json = try Fixtures.json("german_logreg_exact.json") as! [String: Any]
    let encoding = json["encoding"] as! [String: Any]
    let numeric = encoding["numeric_features"] as! [String]
    let categorical = encoding["categorical_features"] as! [String]
    let standardization = encoding["numeric_standardization"] as! [String: Any]
    let means = standardization["mean"] as! [Double], stds = standardization["std"] as! [Double]
    let categories = (encoding["categorical_one_hot"] as! [String: Any])["categories"] as! [String: [String]]
    let features = numeric.enumerated().map { FeatureEncoder.Feature.numeric($1, mean: means[$0], scale: stds[$0]) }
      + categorical.map { FeatureEncoder.Feature.categorical($0, categories: categories[$0]!) }
    let model = json["model"] as! [String: Any]
    let coefficients = model["coef"] as! [Double]
    return LogisticRegression(encoder: FeatureEncoder(features: features), classes: ["0", "1"],
                              coefficients: Matrix(rows: 1, columns: coefficients.count, storage: ContiguousArray(coefficients)),
                              intercepts: [model["intercept"] as! Double])
  }

  static func data() throws -> Table {
    // The reference feeds job as a number and the rest as in the CSV.
    try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
  }
}
