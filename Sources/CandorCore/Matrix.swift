import COpenBLAS
#if canImport(Glibc)
  import Glibc
#endif

/// A dense row-major matrix of `Double`.
///
/// Layout: element (r, c) is `storage[r * columns + c]`. Rows are contiguous, so a batch of encoded rows
/// is one block that BLAS reads directly.
public struct Matrix: Sendable, Equatable {
  public let rows: Int
  public let columns: Int
  public var storage: ContiguousArray<Double>

  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "negative shape \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    storage = ContiguousArray(repeating: value, count: rows * columns)
  }

  /// A matrix whose entries `fill` writes, every one of them, into the row-major storage (no zeroing first).
  public init(rows: Int, columns: Int, filling fill: (UnsafeMutableBufferPointer<Double>) throws -> Void) rethrows {
    precondition(rows >= 0 && columns >= 0, "negative shape \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    storage = try ContiguousArray(unsafeUninitializedCapacity: rows * columns) { buffer, count in
      try fill(buffer)
      count = rows * columns
    }
  }

  public init(rows: Int, columns: Int, storage: ContiguousArray<Double>) {
    precondition(storage.count == rows * columns, "\(storage.count) values for a \(rows)×\(columns) matrix")
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// Builds a matrix from nested rows (tests and small literals).
  public init(_ nestedRows: [[Double]]) {
    let columnCount = nestedRows.first?.count ?? 0
    precondition(nestedRows.allSatisfy { $0.count == columnCount }, "ragged rows")
    self.init(rows: nestedRows.count, columns: columnCount, storage: ContiguousArray(nestedRows.joined()))
  }

  @inlinable public subscript(row: Int, column: Int) -> Double {
    get { storage[row * columns + column] }
    set { storage[row * columns + column] = newValue }
  }

  /// The values of one row, copied.
  public func row(_ index: Int) -> [Double] {
    Array(storage[(index * columns)..<((index + 1) * columns)])
  }

  /// The values of one column, copied.
  public func column(_ index: Int) -> [Double] {
    (0..<rows).map { storage[$0 * columns + index] }
  }

  public var transposed: Matrix {
    var result = Matrix(rows: columns, columns: rows)
    for r in 0..<rows {
      for c in 0..<columns { result.storage[c * rows + r] = storage[r * columns + c] }
    }
    return result
  }
}

// MARK: - BLAS

public enum BLAS {
  /// Runs BLAS on one thread. Candor parallelizes over rows, features and replicates itself; two BLAS
  /// threads on two busy cores are often slower, and one thread makes every result bit-for-bit repeatable.
  /// The worker threads OpenBLAS starts at load time spin on `sched_yield` for about 2^28 cycles before they
  /// sleep, taking a core from ours for a tenth of a second; they are stopped here. `blas_thread_shutdown_` is
  /// looked up at run time: threaded builds export it, a serial build has no threads to stop.
  public static func useSingleThread() {
    openblas_set_num_threads(1)
    #if canImport(Glibc)
      if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") {  // RTLD_DEFAULT
        typealias Shutdown = @convention(c) () -> Int32
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
      }
    #endif
  }
}

public enum Transpose: Sendable {
  case none, transposed
  var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

extension Matrix {
  /// `alpha · op(a) · op(b) + beta · c` by one DGEMM call; `c` must already have the result's shape.
  public static func multiply(
    _ a: Matrix, _ transposeA: Transpose = .none, _ b: Matrix, _ transposeB: Transpose = .none,
    alpha: Double = 1, beta: Double = 0, into c: inout Matrix
  ) {
    let m = transposeA == .none ? a.rows : a.columns
    let k = transposeA == .none ? a.columns : a.rows
    let kb = transposeB == .none ? b.rows : b.columns
    let n = transposeB == .none ? b.columns : b.rows
    precondition(k == kb, "inner dimensions \(k) and \(kb) differ")
    precondition(c.rows == m && c.columns == n, "result is \(c.rows)×\(c.columns), expected \(m)×\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
      for i in c.storage.indices { c.storage[i] *= beta }
      return
    }
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        c.storage.withUnsafeMutableBufferPointer { pc in
          if n == 1 {
            // A matrix times a vector: GEMV, without GEMM's packing of op(a).
            let (rowsA, columnsA) = (a.rows, a.columns)
            cblas_dgemv(
              CblasRowMajor, transposeA.cblas, Int32(rowsA), Int32(columnsA), alpha, pa.baseAddress, Int32(columnsA),
              pb.baseAddress, 1, beta, pc.baseAddress, 1)
            return
          }
          cblas_dgemm(
            CblasRowMajor, transposeA.cblas, transposeB.cblas, Int32(m), Int32(n), Int32(k), alpha,
            pa.baseAddress, Int32(a.columns), pb.baseAddress, Int32(b.columns), beta, pc.baseAddress,
            Int32(c.columns))
        }
      }
    }
  }

  /// `op(a) · op(b)` as a new matrix.
  public static func product(_ a: Matrix, _ transposeA: Transpose = .none, _ b: Matrix, _ transposeB: Transpose = .none)
    -> Matrix
  {
    var c = Matrix(
      rows: transposeA == .none ? a.rows : a.columns, columns: transposeB == .none ? b.columns : b.rows)
    multiply(a, transposeA, b, transposeB, into: &c)
    return c
  }

  /// `a · b` as a new matrix.
  public static func product(_ a: Matrix, _ b: Matrix) -> Matrix { product(a, .none, b, .none) }

  /// `alpha · op(self) · x + beta · y` by one DGEMV call.
  public func multiply(
    _ x: UnsafeBufferPointer<Double>, transpose: Transpose = .none, alpha: Double = 1, beta: Double = 0,
    into y: UnsafeMutableBufferPointer<Double>
  ) {
    let outCount = transpose == .none ? rows : columns
    let inCount = transpose == .none ? columns : rows
    precondition(x.count == inCount && y.count == outCount, "vector lengths \(x.count), \(y.count) for \(rows)×\(columns)")
    if rows == 0 || columns == 0 {
      for i in 0..<y.count { y[i] *= beta }
      return
    }
    storage.withUnsafeBufferPointer { a in
      cblas_dgemv(
        CblasRowMajor, transpose.cblas, Int32(rows), Int32(columns), alpha, a.baseAddress, Int32(columns),
        x.baseAddress, 1, beta, y.baseAddress, 1)
    }
  }

  /// `op(self) · x` as a new array.
  public func times(_ x: [Double], transpose: Transpose = .none) -> [Double] {
    var y = [Double](repeating: 0, count: transpose == .none ? rows : columns)
    x.withUnsafeBufferPointer { px in
      y.withUnsafeMutableBufferPointer { py in multiply(px, transpose: transpose, into: py) }
    }
    return y
  }

  /// `selfᵀ · diag(weights) · self`, the weighted Gram matrix (columns × columns). Non-negative weights go
  /// through one DSYRK on `diag(√w) · self`; weights of any sign through one DGEMM of `(diag(w) · self)ᵀ · self`.
  public func weightedGram(_ weights: UnsafeBufferPointer<Double>) -> Matrix {
    precondition(weights.count == rows, "\(weights.count) weights for \(rows) rows")
    let nonNegative = weights.allSatisfy { $0 >= 0 }
    var scaled = self
    scaled.storage.withUnsafeMutableBufferPointer { s in
      for r in 0..<rows {
        let factor = nonNegative ? weights[r].squareRoot() : weights[r]
        let base = r * columns
        for c in 0..<columns { s[base + c] *= factor }
      }
    }
    if !nonNegative { return Matrix.product(scaled, .transposed, self) }
    var gram = Matrix(rows: columns, columns: columns)
    if rows > 0 && columns > 0 {
      scaled.storage.withUnsafeBufferPointer { s in
        gram.storage.withUnsafeMutableBufferPointer { g in
          cblas_dsyrk(
            CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), 1, s.baseAddress, Int32(columns),
            0, g.baseAddress, Int32(columns))
        }
      }
    }
    for i in 0..<columns { for j in 0..<i { gram[i, j] = gram[j, i] } }
    return gram
  }

  /// A copy with one more column of ones on the right (the intercept column of a design matrix).
  public func appendingOnesColumn() -> Matrix {
    var result = Matrix(rows: rows, columns: columns + 1, repeating: 1)
    storage.withUnsafeBufferPointer { source in
      result.storage.withUnsafeMutableBufferPointer { target in
        for r in 0..<rows {
          for c in 0..<columns { target[r * (columns + 1) + c] = source[r * columns + c] }
        }
      }
    }
    return result
  }
}

// MARK: - Codable

extension Matrix: Codable {
  private enum CodingKeys: String, CodingKey { case rows, columns, values }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let rows = try container.decode(Int.self, forKey: .rows)
    let columns = try container.decode(Int.self, forKey: .columns)
    let values = try container.decode([Double].self, forKey: .values)
    // The declared shape must account for the values there are; the product is checked, as a file may
    // declare any size at all.
    let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
    guard rows >= 0, columns >= 0, !overflow, values.count == count else {
      throw DecodingError.dataCorrupted(DecodingError.Context(
        codingPath: container.codingPath,
        debugDescription: "declares a \(rows)×\(columns) matrix but holds \(values.count) values"))
    }
    self.init(rows: rows, columns: columns, storage: ContiguousArray(values))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(rows, forKey: .rows)
    try container.encode(columns, forKey: .columns)
    try container.encode(Array(storage), forKey: .values)
  }
}
