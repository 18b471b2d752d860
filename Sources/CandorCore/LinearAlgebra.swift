import COpenBLAS

/// A LAPACK routine reported that it could not finish.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
  /// Cholesky found a leading minor that is not positive (the matrix is not positive definite).
  case notPositiveDefinite(minor: Int)
  /// The least-squares matrix does not have full rank.
  case rankDeficient(column: Int)

  public var description: String {
    switch self {
    case let .notPositiveDefinite(minor):
      "The system matrix is not positive definite (leading minor \(minor))."
    case let .rankDeficient(column):
      "The least-squares matrix is rank deficient (diagonal element \(column) of R is zero)."
    }
  }
}

extension Matrix {
  /// Solves `self · x = b` for a symmetric positive definite `self` by Cholesky (LAPACK `dposv`).
  ///
  /// A symmetric matrix is the same in row- and column-major order, so the storage goes to LAPACK as is.
  /// - Complexity: O(n³/3) for the factorization.
  public func solveSymmetricPositiveDefinite(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
    precondition(rows == columns && b.count == rows, "dposv needs a square system, got \(rows)×\(columns) and \(b.count)")
    var a = storage
    var x = b
    var n = Int32(rows), nrhs: Int32 = 1, lda = Int32(rows), ldb = Int32(rows), info: Int32 = 0
    var uplo = CChar(UInt8(ascii: "U"))
    if rows == 0 { return [] }
    a.withUnsafeMutableBufferPointer { pa in
      x.withUnsafeMutableBufferPointer { px in
        dposv_(&uplo, &n, &nrhs, pa.baseAddress, &lda, px.baseAddress, &ldb, &info, 1)
      }
    }
    if info > 0 { throw .notPositiveDefinite(minor: Int(info)) }
    precondition(info == 0, "dposv argument \(-info) is invalid")
    return x
  }

  /// Minimizes `‖self · x − b‖₂` for a full-column-rank `self` with rows ≥ columns, by QR (LAPACK `dgels`).
  public func leastSquares(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
    precondition(b.count == rows && rows >= columns, "dgels needs rows ≥ columns and one value per row")
    var columnMajor = transposed.storage  // row-major transpose == column-major original
    var rhs = b
    var trans = CChar(UInt8(ascii: "N"))
    var m = Int32(rows), n = Int32(columns), nrhs: Int32 = 1, lda = Int32(max(1, rows)), ldb = Int32(max(1, rows))
    var info: Int32 = 0
    var workSize = 0.0
    var lwork: Int32 = -1
    columnMajor.withUnsafeMutableBufferPointer { pa in
      rhs.withUnsafeMutableBufferPointer { pb in
        dgels_(&trans, &m, &n, &nrhs, pa.baseAddress, &lda, pb.baseAddress, &ldb, &workSize, &lwork, &info, 1)
        lwork = Int32(workSize)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgels_(&trans, &m, &n, &nrhs, pa.baseAddress, &lda, pb.baseAddress, &ldb, &work, &lwork, &info, 1)
      }
    }
    if info > 0 { throw .rankDeficient(column: Int(info)) }
    precondition(info == 0, "dgels argument \(-info) is invalid")
    return Array(rhs.prefix(columns))
  }
}
