import Foundation

/// The built-in model types `candor train` fits.
public enum ModelType: String, Sendable, Codable, CaseIterable {
  case logistic, linear, mlp
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
  /// Newton iterations, or epochs for the MLP.
  public var iterations: Int
  /// Largest absolute gradient component at the end (nil where not tracked: the MLP stops on loss).
  public var gradientNorm: Double?
  public var converged: Bool
  /// Final objective per unit of sample weight.
  public var finalLoss: Double

  /// The summary printed after training.
  public var text: String {
    var lines = [
      "Trained \(modelType.rawValue) model on \(rows) rows, \(features) features (\(encodedColumns) encoded columns).",
      "Training \(metricName): \(String(format: "%.5f", metric))",
    ]
    let unit = modelType == .mlp ? "epochs" : "iterations"
    if let gradientNorm {
      lines.append((converged ? "Converged" : "Did not converge")
        + " after \(iterations) \(unit); final gradient norm (max |component|) \(String(format: "%.3e", gradientNorm)).")
    } else {
      lines.append((converged ? "Stopped on a loss plateau" : "Ran the full budget") + " after \(iterations) \(unit); final loss \(String(format: "%.5f", finalLoss)).")
    }
    return lines.joined(separator: "\n")
  }
}

