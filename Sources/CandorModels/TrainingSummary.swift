import Foundation

/// The built-in model types `candor train` fits.
public enum ModelType: String, Sendable, Codable, CaseIterable {
  case logistic, linear, mlp
  /// A CART decision tree (`DecisionTree`).
  case tree
  /// An explainable boosting machine (`ExplainableBoostingMachine`).
  case ebm
  /// Not trained by `candor train`: a binary model with a group threshold policy.
  case thresholded

  /// The types `candor train --model-type` fits.
  public static let trainable: [ModelType] = [.logistic, .linear, .mlp, .tree, .ebm]
}

/// What training did and how well it fit, stored in the model file and printed by `candor train`.
public struct TrainingSummary: Sendable, Equatable, Codable {
  public var modelType: ModelType
  public var rows: Int
  public var features: Int
  public var encodedColumns: Int
  /// `accuracy` for classifiers, `r2` for regression, on the training rows (weighted when weights are given).
  public var metricName: String
  public var metric: Double
  /// Newton iterations (logistic), 1 (linear) or epochs (MLP).
  public var iterations: Int
  /// Largest absolute gradient component at the end (logistic only).
  public var gradientNorm: Double?
  public var converged: Bool
  /// Final objective per unit of sample weight.
  public var finalLoss: Double
  /// Logistic: false for an unpenalized fit (`--l2 0`, reference coding); nil in files written before.
  public var penalized: Bool?
  /// An unpenalized binary logistic fit: the standard error of each parameter, intercept first, then the encoded
  /// columns in order — the square roots of the diagonal of the inverse Hessian of the log-likelihood at the optimum.
  public var standardErrors: [Double]?

  public init(modelType: ModelType, rows: Int, features: Int, encodedColumns: Int, metricName: String, metric: Double,
              iterations: Int, gradientNorm: Double?, converged: Bool, finalLoss: Double) {
    (self.modelType, self.rows, self.features, self.encodedColumns, self.metricName, self.metric) =
      (modelType, rows, features, encodedColumns, metricName, metric)
    (self.iterations, self.gradientNorm, self.converged, self.finalLoss) = (iterations, gradientNorm, converged, finalLoss)
  }

  enum CodingKeys: String, CodingKey {
    case rows, features, metric, iterations, converged
    case modelType = "model_type"
    case encodedColumns = "encoded_columns"
    case metricName = "metric_name"
    case gradientNorm = "gradient_norm"
    case finalLoss = "final_loss"
    case penalized
    case standardErrors = "standard_errors"
  }

  /// The summary printed after training.
  public var text: String {
    var lines = [
      "Trained \(modelType.rawValue) model on \(rows) rows, \(features) features (\(encodedColumns) encoded columns).",
      "Training \(metricName): \(String(format: "%.5f", metric))",
    ]
    switch modelType {
    case .logistic:
      lines.append((converged ? "Converged" : "Did not converge") + " after \(iterations) Newton iterations; "
        + "final gradient norm (max |component|) \(String(format: "%.3e", gradientNorm ?? .nan)).")
    case .linear:
      lines.append("Solved exactly (normal equations, Cholesky).")
    case .thresholded:
      break
    case .ebm:
      lines.append("Boosted \(iterations) cycles per bag on average (mains and pairs); validation loss \(String(format: "%.5f", finalLoss)).")
    case .tree:
      lines.append("Grew \(iterations) nodes (CART); root impurity \(String(format: "%.5f", finalLoss)).")
    case .mlp:
      lines.append((converged ? "Stopped after 10 epochs without improvement" : "Ran the full epoch budget")
        + " (\(iterations) epochs); final training loss \(String(format: "%.5f", finalLoss)).")
    }
    return lines.joined(separator: "\n")
  }
}

