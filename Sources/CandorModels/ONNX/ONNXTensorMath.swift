import COpenBLAS
import Foundation

/// Why a node could not run on the values it was given (a shape the graph did not promise, an index out of
/// range); the graph runner adds the node's name.
struct ONNXKernelError: Error {
  var reason: String
  init(_ reason: String) { self.reason = reason }
}

/// NumPy broadcasting (ONNX's multidirectional broadcasting): shapes aligned from the right, each pair of
/// dimensions equal or one of them 1.
func broadcastShape(_ a: [Int], _ b: [Int]) throws(ONNXKernelError) -> [Int] {
  let rank = max(a.count, b.count)
  var shape = [Int](repeating: 1, count: rank)
  for k in 0..<rank {
    let x = k < rank - a.count ? 1 : a[k - (rank - a.count)]
    let y = k < rank - b.count ? 1 : b[k - (rank - b.count)]
    guard x == y || x == 1 || y == 1 else { throw ONNXKernelError("shapes \(a) and \(b) cannot be broadcast together") }
    shape[k] = x == 1 ? y : x
  }
  return shape
}

/// The strides of `shape` within a broadcast result of rank `rank`: 0 along dimensions it repeats.
func broadcastStrides(_ shape: [Int], rank: Int) -> [Int] {
  var strides = [Int](repeating: 0, count: rank)
  var step = 1
  for k in stride(from: shape.count - 1, through: 0, by: -1) {
    let axis = k + rank - shape.count
    strides[axis] = shape[k] == 1 ? 0 : step
    step *= shape[k]
  }
  return strides
}

/// `op` applied element by element to `a` and `b` broadcast together.
func broadcastMap<T, U>(_ a: [T], _ aShape: [Int], _ b: [T], _ bShape: [Int], _ op: (T, T) -> U) throws(ONNXKernelError) -> ([U], [Int]) {
  if aShape == bShape { return (zip(a, b).map(op), aShape) }
  let shape = try broadcastShape(aShape, bShape)
  let count = shape.reduce(1, *)
  if b.count == 1 && a.count == count { let y = b[0]; return (a.map { op($0, y) }, shape) }
  if a.count == 1 && b.count == count { let x = a[0]; return (b.map { op(x, $0) }, shape) }
  let rank = shape.count
  guard rank > 0, count > 0 else { return ([], shape) }
  // b repeated along a's leading axes (a bias row added to every row): no index arithmetic.
  let bCore = Array(bShape.drop { $0 == 1 })
  if a.count == count, !b.isEmpty, bCore.count <= aShape.count, Array(aShape.suffix(bCore.count)) == bCore {
    let width = b.count
    let result = a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        [U](unsafeUninitializedCapacity: count) { out, initialized in
          for o in 0..<(count / width) {
            for j in 0..<width { (out.baseAddress! + o * width + j).initialize(to: op(a[o * width + j], b[j])) }
          }
          initialized = count
        }
      }
    }
    return (result, shape)
  }
  let sa = broadcastStrides(aShape, rank: rank), sb = broadcastStrides(bShape, rank: rank)
  let inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1]
  var index = [Int](repeating: 0, count: rank)
  let result = a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      [U](unsafeUninitializedCapacity: count) { out, initialized in
        var position = 0
        for _ in 0..<(count / inner) {
          var offsetA = 0, offsetB = 0
          for k in 0..<(rank - 1) {
            offsetA += index[k] * sa[k]
            offsetB += index[k] * sb[k]
          }
          for j in 0..<inner { (out.baseAddress! + position + j).initialize(to: op(a[offsetA + j * ia], b[offsetB + j * ib])) }
          position += inner
          advance(&index, in: shape, upTo: rank - 1)
        }
        initialized = count
      }
    }
  }
  return (result, shape)
}

/// Steps the multi-index `index` (row-major) to the next element of `shape`, over its first `upTo` axes.
@inline(__always) func advance(_ index: inout [Int], in shape: [Int], upTo axes: Int) {
  var k = axes - 1
  while k >= 0 {
    index[k] += 1
    if index[k] < shape[k] { return }
    index[k] = 0
    k -= 1
  }
}

/// An axis attribute, negative counting from the end, checked against the rank.
func normalizedAxis(_ axis: Int64, rank: Int) throws(ONNXKernelError) -> Int {
  let a = axis < 0 ? Int(axis) + rank : Int(axis)
  guard a >= 0 && a < max(rank, 1) else { throw ONNXKernelError("axis \(axis) is outside a tensor of rank \(rank)") }
  return a
}

extension ONNXTensor {
  /// Elements `index` of every block along `axis` (outer × axis × inner), in order: Gather, ArgMax and
  /// Concat share this layout.
  static func blocks(_ shape: [Int], axis: Int) -> (outer: Int, extent: Int, inner: Int) {
    let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
    return (outer, shape[axis], inner)
  }

  /// A new tensor of the same element type whose element k is element `source[k]` of this one.
  func gathering(_ source: [Int], shape: [Int]) -> ONNXTensor {
    func pick<T>(_ v: [T]) -> [T] { source.map { v[$0] } }
    let storage: Storage
    switch self.storage {
    case let .float(v): storage = .float(pick(v))
    case let .double(v): storage = .double(pick(v))
    case let .int(v): storage = .int(pick(v))
    case let .string(v): storage = .string(pick(v))
    case let .bool(v): storage = .bool(pick(v))
    }
    return ONNXTensor(shape: shape, storage: storage, elementType: elementType)
  }
}

/// C (m×n) = A (m×k) · B (k×n), row-major float32, by OpenBLAS `sgemm`; `transposeA/B` read A as k×m or B as n×k.
func matrixProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, transposeA: Bool = false, transposeB: Bool = false,
                   alpha: Float = 1) -> [Float] {
  var c = [Float](repeating: 0, count: m * n)
  guard m > 0, n > 0, k > 0 else { return c }
  a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      c.withUnsafeMutableBufferPointer { c in
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a.baseAddress, Int32(transposeA ? m : k),
                    b.baseAddress, Int32(transposeB ? k : n), 0, c.baseAddress, Int32(n))
      }
    }
  }
  return c
}

/// onnxruntime's `ComputeLogistic`: 1/(1+e^−|x|), mirrored for negative x, in float32.
@inline(__always) func onnxLogistic(_ x: Float) -> Float {
  let v = 1 / (1 + expf(-abs(x)))
  return x < 0 ? 1 - v : v
}

/// onnxruntime's ml post transforms over one row of scores (LOGISTIC element-wise, SOFTMAX, SOFTMAX_ZERO, PROBIT).
enum PostTransform: String {
  case none = "NONE", logistic = "LOGISTIC", softmax = "SOFTMAX", softmaxZero = "SOFTMAX_ZERO", probit = "PROBIT"

  func apply(_ row: inout ArraySlice<Float>) {
    switch self {
    case .none: break
    case .logistic: for k in row.indices { row[k] = onnxLogistic(row[k]) }
    case .probit: for k in row.indices { row[k] = Self.probit(row[k]) }
    case .softmax:
      let top = row.max() ?? 0
      var total: Float = 0
      for k in row.indices {
        row[k] = expf(row[k] - top)
        total += row[k]
      }
      for k in row.indices { row[k] /= total }
    case .softmaxZero:
      // Zero scores stay zero (exp is not taken of them), as onnxruntime's ComputeSoftmaxZero does.
      let top = row.max() ?? 0
      let scale = expf(-top)
      var total: Float = 0
      for k in row.indices {
        if row[k] > 0.0000001 || row[k] < -0.0000001 {
          row[k] = expf(row[k] - top)
          total += row[k]
        } else {
          row[k] *= scale
        }
      }
      for k in row.indices { row[k] /= total }
    }
  }

  /// √2 · erfinv(2x − 1) with onnxruntime's approximation of erfinv (Winitzki's, a = 0.147).
  static func probit(_ value: Float) -> Float {
    var x = 2 * value - 1
    let sign: Float = x < 0 ? -1 : 1
    x = (1 - x) * (1 + x)
    let l = logf(x)
    let v = 2 / (3.14159 * 0.147) + 0.5 * l
    let v2 = 1 / 0.147 * l
    let v3 = -v + (v * v - v2).squareRoot()
    return 1.41421356 * sign * v3.squareRoot()
  }
}
