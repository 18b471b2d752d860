import CandorCore
import Foundation
import Testing

func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
  var c = Matrix(rows: a.rows, columns: b.columns)
  for i in 0..<a.rows { for j in 0..<b.columns { for k in 0..<a.columns { c[i, j] += a[i, k] * b[k, j] } } }
  return c
}

func randomMatrix(_ rows: Int, _ columns: Int, _ random: inout SeededRandom) -> Matrix {
  var m = Matrix(rows: rows, columns: columns)
  for i in m.storage.indices { m.storage[i] = random.nextGaussian() }
  return m
}

@Suite struct MatrixTests {
  @Test("GEMM with and without transposes equals the textbook product")
  func gemm() {
    var random = SeededRandom(seed: 1)
    let a = randomMatrix(7, 5, &random), b = randomMatrix(5, 3, &random)
    let expected = naiveProduct(a, b)
    #expect(maxDifference(Matrix.product(a, b), expected) < 1e-12)
    #expect(maxDifference(Matrix.product(a.transposed, .transposed, b), expected) < 1e-12)
    #expect(maxDifference(Matrix.product(a, .none, b.transposed, .transposed), expected) < 1e-12)
  }

  @Test("GEMV matches the product with a one-column matrix")
  func gemv() {
    var random = SeededRandom(seed: 2)
    let a = randomMatrix(6, 4, &random)
    let x = (0..<4).map { _ in random.nextGaussian() }
    let expected = naiveProduct(a, Matrix(rows: 4, columns: 1, storage: ContiguousArray(x)))
    #expect(zip(a.times(x), expected.storage).allSatisfy { abs($0 - $1) < 1e-12 })
    let back = a.times([1, 2, 3, 4, 5, 6], transpose: .transposed)
    let expectedBack = naiveProduct(a.transposed, Matrix(rows: 6, columns: 1, storage: [1, 2, 3, 4, 5, 6]))
    #expect(zip(back, expectedBack.storage).allSatisfy { abs($0 - $1) < 1e-12 })
  }

  @Test("weighted Gram matrix equals Xᵀ·diag(w)·X for weights of either sign", arguments: [false, true])
  func weightedGram(negative: Bool) {
    var random = SeededRandom(seed: 3)
    let x = randomMatrix(9, 4, &random)
    let weights = (0..<9).map { i in negative && i % 3 == 0 ? -random.nextUniform() : random.nextUniform() }
    var scaled = x
    for r in 0..<9 { for c in 0..<4 { scaled[r, c] *= weights[r] } }
    let expected = naiveProduct(x.transposed, scaled)
    let gram = weights.withUnsafeBufferPointer { x.weightedGram($0) }
    #expect(maxDifference(gram, expected) < 1e-12)
  }

  @Test("Cholesky and least-squares solves recover the solution")
  func solves() throws {
    var random = SeededRandom(seed: 4)
    let a = randomMatrix(8, 3, &random)
    let spd = Matrix.product(a, .transposed, a)
    let solution = [1.5, -2.0, 0.25]
    let rhs = spd.times(solution)
    #expect(zip(try spd.solveSymmetricPositiveDefinite(rhs), solution).allSatisfy { abs($0 - $1) < 1e-10 })
    let b = a.times(solution)
    #expect(zip(try a.leastSquares(b), solution).allSatisfy { abs($0 - $1) < 1e-10 })
    #expect(throws: LinearAlgebraError.notPositiveDefinite(minor: 2)) {
      try Matrix([[1, 2], [2, 1]]).solveSymmetricPositiveDefinite([1, 1])
    }
  }
}

func maxDifference(_ a: Matrix, _ b: Matrix) -> Double {
  precondition(a.rows == b.rows && a.columns == b.columns)
  return zip(a.storage, b.storage).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

@Suite struct AscendingOrderTests {
  @Test("the radix order sorts like a stable comparison sort: negatives, zeros, ties, infinities, subnormals")
  func matchesComparisonSort() {
    var random = SeededRandom(seed: 4)
    var values: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, 1, 0.5]
    for i in 0..<20_000 {
      switch i % 4 {
      case 0: values.append(Double(Int(random.nextUniform() * 50)) / 10)  // many ties
      case 1: values.append(-random.nextUniform() * 1e6)
      case 2: values.append(random.nextUniform())
      default: values.append(Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF) * (random.nextUniform() < 0.5 ? -1 : 1))
      }
    }
    let order = values.withUnsafeBufferPointer { ascendingOrder($0) }.map { Int($0) }
    // Stable: ties by index; −0 and +0 compare equal but the radix order puts −0 first, so compare by value
    // and, among equal values, by sign bit, then index.
    let expected = values.indices.sorted { a, b in
      if values[a] != values[b] { return values[a] < values[b] }
      if values[a].sign != values[b].sign { return values[a].sign == .minus }
      return a < b
    }
    #expect(order == expected)
    #expect([Double]().withUnsafeBufferPointer { ascendingOrder($0) }.isEmpty)
  }
}
