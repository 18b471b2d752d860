import CandorCore
import Foundation

/// A multilayer perceptron classifier: dense layers with ReLU, a sigmoid output for two classes or a
/// softmax for more, trained by Adam (Kingma & Ba 2015, arXiv:1412.6980) on shuffled mini-batches,
/// with scikit-learn's `MLPClassifier` conventions (Glorot-uniform start, L2 penalty `alpha/2·‖W‖²/batch`,
/// stop after 10 epochs without a 1e-4 improvement of the training loss).
///
/// The backward pass keeps per-example error signals, so it can return per-example gradients, their norms
/// and clipped sums — what differentially private SGD needs (Abadi et al. 2016, arXiv:1607.00133).
public struct MLPClassifier: Model, Equatable {
  public struct Layer: Sendable, Equatable, Codable {
    /// inputs × outputs, so a batch goes through as `A · W + b`.
    public var weights: Matrix
    public var bias: [Double]

    public init(weights: Matrix, bias: [Double]) {
      precondition(bias.count == weights.columns, "one bias per output")
      self.weights = weights
      self.bias = bias
    }
  }

  public let encoder: FeatureEncoder
  public let classes: [String]
  public internal(set) var layers: [Layer]

  public var outputKind: OutputKind { classes.count == 2 ? .binaryProbability : .multiclassProbabilities }
  public var featureNames: [String] { encoder.featureNames }
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.weights.storage.count + $1.bias.count } }

  public init(encoder: FeatureEncoder, classes: [String], layers: [Layer]) {
    precondition(layers.first?.weights.rows == encoder.encodedColumnCount, "first layer does not match the encoder")
    precondition(layers.last?.weights.columns == (classes.count == 2 ? 1 : classes.count), "output layer width")
    self.encoder = encoder
    self.classes = classes
    self.layers = layers
  }

  public func predict(_ table: Table) throws -> Matrix {
    forward(firstLayer: firstLayer(try encoder.encodedRows(table))).output
  }

  /// The first layer's pre-activations from rows encoded by entry: each row adds the weight rows of its few
  /// non-zero inputs (one per raw feature) instead of multiplying a mostly-zero one-hot matrix.
  func firstLayer(_ rows: EncodedRows) -> Matrix {
    let layer = layers[0]
    let width = layer.weights.columns, stride = rows.stride, count = rows.rows
    var z = Matrix(rows: count, columns: width)
    z.storage.withUnsafeMutableBufferPointer { out in
      layer.weights.storage.withUnsafeBufferPointer { w in
        layer.bias.withUnsafeBufferPointer { bias in
          rows.indices.withUnsafeBufferPointer { indices in
            rows.values.withUnsafeBufferPointer { values in
              let o = out.baseAddress!, wp = w.baseAddress!, bp = bias.baseAddress!
              let ip = indices.baseAddress!, vp = values.baseAddress!
              for r in 0..<count {
                let target = o + r * width
                target.update(from: bp, count: width)
                for s in (r * stride)..<((r + 1) * stride) {
                  let column = Int(ip[s])
                  if column < 0 { continue }
                  let v = vp[s], source = wp + column * width
                  // Four lanes at a time (one AVX2 register), the tail one by one.
                  var c = 0
                  let lanes = SIMD4<Double>(repeating: v)
                  while c + 4 <= width {
                    let t = UnsafeRawPointer(target + c).loadUnaligned(as: SIMD4<Double>.self)
                    let w4 = UnsafeRawPointer(source + c).loadUnaligned(as: SIMD4<Double>.self)
                    UnsafeMutableRawPointer(target + c).storeBytes(of: t + lanes * w4, as: SIMD4<Double>.self)
                    c += 4
                  }
                  while c < width {
                    target[c] += v * source[c]
                    c += 1
                  }
                }
              }
            }
          }
        }
      }
    }
    return z
  }

  /// The rest of the forward pass from the first layer's pre-activations: the one forward pass, for
  /// prediction and for training. With `input` (the rows `z0` came from) it keeps every activation for the
  /// backward pass; without, each hidden activation is dropped once the next layer has read it.
  func forward(firstLayer z0: consuming Matrix, keeping input: Matrix? = nil) -> ForwardPass {
    var activations: [Matrix] = input.map { [$0] } ?? []
    var z = consume z0
    for l in 0..<layers.count {
      if l > 0 {
        z = Self.affine(z, layers[l])
      }
      if l < layers.count - 1 {
        z.storage.withUnsafeMutableBufferPointer { values in
          for i in 0..<values.count { values[i] = max(values[i], 0) }  // ReLU without a branch to mispredict
        }
        if input != nil { activations.append(z) }
      }
    }
    if z.columns == 1 {
      z.storage.withUnsafeMutableBufferPointer { values in for i in 0..<values.count { values[i] = sigmoid(values[i]) } }
    } else {
      softmaxRows(&z)
    }
    return ForwardPass(activations: activations, output: z)
  }

  /// `A · W + b` for a dense batch: one GEMM onto the broadcast bias.
  static func affine(_ a: Matrix, _ layer: Layer) -> Matrix {
    var z = Matrix(rows: a.rows, columns: layer.weights.columns)
    z.storage.withUnsafeMutableBufferPointer { out in
      for r in 0..<z.rows { for c in 0..<z.columns { out[r * z.columns + c] = layer.bias[c] } }
    }
    Matrix.multiply(a, .none, layer.weights, .none, beta: 1, into: &z)
    return z
  }

  // MARK: - Forward and backward

  /// Activations of one batch: `activations[0]` is the input, `activations[l]` the output of layer l
  /// (ReLU for hidden layers), `output` the probabilities.
  public struct ForwardPass: Sendable {
    public var activations: [Matrix]
    public var output: Matrix
  }

  /// The forward pass of a dense batch (the first layer by GEMM, not by entries), keeping the activations.
  public func forward(_ input: Matrix) -> ForwardPass {
    forward(firstLayer: Self.affine(input, layers[0]), keeping: input)
  }

  /// Per-example error signals ∂ℓᵢ/∂zₗ for every layer (batch × width of layer l), for the log loss of
  /// `labels` (class indices). Row i depends on example i alone.
  public func backward(_ pass: ForwardPass, labels: [Int32]) -> [Matrix] {
    var delta = pass.output
    for (r, label) in labels.enumerated() {
      if delta.columns == 1 {
        delta[r, 0] -= label == 1 ? 1 : 0
      } else {
        delta[r, Int(label)] -= 1
      }
    }
    var deltas = [delta]
    for l in stride(from: layers.count - 1, to: 0, by: -1) {
      var previous = Matrix.product(deltas[0], .none, layers[l].weights, .transposed)
      let activation = pass.activations[l]
      for i in previous.storage.indices where activation.storage[i] <= 0 { previous.storage[i] = 0 }
      deltas.insert(previous, at: 0)
    }
    return deltas
  }

  /// `Σᵢ scaleᵢ · ∇θ ℓᵢ`, flattened layer by layer (weights row-major, then bias): one GEMM per layer.
  public func scaledGradientSum(_ pass: ForwardPass, deltas: [Matrix], scales: [Double]) -> [Double] {
    var gradient: [Double] = []
    gradient.reserveCapacity(parameterCount)
    for (l, delta) in deltas.enumerated() {
      var scaled = delta
      for r in 0..<scaled.rows { for c in 0..<scaled.columns { scaled[r, c] *= scales[r] } }
      gradient.append(contentsOf: Matrix.product(pass.activations[l], .transposed, scaled).storage)
      var bias = [Double](repeating: 0, count: scaled.columns)
      for r in 0..<scaled.rows { for c in 0..<scaled.columns { bias[c] += scaled[r, c] } }
      gradient.append(contentsOf: bias)
    }
    return gradient
  }

  /// ‖∇θ ℓᵢ‖₂ for every example without forming the gradients: a layer's weight gradient for one example
  /// is the outer product aᵢ δᵢᵀ, whose Frobenius norm is ‖aᵢ‖·‖δᵢ‖ (Goodfellow 2015, arXiv:1510.01799).
  public func perExampleGradientNorms(_ pass: ForwardPass, deltas: [Matrix]) -> [Double] {
    var squared = [Double](repeating: 0, count: pass.output.rows)
    for (l, delta) in deltas.enumerated() {
      let activation = pass.activations[l]
      for r in 0..<delta.rows {
        var aNorm = 0.0, dNorm = 0.0
        for c in 0..<activation.columns { aNorm += activation[r, c] * activation[r, c] }
        for c in 0..<delta.columns { dNorm += delta[r, c] * delta[r, c] }
        squared[r] += aNorm * dNorm + dNorm
      }
    }
    return squared.map { $0.squareRoot() }
  }

  /// Every example's gradient as a row (batch × `parameterCount`), in the layout of `scaledGradientSum`.
  public func perExampleGradients(_ pass: ForwardPass, deltas: [Matrix]) -> Matrix {
    var result = Matrix(rows: pass.output.rows, columns: parameterCount)
    for r in 0..<result.rows {
      var offset = 0
      for (l, delta) in deltas.enumerated() {
        let activation = pass.activations[l]
        for i in 0..<activation.columns {
          for j in 0..<delta.columns { result[r, offset + i * delta.columns + j] = activation[r, i] * delta[r, j] }
        }
        offset += activation.columns * delta.columns
        for j in 0..<delta.columns { result[r, offset + j] = delta[r, j] }
        offset += delta.columns
      }
    }
    return result
  }

  /// Mean log loss of a forward pass (weighted).
  static func logLoss(_ output: Matrix, labels: [Int32], weights: [Double]) -> Double {
    var total = 0.0, weightSum = 0.0
    let floor = 1e-15
    for (r, (label, weight)) in zip(labels, weights).enumerated() {
      let p = output.columns == 1 ? (label == 1 ? output[r, 0] : 1 - output[r, 0]) : output[r, Int(label)]
      total -= weight * log(max(p, floor))
      weightSum += weight
    }
    return total / max(weightSum, .leastNonzeroMagnitude)
  }
}
