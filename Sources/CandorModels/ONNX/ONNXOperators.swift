import CandorCore
import Foundation

/// One node made ready to run: its attributes read and checked when the model loads, so a batch never meets a
/// missing or malformed attribute. It takes the node's inputs (nil for an omitted optional input) and returns its
/// outputs in order.
typealias ONNXKernel = @Sendable ([ONNXTensor?]) throws -> [ONNXTensor]

/// A node's attributes with typed reads; a present attribute of the wrong kind is an error, an absent one its default.
struct ONNXAttributes {
  let values: [String: ONNXAttribute]

  func int(_ name: String, _ fallback: Int64) throws(ONNXKernelError) -> Int64 {
    switch values[name] {
    case nil: return fallback
    case let .int(v)?: return v
    default: throw ONNXKernelError("attribute '\(name)' should be an integer")
    }
  }

  func optionalInt(_ name: String) throws(ONNXKernelError) -> Int64? { values[name] == nil ? nil : try int(name, 0) }

  func float(_ name: String, _ fallback: Float) throws(ONNXKernelError) -> Float {
    switch values[name] {
    case nil: return fallback
    case let .float(v)?: return v
    case let .int(v)?: return Float(v)
    default: throw ONNXKernelError("attribute '\(name)' should be a number")
    }
  }

  func string(_ name: String, _ fallback: String) throws(ONNXKernelError) -> String {
    switch values[name] {
    case nil: return fallback
    case let .string(v)?: return v
    default: throw ONNXKernelError("attribute '\(name)' should be text")
    }
  }

  func ints(_ name: String) throws(ONNXKernelError) -> [Int64]? {
    switch values[name] {
    case nil: return nil
    case let .ints(v)?: return v
    case let .int(v)?: return [v]
    default: throw ONNXKernelError("attribute '\(name)' should be a list of integers")
    }
  }

  func floats(_ name: String) throws(ONNXKernelError) -> [Float]? {
    switch values[name] {
    case nil: return nil
    case let .floats(v)?: return v
    case let .float(v)?: return [v]
    case let .ints(v)?: return v.map(Float.init)
    default: throw ONNXKernelError("attribute '\(name)' should be a list of numbers")
    }
  }

  /// A list of numbers from `name` (float32) or `name_as_tensor` (a double tensor, which ONNX allows for tree and
  /// linear attributes): the doubles when the tensor form is used.
  func numbers(_ name: String) throws(ONNXKernelError) -> (values: [Double], isDouble: Bool)? {
    if case let .tensor(t)? = values[name + "_as_tensor"] {
      guard let v = t.doubleValues else { throw ONNXKernelError("attribute '\(name)_as_tensor' should hold numbers") }
      return (v, t.elementType == ONNXTensor.ElementType.double)
    }
    return try floats(name).map { ($0.map(Double.init), false) }
  }

  func strings(_ name: String) throws(ONNXKernelError) -> [String]? {
    switch values[name] {
    case nil: return nil
    case let .strings(v)?: return v
    case let .string(v)?: return [v]
    default: throw ONNXKernelError("attribute '\(name)' should be a list of texts")
    }
  }

  func tensor(_ name: String) throws(ONNXKernelError) -> ONNXTensor? {
    switch values[name] {
    case nil: return nil
    case let .tensor(t)?: return t
    default: throw ONNXKernelError("attribute '\(name)' should be a tensor")
    }
  }
}

/// Required input `k` of a node.
func required(_ inputs: [ONNXTensor?], _ k: Int) throws(ONNXKernelError) -> ONNXTensor {
  guard k < inputs.count, let tensor = inputs[k] else { throw ONNXKernelError("input \(k + 1) is missing") }
  return tensor
}

/// The operators of ONNX's default domain candor runs, by name, with the opset versions whose semantics it follows.
enum ONNXStandardOperators {
  static func compile(_ opType: String, _ a: ONNXAttributes, opset: Int64) throws(ONNXKernelError) -> ONNXKernel? {
    switch opType {
    case "Add": return arithmetic(Addition.self)
    case "Sub": return arithmetic(Subtraction.self)
    case "Mul": return arithmetic(Multiplication.self)
    case "Div":
      return { inputs in
        let (x, y) = (try required(inputs, 0), try required(inputs, 1))
        if case let .int(d) = y.storage, d.contains(0) { throw ONNXKernelError("an integer division by zero") }
        return [try numericBinary(x, y, /, /, { $0 / $1 })]
      }
    case "Pow":
      return { inputs in
        let (x, y) = (try required(inputs, 0), try required(inputs, 1))
        // The exponent may have another type than the base; the result has the base's.
        guard let exponent = y.doubleValues else { throw ONNXKernelError("Pow needs numbers") }
        switch x.storage {
        case let .float(v):
          let (r, s) = try broadcastMap(v.map(Double.init), x.shape, exponent, y.shape) { Float(Foundation.pow($0, $1)) }
          return [.float(r, shape: s)]
        case let .double(v):
          let (r, s) = try broadcastMap(v, x.shape, exponent, y.shape) { Foundation.pow($0, $1) }
          return [ONNXTensor(shape: s, storage: .double(r))]
        case let .int(v):
          let (r, s) = try broadcastMap(v.map(Double.init), x.shape, exponent, y.shape) { Int64(Foundation.pow($0, $1)) }
          return [ONNXTensor(shape: s, storage: .int(r), elementType: x.elementType)]
        default: throw ONNXKernelError("Pow needs numbers")
        }
      }
    case "Equal": return comparison(==, ==, ==, strings: { $0 == $1 }, bools: { $0 == $1 })
    case "Less": return comparison(<, <, <)
    case "Greater": return comparison(>, >, >)
    case "LessOrEqual": return comparison(<=, <=, <=)
    case "GreaterOrEqual": return comparison(>=, >=, >=)
    case "And": return logical { $0 && $1 }
    case "Or": return logical { $0 || $1 }
    case "Xor": return logical { $0 != $1 }
    case "Not":
      return { inputs in
        let x = try required(inputs, 0)
        guard case let .bool(v) = x.storage else { throw ONNXKernelError("Not needs a bool tensor, got \(x.typeName)") }
        return [ONNXTensor(shape: x.shape, storage: .bool(v.map { !$0 }))]
      }
    case "Relu": return unary(Rectifier.self)
    case "Abs": return unary(abs, abs, ints: { $0 == .min ? $0 : abs($0) })
    case "Neg": return unary({ -$0 }, { -$0 }, ints: { 0 &- $0 })
    case "Sigmoid":
      // onnxruntime's float Sigmoid (MLAS) agrees with 1/(1+e^−x) to the last bits; this form never overflows.
      return unary({ $0 >= 0 ? 1 / (1 + expf(-$0)) : expf($0) / (1 + expf($0)) },
                   { $0 >= 0 ? 1 / (1 + Foundation.exp(-$0)) : Foundation.exp($0) / (1 + Foundation.exp($0)) })
    case "Tanh": return unary(tanhf, Foundation.tanh)
    case "Exp": return unary(expf, Foundation.exp)
    case "Log": return unary(logf, Foundation.log)
    case "Sqrt": return unary({ $0.squareRoot() }, { $0.squareRoot() })
    case "Reciprocal": return unary({ 1 / $0 }, { 1 / $0 })
    case "Floor": return unary({ $0.rounded(.down) }, { $0.rounded(.down) }, ints: { $0 })
    case "Ceil": return unary({ $0.rounded(.up) }, { $0.rounded(.up) }, ints: { $0 })
    case "Identity": return { inputs in [try required(inputs, 0)] }
    case "Clip": return try clip(a, opset: opset)
    case "Cast": return try cast(a)
    case "Softmax", "LogSoftmax": return try softmax(a, opset: opset, logarithm: opType == "LogSoftmax")
    case "Concat": return try concat(a)
    case "Reshape": return reshape
    case "Flatten": return try flatten(a)
    case "Squeeze", "Unsqueeze": return try squeeze(a, opset: opset, adding: opType == "Unsqueeze")
    case "Gather": return try gather(a)
    case "ArgMax", "ArgMin": return try argExtreme(a, largest: opType == "ArgMax")
    case "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin": return try reduce(opType, a, opset: opset)
    case "Where": return whereKernel
    case "MatMul": return matMul
    case "Gemm": return try gemm(a)
    case "Shape":
      return { inputs in
        let x = try required(inputs, 0)
        return [.int(x.shape.map(Int64.init), shape: [x.rank])]
      }
    case "Constant":
      guard let value = try a.tensor("value") else {
        if let v = try a.floats("value_floats") { return { _ in [.float(v, shape: [v.count])] } }
        if let v = try a.ints("value_ints") { return { _ in [.int(v, shape: [v.count])] } }
        if case let .float(v)? = a.values["value_float"] { return { _ in [.float([v], shape: [])] } }
        if case let .int(v)? = a.values["value_int"] { return { _ in [.int([v], shape: [])] } }
        throw ONNXKernelError("Constant has no value")
      }
      return { _ in [value] }
    default: return nil
    }
  }

  // MARK: - Element-wise

  static func numericBinary(_ x: ONNXTensor, _ y: ONNXTensor, _ f: (Float, Float) -> Float, _ d: (Double, Double) -> Double,
                            _ i: (Int64, Int64) -> Int64) throws(ONNXKernelError) -> ONNXTensor {
    switch (x.storage, y.storage) {
    case let (.float(a), .float(b)):
      let (r, s) = try broadcastMap(a, x.shape, b, y.shape, f)
      return .float(r, shape: s)
    case let (.double(a), .double(b)):
      let (r, s) = try broadcastMap(a, x.shape, b, y.shape, d)
      return ONNXTensor(shape: s, storage: .double(r))
    case let (.int(a), .int(b)):
      let (r, s) = try broadcastMap(a, x.shape, b, y.shape, i)
      return ONNXTensor(shape: s, storage: .int(r), elementType: x.elementType)
    default:
      throw ONNXKernelError("its inputs are \(x.typeName) and \(y.typeName); they must be numbers of one type")
    }
  }

  /// A kernel specialized for its operation, so the element function is inlined into the loop (the most
  /// frequent operators of exported networks: bias additions, activations).
  static func arithmetic<Operation: ElementwiseBinary>(_: Operation.Type) -> ONNXKernel {
    { inputs in [try numericBinary(try required(inputs, 0), try required(inputs, 1), Operation.float, Operation.double, Operation.int)] }
  }

  static func unary<Operation: ElementwiseUnary>(_: Operation.Type) -> ONNXKernel {
    { inputs in
      let x = try required(inputs, 0)
      switch x.storage {
      case let .float(v): return [ONNXTensor(shape: x.shape, storage: .float(v.map(Operation.float)))]
      case let .double(v): return [ONNXTensor(shape: x.shape, storage: .double(v.map(Operation.double)))]
      case let .int(v): return [ONNXTensor(shape: x.shape, storage: .int(v.map(Operation.int)), elementType: x.elementType)]
      default: throw ONNXKernelError("it does not take \(x.typeName) input")
      }
    }
  }

  static func comparison(_ f: @escaping @Sendable (Float, Float) -> Bool, _ d: @escaping @Sendable (Double, Double) -> Bool,
                         _ i: @escaping @Sendable (Int64, Int64) -> Bool, strings: (@Sendable (String, String) -> Bool)? = nil,
                         bools: (@Sendable (Bool, Bool) -> Bool)? = nil) -> ONNXKernel {
    { inputs in
      let (x, y) = (try required(inputs, 0), try required(inputs, 1))
      let result: ([Bool], [Int])
      switch (x.storage, y.storage) {
      case let (.float(a), .float(b)): result = try broadcastMap(a, x.shape, b, y.shape, f)
      case let (.double(a), .double(b)): result = try broadcastMap(a, x.shape, b, y.shape, d)
      case let (.int(a), .int(b)): result = try broadcastMap(a, x.shape, b, y.shape, i)
      case let (.string(a), .string(b)) where strings != nil: result = try broadcastMap(a, x.shape, b, y.shape, strings!)
      case let (.bool(a), .bool(b)) where bools != nil: result = try broadcastMap(a, x.shape, b, y.shape, bools!)
      default: throw ONNXKernelError("it cannot compare \(x.typeName) with \(y.typeName)")
      }
      return [ONNXTensor(shape: result.1, storage: .bool(result.0))]
    }
  }

  static func logical(_ op: @escaping @Sendable (Bool, Bool) -> Bool) -> ONNXKernel {
    { inputs in
      let (x, y) = (try required(inputs, 0), try required(inputs, 1))
      guard case let .bool(a) = x.storage, case let .bool(b) = y.storage else { throw ONNXKernelError("its inputs must be bool tensors") }
      let (r, s) = try broadcastMap(a, x.shape, b, y.shape, op)
      return [ONNXTensor(shape: s, storage: .bool(r))]
    }
  }

  static func unary(_ f: @escaping @Sendable (Float) -> Float, _ d: @escaping @Sendable (Double) -> Double,
                    ints: (@Sendable (Int64) -> Int64)? = nil) -> ONNXKernel {
    { inputs in
      let x = try required(inputs, 0)
      switch x.storage {
      case let .float(v): return [ONNXTensor(shape: x.shape, storage: .float(v.map(f)))]
      case let .double(v): return [ONNXTensor(shape: x.shape, storage: .double(v.map(d)))]
      case let .int(v) where ints != nil: return [ONNXTensor(shape: x.shape, storage: .int(v.map(ints!)), elementType: x.elementType)]
      default: throw ONNXKernelError("it does not take \(x.typeName) input")
      }
    }
  }

  static func clip(_ a: ONNXAttributes, opset: Int64) throws(ONNXKernelError) -> ONNXKernel {
    let low = try a.float("min", -.greatestFiniteMagnitude), high = try a.float("max", .greatestFiniteMagnitude)
    return { inputs in
      let x = try required(inputs, 0)
      // From opset 11 the bounds are optional inputs (scalars); before, attributes.
      let lower = opset >= 11 ? (inputs.count > 1 ? inputs[1]?.doubleValues?.first : nil) : Double(low)
      let upper = opset >= 11 ? (inputs.count > 2 ? inputs[2]?.doubleValues?.first : nil) : Double(high)
      switch x.storage {
      case let .float(v):
        let (l, h) = (lower.map { Float($0) } ?? -.infinity, upper.map { Float($0) } ?? .infinity)
        return [.float(v.map { min(max($0, l), h) }, shape: x.shape)]
      case let .double(v):
        let (l, h) = (lower ?? -.infinity, upper ?? .infinity)
        return [ONNXTensor(shape: x.shape, storage: .double(v.map { min(max($0, l), h) }))]
      case let .int(v):
        let (l, h) = (lower.map { Int64($0) } ?? .min, upper.map { Int64($0) } ?? .max)
        return [ONNXTensor(shape: x.shape, storage: .int(v.map { min(max($0, l), h) }), elementType: x.elementType)]
      default: throw ONNXKernelError("Clip needs numbers")
      }
    }
  }

  static func cast(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let to = Int32(truncatingIfNeeded: try a.int("to", 0))
    typealias T = ONNXTensor.ElementType
    guard [T.float, T.double, T.bool, T.string].contains(to) || T.integers.contains(to) else {
      throw ONNXKernelError("Cast to \(T.name(to)) is not supported")
    }
    return { inputs in
      let x = try required(inputs, 0)
      if case let .string(v) = x.storage {
        guard to != T.string else { return [x] }
        // Text to numbers as onnxruntime parses it; a text that is not a number is an error, not a NaN.
        var numbers = [Double]()
        numbers.reserveCapacity(v.count)
        for text in v {
          guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else { throw ONNXKernelError("Cast cannot read '\(printable(text))' as a number") }
          numbers.append(value)
        }
        return [converted(ONNXTensor(shape: x.shape, storage: .double(numbers)), to: to)]
      }
      guard to != T.string else {
        guard let v = x.doubleValues else { throw ONNXKernelError("Cast cannot convert \(x.typeName)") }
        return [ONNXTensor(shape: x.shape, storage: .string(v.map { T.integers.contains(x.elementType) ? String(Int64($0)) : formatNumber($0) }))]
      }
      return [converted(x, to: to)]
    }
  }

  /// A numeric or bool tensor as element type `to`: to an integer type by truncation toward zero (C's cast, as
  /// onnxruntime does); NaN and values out of range become Int64.min, as x86's conversion gives onnxruntime.
  static func converted(_ x: ONNXTensor, to: Int32) -> ONNXTensor {
    typealias T = ONNXTensor.ElementType
    func integer(_ d: Double) -> Int64 { d.isNaN || d >= 9.2e18 || d <= -9.2e18 ? .min : Int64(d) }
    switch to {
    case T.float:
      if case let .float(v) = x.storage { return .float(v, shape: x.shape) }
      if case let .int(v) = x.storage { return .float(v.map { Float($0) }, shape: x.shape) }
      return .float(x.floatValues ?? [], shape: x.shape)
    case T.double:
      return ONNXTensor(shape: x.shape, storage: .double(x.doubleValues ?? []))
    case T.bool:
      return ONNXTensor(shape: x.shape, storage: .bool((x.doubleValues ?? []).map { $0 != 0 }))
    default:
      if case let .int(v) = x.storage { return ONNXTensor(shape: x.shape, storage: .int(v), elementType: to) }
      if case let .float(v) = x.storage { return ONNXTensor(shape: x.shape, storage: .int(v.map { integer(Double($0)) }), elementType: to) }
      return ONNXTensor(shape: x.shape, storage: .int((x.doubleValues ?? []).map(integer)), elementType: to)
    }
  }

  static func softmax(_ a: ONNXAttributes, opset: Int64, logarithm: Bool) throws(ONNXKernelError) -> ONNXKernel {
    let axisAttribute = try a.int("axis", opset >= 13 ? -1 : 1)
    return { inputs in
      let x = try required(inputs, 0)
      let axis = try normalizedAxis(axisAttribute, rank: x.rank)
      // Before opset 13 the input is read as a matrix [prod(dims < axis), prod(dims ≥ axis)]; from 13, along one axis.
      let (outer, extent, inner) = opset >= 13 ? ONNXTensor.blocks(x.shape, axis: axis)
        : (x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *), 1)
      func run<N: BinaryFloatingPoint>(_ v: [N], _ e: (N) -> N, _ l: (N) -> N) -> [N] {
        var out = v
        for o in 0..<outer {
          for i in 0..<inner {
            let base = o * extent * inner + i
            var top = -N.infinity
            for k in 0..<extent { top = max(top, v[base + k * inner]) }
            var total: N = 0
            for k in 0..<extent { total += e(v[base + k * inner] - top) }
            for k in 0..<extent {
              let shifted = v[base + k * inner] - top
              out[base + k * inner] = logarithm ? shifted - l(total) : e(shifted) / total
            }
          }
        }
        return out
      }
      switch x.storage {
      case let .float(v): return [.float(run(v, expf, logf), shape: x.shape)]
      case let .double(v): return [ONNXTensor(shape: x.shape, storage: .double(run(v, Foundation.exp, Foundation.log)))]
      default: throw ONNXKernelError("Softmax needs float or double input")
      }
    }
  }

  // MARK: - Shapes

  static func concat(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    guard let axisAttribute = try a.optionalInt("axis") else { throw ONNXKernelError("Concat has no axis") }
    return { inputs in
      let parts = inputs.compactMap { $0 }
      guard let first = parts.first else { throw ONNXKernelError("Concat has no inputs") }
      let axis = try normalizedAxis(axisAttribute, rank: first.rank)
      var shape = first.shape
      shape[axis] = 0
      for p in parts {
        guard p.rank == first.rank, p.elementType == first.elementType,
          (0..<p.rank).allSatisfy({ $0 == axis || p.shape[$0] == first.shape[$0] })
        else { throw ONNXKernelError("Concat cannot join \(p.typeName) \(p.shape) to \(first.typeName) \(first.shape) along axis \(axis)") }
        shape[axis] += p.shape[axis]
      }
      let outer = first.shape[..<axis].reduce(1, *)
      // Every part of the first part's storage and of the size its shape says (the copies below rely on both).
      func kind(_ storage: ONNXTensor.Storage) -> (Int, Int) {
        switch storage {
        case let .float(v): (0, v.count)
        case let .double(v): (1, v.count)
        case let .int(v): (2, v.count)
        case let .string(v): (3, v.count)
        case let .bool(v): (4, v.count)
        }
      }
      for p in parts where kind(p.storage).0 != kind(first.storage).0 || kind(p.storage).1 != p.count {
        throw ONNXKernelError("Concat cannot join \(p.typeName) \(p.shape) to \(first.typeName) \(first.shape): their storage differs")
      }
      // Part by part, each copied into its columns of every outer slice.
      func join<T>(_ arrays: [[T]]) -> [T] {
        let widths = parts.map { $0.shape[axis...].reduce(1, *) }
        let total = widths.reduce(0, +)
        return [T](unsafeUninitializedCapacity: outer * total) { buffer, count in
          var start = 0
          for (k, array) in arrays.enumerated() {
            let width = widths[k]
            array.withUnsafeBufferPointer { source in
              guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
              if width < 32 {
                // Short rows (one-hot blocks): element moves beat a memmove call per row.
                for o in 0..<outer {
                  let target = to + o * total + start, origin = from + o * width
                  for j in 0..<width { (target + j).initialize(to: origin[j]) }
                }
              } else {
                for o in 0..<outer { (to + o * total + start).initialize(from: from + o * width, count: width) }
              }
            }
            start += width
          }
          count = outer * total
        }
      }
      let storage: ONNXTensor.Storage
      switch first.storage {
      case .float: storage = .float(join(parts.map { if case let .float(v) = $0.storage { v } else { [] } }))
      case .double: storage = .double(join(parts.map { if case let .double(v) = $0.storage { v } else { [] } }))
      case .int: storage = .int(join(parts.map { if case let .int(v) = $0.storage { v } else { [] } }))
      case .string: storage = .string(join(parts.map { if case let .string(v) = $0.storage { v } else { [] } }))
      case .bool: storage = .bool(join(parts.map { if case let .bool(v) = $0.storage { v } else { [] } }))
      }
      return [ONNXTensor(shape: shape, storage: storage, elementType: first.elementType)]
    }
  }

  static let reshape: ONNXKernel = { inputs in
    let x = try required(inputs, 0), target = try required(inputs, 1)
    guard let dims = target.intValues else { throw ONNXKernelError("Reshape's shape must be int64") }
    var shape = [Int](), inferred: Int?
    for (k, d) in dims.enumerated() {
      switch d {
      case 0:
        guard k < x.rank else { throw ONNXKernelError("Reshape copies dimension \(k) of a tensor of rank \(x.rank)") }
        shape.append(x.shape[k])
      case -1:
        guard inferred == nil else { throw ONNXKernelError("Reshape's shape has two −1") }
        inferred = k
        shape.append(1)
      default:
        // A dimension above the element count can never fit (and would overflow the product below).
        guard d > 0, d <= max(x.count, 1) else { throw ONNXKernelError("Reshape cannot turn \(x.shape) into \(dims)") }
        shape.append(Int(d))
      }
    }
    var known = 1
    for d in shape {
      let (product, overflow) = known.multipliedReportingOverflow(by: d)
      guard !overflow, product <= max(x.count, 1) else { throw ONNXKernelError("Reshape cannot turn \(x.shape) into \(dims)") }
      known = product
    }
    if let k = inferred {
      guard known > 0, x.count % known == 0 else { throw ONNXKernelError("Reshape cannot fit \(x.count) elements into \(dims)") }
      shape[k] = x.count / known
    }
    guard shape.reduce(1, *) == x.count else { throw ONNXKernelError("Reshape cannot turn \(x.shape) into \(dims)") }
    return [x.reshaped(shape)]
  }

  static func flatten(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let axisAttribute = try a.int("axis", 1)
    return { inputs in
      let x = try required(inputs, 0)
      let axis = axisAttribute < 0 ? Int(axisAttribute) + x.rank : Int(axisAttribute)
      guard axis >= 0 && axis <= x.rank else { throw ONNXKernelError("Flatten's axis \(axisAttribute) is outside rank \(x.rank)") }
      return [x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
    }
  }

  static func squeeze(_ a: ONNXAttributes, opset: Int64, adding: Bool) throws(ONNXKernelError) -> ONNXKernel {
    let attributeAxes = try a.ints("axes")
    return { inputs in
      let x = try required(inputs, 0)
      // From opset 13 the axes are an optional int64 input; before, an attribute.
      let axes = opset >= 13 ? (inputs.count > 1 ? inputs[1]?.intValues : nil) : attributeAxes
      if adding {
        guard let axes else { throw ONNXKernelError("Unsqueeze has no axes") }
        let rank = x.rank + axes.count
        var normalized = Set<Int>()
        for axis in axes { normalized.insert(try normalizedAxis(axis, rank: rank)) }
        var shape = [Int](), source = x.shape.makeIterator()
        for k in 0..<rank { shape.append(normalized.contains(k) ? 1 : source.next() ?? 1) }
        return [x.reshaped(shape)]
      }
      guard let axes else { return [x.reshaped(x.shape.filter { $0 != 1 })] }
      var drop = Set<Int>()
      for axis in axes {
        let k = try normalizedAxis(axis, rank: x.rank)
        guard x.shape[k] == 1 else { throw ONNXKernelError("Squeeze cannot drop axis \(k) of size \(x.shape[k])") }
        drop.insert(k)
      }
      return [x.reshaped(x.shape.enumerated().filter { !drop.contains($0.offset) }.map(\.element))]
    }
  }

  static func gather(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let axisAttribute = try a.int("axis", 0)
    return { inputs in
      let x = try required(inputs, 0), indices = try required(inputs, 1)
      guard let picks = indices.intValues else { throw ONNXKernelError("Gather's indices must be integers") }
      let axis = try normalizedAxis(axisAttribute, rank: x.rank)
      let (outer, extent, inner) = ONNXTensor.blocks(x.shape, axis: axis)
      var source: [Int] = []
      source.reserveCapacity(outer * picks.count * inner)
      for o in 0..<outer {
        for p in picks {
          let k = p < 0 ? Int(p) + extent : Int(p)
          guard k >= 0 && k < extent else { throw ONNXKernelError("Gather's index \(p) is outside a dimension of \(extent)") }
          for i in 0..<inner { source.append((o * extent + k) * inner + i) }
        }
      }
      return [x.gathering(source, shape: Array(x.shape[..<axis]) + indices.shape + Array(x.shape[(axis + 1)...]))]
    }
  }

  static func argExtreme(_ a: ONNXAttributes, largest: Bool) throws(ONNXKernelError) -> ONNXKernel {
    let axisAttribute = try a.int("axis", 0), keepDimensions = try a.int("keepdims", 1) != 0
    let last = try a.int("select_last_index", 0) != 0
    return { inputs in
      let x = try required(inputs, 0)
      guard let v = x.doubleValues else { throw ONNXKernelError("ArgMax needs numbers") }
      let axis = try normalizedAxis(axisAttribute, rank: x.rank)
      let (outer, extent, inner) = ONNXTensor.blocks(x.shape, axis: axis)
      var result = [Int64](repeating: 0, count: outer * inner)
      for o in 0..<outer {
        for i in 0..<inner {
          var best = 0
          for k in 1..<max(extent, 1) {
            let value = v[(o * extent + k) * inner + i], top = v[(o * extent + best) * inner + i]
            if largest ? (value > top || (last && value == top)) : (value < top || (last && value == top)) { best = k }
          }
          result[o * inner + i] = Int64(best)
        }
      }
      var shape = x.shape
      if keepDimensions { shape[axis] = 1 } else { shape.remove(at: axis) }
      return [.int(result, shape: shape)]
    }
  }

  static func reduce(_ opType: String, _ a: ONNXAttributes, opset: Int64) throws(ONNXKernelError) -> ONNXKernel {
    let keepDimensions = try a.int("keepdims", 1) != 0, attributeAxes = try a.ints("axes")
    let noopWithoutAxes = try a.int("noop_with_empty_axes", 0) != 0
    // ReduceSum takes its axes as an input from opset 13, the others from opset 18.
    let axesAsInput = opType == "ReduceSum" ? opset >= 13 : opset >= 18
    return { inputs in
      let x = try required(inputs, 0)
      let axes = axesAsInput ? (inputs.count > 1 ? inputs[1]?.intValues : nil) : attributeAxes
      if (axes ?? []).isEmpty && noopWithoutAxes { return [x] }
      var reduced = Set<Int>()
      for axis in axes ?? [] { reduced.insert(try normalizedAxis(axis, rank: x.rank)) }
      if (axes ?? []).isEmpty { reduced = Set(0..<x.rank) }
      guard let v = x.doubleValues else { throw ONNXKernelError("\(opType) needs numbers") }
      var outShape = x.shape
      for k in reduced { outShape[k] = 1 }
      let rank = x.rank, count = outShape.reduce(1, *)
      let strides = broadcastStrides(outShape, rank: rank)
      var sums = [Double](repeating: opType == "ReduceMax" ? -.infinity : opType == "ReduceMin" ? .infinity : 0, count: count)
      var index = [Int](repeating: 0, count: rank)
      for value in v {
        var target = 0
        for k in 0..<rank { target += index[k] * strides[k] }
        switch opType {
        case "ReduceMax": sums[target] = max(sums[target], value)
        case "ReduceMin": sums[target] = min(sums[target], value)
        default: sums[target] += value
        }
        advance(&index, in: x.shape, upTo: rank)
      }
      if opType == "ReduceMean" {
        let n = Double(x.count / max(count, 1))
        sums = sums.map { $0 / n }
      }
      let shape = keepDimensions ? outShape : x.shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
      switch x.storage {
      case .float:
        // Summed in double and rounded once to float32; onnxruntime sums in float32, within that rounding of this.
        return [.float(sums.map { Float($0) }, shape: shape)]
      case .int: return [ONNXTensor(shape: shape, storage: .int(sums.map { Int64($0) }), elementType: x.elementType)]
      default: return [ONNXTensor(shape: shape, storage: .double(sums))]
      }
    }
  }

  static let whereKernel: ONNXKernel = { inputs in
    let condition = try required(inputs, 0), x = try required(inputs, 1), y = try required(inputs, 2)
    guard case let .bool(c) = condition.storage else { throw ONNXKernelError("Where's condition must be bool") }
    let shape = try broadcastShape(try broadcastShape(condition.shape, x.shape), y.shape)
    let rank = shape.count, count = shape.reduce(1, *)
    let sc = broadcastStrides(condition.shape, rank: rank), sx = broadcastStrides(x.shape, rank: rank)
    let sy = broadcastStrides(y.shape, rank: rank)
    // Picks element indices into the concatenation [x, y], then gathers.
    var source = [Int](), index = [Int](repeating: 0, count: rank)
    source.reserveCapacity(count)
    for _ in 0..<count {
      var (ic, ix, iy) = (0, 0, 0)
      for k in 0..<rank {
        ic += index[k] * sc[k]
        ix += index[k] * sx[k]
        iy += index[k] * sy[k]
      }
      source.append(c[ic] ? ix : x.count + iy)
      advance(&index, in: shape, upTo: rank)
    }
    guard x.elementType == y.elementType else { throw ONNXKernelError("Where's branches are \(x.typeName) and \(y.typeName)") }
    let both = try concat(ONNXAttributes(values: ["axis": .int(0)]))([x.reshaped([x.count]), y.reshaped([y.count])])[0]
    return [both.gathering(source, shape: shape)]
  }

  // MARK: - Matrix products

  static let matMul: ONNXKernel = { inputs in
    let x = try required(inputs, 0), y = try required(inputs, 1)
    guard case let .float(a) = x.storage, case let .float(b) = y.storage else {
      guard let a = x.doubleValues, let b = y.doubleValues, x.rank == 2, y.rank == 2, x.shape[1] == y.shape[0] else {
        throw ONNXKernelError("MatMul of \(x.typeName) \(x.shape) and \(y.typeName) \(y.shape) is not supported")
      }
      let (m, k, n) = (x.shape[0], x.shape[1], y.shape[1])
      var c = [Double](repeating: 0, count: m * n)
      for i in 0..<m { for p in 0..<k { let v = a[i * k + p]; for j in 0..<n { c[i * n + j] += v * b[p * n + j] } } }
      return [ONNXTensor(shape: [m, n], storage: .double(c))]
    }
    // [..., m, k] × [k, n] (the weights of a dense layer): one product over all leading rows.
    let xShape = x.rank == 1 ? [1, x.shape[0]] : x.shape
    guard y.rank == 2 || y.rank == 1 else { throw ONNXKernelError("MatMul with a right operand of rank \(y.rank) is not supported") }
    let yShape = y.rank == 1 ? [y.shape[0], 1] : y.shape
    let k = xShape[xShape.count - 1]
    guard k == yShape[0] else { throw ONNXKernelError("MatMul cannot multiply \(x.shape) by \(y.shape)") }
    let m = x.count / max(k, 1), n = yShape[1]
    var shape = Array(xShape.dropLast()) + [n]
    if x.rank == 1 { shape.removeFirst() }
    if y.rank == 1 { shape.removeLast() }
    return [.float(matrixProduct(a, b, m: m, k: k, n: n), shape: shape)]
  }

  static func gemm(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let alpha = try a.float("alpha", 1), beta = try a.float("beta", 1)
    let transposeA = try a.int("transA", 0) != 0, transposeB = try a.int("transB", 0) != 0
    return { inputs in
      let x = try required(inputs, 0), y = try required(inputs, 1)
      guard x.rank == 2, y.rank == 2, let av = x.floatValues, let bv = y.floatValues else { throw ONNXKernelError("Gemm needs two matrices") }
      let (m, k) = transposeA ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
      let (k2, n) = transposeB ? (y.shape[1], y.shape[0]) : (y.shape[0], y.shape[1])
      guard k == k2 else { throw ONNXKernelError("Gemm cannot multiply \(x.shape) by \(y.shape)") }
      var c = matrixProduct(av, bv, m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
      if inputs.count > 2, let bias = inputs[2] {
        guard let v = bias.floatValues else { throw ONNXKernelError("Gemm's C must hold numbers") }
        let (sum, shape) = try broadcastMap(c, [m, n], v.map { $0 * beta }, bias.shape, +)
        guard shape == [m, n] else { throw ONNXKernelError("Gemm's C \(bias.shape) does not broadcast to [\(m), \(n)]") }
        c = sum
      }
      return [.float(c, shape: [m, n])]
    }
  }
}

/// An element-wise operation of two numbers, for kernels specialized on it.
protocol ElementwiseBinary {
  static func float(_ a: Float, _ b: Float) -> Float
  static func double(_ a: Double, _ b: Double) -> Double
  static func int(_ a: Int64, _ b: Int64) -> Int64
}

enum Addition: ElementwiseBinary {
  @inline(__always) static func float(_ a: Float, _ b: Float) -> Float { a + b }
  @inline(__always) static func double(_ a: Double, _ b: Double) -> Double { a + b }
  @inline(__always) static func int(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
}

enum Subtraction: ElementwiseBinary {
  @inline(__always) static func float(_ a: Float, _ b: Float) -> Float { a - b }
  @inline(__always) static func double(_ a: Double, _ b: Double) -> Double { a - b }
  @inline(__always) static func int(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
}

enum Multiplication: ElementwiseBinary {
  @inline(__always) static func float(_ a: Float, _ b: Float) -> Float { a * b }
  @inline(__always) static func double(_ a: Double, _ b: Double) -> Double { a * b }
  @inline(__always) static func int(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
}

/// An element-wise operation of one number, for kernels specialized on it.
protocol ElementwiseUnary {
  static func float(_ x: Float) -> Float
  static func double(_ x: Double) -> Double
  static func int(_ x: Int64) -> Int64
}

enum Rectifier: ElementwiseUnary {
  @inline(__always) static func float(_ x: Float) -> Float { max(x, 0) }
  @inline(__always) static func double(_ x: Double) -> Double { max(x, 0) }
  @inline(__always) static func int(_ x: Int64) -> Int64 { max(x, 0) }
}
