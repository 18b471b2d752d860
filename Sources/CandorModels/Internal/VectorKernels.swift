import CKernels
import CandorCore

/// The AVX2/FMA kernels of `CKernels`, where the CPU has those instructions.
enum VectorKernels {
  static let available = candor_kernels_have_avx2_fma() == 1

  /// sigmoid(bias + Σ_u max(z[r, u], 0) · weights[u]) per row r: a one-hidden-layer binary network's output from
  /// its hidden pre-activations, in one pass of four rows at a time (about 57 instructions a row with 16 units,
  /// against about 160 for the ReLU pass, OpenBLAS's GEMV and libm's exp). Only when `available`.
  static func reluDotSigmoid(_ z: Matrix, weights: ContiguousArray<Double>, bias: Double) -> Matrix {
    precondition(available && weights.count == z.columns)
    return Matrix(rows: z.rows, columns: 1) { out in
      z.storage.withUnsafeBufferPointer { hidden in
        weights.withUnsafeBufferPointer { w in
          candor_relu_dot_sigmoid_avx2(hidden.baseAddress, z.rows, z.columns, w.baseAddress, bias, out.baseAddress)
        }
      }
    }
  }

  /// exp of each value (all at or below 0) by the kernels' polynomial: within 2 ulp. Only when `available`.
  static func exp(_ values: [Double]) -> [Double] {
    precondition(available)
    return [Double](unsafeUninitializedCapacity: values.count) { out, count in
      values.withUnsafeBufferPointer { candor_exp_avx2($0.baseAddress, values.count, out.baseAddress) }
      count = values.count
    }
  }
}
