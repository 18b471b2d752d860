import CandorCore
import Foundation

/// `½‖W‖² + C · Σᵢ sᵢ · logloss` over a design matrix whose last column is the intercept (unpenalized).
/// Parameters are laid out one output at a time: `[w₁ … w_p, b]` per output. One output means the binary
/// model (sigmoid of the positive class's log-odds), several the multinomial one (softmax).
struct LogisticObjective: ConvexObjective {
  let design: Matrix
  let labels: ContiguousArray<Int32>
  let weights: [Double]
  let outputCount: Int
  let C: Double

  var parameterCount: Int { outputCount * design.columns }

  private func scores(_ parameters: [Double]) -> Matrix {
    let theta = Matrix(rows: outputCount, columns: design.columns, storage: ContiguousArray(parameters))
    return Matrix.product(design, .none, theta, .transposed)
  }

  private func penalty(_ parameters: [Double]) -> Double {
    var sum = 0.0
    for k in 0..<outputCount {
      for j in 0..<(design.columns - 1) { sum += parameters[k * design.columns + j] * parameters[k * design.columns + j] }
    }
    return 0.5 * sum
  }

  func value(_ parameters: [Double]) -> Double {
    let z = scores(parameters)
    var loss = 0.0
    if outputCount == 1 {
      for r in 0..<z.rows {
        let margin = z.storage[r]
        loss += weights[r] * (softplus(margin) - (labels[r] == 1 ? margin : 0))
      }
    } else {
      for r in 0..<z.rows {
        var largest = -Double.infinity
        for k in 0..<outputCount { largest = max(largest, z[r, k]) }
        var total = 0.0
        for k in 0..<outputCount { total += exp(z[r, k] - largest) }
        loss += weights[r] * (largest + log(total) - z[r, Int(labels[r])])
      }
    }
    return penalty(parameters) + C * loss
  }

  func gradientAndHessian(_ parameters: [Double]) -> (gradient: [Double], hessian: Matrix) {
    var probabilities = scores(parameters)
    let width = design.columns
    if outputCount == 1 {
      for i in probabilities.storage.indices { probabilities.storage[i] = sigmoid(probabilities.storage[i]) }
    } else {
      softmaxRows(&probabilities)
    }
    // Residuals C·sᵢ·(pᵢₖ − yᵢₖ), rows × outputs; the gradient is their product with the design.
    var residuals = probabilities
    for r in 0..<residuals.rows {
      for k in 0..<outputCount {
        let isLabel = outputCount == 1 ? labels[r] == 1 : Int(labels[r]) == k
        residuals[r, k] = C * weights[r] * (probabilities[r, k] - (isLabel ? 1 : 0))
      }
    }
    let gradientMatrix = Matrix.product(residuals, .transposed, design)  // outputs × width
    var gradient = Array(gradientMatrix.storage)
    for k in 0..<outputCount {
      for j in 0..<(width - 1) { gradient[k * width + j] += parameters[k * width + j] }
    }
    var hessian = Matrix(rows: parameterCount, columns: parameterCount)
    var curvature = [Double](repeating: 0, count: design.rows)
    for k in 0..<outputCount {
      for l in k..<outputCount {
        for r in 0..<design.rows {
          let pk = probabilities[r, k]
          curvature[r] = C * weights[r] * (k == l ? pk * (1 - pk) : -pk * probabilities[r, l])
        }
        let block = curvature.withUnsafeBufferPointer { design.weightedGram($0) }
        for i in 0..<width {
          for j in 0..<width {
            hessian[k * width + i, l * width + j] = block[i, j]
            hessian[l * width + j, k * width + i] = block[i, j]
          }
        }
      }
      for j in 0..<(width - 1) { hessian[k * width + j, k * width + j] += 1 }
    }
    return (gradient, hessian)
  }
}
