import CandorCore
import Foundation

/// L2-penalized logistic regression, binary or multinomial, behind the `FeatureEncoder` pipeline.
///
/// Minimizes `½‖W‖² + C · Σᵢ sᵢ · logloss(yᵢ, softmax(W·xᵢ + b))` with the intercepts unpenalized, as
/// scikit-learn's `LogisticRegression(C=…)` does; a binary model keeps one row of weights (the positive
/// class's log-odds), a multinomial one a row per class. Fitted by Newton's method to the optimum
/// (scikit-learn's default lbfgs stops early on rare categories), and the summary says how close it got.
public struct LogisticRegression: Model, Equatable {
  public let encoder: FeatureEncoder
  public let classes: [String]
  /// One row per output (1 for binary), one column per encoded feature.
  public internal(set) var coefficients: Matrix
  public internal(set) var intercepts: [Double]

  public var outputKind: OutputKind { classes.count == 2 ? .binaryProbability : .multiclassProbabilities }
  public var featureNames: [String] { encoder.featureNames }

  public init(encoder: FeatureEncoder, classes: [String], coefficients: Matrix, intercepts: [Double]) {
    precondition(coefficients.columns == encoder.encodedColumnCount, "coefficients do not match the encoder")
    precondition(coefficients.rows == (classes.count == 2 ? 1 : classes.count) && intercepts.count == coefficients.rows)
    self.encoder = encoder
    self.classes = classes
    self.coefficients = coefficients
    self.intercepts = intercepts
  }

  public func predict(_ table: Table) throws -> Matrix {
    probabilities(try encoder.encodedRows(table))
  }

  /// Probabilities from rows encoded by entry: O(rows × features) multiply-adds, then the link.
  public func probabilities(_ rows: EncodedRows) -> Matrix {
    var scores = Matrix(rows: rows.rows, columns: coefficients.rows)
    coefficients.storage.withUnsafeBufferPointer { all in
      for k in 0..<coefficients.rows {
        let slice = UnsafeBufferPointer(rebasing: all[(k * coefficients.columns)..<((k + 1) * coefficients.columns)])
        let column = rows.times(slice, intercept: intercepts[k])
        for r in 0..<rows.rows { scores.storage[r * coefficients.rows + k] = column[r] }
      }
    }
    applyLink(&scores)
    return scores
  }

  /// Probabilities from dense encoded rows: one GEMM, then the link.
  public func probabilities(encoded: Matrix) -> Matrix {
    var scores = Matrix(rows: encoded.rows, columns: coefficients.rows)
    for r in 0..<scores.rows { for k in 0..<scores.columns { scores[r, k] = intercepts[k] } }
    Matrix.multiply(encoded, .none, coefficients, .transposed, beta: 1, into: &scores)
    applyLink(&scores)
    return scores
  }

  func applyLink(_ scores: inout Matrix) {
    if outputKind == .binaryProbability {
      for i in scores.storage.indices { scores.storage[i] = sigmoid(scores.storage[i]) }
    } else {
      softmaxRows(&scores)
    }
  }

  // MARK: - Fitting

  public struct Options: Sendable, Equatable {
    /// Inverse regularization strength, scikit-learn's `C`.
    public var inverseRegularization: Double = 1
    /// False: no penalty (statsmodels' `Logit`); the encoder should use reference coding, and the fit keeps the
    /// standard errors of its estimates.
    public var penalized = true
    /// Stop when the largest gradient component is below this fraction of the total sample weight.
    public var relativeTolerance: Double = 1e-10
    public var maxIterations: Int = 100
    public init(inverseRegularization: Double = 1) {
      self.inverseRegularization = inverseRegularization
    }
  }

  public static func fit(_ data: TrainingSet, options: Options = Options()) throws -> (LogisticRegression, TrainingSummary) {
    guard case let .classes(classes, labels) = data.target else {
      preconditionFailure("logistic regression needs a class target")
    }
    let C = options.penalized ? options.inverseRegularization : 1
    guard C > 0, C.isFinite else {
      throw ModelError.invalidSetting(.init(.inverseRegularization, value: "\(C)", .positiveFinite))
    }
    let totalWeight = data.weights.reduce(0, +)
    let tolerance = options.relativeTolerance * max(1, C * totalWeight)
    let outputs = classes.count == 2 ? 1 : classes.count
    var objective = LogisticObjective(rows: data.encoded, labels: labels, weights: data.weights, outputCount: outputs, C: C)
    if !options.penalized { objective.penaltyWeight = 0 }
    let result = try NewtonSolver.minimize(objective, from: [Double](repeating: 0, count: objective.parameterCount),
                                           tolerance: tolerance, maxIterations: options.maxIterations)
    let width = objective.width
    var coefficients = Matrix(rows: outputs, columns: width - 1)
    var intercepts = [Double](repeating: 0, count: outputs)
    for k in 0..<outputs {
      for j in 0..<(width - 1) { coefficients[k, j] = result.parameters[k * width + j] }
      intercepts[k] = result.parameters[k * width + width - 1]
    }
    let model = LogisticRegression(encoder: data.encoder, classes: classes, coefficients: coefficients, intercepts: intercepts)
    var standardErrors: [Double]?
    if !options.penalized {
      if outputs == 1 { standardErrors = try Self.standardErrors(objective, at: result.parameters, names: data.encoder.encodedNames) }
      try checkIdentified(model, converged: result.converged, standardErrors: standardErrors)
    }
    let probabilities = model.probabilities(data.encoded)
    var summary = TrainingSummary(
      modelType: .logistic, rows: data.rowCount, features: data.encoder.features.count,
      encodedColumns: data.encoder.encodedColumnCount,
      metricName: "accuracy", metric: accuracy(probabilities, labels: labels, weights: data.weights),
      iterations: result.iterations, gradientNorm: result.gradientNorm, converged: result.converged,
      finalLoss: objective.value(result.parameters) / max(C * totalWeight, .leastNonzeroMagnitude))
    summary.penalized = options.penalized
    summary.standardErrors = standardErrors
    return (model, summary)
  }

  /// An unpenalized fit whose coefficients run away has no maximum: the data are (quasi-)separable. Newton then
  /// stops on a flat likelihood with saturated probabilities, so the signs are a coefficient beyond 25 on the
  /// encoded scale (numeric features in standard deviations: an odds ratio of e²⁵) or a standard error beyond 100
  /// (the likelihood has no curvature left along that term).
  static func checkIdentified(_ model: LogisticRegression, converged: Bool, standardErrors: [Double]?) throws {
    let names = model.encoder.encodedNames
    var largest = (index: 0, value: 0.0)
    for k in 0..<model.coefficients.rows {
      for j in 0..<model.coefficients.columns where abs(model.coefficients[k, j]) > abs(largest.value) { largest = (j, model.coefficients[k, j]) }
    }
    let flat = (standardErrors ?? []).contains { $0 > 100 }
    guard !converged || abs(largest.value) > 25 || flat else { return }
    let term = names.isEmpty ? "the intercept" : printable(names[largest.index])
    throw ModelError.invalidSetting(.init(.inverseRegularization, value: "0", .because(
      "without a penalty the fit has no optimum: the data are (quasi-)separable, and the coefficient of \(term) grows without bound. Fit with a penalty, e.g. --l2 1, or drop the separating feature")))
  }

  /// √diag(H⁻¹) of the log-likelihood's Hessian at `parameters` (intercept first, then the columns).
  static func standardErrors(_ objective: LogisticObjective, at parameters: [Double], names: [String]) throws -> [Double] {
    let hessian = objective.gradientAndHessian(parameters).hessian
    let n = hessian.rows, intercept = n - 1
    // A term the data cannot tell from those before it (a constant column, a copy or combination of others):
    // Cholesky of the growing leading block, intercept first, finds the first pivot that vanishes.
    let order = [intercept] + Array(0..<intercept)
    var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for k in 0..<n {
      for j in 0...k {
        var sum = hessian[order[k], order[j]]
        for m in 0..<j { sum -= l[k][m] * l[j][m] }
        if j < k {
          l[k][j] = sum / l[j][j]
        } else if sum <= 1e-9 * max(hessian[order[k], order[k]], .leastNormalMagnitude) {
          let term = order[k] == intercept ? "the intercept" : printable(names[order[k]])
          throw ModelError.invalidSetting(.init(.inverseRegularization, value: "0", .because(
            "without a penalty \(term) is not identified: it is constant in the data, or the same as a combination of the terms before it (a copy of a column, or a level with no rows). Drop it, or fit with a penalty, e.g. --l2 1")))
        } else {
          l[k][k] = sum.squareRoot()
        }
      }
    }
    var diagonal = [Double](repeating: 0, count: n)
    for j in 0..<n {
      var unit = [Double](repeating: 0, count: n)
      unit[j] = 1
      guard let column = try? hessian.solveSymmetricPositiveDefinite(unit), column[j] > 0, column[j].isFinite else {
        let term = j == intercept ? "the intercept" : printable(names[j])
        throw ModelError.invalidSetting(.init(.inverseRegularization, value: "0", .because(
          "without a penalty \(term) is not identified: the data hold no rows that tell it apart (a level with no rows, or a column that repeats others). Drop it, or fit with a penalty, e.g. --l2 1")))
      }
      diagonal[j] = column[j]
    }
    return [diagonal[intercept].squareRoot()] + diagonal[..<intercept].map { $0.squareRoot() }
  }
}

// MARK: - Shared numerics

@inline(__always) func sigmoid(_ z: Double) -> Double {
  // One exp of −|z| (never overflows) and a select instead of a branch, which mispredicts on mixed signs.
  let e = exp(-abs(z))
  return (z >= 0 ? 1 : e) / (1 + e)
}

/// log(1 + eᶻ) without overflow.
@inline(__always) func softplus(_ z: Double) -> Double {
  z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
}

func softmaxRows(_ scores: inout Matrix) {
  let width = scores.columns
  scores.storage.withUnsafeMutableBufferPointer { s in
    for r in 0..<scores.rows {
      let base = r * width
      var largest = -Double.infinity
      for k in 0..<width { largest = max(largest, s[base + k]) }
      var total = 0.0
      for k in 0..<width {
        s[base + k] = exp(s[base + k] - largest)
        total += s[base + k]
      }
      for k in 0..<width { s[base + k] /= total }
    }
  }
}

/// Weighted share of rows whose predicted class (`ClassificationTally.predictedClass`) is the label.
func accuracy(_ probabilities: Matrix, labels: ContiguousArray<Int32>, weights: [Double]) -> Double {
  var tally = ClassificationTally()
  probabilities.storage.withUnsafeBufferPointer { outputs in
    for r in 0..<probabilities.rows {
      tally.add(predicted: ClassificationTally.predictedClass(outputs, row: r, width: probabilities.columns),
                label: Int(labels[r]), weight: weights[r])
    }
  }
  return tally.accuracy
}
