import CandorCore
import CandorModels
import Foundation

/// `candor explain --method coefficients`: a linear model's terms as a table a reviewer can read — for an
/// unpenalized logistic fit (`--l2 0`, reference coding) with Wald inference as statsmodels' `Logit` summary gives
/// it: the standard error from the inverse Hessian of the log-likelihood at the optimum, z, the two-sided normal
/// p-value, the 95 % interval and the odds ratio. A penalized fit reports estimates only: its intervals would not be
/// valid inference (the penalty biases the estimates toward 0 and shrinks the curvature the errors come from).
public struct CoefficientTable: Sendable, Equatable, Codable, JSONDocument {
  public struct Term: Sendable, Equatable, Codable {
    /// `intercept`, `<feature>` (numeric, per standard deviation of the training data) or `<feature>=<level>`.
    public var term: String
    /// The class whose log-odds the term adds to (multinomial models only).
    public var outputClass: String?
    public var estimate: Double
    public var stdError: Double?
    public var z: Double?
    public var pValue: Double?
    public var ciLow: Double?
    public var ciHigh: Double?
    /// exp(estimate) for a logistic model.
    public var oddsRatio: Double?

    enum CodingKeys: String, CodingKey {
      case term, estimate, z
      case outputClass = "class"
      case stdError = "std_error"
      case pValue = "p_value"
      case ciLow = "ci_low"
      case ciHigh = "ci_high"
      case oddsRatio = "odds_ratio"
    }
  }

  public var method = "coefficients"
  public var model: String
  public var terms: [Term]
  public var inferenceValid: Bool
  /// Why there is no inference, when there is none.
  public var note: String?
  /// Reference-coded features: the level each one's terms are measured against.
  public var referenceLevels: [String: String]
  /// Numeric features: the standard deviation one unit of their term stands for.
  public var numericScales: [String: Double]

  enum CodingKeys: String, CodingKey {
    case method, model, terms, note
    case inferenceValid = "inference_valid"
    case referenceLevels = "reference_levels"
    case numericScales = "numeric_scales"
  }

  /// The normal quantile of a 95 % two-sided interval (scipy.stats.norm.ppf(0.975)).
  static let z975 = 1.959963984540054

  /// - Parameter training: the model file's training summary (the unpenalized fit's standard errors live there).
  /// - Throws: `ExplainError.invalidSetting` for a model without coefficients, listing the methods that apply.
  public static func make(_ model: any Model, training: TrainingSummary?) throws -> CoefficientTable {
    let encoder: FeatureEncoder, rows: [[Double]], intercepts: [Double], classes: [String?], kind: String
    switch model {
    case let m as LogisticRegression:
      encoder = m.encoder
      rows = (0..<m.coefficients.rows).map { k in (0..<m.coefficients.columns).map { m.coefficients[k, $0] } }
      intercepts = m.intercepts
      classes = m.classes.count == 2 ? [nil] : m.classes.map { $0 }
      kind = "logistic"
    case let m as LinearRegression:
      encoder = m.encoder
      rows = [m.coefficients]
      intercepts = [m.intercept]
      classes = [nil]
      kind = "linear"
    default:
      throw ExplainError.invalidSetting(InvalidSetting(.explainMethod, value: "coefficients", .because(
        "the model has no coefficients (it is not a logistic or linear model); use permutation, shap, kernelshap, pdp, ale, surrogate or error-analysis")))
    }
    let names = encoder.encodedNames
    var terms: [Term] = []
    let errors = kind == "logistic" && training?.penalized == false ? training?.standardErrors : nil
    for (k, row) in rows.enumerated() {
      for (j, estimate) in ([intercepts[k]] + row).enumerated() {
        var term = Term(term: j == 0 ? "intercept" : names[j - 1], outputClass: classes[k], estimate: estimate)
        if kind == "logistic" { term.oddsRatio = exp(estimate) }
        if let errors, errors.count == row.count + 1 {
          let se = errors[j], z = estimate / se
          (term.stdError, term.z) = (se, z)
          term.pValue = erfc(abs(z) / 2.0.squareRoot())
          (term.ciLow, term.ciHigh) = (estimate - z975 * se, estimate + z975 * se)
        }
        terms.append(term)
      }
    }
    let valid = terms.allSatisfy { $0.stdError != nil }
    let note: String? = valid ? nil
      : kind == "linear" ? "A ridge regression's intervals would not be valid inference (the penalty biases its estimates); estimates only."
      : classes.count > 1 ? "Inference is given for binary models; this multinomial model's estimates only."
      : training == nil ? "The model file does not record how it was fitted, so there is no inference; estimates only. A model trained with --l2 0 carries its standard errors."
      : training?.penalized == false ? "The model file holds no standard errors; estimates only."
      : "The model was fitted with an L2 penalty, so intervals would not be valid inference (the penalty biases the estimates toward 0); estimates only. Fit with --l2 0 for inference."
    var references: [String: String] = [:], scales: [String: Double] = [:]
    for f in encoder.features {
      if let reference = f.reference { references[f.name] = reference }
      if let scale = f.scale { scales[f.name] = scale }
    }
    return CoefficientTable(model: kind, terms: terms, inferenceValid: valid, note: note, referenceLevels: references, numericScales: scales)
  }
}

extension Setting {
  public static let explainMethod = Setting("method")
}
