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
    let C = options.inverseRegularization
    guard C > 0, C.isFinite else {
      throw ModelError.invalidSetting(.init(.inverseRegularization, value: "\(C)", .positiveFinite))
    }
    let totalWeight = data.weights.reduce(0, +)
    let tolerance = options.relativeTolerance * max(1, C * totalWeight)
    let outputs = classes.count == 2 ? 1 : classes.count
    let objective = LogisticObjective(rows: data.encoded, labels: labels, weights: data.weights, outputCount: outputs, C: C)
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
    let probabilities = model.probabilities(data.encoded)
    let summary = TrainingSummary(
      modelType: .logistic, rows: data.rowCount, features: data.encoder.features.count,
      encodedColumns: data.encoder.encodedColumnCount,
      metricName: "accuracy", metric: accuracy(probabilities, labels: labels, weights: data.weights),
      iterations: result.iterations, gradientNorm: result.gradientNorm, converged: result.converged,
      finalLoss: objective.value(result.parameters) / max(C * totalWeight, .leastNonzeroMagnitude))
    return (model, summary)
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
