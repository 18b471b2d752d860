/// Encoded rows stored by entry: every raw feature contributes at most one non-zero encoded value per row
/// (a standardized number, or the 1 of its one-hot category), so row r is the `stride` pairs
/// `(indices[r·stride + s], values[r·stride + s])`, with index −1 for "no entry" (an unseen category).
///
/// On Adult this is 13 entries per row instead of 107 columns: Gram matrices, scores and gradients of
/// linear models cost O(rows × features²) instead of O(rows × columns²).
public struct EncodedRows: Sendable, Equatable {
  public let rows: Int
  public let columns: Int
  public let stride: Int
  public var indices: ContiguousArray<Int32>
  public var values: ContiguousArray<Double>

  public init(rows: Int, columns: Int, stride: Int) {
    self.rows = rows
    self.columns = columns
    self.stride = stride
    indices = ContiguousArray(repeating: -1, count: rows * stride)
    values = ContiguousArray(repeating: 0, count: rows * stride)
  }

  /// The same rows as a dense row-major matrix.
  public func dense() -> Matrix {
    var result = Matrix(rows: rows, columns: columns)
    result.storage.withUnsafeMutableBufferPointer { out in
      for r in 0..<rows {
        for s in 0..<stride {
          let j = indices[r * stride + s]
          if j >= 0 { out[r * columns + Int(j)] = values[r * stride + s] }
        }
      }
    }
    return result
  }

  /// `X·θ + intercept` for every row.
  public func times(_ theta: UnsafeBufferPointer<Double>, intercept: Double) -> [Double] {
    precondition(theta.count >= columns, "\(theta.count) coefficients for \(columns) columns")
    var result = [Double](repeating: intercept, count: rows)
    indices.withUnsafeBufferPointer { idx in
      values.withUnsafeBufferPointer { val in
        for r in 0..<rows {
          var sum = intercept
          for s in (r * stride)..<((r + 1) * stride) where idx[s] >= 0 { sum += val[s] * theta[Int(idx[s])] }
          result[r] = sum
        }
      }
    }
    return result
  }

  /// `Xᵀ·v`, with one more component `Σ v` when `appendingIntercept` (the gradient of a linear model).
  public func transposedTimes(_ v: UnsafeBufferPointer<Double>, appendingIntercept: Bool) -> [Double] {
    precondition(v.count == rows, "\(v.count) values for \(rows) rows")
    var result = [Double](repeating: 0, count: columns + (appendingIntercept ? 1 : 0))
    indices.withUnsafeBufferPointer { idx in
      values.withUnsafeBufferPointer { val in
        for r in 0..<rows {
          let weight = v[r]
          for s in (r * stride)..<((r + 1) * stride) where idx[s] >= 0 { result[Int(idx[s])] += weight * val[s] }
          if appendingIntercept { result[columns] += weight }
        }
      }
    }
    return result
  }

  /// `X̃ᵀ·diag(w)·X̃` where X̃ is X with a column of ones appended when `appendingIntercept`.
  /// - Complexity: O(rows × stride² / 2), independent of the number of one-hot columns.
  public func weightedGram(_ weights: UnsafeBufferPointer<Double>, appendingIntercept: Bool) -> Matrix {
    precondition(weights.count == rows, "\(weights.count) weights for \(rows) rows")
    let width = columns + (appendingIntercept ? 1 : 0)
    var gram = Matrix(rows: width, columns: width)
    gram.storage.withUnsafeMutableBufferPointer { g in
      indices.withUnsafeBufferPointer { idx in
        values.withUnsafeBufferPointer { val in
          // Entries of one row sit in distinct columns, so each (s, t ≥ s) pair fills one upper-triangle cell.
          for r in 0..<rows {
            let w = weights[r]
            if w == 0 { continue }
            let base = r * stride
            for s in base..<(base + stride) {
              let i = Int(idx[s])
              if i < 0 { continue }
              let wv = w * val[s]
              for t in s..<(base + stride) {
                let j = Int(idx[t])
                if j < 0 { continue }
                if i <= j { g[i * width + j] += wv * val[t] } else { g[j * width + i] += wv * val[t] }
              }
              if appendingIntercept { g[i * width + columns] += wv }
            }
            if appendingIntercept { g[columns * width + columns] += w }
          }
          for i in 0..<width { for j in 0..<i { g[i * width + j] = g[j * width + i] } }
        }
      }
    }
    return gram
  }
}
