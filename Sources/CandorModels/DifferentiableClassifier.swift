import CandorCore
import Foundation

/// Encoded training rows with their class labels: what a gradient step reads. Rows stay stored by entry (13 on
/// Adult instead of 107 columns), so a linear model's per-example gradient costs one pass over a row's entries.
public struct GradientExamples: Sendable {
  public let rows: EncodedRows
  /// Class indices, one per row.
  public let labels: ContiguousArray<Int32>
  /// ‖xᵢ‖² + 1 for every row: the squared norm of the row with the intercept's 1, which a linear model's
  /// per-example gradient norm is a multiple of.
  public let squaredNormsWithIntercept: [Double]

  public init(rows: EncodedRows, labels: ContiguousArray<Int32>) {
    precondition(rows.rows == labels.count, "one label per row")
    self.rows = rows
    self.labels = labels
    var norms = [Double](repeating: 1, count: rows.rows)
    rows.indices.withUnsafeBufferPointer { idx in
      rows.values.withUnsafeBufferPointer { val in
        for r in 0..<rows.rows {
          for s in (r * rows.stride)..<((r + 1) * rows.stride) where idx[s] >= 0 { norms[r] += val[s] * val[s] }
        }
      }
    }
    squaredNormsWithIntercept = norms
  }

  public var count: Int { rows.rows }

  /// The rows `indices` as one dense batch, and their labels.
  public func batch(_ indices: [Int]) -> (Matrix, [Int32]) {
    let width = rows.columns, stride = rows.stride
    var dense = Matrix(rows: indices.count, columns: width)
    dense.storage.withUnsafeMutableBufferPointer { out in
      rows.indices.withUnsafeBufferPointer { idx in
        rows.values.withUnsafeBufferPointer { val in
          for (i, row) in indices.enumerated() {
            for s in (row * stride)..<((row + 1) * stride) where idx[s] >= 0 { out[i * width + Int(idx[s])] = val[s] }
          }
        }
      }
    }
    return (dense, indices.map { labels[$0] })
  }
}

/// The sum of a batch's per-example gradients, each clipped to an L2 norm of at most C over all parameters:
/// `Σᵢ min(1, C/‖gᵢ‖)·gᵢ`, the quantity DP-SGD adds noise to (Abadi et al. 2016, arXiv:1607.00133, Algorithm 1).
public struct ClippedGradientSum: Sendable, Equatable {
  /// In the layout of `DifferentiableClassifier.parameters`.
  public var sum: [Double]
  /// How many examples had a gradient longer than C (and were scaled down).
  public var clippedCount: Int
  public var exampleCount: Int
}

/// What gradient-based training from outside the model needs (DP-SGD in CandorPrivacy): the parameters as one
/// vector, and the clipped per-example gradient sum of the log loss over a batch. Per-example gradients are
/// never formed one by one: a layer's gradient for one example is an outer product whose norm is a product of
/// norms (Goodfellow 2015, arXiv:1510.01799), and the clipped sum is one GEMM per layer.
public protocol DifferentiableClassifier: Model {
  var classes: [String] { get }
  var parameterCount: Int { get }
  /// Every parameter, flattened in the model's own fixed layout.
  var parameters: [Double] { get }
  mutating func setParameters(_ parameters: [Double])
  /// `Σᵢ min(1, clipNorm/‖∇θ ℓᵢ‖)·∇θ ℓᵢ` over the rows `indices` of `examples` (log loss, no penalty). An empty batch
  /// gives the zero vector.
  func clippedGradientSum(_ examples: GradientExamples, rows indices: [Int], clipNorm: Double) -> ClippedGradientSum
}

/// The factor that clips a gradient of norm `norm` to at most `clipNorm` (1 when it is already within).
@inline(__always) func clipFactor(norm: Double, clipNorm: Double) -> Double {
  norm > clipNorm ? clipNorm / norm : 1
}

extension LogisticRegression: DifferentiableClassifier {
  public var parameterCount: Int { coefficients.rows * (coefficients.columns + 1) }

  /// Output by output: that output's weights, then its intercept (the bias last, as DP-SGD references write it).
  public var parameters: [Double] {
    var all: [Double] = []
    all.reserveCapacity(parameterCount)
    for k in 0..<coefficients.rows {
      all.append(contentsOf: coefficients.storage[(k * coefficients.columns)..<((k + 1) * coefficients.columns)])
      all.append(intercepts[k])
    }
    return all
  }

  public mutating func setParameters(_ parameters: [Double]) {
    precondition(parameters.count == parameterCount, "\(parameters.count) parameters for \(parameterCount)")
    let width = coefficients.columns
    for k in 0..<coefficients.rows {
      for j in 0..<width { coefficients.storage[k * width + j] = parameters[k * (width + 1) + j] }
      intercepts[k] = parameters[k * (width + 1) + width]
    }
  }

  /// The model with every weight and intercept 0: where DP-SGD starts.
  public static func zero(encoder: FeatureEncoder, classes: [String]) -> LogisticRegression {
    let outputs = classes.count == 2 ? 1 : classes.count
    return LogisticRegression(encoder: encoder, classes: classes,
                              coefficients: Matrix(rows: outputs, columns: encoder.encodedColumnCount),
                              intercepts: [Double](repeating: 0, count: outputs))
  }

  /// Example i's gradient is rᵢ ⊗ [xᵢ, 1] with residual rᵢ = pᵢ − onehot(yᵢ) (one entry for a binary model), so
  /// its norm is ‖rᵢ‖·√(‖xᵢ‖² + 1); score, residual and the clipped sum each take one pass over the row's entries.
  public func clippedGradientSum(_ examples: GradientExamples, rows indices: [Int], clipNorm: Double) -> ClippedGradientSum {
    let width = coefficients.columns, outputs = coefficients.rows, span = width + 1
    var sum = [Double](repeating: 0, count: parameterCount)
    var clipped = 0
    var residual = [Double](repeating: 0, count: outputs)
    let stride = examples.rows.stride
    if outputs == 1 {
      clipped = binaryClippedSum(examples, rows: indices, clipNorm: clipNorm, into: &sum)
      return ClippedGradientSum(sum: sum, clippedCount: clipped, exampleCount: indices.count)
    }
    sum.withUnsafeMutableBufferPointer { g in
      coefficients.storage.withUnsafeBufferPointer { w in
        examples.rows.indices.withUnsafeBufferPointer { idx in
          examples.rows.values.withUnsafeBufferPointer { val in
            for row in indices {
              let entries = (row * stride)..<((row + 1) * stride)
              for k in 0..<outputs {
                var z = intercepts[k]
                for s in entries where idx[s] >= 0 { z += w[k * width + Int(idx[s])] * val[s] }
                residual[k] = z
              }
              let label = Int(examples.labels[row])
              if outputs == 1 {
                residual[0] = sigmoid(residual[0]) - (label == 1 ? 1 : 0)
              } else {
                var largest = -Double.infinity
                for k in 0..<outputs { largest = max(largest, residual[k]) }
                var total = 0.0
                for k in 0..<outputs {
                  residual[k] = exp(residual[k] - largest)
                  total += residual[k]
                }
                for k in 0..<outputs { residual[k] /= total }
                residual[label] -= 1
              }
              var squares = 0.0
              for k in 0..<outputs { squares += residual[k] * residual[k] }
              let factor = clipFactor(norm: (squares * examples.squaredNormsWithIntercept[row]).squareRoot(), clipNorm: clipNorm)
              if factor < 1 { clipped += 1 }
              for k in 0..<outputs {
                let scaled = residual[k] * factor
                for s in entries where idx[s] >= 0 { g[k * span + Int(idx[s])] += scaled * val[s] }
                g[k * span + width] += scaled
              }
            }
          }
        }
      }
    }
    return ClippedGradientSum(sum: sum, clippedCount: clipped, exampleCount: indices.count)
  }

  /// The binary case, DP-SGD's hot loop: one score, one residual, no per-output bookkeeping.
  private func binaryClippedSum(_ examples: GradientExamples, rows indices: [Int], clipNorm: Double, into sum: inout [Double]) -> Int {
    let width = coefficients.columns, stride = examples.rows.stride, intercept = intercepts[0]
    var clipped = 0
    sum.withUnsafeMutableBufferPointer { g in
      coefficients.storage.withUnsafeBufferPointer { w in
        examples.rows.indices.withUnsafeBufferPointer { idx in
          examples.rows.values.withUnsafeBufferPointer { val in
            examples.labels.withUnsafeBufferPointer { labels in
              examples.squaredNormsWithIntercept.withUnsafeBufferPointer { norms in
                let gp = g.baseAddress!, wp = w.baseAddress!, ip = idx.baseAddress!, vp = val.baseAddress!
                var bias = 0.0
                for row in indices {
                  let first = row * stride
                  var z = intercept
                  for s in first..<(first + stride) {
                    let j = Int(ip[s])
                    if j >= 0 { z += wp[j] * vp[s] }
                  }
                  let residual = sigmoid(z) - (labels[row] == 1 ? 1 : 0)
                  let norm = abs(residual) * norms[row].squareRoot()
                  var scaled = residual
                  if norm > clipNorm {
                    scaled *= clipNorm / norm
                    clipped += 1
                  }
                  for s in first..<(first + stride) {
                    let j = Int(ip[s])
                    if j >= 0 { gp[j] += scaled * vp[s] }
                  }
                  bias += scaled
                }
                gp[width] += bias
              }
            }
          }
        }
      }
    }
    return clipped
  }
}

extension MLPClassifier: DifferentiableClassifier {
  /// Layer by layer: the weights (inputs × outputs, row-major), then the biases.
  public var parameters: [Double] { layers.flatMap { Array($0.weights.storage) + $0.bias } }

  public mutating func setParameters(_ parameters: [Double]) {
    precondition(parameters.count == parameterCount, "\(parameters.count) parameters for \(parameterCount)")
    var offset = 0
    for l in layers.indices {
      let count = layers[l].weights.storage.count
      layers[l].weights.storage = ContiguousArray(parameters[offset..<(offset + count)])
      offset += count
      layers[l].bias = Array(parameters[offset..<(offset + layers[l].bias.count)])
      offset += layers[l].bias.count
    }
  }

  public func clippedGradientSum(_ examples: GradientExamples, rows indices: [Int], clipNorm: Double) -> ClippedGradientSum {
    if indices.isEmpty { return ClippedGradientSum(sum: [Double](repeating: 0, count: parameterCount), clippedCount: 0, exampleCount: 0) }
    let (batch, labels) = examples.batch(indices)
    let pass = forward(batch)
    let deltas = backward(pass, labels: labels)
    let factors = perExampleGradientNorms(pass, deltas: deltas).map { clipFactor(norm: $0, clipNorm: clipNorm) }
    return ClippedGradientSum(sum: scaledGradientSum(pass, deltas: deltas, scales: factors),
                              clippedCount: factors.count { $0 < 1 }, exampleCount: indices.count)
  }
}

// MARK: - Optimizers

/// A first-order update rule for a flat parameter vector.
public protocol GradientOptimizer: Sendable {
  mutating func step(_ parameters: inout [Double], gradient: [Double])
}

/// Adam's moment estimates (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
public struct AdamOptimizer: GradientOptimizer {
  public var learningRate: Double
  var firstMoment: [Double]
  var secondMoment: [Double]
  var steps = 0

  public init(count: Int, learningRate: Double) {
    self.learningRate = learningRate
    firstMoment = [Double](repeating: 0, count: count)
    secondMoment = [Double](repeating: 0, count: count)
  }

  public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
    steps += 1
    let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    let correctedRate = learningRate * (1 - pow(beta2, Double(steps))).squareRoot() / (1 - pow(beta1, Double(steps)))
    for i in parameters.indices {
      firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * gradient[i]
      secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * gradient[i] * gradient[i]
      parameters[i] -= correctedRate * firstMoment[i] / (secondMoment[i].squareRoot() + epsilon)
    }
  }
}

/// SGD with heavy-ball momentum as PyTorch writes it: v ← μ·v + g, θ ← θ − η·v (μ = 0 is plain SGD).
public struct MomentumSGD: GradientOptimizer {
  public var learningRate: Double
  public var momentum: Double
  var velocity: [Double]

  public init(count: Int, learningRate: Double, momentum: Double = 0) {
    self.learningRate = learningRate
    self.momentum = momentum
    velocity = [Double](repeating: 0, count: count)
  }

  public mutating func step(_ parameters: inout [Double], gradient: [Double]) {
    for i in parameters.indices {
      velocity[i] = momentum * velocity[i] + gradient[i]
      parameters[i] -= learningRate * velocity[i]
    }
  }
}
