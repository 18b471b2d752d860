import CandorCore

/// TreeSHAP over an ONNX graph whose score comes from one tree ensemble node: the node's trees explain the score
/// they compute before the post transform, and every feature the trees read is traced back through the graph to
/// the one data column it is computed from — so a pipeline's scaled numbers and one-hot indicators belong to the
/// raw column they encode, and the Shapley values are those of the raw columns (interventional TreeSHAP with each
/// player owning its computed features is exact when every computed feature depends on one column only: the
/// graph then computes x_S ∪ z_S̄ feature by feature, as TreeSHAP assumes).
extension ONNXModel {
  /// The explanation view, or nil when the graph has no single tree node, the score is not the node's own
  /// output (up to Identity, Cast, ZipMap or a product with ones), the positive class's probability is no
  /// monotone function of one tree score, or a tree feature is computed from several columns (KernelSHAP then
  /// explains the model).
  public var treeEnsembleView: TreeEnsembleView? {
    let treeSteps = steps.indices.filter { steps[$0].trees != nil }
    guard treeSteps.count == 1, let k = treeSteps.first, let trees = steps[k].trees, let slot = steps[k].inputs.first, slot >= 0,
      scoreComesFromTrees(step: k), let ensemble = trees.explainedEnsemble(), let sources = treeFeatureSources(step: k)
    else { return nil }
    let model = self
    return TreeEnsembleView(ensemble: ensemble, sources: sources) { try model.treeInputColumns($0, step: k, width: ensemble.featureNames.count) }
  }

  /// The tree node's input for every row of `table`, one column per tree feature: the graph run up to the node.
  func treeInputColumns(_ table: Table, step k: Int, width: Int) throws -> [[Double]] {
    let slot = steps[k].inputs[0]
    let bound = try boundInputs(table)
    let rows = table.rowCount
    var columns = [[Double]](repeating: [Double](repeating: .nan, count: rows), count: width)
    var first = 0
    while first < rows {
      let range = first..<min(rows, first + Self.blockRows)
      let tensor = try run(bound, rows: range, capturing: slot, before: k)
      guard let v = tensor.doubleValues, tensor.rank == 2, tensor.shape[0] == range.count else {
        throw ModelError.modelGraphFailed(path: path, node: steps[k].name, opType: steps[k].opType,
                                          rows: range.lowerBound...(range.upperBound - 1), reason: "its input is not a [N, features] matrix")
      }
      let tensorWidth = tensor.shape[1]
      for j in 0..<min(tensorWidth, width) { for r in 0..<range.count { columns[j][first + r] = v[r * tensorWidth + j] } }
      first = range.upperBound
    }
    return columns
  }

  /// Whether the score output is tree step `k`'s score output, passed on by Identity, Cast, ZipMap, or a
  /// multiplication or division by a constant of ones (onnxmltools' LightGBM export).
  func scoreComesFromTrees(step k: Int) -> Bool {
    var producer: [Int: Int] = [:]
    for (i, step) in steps.enumerated() { for s in step.outputs where s >= 0 { producer[s] = i } }
    let constantOf = Dictionary(constants.map { ($0.slot, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    func ones(_ slot: Int) -> Bool { constantOf[slot]?.doubleValues.map { !$0.isEmpty && $0.allSatisfy { $0 == 1 } } ?? false }
    var slot = scoreSlot
    while let i = producer[slot] {
      let step = steps[i]
      if i == k { return step.outputs.last == slot }
      switch step.opType {
      case "Identity", "Cast", "ZipMap": slot = step.inputs.first ?? -1
      case "Mul" where step.inputs.count == 2 && ones(step.inputs[1]): slot = step.inputs[0]
      case "Mul" where step.inputs.count == 2 && ones(step.inputs[0]): slot = step.inputs[1]
      case "Div" where step.inputs.count == 2 && ones(step.inputs[1]): slot = step.inputs[0]
      default: return false
      }
    }
    return false
  }

  /// Per feature of tree step `k`'s input, the data column it is computed from ("" for a constant), or nil when
  /// one is computed from several columns or through an operator this analysis does not follow.
  func treeFeatureSources(step k: Int) -> [String]? {
    var layouts = [RowLayout?](repeating: nil, count: slotCount)
    var columnIndex = 0
    for input in inputs {
      let sources = (0..<input.columns.count).map { Int32(columnIndex + $0) }
      columnIndex += input.columns.count
      layouts[input.slot] = .rows(shape: input.rank == 1 ? [] : [input.columns.count], sources: sources)
    }
    for (slot, tensor) in constants { layouts[slot] = .constant(tensor) }
    for i in 0..<k {
      let step = steps[i]
      let operands = step.inputs.map { $0 >= 0 ? layouts[$0] : nil }
      guard let results = RowLayout.propagate(step, operands) else { continue }
      for (slot, layout) in zip(step.outputs, results) where slot >= 0 { layouts[slot] = layout }
    }
    guard let input = steps[k].inputs.first, input >= 0, let layout = layouts[input], let width = steps[k].trees?.ensemble.featureNames.count else { return nil }
    let sources: [Int32]
    switch layout {
    case let .rows(shape, values) where shape.count <= 1 && values.count >= width: sources = Array(values.prefix(width))
    case let .uniform(source) where source != RowLayout.mixed: sources = [Int32](repeating: source, count: width)
    default: return nil
    }
    guard !sources.contains(RowLayout.mixed) else { return nil }
    return sources.map { $0 == RowLayout.constantSource ? "" : featureNames[Int($0)] }
  }
}

/// What each value of one row of a tensor is computed from: the data column (its index among the model's
/// feature columns), `constantSource`, or `mixed` (several columns).
enum RowLayout {
  /// Per-row dimensions (the shape after the row dimension) and, row-major over them, each value's source.
  case rows(shape: [Int], sources: [Int32])
  /// A value that does not depend on the row.
  case constant(ONNXTensor)
  /// Every value from the same source, the shape not followed.
  case uniform(Int32)

  static let constantSource: Int32 = -1, mixed: Int32 = -2

  static func merge(_ sources: some Sequence<Int32>) -> Int32 {
    var result = constantSource
    for s in sources where s != constantSource {
      if s == mixed || (result != constantSource && result != s) { return mixed }
      result = s
    }
    return result
  }

  /// The source of everything a row of the operands depends on.
  static func union(_ operands: [RowLayout?]) -> Int32? {
    var all: [Int32] = []
    for operand in operands {
      switch operand {
      case nil: continue
      case .constant?: continue
      case let .uniform(s)?: all.append(s)
      case let .rows(_, sources)?: all.append(merge(sources))
      }
    }
    return merge(all)
  }

  /// The layouts of a step's outputs, or nil when not followed. A step of constants only is computed (constant
  /// folding); elementwise operators keep positions; shape operators move them; operators that mix a row's
  /// values make every output depend on all of them.
  static func propagate(_ step: ONNXModel.Step, _ operands: [RowLayout?]) -> [RowLayout]? {
    let present = operands.compactMap { $0 }
    if present.count == operands.count, present.allSatisfy({ if case .constant = $0 { true } else { false } }) {
      let tensors = present.map { if case let .constant(t) = $0 { t } else { fatalError() } }
      guard let values = try? step.kernel(tensors) else { return nil }
      return values.map { .constant($0) }
    }
    let a = step.attributes
    func uniformOutputs() -> [RowLayout]? { union(operands).map { s in step.outputs.map { _ in .uniform(s) } } }
    switch step.opType {
    case "Identity", "Cast", "Abs", "Neg", "Exp", "Log", "Sqrt", "Relu", "Sigmoid", "Tanh", "Not", "Floor", "Ceil", "Round", "Sign",
      "Reciprocal", "IsNaN", "Erf", "Scaler", "Imputer", "Binarizer", "LabelEncoder", "CategoryMapper", "Clip":
      // Elementwise (Clip's bounds must not depend on the row).
      guard let first = operands.first ?? nil, operands.dropFirst().allSatisfy({ if case .rows? = $0 { false } else if case .uniform? = $0 { false } else { true } }) else { return nil }
      return [first]
    case "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Where",
      "Max", "Min", "Sum", "Mean":
      return broadcast(operands).map { [$0] }
    case "Concat":
      guard let axis = try? a.int("axis", 1) else { return nil }
      return concat(operands, axis: Int(axis)).map { [$0] }
    case "Reshape":
      guard operands.count == 2, case let .rows(shape, sources)? = operands[0], case let .constant(target)? = operands[1],
        let dims = target.intValues, let allowZero = try? a.int("allowzero", 0)
      else { return nil }
      return reshape(shape: shape, sources: sources, to: dims.map(Int.init), allowZero: allowZero != 0).map { [$0] }
    case "Flatten":
      guard case let .rows(_, sources)? = operands.first ?? nil, (try? a.int("axis", 1)) == 1 else { return nil }
      return [.rows(shape: [sources.count], sources: sources)]
    case "Squeeze", "Unsqueeze":
      guard case let .rows(shape, sources)? = operands.first ?? nil else { return nil }
      var axes: [Int]?
      if let listed = try? a.ints("axes") { axes = listed.map(Int.init) }
      if axes == nil, operands.count > 1, case let .constant(t)? = operands[1] { axes = t.intValues?.map(Int.init) }
      let adding = step.opType == "Unsqueeze"
      let rank = shape.count + 1 + (adding ? axes?.count ?? 0 : 0)
      guard let axes = axes ?? (adding ? nil : shape.indices.filter { shape[$0] == 1 }.map { $0 + 1 }) else { return nil }
      let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
      guard !normalized.contains(0), normalized.allSatisfy({ $0 > 0 && $0 < rank }) else { return nil }
      var out: [Int] = []
      if adding {
        var rest = shape[...]
        for d in 1..<rank { out.append(normalized.contains(d) ? 1 : rest.popFirst() ?? 1) }
      } else {
        for (d, size) in shape.enumerated() where !normalized.contains(d + 1) { out.append(size) }
        guard shape.enumerated().allSatisfy({ !normalized.contains($0.offset + 1) || $0.element == 1 }) else { return nil }
      }
      return [.rows(shape: out, sources: sources)]
    case "OneHotEncoder":
      guard case let .rows(shape, sources)? = operands.first ?? nil, let width = step.oneHot?.width ?? (try? a.ints("cats_int64s"))?.count else { return nil }
      return [.rows(shape: shape + [width], sources: sources.flatMap { [Int32](repeating: $0, count: width) })]
    case "ArrayFeatureExtractor":
      guard operands.count == 2, case let .rows(shape, sources)? = operands[0], let last = shape.last, case let .constant(t)? = operands[1],
        let indices = t.intValues, indices.allSatisfy({ $0 >= 0 && $0 < last })
      else { return nil }
      let outer = sources.count / last
      let picked = (0..<outer).flatMap { o in indices.map { sources[o * last + Int($0)] } }
      return [.rows(shape: shape.dropLast() + [indices.count], sources: picked)]
    case "Gather":
      guard operands.count == 2, case let .rows(shape, sources)? = operands[0], case let .constant(t)? = operands[1], t.rank <= 1,
        let indices = t.intValues, let axis = try? a.int("axis", 0)
      else { return nil }
      let p = Int(axis < 0 ? axis + Int64(shape.count) + 1 : axis) - 1
      guard p >= 0 && p < shape.count else { return nil }
      let size = shape[p], inner = shape[(p + 1)...].reduce(1, *), outer = shape[..<p].reduce(1, *)
      let positions = indices.map { Int($0 < 0 ? $0 + Int64(size) : $0) }
      guard positions.allSatisfy({ $0 >= 0 && $0 < size }) else { return nil }
      var picked: [Int32] = []
      for o in 0..<outer { for q in positions { picked.append(contentsOf: sources[((o * size + q) * inner)..<((o * size + q + 1) * inner)]) } }
      return [.rows(shape: Array(shape[..<p]) + (t.rank == 0 ? [] : [positions.count]) + Array(shape[(p + 1)...]), sources: picked)]
    case "FeatureVectorizer":
      guard let dimensions = try? a.ints("inputdimensions"), dimensions.count == operands.count else { return nil }
      var out: [Int32] = []
      for (operand, d) in zip(operands, dimensions) {
        guard case let .rows(_, sources)? = operand else { return nil }
        out += (0..<Int(d)).map { $0 < sources.count ? sources[$0] : constantSource }
      }
      return [.rows(shape: [out.count], sources: out)]
    case "MatMul", "Normalizer", "LinearClassifier", "LinearRegressor", "TreeEnsembleClassifier", "TreeEnsembleRegressor", "TreeEnsemble", "ZipMap":
      // Each row of the outputs from the same row of the first input (MatMul's weights constant).
      guard operands.dropFirst().allSatisfy({ if case .constant? = $0 { true } else { $0 == nil } }) else { return nil }
      return uniformOutputs()
    case "Gemm":
      guard (try? a.int("transA", 0)) == 0, operands.dropFirst().allSatisfy({ if case .constant? = $0 { true } else { $0 == nil } }) else { return nil }
      return uniformOutputs()
    case "Softmax", "LogSoftmax", "ArgMax", "ArgMin":
      // Along any axis but the rows'.
      guard let axis = try? a.int("axis", step.opType.hasPrefix("Arg") ? 0 : -1), axis != 0 else { return nil }
      if axis < 0, case let .rows(shape, _)? = operands.first ?? nil, Int(axis) + shape.count + 1 == 0 { return nil }
      return uniformOutputs()
    default:
      return nil
    }
  }

  /// NumPy broadcasting of row layouts and constants: every row operand spans the output's rank (its first
  /// dimension the rows), a constant's first dimension (after padding) is 1.
  static func broadcast(_ operands: [RowLayout?]) -> RowLayout? {
    var rowShapes: [[Int]] = [], rowSources: [[Int32]] = [], constantShapes: [[Int]] = [], uniform: [Int32] = []
    for operand in operands {
      switch operand {
      case nil: return nil
      case let .rows(shape, sources)?: rowShapes.append(shape); rowSources.append(sources)
      case let .constant(t)?: constantShapes.append(t.shape)
      case let .uniform(s)?: uniform.append(s)
      }
    }
    if !uniform.isEmpty { return .uniform(merge(uniform + rowSources.map { merge($0) })) }
    guard let rank = rowShapes.first.map({ $0.count + 1 }), rowShapes.allSatisfy({ $0.count + 1 == rank }) else { return nil }
    // Per-row shapes: a row operand's own; a constant's after padding to the rank, its row dimension 1.
    var perRow = rowShapes
    for shape in constantShapes {
      guard shape.count <= rank else { return nil }
      let padded = [Int](repeating: 1, count: rank - shape.count) + shape
      guard padded[0] == 1 else { return nil }
      perRow.append(Array(padded.dropFirst()))
    }
    var out = [Int](repeating: 1, count: rank - 1)
    for shape in perRow {
      for (d, size) in shape.enumerated() {
        guard size == out[d] || size == 1 || out[d] == 1 else { return nil }
        out[d] = max(out[d], size)
      }
    }
    let count = out.reduce(1, *)
    var sources = [Int32](repeating: constantSource, count: count)
    var index = [Int](repeating: 0, count: out.count)
    for e in 0..<count {
      var e2 = e
      for d in stride(from: out.count - 1, through: 0, by: -1) {
        index[d] = e2 % out[d]
        e2 /= out[d]
      }
      sources[e] = merge(zip(rowShapes, rowSources).map { shape, values in
        var flat = 0
        for d in 0..<shape.count { flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d]) }
        return values[flat]
      })
    }
    return .rows(shape: out, sources: sources)
  }

  static func concat(_ operands: [RowLayout?], axis: Int) -> RowLayout? {
    var shapes: [[Int]] = [], all: [[Int32]] = []
    for operand in operands {
      guard case let .rows(shape, sources)? = operand else { return nil }
      shapes.append(shape)
      all.append(sources)
    }
    guard let first = shapes.first, shapes.allSatisfy({ $0.count == first.count }) else { return nil }
    let rank = first.count + 1
    let p = (axis < 0 ? axis + rank : axis) - 1
    guard p >= 0 && p < first.count,
      shapes.allSatisfy({ s in s.indices.allSatisfy { $0 == p || s[$0] == first[$0] } })
    else { return nil }
    let outer = first[..<p].reduce(1, *), inner = first[(p + 1)...].reduce(1, *)
    var sources: [Int32] = []
    for o in 0..<outer {
      for (shape, values) in zip(shapes, all) {
        let block = shape[p] * inner
        sources.append(contentsOf: values[(o * block)..<((o + 1) * block)])
      }
    }
    var shape = first
    shape[p] = shapes.reduce(0) { $0 + $1[p] }
    return .rows(shape: shape, sources: sources)
  }

  /// Reshape keeping the row dimension: the target's first entry 0 (copy) or −1 with the rest covering a row.
  static func reshape(shape: [Int], sources: [Int32], to target: [Int], allowZero: Bool) -> RowLayout? {
    guard let head = target.first, head == -1 || (head == 0 && !allowZero) else { return nil }
    let count = sources.count
    var rest = Array(target.dropFirst())
    for d in rest.indices where rest[d] == 0 && !allowZero {
      guard d < shape.count else { return nil }
      rest[d] = shape[d]
    }
    let unknown = rest.indices.filter { rest[$0] == -1 }
    let known = rest.filter { $0 != -1 }.reduce(1, *)
    guard rest.allSatisfy({ $0 >= -1 }), unknown.count <= (head == -1 ? 0 : 1), known > 0 || count == 0 else { return nil }
    if let d = unknown.first {
      guard count % known == 0 else { return nil }
      rest[d] = count / known
    }
    guard rest.reduce(1, *) == count else { return nil }
    return .rows(shape: rest, sources: sources)
  }
}

extension ONNXTreeOperator {
  /// The scores explained: the node's scores before its post transform, as an ensemble of margins (one for a
  /// regressor of one target, the positive class's for two labels, one per class for more). Each is
  /// Σ_c factor·(class c's leaf sum)/trees + base, following `finish`; nil when the positive class's probability
  /// is not a monotone function of one such score (two base values with only class 0 scored, SOFTMAX_ZERO).
  func explainedEnsemble() -> TreeEnsemble? {
    var terms: [[(output: Int, factor: Double)]] = [], bases: [Double] = []
    let base = baseValues.map(Double.init)
    if !classifier {
      guard outputs == 1 else { return nil }
      terms = [[(0, 1)]]
      bases = [base.count == 1 ? base[0] : 0]
    } else if outputs > 2 {
      guard post != .softmaxZero else { return nil }
      terms = (0..<outputs).map { [($0, 1)] }
      bases = (0..<outputs).map { $0 < base.count ? base[$0] : 0 }
    } else {
      let b0 = base.count == 1 || base.count == 2 ? base[0] : 0
      if base.count == 2 {
        // onnxruntime's binary case: s1 = b1 + (class 0's sum), s0 = −s1.
        guard scored[1] else { return nil }
        terms = [[(0, 1)]]
        bases = [base[1]]
      } else if scored[1] {
        switch post {
        case .none, .logistic, .probit: terms = [[(1, 1)]]; bases = [0]
        case .softmax: terms = [[(1, 1), (0, -1)]]; bases = [-b0]
        case .softmaxZero: return nil
        }
      } else {
        terms = [[(0, 1)]]
        bases = [b0]
      }
    }
    let average = aggregate == .average ? Double(onnxTreeCount) : 1
    var trees: [TreeEnsemble.Tree] = [], treeClass: [Int] = []
    for (o, sum) in terms.enumerated() {
      for (c, factor) in sum {
        for (t, tree) in ensemble.trees.enumerated() where ensemble.treeClass[t] == c {
          var scaled = tree
          scaled.value = tree.value.map { $0 * factor / average }
          trees.append(scaled)
          treeClass.append(o)
        }
      }
    }
    // The ONNX rules leave the base to the aggregator (`finish`), so each base is a one-leaf tree.
    for (o, b) in bases.enumerated() where b != 0 {
      trees.append(TreeEnsemble.Tree(feature: [-1], left: [-1], right: [-1], threshold: [0], flags: [0], categorySet: [-1], value: [b],
                                     categorySets: []))
      treeClass.append(o)
    }
    return TreeEnsemble(rules: ensemble.rules, link: .identity, trees: trees, treeClass: treeClass, baseMargin: [Double](repeating: 0, count: bases.count),
                        featureNames: ensemble.featureNames)
  }
}
