/// The explanation methods, as results and the CLI name them.
public enum ExplanationMethod: String, Sendable, CaseIterable, Codable {
  case permutation, kernelshap, pdp, ale
  /// A linear model's terms, with inference for an unpenalized logistic fit (`CoefficientTable`).
  case coefficients
  /// An explainable boosting machine's own terms: shapes, importances, each row's contributions (`AdditiveTerms`).
  case terms
  /// A glass-box model fitted to the model's predictions, with its fidelity (`Surrogate`).
  case surrogate
  /// Cohorts where the model errs, from a tree fitted to its errors (`ErrorAnalysis`).
  case errorAnalysis = "error-analysis"
  /// Exact interventional Shapley values of a tree ensemble (`TreeSHAP`).
  case treeshap
  /// The CLI's choice: TreeSHAP for a tree ensemble, KernelSHAP for any other model; never a result's method.
  case shap
}

/// The feature-effect methods: partial dependence (with ICE) and accumulated local effects.
public enum EffectMethod: String, Sendable, CaseIterable, Codable {
  case pdp, ale

  public var explanationMethod: ExplanationMethod {
    switch self {
    case .pdp: .pdp
    case .ale: .ale
    }
  }
}
