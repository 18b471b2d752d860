import CandorCore
import Foundation

/// The operators of the `ai.onnx.ml` domain candor runs: what skl2onnx and onnxmltools emit for preprocessors,
/// linear models and tree ensembles. Semantics follow the ONNX operator documents and, where they are vague (the
/// binary tree classifier, one-score linear classifiers), onnxruntime's CPU kernels, so outputs match it.
enum ONNXMLOperators {
  static func compile(_ opType: String, _ a: ONNXAttributes, opset: Int64) throws(ONNXKernelError) -> ONNXKernel? {
    switch opType {
    case "Scaler": return try scaler(a)
    case "Normalizer": return try normalizer(a)
    case "Imputer": return try imputer(a)
    case "Binarizer":
      let threshold = try a.float("threshold", 0)
      return { inputs in
        let x = try required(inputs, 0)
        // onnxruntime refuses a NaN rather than choosing a side for it.
        if let v = x.doubleValues, let k = v.firstIndex(where: \.isNaN) { throw ONNXKernelError("Binarizer's input element \(k) is NaN") }
        switch x.storage {
        case let .float(v): return [.float(v.map { $0 > threshold ? 1 : 0 }, shape: x.shape)]
        case let .double(v): return [ONNXTensor(shape: x.shape, storage: .double(v.map { $0 > Double(threshold) ? 1 : 0 }))]
        default: throw ONNXKernelError("Binarizer needs float or double input")
        }
      }
    case "OneHotEncoder": return try oneHotEncoder(a)
    case "LabelEncoder": return try labelEncoder(a, opset: opset)
    case "CategoryMapper": return try categoryMapper(a)
    case "ArrayFeatureExtractor": return arrayFeatureExtractor
    case "FeatureVectorizer": return try featureVectorizer(a)
    case "LinearClassifier": return try linearClassifier(a)
    case "LinearRegressor": return try linearRegressor(a)
    case "TreeEnsembleClassifier", "TreeEnsembleRegressor", "TreeEnsemble":
      return try treeOperator(opType, a, opset: opset)?.kernel
    case "ZipMap":
      // The class probabilities as a plain tensor: candor reads them by column, and the labels are recorded
      // from the attribute when the model loads.
      let named = try a.strings("classlabels_strings") != nil, numbered = try a.ints("classlabels_int64s") != nil
      guard named || numbered else {
        throw ONNXKernelError("ZipMap has no class labels")
      }
      return { inputs in [try required(inputs, 0)] }
    default: return nil
    }
  }

  /// The tree ensemble a tree node holds, nil for any other operator.
  static func treeOperator(_ opType: String, _ a: ONNXAttributes, opset: Int64) throws(ONNXKernelError) -> ONNXTreeOperator? {
    switch opType {
    case "TreeEnsembleClassifier", "TreeEnsembleRegressor":
      // Opset 5 deprecates them for TreeEnsemble; onnxruntime has no kernel for them there.
      guard opset < 5 else {
        throw ONNXKernelError("\(opType) is deprecated in ai.onnx.ml opset 5 (TreeEnsemble replaces it); export with ai.onnx.ml opset 4 or lower, or as TreeEnsemble")
      }
      return try ONNXTreeOperator(a, classifier: opType == "TreeEnsembleClassifier")
    case "TreeEnsemble" where opset >= 5: return try ONNXTreeOperator(opset5: a)
    default: return nil
    }
  }

  /// Every element as float32, rows × columns from the last axis (a rank-1 tensor is one row).
  static func floatMatrix(_ x: ONNXTensor, _ op: String) throws(ONNXKernelError) -> (values: [Float], rows: Int, columns: Int) {
    guard let v = x.floatValues else { throw ONNXKernelError("\(op) needs numbers, got \(x.typeName)") }
    let columns = x.rank == 0 ? 1 : x.shape[x.rank - 1]
    return (v, columns == 0 ? 0 : v.count / columns, columns)
  }

  static func scaler(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let offset = try a.floats("offset") ?? [], scale = try a.floats("scale") ?? []
    return { inputs in
      let x = try required(inputs, 0)
      var (v, _, columns) = try floatMatrix(x, "Scaler")
      guard [0, 1, columns].contains(offset.count), [0, 1, columns].contains(scale.count) else {
        throw ONNXKernelError("Scaler has \(offset.count) offsets and \(scale.count) scales for \(columns) columns")
      }
      // (x − offset) · scale, subtraction then multiplication in float32 exactly as written: dividing by the
      // standard deviation instead changes the last bit, which flips tree splits sitting on a threshold.
      for k in v.indices {
        let j = k % max(columns, 1)
        let o = offset.isEmpty ? 0 : offset[offset.count == 1 ? 0 : j], s = scale.isEmpty ? 1 : scale[scale.count == 1 ? 0 : j]
        v[k] = (v[k] - o) * s
      }
      return [.float(v, shape: x.shape)]
    }
  }

  static func normalizer(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let norm = try a.string("norm", "MAX")
    guard ["MAX", "L1", "L2"].contains(norm) else { throw ONNXKernelError("Normalizer's norm '\(printable(norm))' is not MAX, L1 or L2") }
    return { inputs in
      let x = try required(inputs, 0)
      var (v, rows, columns) = try floatMatrix(x, "Normalizer")
      for r in 0..<rows {
        let row = v[(r * columns)..<((r + 1) * columns)]
        let divisor: Float
        switch norm {
        case "L1": divisor = row.reduce(0) { $0 + abs($1) }
        case "L2": divisor = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        default: divisor = row.max() ?? 0
        }
        if divisor != 0 { for k in (r * columns)..<((r + 1) * columns) { v[k] /= divisor } }
      }
      return [.float(v, shape: x.shape)]
    }
  }

  static func imputer(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let floats = try a.floats("imputed_value_floats"), ints = try a.ints("imputed_value_int64s")
    let replacedFloat = try a.float("replaced_value_float", 0), replacedInt = try a.int("replaced_value_int64", 0)
    return { inputs in
      let x = try required(inputs, 0)
      let columns = x.rank == 0 ? 1 : x.shape[x.rank - 1]
      switch x.storage {
      case let .float(v):
        guard let values = floats, values.count == 1 || values.count == columns else {
          throw ONNXKernelError("Imputer has \(floats?.count ?? 0) float values for \(columns) columns")
        }
        let out = v.enumerated().map { k, e in
          (replacedFloat.isNaN ? e.isNaN : e == replacedFloat) ? values[values.count == 1 ? 0 : k % columns] : e
        }
        return [.float(out, shape: x.shape)]
      case let .int(v):
        guard let values = ints, values.count == 1 || values.count == columns else {
          throw ONNXKernelError("Imputer has \(ints?.count ?? 0) integer values for \(columns) columns")
        }
        let out = v.enumerated().map { k, e in e == replacedInt ? values[values.count == 1 ? 0 : k % columns] : e }
        return [ONNXTensor(shape: x.shape, storage: .int(out), elementType: x.elementType)]
      default: throw ONNXKernelError("Imputer needs float or integer input, got \(x.typeName)")
      }
    }
  }

  static func oneHotEncoder(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let strings = try a.strings("cats_strings"), ints = try a.ints("cats_int64s")
    let zeros = try a.int("zeros", 1) != 0
    let width = strings?.count ?? ints?.count ?? 0
    guard width > 0 else { throw ONNXKernelError("OneHotEncoder has no categories") }
    let stringIndex = Dictionary((strings ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    let intIndex = Dictionary((ints ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    return { inputs in
      let x = try required(inputs, 0)
      var out = [Float](repeating: 0, count: x.count * width)
      func set(_ k: Int, _ position: Int?, _ shown: @autoclosure () -> String) throws(ONNXKernelError) {
        if let position { out[k * width + position] = 1 } else if !zeros {
          throw ONNXKernelError("OneHotEncoder meets the unknown category '\(printable(shown()))' and has zeros=0")
        }
      }
      switch x.storage {
      case let .string(v):
        guard strings != nil else { throw ONNXKernelError("OneHotEncoder has integer categories but text input") }
        // Matching is exact and case-sensitive. Rows built from a few real ones (KernelSHAP's coalitions) repeat
        // the same two values in turn: those are remembered, and comparing a String with itself is cheap.
        var recent: [(text: String, position: Int?)] = []
        for (k, s) in v.enumerated() {
          let position: Int?
          if let hit = recent.first(where: { $0.text == s }) {
            position = hit.position
          } else {
            position = stringIndex[s]
            if recent.count == 2 { recent.removeFirst() }
            recent.append((s, position))
          }
          try set(k, position, s)
        }
      default:
        guard ints != nil, let v = x.doubleValues else { throw ONNXKernelError("OneHotEncoder has text categories but \(x.typeName) input") }
        for (k, d) in v.enumerated() { try set(k, d.rounded() == d && abs(d) < 9e18 ? intIndex[Int64(d)] : nil, formatNumber(d)) }
      }
      return [.float(out, shape: x.shape + [width])]
    }
  }

  static func labelEncoder(_ a: ONNXAttributes, opset: Int64) throws(ONNXKernelError) -> ONNXKernel {
    if opset < 2 {
      // Version 1: classes_strings, and the direction from the input type (text → index, index → text).
      let classes = try a.strings("classes_strings") ?? []
      let defaultInt = try a.int("default_int64", -1), defaultString = try a.string("default_string", "_Unused")
      let index = Dictionary(classes.enumerated().map { ($1, Int64($0)) }, uniquingKeysWith: { first, _ in first })
      return { inputs in
        let x = try required(inputs, 0)
        switch x.storage {
        case let .string(v): return [.int(v.map { index[$0] ?? defaultInt }, shape: x.shape)]
        case let .int(v): return [ONNXTensor(shape: x.shape, storage: .string(v.map { $0 >= 0 && $0 < classes.count ? classes[Int($0)] : defaultString }))]
        default: throw ONNXKernelError("LabelEncoder needs text or integer input")
        }
      }
    }
    enum Keys { case strings([String]), ints([Int64]), floats([Float]) }
    let keys: Keys
    if let k = try a.strings("keys_strings") { keys = .strings(k) } else if let k = try a.ints("keys_int64s") { keys = .ints(k) }
    else if let k = try a.floats("keys_floats") { keys = .floats(k) } else { throw ONNXKernelError("LabelEncoder has no keys") }
    let keyCount: Int
    switch keys {
    case let .strings(k): keyCount = k.count
    case let .ints(k): keyCount = k.count
    case let .floats(k): keyCount = k.count
    }
    let valueStrings = try a.strings("values_strings"), valueInts = try a.ints("values_int64s"), valueFloats = try a.floats("values_floats")
    let valueCount = valueStrings?.count ?? valueInts?.count ?? valueFloats?.count
    guard let valueCount else { throw ONNXKernelError("LabelEncoder has no values") }
    guard valueCount == keyCount else { throw ONNXKernelError("LabelEncoder has \(keyCount) keys and \(valueCount) values") }
    let defaultString = try a.string("default_string", "_Unused"), defaultInt = try a.int("default_int64", -1)
    let defaultFloat = try a.float("default_float", -0.0)
    return { inputs in
      let x = try required(inputs, 0)
      // The position of every element's key (nil when absent).
      let positions: [Int?]
      switch (keys, x.storage) {
      case let (.strings(k), .string(v)):
        let index = Dictionary(k.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        positions = v.map { index[$0] }
      case let (.ints(k), .int(v)):
        let index = Dictionary(k.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        positions = v.map { index[$0] }
      case let (.floats(k), .float(v)):
        let index = Dictionary(k.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        positions = v.map { index[$0] }
      default: throw ONNXKernelError("LabelEncoder's keys do not have the input's type \(x.typeName)")
      }
      if let values = valueStrings { return [ONNXTensor(shape: x.shape, storage: .string(positions.map { $0.map { values[$0] } ?? defaultString }))] }
      if let values = valueInts { return [.int(positions.map { $0.map { values[$0] } ?? defaultInt }, shape: x.shape)] }
      return [.float(positions.map { $0.map { valueFloats![$0] } ?? defaultFloat }, shape: x.shape)]
    }
  }

  static func categoryMapper(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let strings = try a.strings("cats_strings") ?? [], ints = try a.ints("cats_int64s") ?? []
    guard strings.count == ints.count, !strings.isEmpty else { throw ONNXKernelError("CategoryMapper has \(strings.count) texts and \(ints.count) integers") }
    let defaultString = try a.string("default_string", "_Unused"), defaultInt = try a.int("default_int64", -1)
    let toInt = Dictionary(zip(strings, ints).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    let toString = Dictionary(zip(ints, strings).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    return { inputs in
      let x = try required(inputs, 0)
      switch x.storage {
      case let .string(v): return [.int(v.map { toInt[$0] ?? defaultInt }, shape: x.shape)]
      case let .int(v): return [ONNXTensor(shape: x.shape, storage: .string(v.map { toString[$0] ?? defaultString }))]
      default: throw ONNXKernelError("CategoryMapper needs text or integer input")
      }
    }
  }

  /// X[..., indices] along the last axis; a rank-1 X gives [1, len(indices)], as onnxruntime shapes it.
  static let arrayFeatureExtractor: ONNXKernel = { inputs in
    let x = try required(inputs, 0), indices = try required(inputs, 1)
    guard let picks = indices.intValues else { throw ONNXKernelError("ArrayFeatureExtractor's indices must be integers") }
    let last = x.rank == 0 ? 1 : x.shape[x.rank - 1], outer = x.count / max(last, 1)
    var source: [Int] = []
    source.reserveCapacity(outer * picks.count)
    for o in 0..<outer {
      for p in picks {
        guard p >= 0 && p < last else { throw ONNXKernelError("ArrayFeatureExtractor's index \(p) is outside a last axis of \(last)") }
        source.append(o * last + Int(p))
      }
    }
    let shape = x.rank <= 1 ? [1, picks.count] : Array(x.shape.dropLast()) + [picks.count]
    return [x.gathering(source, shape: shape)]
  }

  static func featureVectorizer(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    let dimensions = try a.ints("inputdimensions") ?? []
    return { inputs in
      let parts = inputs.compactMap { $0 }
      guard parts.count == dimensions.count, let first = parts.first else {
        throw ONNXKernelError("FeatureVectorizer has \(parts.count) inputs and \(dimensions.count) input dimensions")
      }
      let rows = first.rank <= 1 ? 1 : first.shape[0]
      let width = dimensions.reduce(0) { $0 + Int($1) }
      var out = [Float](repeating: 0, count: rows * width)
      var offset = 0
      for (part, dimension) in zip(parts, dimensions) {
        let (v, partRows, columns) = try floatMatrix(part, "FeatureVectorizer")
        guard partRows == rows else { throw ONNXKernelError("FeatureVectorizer's inputs have \(rows) and \(partRows) rows") }
        // Fewer columns than declared are padded with 0, more are cut, as onnxruntime does.
        for r in 0..<rows { for j in 0..<min(columns, Int(dimension)) { out[r * width + offset + j] = v[r * columns + j] } }
        offset += Int(dimension)
      }
      return [.float(out, shape: [rows, width])]
    }
  }

  /// Labels of a classifier: classlabels_strings or classlabels_ints / classlabels_int64s.
  static func classLabels(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXTensor.Storage {
    if let s = try a.strings("classlabels_strings") { return .string(s) }
    if let i = try a.ints("classlabels_ints") { return .int(i) }
    if let i = try a.ints("classlabels_int64s") { return .int(i) }
    throw ONNXKernelError("the classifier has no class labels")
  }

  static func labelTensor(_ labels: ONNXTensor.Storage, indices: [Int], shape: [Int]) -> ONNXTensor {
    switch labels {
    case let .string(s): ONNXTensor(shape: shape, storage: .string(indices.map { s[$0] }))
    case let .int(i): .int(indices.map { i[$0] }, shape: shape)
    default: .int(indices.map(Int64.init), shape: shape)
    }
  }

  static func labelCount(_ labels: ONNXTensor.Storage) -> Int {
    switch labels {
    case let .string(s): s.count
    case let .int(i): i.count
    default: 0
    }
  }

  /// scores = X · Wᵀ + b (the Gemm onnxruntime calls), W row-major targets × features; rows × targets.
  static func linearScores(_ x: ONNXTensor, _ coefficients: [Float], _ intercepts: [Float], targets: Int, op: String) throws(ONNXKernelError)
    -> (scores: [Float], rows: Int)
  {
    let features = coefficients.count / targets
    let (v, rows, columns) = try floatMatrix(x, op)
    guard columns == features else { throw ONNXKernelError("\(op) has \(features) coefficients per output but the input has \(columns) columns") }
    var scores = matrixProduct(v, coefficients, m: rows, k: features, n: targets, transposeB: true)
    if !intercepts.isEmpty { for r in 0..<rows { for t in 0..<targets { scores[r * targets + t] += intercepts[t] } } }
    return (scores, rows)
  }

  static func linearClassifier(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    guard let coefficients = try a.floats("coefficients") else { throw ONNXKernelError("LinearClassifier has no coefficients") }
    let intercepts = try a.floats("intercepts") ?? []
    let labels = try classLabels(a), labelCount = labelCount(labels)
    guard let post = PostTransform(rawValue: try a.string("post_transform", "NONE")) else { throw ONNXKernelError("unknown post_transform") }
    let targets = intercepts.count
    guard targets > 0, coefficients.count % targets == 0 else {
      throw ONNXKernelError("LinearClassifier has \(coefficients.count) coefficients for \(targets) intercepts")
    }
    guard targets == labelCount || (targets == 1 && labelCount == 2) else {
      throw ONNXKernelError("LinearClassifier has \(targets) score rows for \(labelCount) class labels")
    }
    return { inputs in
      var (scores, rows) = try linearScores(try required(inputs, 0), coefficients, intercepts, targets: targets, op: "LinearClassifier")
      var label = [Int](repeating: 0, count: rows)
      if targets == 1 {
        // One score for two labels: the label by the score's sign; the post transform of the score p, then
        // [1 − p, p], as onnxruntime writes them (probit alone is not completed to two columns).
        var both = [Float](repeating: 0, count: rows * 2)
        for r in 0..<rows {
          label[r] = scores[r] > 0 ? 1 : 0
          var p = scores[r...r]
          post.apply(&p)
          (both[2 * r], both[2 * r + 1]) = post == .probit ? (p[r], p[r]) : (1 - p[r], p[r])
        }
        return [labelTensor(labels, indices: label, shape: [rows]), .float(both, shape: [rows, 2])]
      }
      for r in 0..<rows {
        var best = 0
        for t in 1..<targets where scores[r * targets + t] > scores[r * targets + best] { best = t }
        label[r] = best
        var row = scores[(r * targets)..<((r + 1) * targets)]
        post.apply(&row)
        scores.replaceSubrange((r * targets)..<((r + 1) * targets), with: row)
      }
      return [labelTensor(labels, indices: label, shape: [rows]), .float(scores, shape: [rows, targets])]
    }
  }

  static func linearRegressor(_ a: ONNXAttributes) throws(ONNXKernelError) -> ONNXKernel {
    guard let coefficients = try a.floats("coefficients") else { throw ONNXKernelError("LinearRegressor has no coefficients") }
    let targets = Int(try a.int("targets", 1)), intercepts = try a.floats("intercepts") ?? []
    guard let post = PostTransform(rawValue: try a.string("post_transform", "NONE")) else { throw ONNXKernelError("unknown post_transform") }
    guard targets > 0, coefficients.count % targets == 0, intercepts.isEmpty || intercepts.count == targets else {
      throw ONNXKernelError("LinearRegressor has \(coefficients.count) coefficients and \(intercepts.count) intercepts for \(targets) targets")
    }
    return { inputs in
      var (scores, rows) = try linearScores(try required(inputs, 0), coefficients, intercepts, targets: targets, op: "LinearRegressor")
      for r in 0..<rows {
        if targets > 1 || post == .probit {
          var row = scores[(r * targets)..<((r + 1) * targets)]
          post.apply(&row)
          scores.replaceSubrange((r * targets)..<((r + 1) * targets), with: row)
        }
      }
      return [.float(scores, shape: [rows, targets])]
    }
  }
}
