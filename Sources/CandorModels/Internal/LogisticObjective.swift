import CandorCore
import Foundation

/// `½‖W‖² + C · Σᵢ sᵢ · logloss` for a linear model on encoded rows with an unpenalized intercept.
/// Parameters are laid out one output at a time: `[w₁ … w_p, b]` per output. One output means the binary
/// model (sigmoid of the positive class's log-odds), several the multinomial one (softmax).
///
/// Works on `EncodedRows`, so a Hessian costs O(rows × features²) however many one-hot columns there are.
struct LogisticObjective: ConvexObjective {
  let rows: EncodedRows
  let labels: ContiguousArray<Int32>
  let weights: [Double]
  let outputCount: Int
  let C: Double
  /// 1: ½‖W‖² + C·loss; 0: the loss alone (an unpenalized fit, and the Hessian its inference uses).
  var penaltyWeight = 1.0

  var width: Int { rows.columns + 1 }
  var parameterCount: Int { outputCount * width }

  /// Linear scores, rows × outputs.
  func scores(_ parameters: [Double]) -> Matrix {
    var z = Matrix(rows: rows.rows, columns: outputCount)
    parameters.withUnsafeBufferPointer { theta in
      for k in 0..<outputCount {
        let slice = UnsafeBufferPointer(rebasing: theta[(k * width)..<((k + 1) * width)])
        let column = rows.times(slice, intercept: slice[width - 1])
        for r in 0..<rows.rows { z.storage[r * outputCount + k] = column[r] }
      }
    }
    return z
  }

  private func penalty(_ parameters: [Double]) -> Double {
    var sum = 0.0
    for k in 0..<outputCount {
      for j in 0..<(width - 1) { sum += parameters[k * width + j] * parameters[k * width + j] }
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
    return penaltyWeight * penalty(parameters) + C * loss
  }

  func gradientAndHessian(_ parameters: [Double]) -> (gradient: [Double], hessian: Matrix) {
    var probabilities = scores(parameters)
    if outputCount == 1 {
      for i in probabilities.storage.indices { probabilities.storage[i] = sigmoid(probabilities.storage[i]) }
    } else {
      softmaxRows(&probabilities)
    }
    var gradient = [Double](repeating: 0, count: parameterCount)
    var residuals = [Double](repeating: 0, count: rows.rows)
    for k in 0..<outputCount {
      // C·sᵢ·(pᵢₖ − yᵢₖ); the gradient block is X̃ᵀ times these.
      for r in 0..<rows.rows {
        let isLabel = outputCount == 1 ? labels[r] == 1 : Int(labels[r]) == k
        residuals[r] = C * weights[r] * (probabilities[r, k] - (isLabel ? 1 : 0))
      }
      let block = residuals.withUnsafeBufferPointer { rows.transposedTimes($0, appendingIntercept: true) }
      for j in 0..<width { gradient[k * width + j] = block[j] + (j < width - 1 ? penaltyWeight * parameters[k * width + j] : 0) }
    }
    var hessian = Matrix(rows: parameterCount, columns: parameterCount)
    var curvature = [Double](repeating: 0, count: rows.rows)
    for k in 0..<outputCount {
      for l in k..<outputCount {
        for r in 0..<rows.rows {
          let pk = probabilities[r, k]
          curvature[r] = C * weights[r] * (k == l ? pk * (1 - pk) : -pk * probabilities[r, l])
        }
        let block = curvature.withUnsafeBufferPointer { rows.weightedGram($0, appendingIntercept: true) }
        for i in 0..<width {
          for j in 0..<width {
            hessian[k * width + i, l * width + j] = block[i, j]
            hessian[l * width + j, k * width + i] = block[i, j]
          }
        }
      }
      for j in 0..<(width - 1) { hessian[k * width + j, k * width + j] += penaltyWeight }
    }
    return (gradient, hessian)
  }
}
