import CandorCore

/// Ridge regression behind the `FeatureEncoder` pipeline.
///
/// Minimizes `Σᵢ sᵢ (yᵢ − w·xᵢ − b)² + α‖w‖²` with `α = 1 / C` (so `C = 1` is scikit-learn's
/// `Ridge(alpha=1.0)`) and the intercept unpenalized, by one Cholesky solve of the normal equations.
public struct LinearRegression: Model, Equatable {
  public let encoder: FeatureEncoder
  public let targetName: String
  public let coefficients: [Double]
  public let intercept: Double

  public var outputKind: OutputKind { .regression }
  public var classes: [String] { [targetName] }
  public var featureNames: [String] { encoder.featureNames }

  public init(encoder: FeatureEncoder, targetName: String, coefficients: [Double], intercept: Double) {
    precondition(coefficients.count == encoder.encodedColumnCount, "coefficients do not match the encoder")
    self.encoder = encoder
    self.targetName = targetName
    self.coefficients = coefficients
    self.intercept = intercept
  }

  public func predict(_ table: Table) throws -> Matrix {
    predictions(try encoder.encodedRows(table))
  }

  /// `X·w + b` on rows encoded by entry.
  public func predictions(_ rows: EncodedRows) -> Matrix {
    let values = coefficients.withUnsafeBufferPointer { rows.times($0, intercept: intercept) }
    return Matrix(rows: rows.rows, columns: 1, storage: ContiguousArray(values))
  }

  /// `X·w + b` by one GEMV.
  public func predictions(encoded: Matrix) -> Matrix {
    var output = Matrix(rows: encoded.rows, columns: 1, repeating: intercept)
    coefficients.withUnsafeBufferPointer { w in
      output.storage.withUnsafeMutableBufferPointer { y in encoded.multiply(w, beta: 1, into: y) }
    }
    return output
  }

  public static func fit(_ data: TrainingSet, inverseRegularization C: Double = 1) throws -> (LinearRegression, TrainingSummary) {
    guard case let .values(targets) = data.target else { preconditionFailure("ridge needs a numeric target") }
    guard C > 0, C.isFinite else {
      throw ModelError.invalidSetting(.init(.inverseRegularization, value: "\(C)", .positiveFinite))
    }
    var normal = data.weights.withUnsafeBufferPointer { data.encoded.weightedGram($0, appendingIntercept: true) }
    for j in 0..<data.encoded.columns { normal[j, j] += 1 / C }
    let weightedTargets = zip(targets, data.weights).map { $0 * $1 }
    let rightHandSide = weightedTargets.withUnsafeBufferPointer { data.encoded.transposedTimes($0, appendingIntercept: true) }
    let solution: [Double]
    do {
      solution = try normal.solveSymmetricPositiveDefinite(rightHandSide)
    } catch {
      throw ModelError.solverFailed(reason: "the normal equations are singular (a feature may be constant and the weights zero)")
    }
    let model = LinearRegression(encoder: data.encoder, targetName: data.targetName,
                                 coefficients: Array(solution.dropLast()), intercept: solution.last!)
    let fitted = model.predictions(data.encoded)
    let r2 = fitted.storage.withUnsafeBufferPointer { p in
      targets.withUnsafeBufferPointer { y in data.weights.withUnsafeBufferPointer { rSquared(predictions: p, targets: y, weights: $0) } }
    }
    let residualSum = zip(zip(fitted.storage, targets), data.weights).reduce(0) { $0 + $1.1 * ($1.0.0 - $1.0.1) * ($1.0.0 - $1.0.1) }
    let summary = TrainingSummary(
      modelType: .linear, rows: data.rowCount, features: data.encoder.features.count,
      encodedColumns: data.encoder.encodedColumnCount, metricName: "r2", metric: r2, iterations: 1,
      gradientNorm: nil, converged: true, finalLoss: residualSum / max(data.weights.reduce(0, +), .leastNonzeroMagnitude))
    return (model, summary)
  }
}
