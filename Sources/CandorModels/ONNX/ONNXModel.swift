import CandorCore
import Foundation

/// An ONNX model (a graph of ai.onnx and ai.onnx.ml operators) run by candor itself on batches of rows.
///
/// Each graph input binds to data columns: by name, one column per input (`[N, 1]` or `[N]`, as skl2onnx
/// pipelines declare them), or, for one input of `[N, k]`, to `k` listed columns. Float inputs are fed float32
/// (missing cells as NaN), string inputs the cell's text. The model's answer is its class-probability output
/// (a tensor, or what a ZipMap turns into maps) or, for a regressor, its one float output.
public struct ONNXModel: Model {
  /// A graph input and where its values come from.
  struct Input: Sendable {
    var name: String
    var slot: Int
    var elementType: Int32
    /// The columns feeding it, in order: one for `[N, 1]` / `[N]`, k for `[N, k]`.
    var columns: [String]
    /// The rank the graph declares (1 for `[N]`, 2 for `[N, k]`).
    var rank: Int
    /// For a one-column string input read only by OneHotEncoders of text categories (skl2onnx's pipelines):
    /// those steps, which are then computed from the column's category codes, each category looked up once,
    /// instead of from a string per row.
    var codedOneHots: [Int] = []
  }

  /// A OneHotEncoder's text categories, for computing it from category codes.
  struct OneHotCategories: Sendable {
    var position: [String: Int]
    var width: Int
    var zeros: Bool
  }

  /// The graph inputs' values for every row; a string input computed from codes holds the codes (`.int`, −1
  /// missing) and its column's levels.
  struct BoundInputs: Sendable {
    var storages: [ONNXTensor.Storage]
    var levels: [[String]?]
  }

  struct Step: Sendable {
    var kernel: ONNXKernel
    var inputs: [Int]
    var outputs: [Int]
    var name: String
    var opType: String
    /// Slots no later step reads, released after this one.
    var releases: [Int]
    /// Whether the score output depends on this step (when only scores are asked for, the others are skipped:
    /// a classifier's label branch).
    var feedsScore = true
    var oneHot: OneHotCategories?
    /// The node's attributes, for following where its outputs' values come from (TreeSHAP's feature sources).
    var attributes = ONNXAttributes(values: [:])
    /// A tree ensemble node: its trees, for walking a row's path (`candor compare-models`) and TreeSHAP.
    var trees: ONNXTreeOperator?
  }

  let path: String
  let inputs: [Input]
  let steps: [Step]
  let constants: [(slot: Int, tensor: ONNXTensor)]
  let slotCount: Int
  /// The graph output candor reads (probabilities or the regression value), and the label output if any.
  let scoreSlot: Int
  let labelSlot: Int?
  let scoreName: String
  public let outputKind: OutputKind
  public let classes: [String]
  public let featureNames: [String]
  public let numericFeatureNames: [String]
  /// The operators of the graph by domain, for `inspect` and messages.
  public let operators: [String]
  public let opsets: [String: Int64]

  /// Versions whose operator semantics candor follows (the ones skl2onnx and onnxmltools emit and the changes up
  /// to them); a model importing a later opset is refused rather than run with older semantics.
  static let supportedOpsets: [String: ClosedRange<Int64>] = ["": 1...21, "ai.onnx.ml": 1...5]
  static let supportedIRVersions: ClosedRange<Int64> = 3...10
  /// Rows run through the graph at once: large enough for BLAS and the tree walk, small enough to stay in cache
  /// and to split across cores.
  static let blockRows = 4096

  /// Reads and checks an ONNX file; `inputColumns` lists the columns of a single `[N, k]` input.
  /// - Throws: `ModelError.unreadableModel` naming the byte offset of a malformed field, the node and operator
  ///   (domain, opset) candor does not run, an unsupported opset or IR version, or an input it cannot bind.
  public init(_ data: Data, path: String, inputColumns: [String]? = nil) throws {
    func invalid(_ reason: String) -> ModelError { .unreadableModel(path: path, format: .onnx, reason: reason) }
    let decoded: Result<ONNXModelProto, ProtobufReader.Malformed> = data.withUnsafeBytes { bytes in
      Result { () throws(ProtobufReader.Malformed) in try ONNXModelProto(bytes) }
    }
    let proto: ONNXModelProto
    switch decoded {
    case let .success(value): proto = value
    case let .failure(error): throw invalid("at byte \(error.offset), \(error.reason) (the file is truncated or not ONNX)")
    }
    guard proto.hasGraph else { throw invalid("it has no graph") }
    guard Self.supportedIRVersions.contains(proto.irVersion) else {
      throw invalid("its IR version is \(proto.irVersion); candor reads IR versions \(Self.supportedIRVersions.lowerBound) to \(Self.supportedIRVersions.upperBound)")
    }
    let graph = proto.graph
    if graph.sparseInitializerCount > 0 { throw invalid("it has sparse initializers, which candor does not read") }
    self.path = path
    self.opsets = proto.opsets

    // Slots: every value the graph names gets one.
    var slotOf: [String: Int] = [:]
    func slot(_ name: String) -> Int {
      if let s = slotOf[name] { return s }
      slotOf[name] = slotOf.count
      return slotOf.count - 1
    }
    var constants: [(Int, ONNXTensor)] = []
    for tensor in graph.initializers { constants.append((slot(tensor.name), tensor)) }
    let initializerNames = Set(graph.initializers.map(\.name))
    var defined = initializerNames

    // Inputs (before IR 4 initializers were listed as inputs too; they are constants).
    let graphInputs = graph.inputs.filter { !initializerNames.contains($0.name) }
    var inputs: [Input] = []
    let multiColumn = graphInputs.count == 1 ? graphInputs.first : nil
    for input in graphInputs {
      guard case let .tensor(elementType, dimensions) = input.kind else {
        throw invalid("its input '\(printable(input.name))' is \(input.kindDescription); candor feeds tensors")
      }
      typealias T = ONNXTensor.ElementType
      guard [T.float, T.double, T.string, T.int64, T.int32, T.bool].contains(elementType) else {
        throw invalid("its input '\(printable(input.name))' is a tensor of \(T.name(elementType)), which candor cannot feed from a CSV column")
      }
      let dims = dimensions ?? [nil, 1]
      guard dims.count == 1 || dims.count == 2 else {
        throw invalid("its input '\(printable(input.name))' has \(dims.count) dimensions; candor feeds [N] and [N, k] inputs")
      }
      let width = dims.count == 2 ? dims[1] : 1
      var columns = [input.name]
      if width != 1 {
        guard let listed = inputColumns, input.name == multiColumn?.name else {
          throw invalid("its input '\(printable(input.name))' takes \(width.map(String.init) ?? "several") columns at once; list them, in order, with the model's input columns (--model-features)")
        }
        if let width, listed.count != width {
          throw invalid("its input '\(printable(input.name))' takes \(width) columns, but \(listed.count) are listed")
        }
        columns = listed
      } else if let listed = inputColumns {
        throw invalid("its inputs are bound to columns by name (\(graphInputs.map { printable($0.name) }.joined(separator: ", "))); listing \(listed.count) input columns is for a model with one [N, k] input")
      }
      inputs.append(Input(name: input.name, slot: slot(input.name), elementType: elementType, columns: columns, rank: dims.count))
      defined.insert(input.name)
    }
    guard !inputs.isEmpty else { throw invalid("it has no inputs") }
    let featureNames = inputs.flatMap(\.columns)
    if let repeated = Dictionary(grouping: featureNames, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
      throw invalid("column '\(printable(repeated))' feeds two inputs")
    }

    // Nodes, compiled in graph order (ONNX requires a topological order; a node reading a value that is not yet
    // defined is refused).
    var steps: [Step] = [], operators: [String] = []
    for (k, node) in graph.nodes.enumerated() {
      let nodeName = node.name.isEmpty ? "#\(k) (\(node.opType))" : "'\(printable(node.name))'"
      // The name with the operator, which an unnamed node's name already holds.
      let nodeLabel = node.name.isEmpty ? nodeName : "\(nodeName) (\(printable(node.opType)))"
      let domainName = node.domain.isEmpty ? "ai.onnx" : node.domain
      guard let version = proto.opsets[node.domain] else {
        throw invalid("node \(nodeName) is \(printable(node.opType)) of domain \(printable(domainName)), which the model imports no opset for")
      }
      guard let supported = Self.supportedOpsets[node.domain] else {
        throw invalid("node \(nodeName) is \(printable(node.opType)) of domain \(printable(domainName)) (opset \(version)); candor runs the ai.onnx and ai.onnx.ml domains only")
      }
      guard supported.contains(version) else {
        throw invalid("it imports opset \(version) of \(domainName); candor runs opsets \(supported.lowerBound) to \(supported.upperBound) (node \(nodeName) is \(printable(node.opType)))")
      }
      for (attribute, value) in node.attributes {
        if case let .unsupported(kind) = value {
          throw invalid("node \(nodeLabel) has attribute '\(printable(attribute))' holding \(kind), which candor does not run")
        }
      }
      let attributes = ONNXAttributes(values: node.attributes)
      let kernel: ONNXKernel?
      var treeOperator: ONNXTreeOperator?
      do {
        if node.domain == "ai.onnx.ml", let trees = try ONNXMLOperators.treeOperator(node.opType, attributes, opset: version) {
          treeOperator = trees
          kernel = trees.kernel
        } else {
          kernel = node.domain.isEmpty
            ? try ONNXStandardOperators.compile(node.opType, attributes, opset: version)
            : try ONNXMLOperators.compile(node.opType, attributes, opset: version)
        }
      } catch {
        throw invalid("node \(nodeLabel): \(error.reason)")
      }
      guard let kernel else {
        throw invalid("node \(nodeName) is \(printable(node.opType)) (domain \(domainName), opset \(version)), an operator candor does not run")
      }
      for input in node.inputs where !input.isEmpty && !defined.contains(input) {
        throw invalid("node \(nodeLabel) reads '\(printable(input))', which no earlier node, input or initializer defines")
      }
      for output in node.outputs where !output.isEmpty {
        guard defined.insert(output).inserted else { throw invalid("'\(printable(output))' is defined twice (again by node \(nodeName))") }
      }
      var step = Step(kernel: kernel, inputs: node.inputs.map { $0.isEmpty ? -1 : slot($0) },
                      outputs: node.outputs.map { $0.isEmpty ? -1 : slot($0) }, name: nodeName, opType: node.opType, releases: [])
      step.trees = treeOperator
      step.attributes = attributes
      if node.domain == "ai.onnx.ml" && node.opType == "OneHotEncoder", let categories = try? attributes.strings("cats_strings"), !categories.isEmpty {
        step.oneHot = OneHotCategories(position: Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }),
                                       width: categories.count, zeros: (try? attributes.int("zeros", 1)) != 0)
      }
      steps.append(step)
      operators.append((node.domain.isEmpty ? "" : "ml.") + node.opType)
    }

    // The outputs candor reads.
    for output in graph.outputs where !defined.contains(output.name) {
      throw invalid("its output '\(printable(output.name))' is not computed by any node")
    }
    let producer = Dictionary(graph.nodes.flatMap { node in node.outputs.map { ($0, node) } }, uniquingKeysWith: { a, _ in a })
    let classifierNode = graph.nodes.last { ["LinearClassifier", "TreeEnsembleClassifier", "ZipMap", "SVMClassifier"].contains($0.opType) }
    func isFloatTensor(_ v: ONNXValueInfo) -> Bool {
      if case let .tensor(type, _) = v.kind { return type == ONNXTensor.ElementType.float || type == ONNXTensor.ElementType.double }
      return producer[v.name]?.opType == "ZipMap"
    }
    let labelOutput = graph.outputs.first { v in
      if case let .tensor(type, _) = v.kind { return type == ONNXTensor.ElementType.int64 || type == ONNXTensor.ElementType.string }
      return false
    }
    let floatOutputs = graph.outputs.filter(isFloatTensor)
    let preferred = ["probabilities", "output_probability", "probability", "variable", "predictions"]
    guard let scoreOutput = floatOutputs.first(where: { preferred.contains($0.name) }) ?? floatOutputs.last else {
      throw invalid("it has no float output (class probabilities or a predicted value); its outputs are \(graph.outputs.map { "'\(printable($0.name))' (\($0.kindDescription))" }.joined(separator: ", "))")
    }
    var classes: [String] = []
    if let classifierNode {
      let a = ONNXAttributes(values: classifierNode.attributes)
      switch try? ONNXMLOperators.classLabels(a) {
      case let .string(s)?: classes = s
      case let .int(i)?: classes = i.map(String.init)
      default: break
      }
    } else if let labelOutput {
      // A label computed by ArrayFeatureExtractor from a constant class list (skl2onnx's MLP).
      var name = labelOutput.name
      while let node = producer[name] {
        if node.opType == "ArrayFeatureExtractor", let list = graph.initializers.first(where: { $0.name == node.inputs.first }) {
          switch list.storage {
          case let .string(s): classes = s
          case let .int(i): classes = i.map(String.init)
          default: break
          }
          break
        }
        guard ["Reshape", "Cast", "Identity", "Squeeze", "Flatten"].contains(node.opType), let next = node.inputs.first else { break }
        name = next
      }
    }
    let declaredWidth: Int64? = {
      if case let .tensor(_, dims?) = scoreOutput.kind, dims.count == 2 { return dims[1] }
      return nil
    }()
    if classes.isEmpty, labelOutput != nil, let width = declaredWidth, width >= 2 { classes = (0..<Int(width)).map(String.init) }
    if classes.isEmpty {
      outputKind = .regression
      self.classes = [scoreOutput.name]
    } else {
      if let width = declaredWidth, width != Int64(classes.count) {
        throw invalid("its output '\(printable(scoreOutput.name))' has \(width) columns for \(classes.count) classes")
      }
      if Set(classes).count != classes.count { throw invalid("its class labels repeat: \(classes.map { printable($0) }.joined(separator: ", "))") }
      outputKind = classes.count == 2 ? .binaryProbability : .multiclassProbabilities
      self.classes = classes
    }

    // Release every value after its last reader.
    let kept = Set(graph.outputs.map { slot($0.name) })
    var lastUse: [Int: Int] = [:]
    for (k, step) in steps.enumerated() { for s in step.inputs where s >= 0 { lastUse[s] = k } }
    for (s, k) in lastUse where !kept.contains(s) { steps[k].releases.append(s) }

    // String inputs only OneHotEncoders read are computed from category codes.
    for i in inputs.indices where inputs[i].elementType == ONNXTensor.ElementType.string && inputs[i].columns.count == 1 && !kept.contains(inputs[i].slot) {
      let readers = steps.indices.filter { steps[$0].inputs.contains(inputs[i].slot) }
      if !readers.isEmpty && readers.allSatisfy({ steps[$0].oneHot != nil && steps[$0].inputs.first == inputs[i].slot && steps[$0].outputs.count == 1 }) {
        inputs[i].codedOneHots = readers
      }
    }

    // The steps the score output needs, walking back from it.
    var needed: Set<Int> = [slot(scoreOutput.name)]
    for k in steps.indices.reversed() {
      steps[k].feedsScore = steps[k].outputs.contains { needed.contains($0) }
      if steps[k].feedsScore { for s in steps[k].inputs where s >= 0 { needed.insert(s) } }
    }

    self.inputs = inputs
    self.steps = steps
    self.constants = constants
    self.slotCount = slotOf.count
    self.scoreSlot = slot(scoreOutput.name)
    self.scoreName = scoreOutput.name
    self.labelSlot = labelOutput.map { slot($0.name) }
    self.featureNames = featureNames
    typealias T = ONNXTensor.ElementType
    self.numericFeatureNames = inputs.filter { $0.elementType != T.string }.flatMap(\.columns)
    self.operators = operators
  }

  // MARK: - Running

  /// Every graph input's values for all rows: float32 (NaN for missing), double, integers or text.
  func boundInputs(_ table: Table) throws -> BoundInputs {
    var levels = [[String]?](repeating: nil, count: inputs.count)
    for (i, input) in inputs.enumerated() where !input.codedOneHots.isEmpty {
      if case let .categorical(column)? = table[input.columns[0]] { levels[i] = column.levels }
    }
    typealias T = ONNXTensor.ElementType
    let storages = try inputs.enumerated().map { i, input -> ONNXTensor.Storage in
      if levels[i] != nil, case let .categorical(column)? = table[input.columns[0]] { return .int(column.codes.map { Int64($0) }) }
      let columns = try input.columns.map { name -> Column in
        guard let column = table[name] else {
          throw ModelError.unboundModelInput(path: path, input: input.name, column: name, available: table.columnNames, file: table.source)
        }
        return column
      }
      let rows = table.rowCount, width = columns.count
      switch input.elementType {
      case T.string:
        var texts = [String](repeating: "", count: rows * width)
        for (j, column) in columns.enumerated() {
          for r in 0..<rows { texts[r * width + j] = column.text(at: r) ?? "" }
        }
        return .string(texts)
      default:
        var numbers = [Double](repeating: .nan, count: rows * width)
        for (j, column) in columns.enumerated() {
          switch column {
          case let .numeric(numeric): for r in 0..<rows { numbers[r * width + j] = numeric.values[r] }
          case let .categorical(categorical):
            // A column of empty cells only is read as text: all missing.
            guard categorical.codes.allSatisfy({ $0 == CategoricalColumn.missingCode }) else {
              let text = categorical.firstText ?? (0, categorical.value(at: 0) ?? "")
              throw TableError.textInNumericFeature(file: table.source, column: column.name, row: text.row + 1, value: text.value)
            }
          }
        }
        switch input.elementType {
        case T.float: return .float(numbers.map { Float($0) })
        case T.double: return .double(numbers)
        case T.bool: return .bool(numbers.map { $0 != 0 })
        default:
          var integers = [Int64](repeating: 0, count: numbers.count)
          for (k, x) in numbers.enumerated() {
            guard x.rounded() == x, abs(x) < 9e18 else {
              throw ModelError.unreadableModel(path: path, format: .onnx, reason: "its input '\(printable(input.name))' takes integers, but data row \(k / width + 1) of column '\(printable(input.columns[k % width]))' holds \(x.isNaN ? "a missing value" : formatNumber(x))")
            }
            integers[k] = Int64(x)
          }
          return .int(integers)
        }
      }
    }
    return BoundInputs(storages: storages, levels: levels)
  }

  /// Runs the graph on rows `range` of the bound inputs.
  /// - Returns: the score output and the label output (if the graph has one).
  /// - Parameter labels: false to skip the steps only the label output needs.
  /// Runs the graph on rows `range` up to step `before` and returns the value in `slot` then.
  func run(_ bound: BoundInputs, rows range: Range<Int>, capturing slot: Int, before stop: Int) throws -> ONNXTensor {
    var captured: ONNXTensor?
    _ = try run(bound, rows: range, labels: true, stoppingAt: stop) { captured = $0[slot] }
    guard let captured else {
      throw ModelError.modelGraphFailed(path: path, node: steps[stop].name, opType: steps[stop].opType, rows: range.lowerBound...(range.upperBound - 1),
                                        reason: "its input was not computed")
    }
    return captured
  }

  func run(_ bound: BoundInputs, rows range: Range<Int>, labels: Bool = true) throws -> (score: ONNXTensor, label: ONNXTensor?) {
    try run(bound, rows: range, labels: labels, stoppingAt: nil, inspect: nil)!
  }

  /// The graph on rows `range`; with `stop`, the values before that step go to `inspect` and nil is returned.
  private func run(_ bound: BoundInputs, rows range: Range<Int>, labels: Bool, stoppingAt stop: Int?,
                   inspect: (([ONNXTensor?]) -> Void)?) throws -> (score: ONNXTensor, label: ONNXTensor?)? {
    var values = [ONNXTensor?](repeating: nil, count: slotCount)
    var computed: [Int: ONNXTensor] = [:]
    for (slot, tensor) in constants { values[slot] = tensor }
    for (i, (input, storage)) in zip(inputs, bound.storages).enumerated() {
      if let levels = bound.levels[i], case let .int(codes) = storage {
        for k in input.codedOneHots { computed[k] = try oneHot(codes[range], levels: levels, step: steps[k], rank: input.rank, rows: range) }
        continue
      }
      let width = input.columns.count
      let slice = (range.lowerBound * width)..<(range.upperBound * width)
      let part: ONNXTensor.Storage
      switch storage {
      case let .float(v): part = .float(Array(v[slice]))
      case let .double(v): part = .double(Array(v[slice]))
      case let .int(v): part = .int(Array(v[slice]))
      case let .string(v): part = .string(Array(v[slice]))
      case let .bool(v): part = .bool(Array(v[slice]))
      }
      values[input.slot] = ONNXTensor(shape: input.rank == 1 ? [range.count] : [range.count, width], storage: part, elementType: input.elementType)
    }
    for (k, step) in steps.enumerated() where labels || step.feedsScore {
      if k == stop {
        inspect?(values)
        return nil
      }
      let arguments = step.inputs.map { $0 >= 0 ? values[$0] : nil }
      let results: [ONNXTensor]
      do {
        results = try computed[k].map { [$0] } ?? step.kernel(arguments)
      } catch let error as ONNXKernelError {
        throw ModelError.modelGraphFailed(path: path, node: step.name, opType: step.opType, rows: range.lowerBound...(range.upperBound - 1), reason: error.reason)
      }
      for (slot, result) in zip(step.outputs, results) where slot >= 0 { values[slot] = result }
      for slot in step.releases { values[slot] = nil }
    }
    guard let score = values[scoreSlot] else {
      throw ModelError.modelGraphFailed(path: path, node: "(output)", opType: "", rows: range.lowerBound...(range.upperBound - 1), reason: "the output '\(printable(scoreName))' was not computed")
    }
    return (score, labels ? labelSlot.flatMap { values[$0] } : nil)
  }

  /// The columns of inputs no node reads (and that are no output).
  public var unreadFeatureNames: [String] {
    let read = Set(steps.flatMap(\.inputs)).union([scoreSlot]).union(labelSlot.map { [$0] } ?? [])
    return inputs.filter { !read.contains($0.slot) }.flatMap(\.columns)
  }

  /// The graph's one tree ensemble node, when it has exactly one, with the feature matrix it reads: the data
  /// columns when it reads a graph input directly (onnxmltools' exports of XGBoost and LightGBM), else "x0", "x1",
  /// … of the tensor the graph computes for it (a pipeline's scaled and one-hot encoded features).
  public var treeNode: TreeEnsembleView? {
    let treeSteps = steps.indices.filter { steps[$0].trees != nil }
    guard treeSteps.count == 1, let k = treeSteps.first, let ensemble = steps[k].trees?.ensemble, let slot = steps[k].inputs.first, slot >= 0 else { return nil }
    let direct = inputs.first { $0.slot == slot }
    let sources = (0..<ensemble.featureNames.count).map { j in direct.flatMap { j < $0.columns.count ? $0.columns[j] : nil } ?? "x\(j)" }
    let model = self
    return TreeEnsembleView(ensemble: ensemble, sources: sources) { try model.treeInputColumns($0, step: k, width: ensemble.featureNames.count) }
  }

  /// A OneHotEncoder's output from category codes: each level's position looked up once. The same as the
  /// kernel on the levels' text (a missing cell is the empty text).
  func oneHot(_ codes: ArraySlice<Int64>, levels: [String], step: Step, rank: Int, rows range: Range<Int>) throws -> ONNXTensor {
    let categories = step.oneHot!
    let positions = levels.map { categories.position[$0] }, missing = categories.position[""]
    let width = categories.width
    var out = [Float](repeating: 0, count: codes.count * width)
    for (r, code) in codes.enumerated() {
      if let position = code < 0 ? missing : positions[Int(code)] {
        out[r * width + position] = 1
      } else if !categories.zeros {
        throw ModelError.modelGraphFailed(path: path, node: step.name, opType: step.opType, rows: range.lowerBound...(range.upperBound - 1),
                                          reason: "OneHotEncoder meets the unknown category '\(printable(code < 0 ? "" : levels[Int(code)]))' and has zeros=0")
      }
    }
    return .float(out, shape: rank == 1 ? [codes.count, width] : [codes.count, 1, width])
  }

  /// The graph's own outputs for every row (scores as float32 widened to Double, rows × columns; labels as text),
  /// blocks of rows run in parallel.
  /// - Parameter labels: false when only the scores are needed (the label output is then nil).
  public func outputs(_ table: Table, labels wantsLabels: Bool = true) throws -> (scores: Matrix, labels: [String]?) {
    let bound = try boundInputs(table)
    let rows = table.rowCount
    let blocks = (rows + Self.blockRows - 1) / Self.blockRows
    let results = DisjointWrites<Result<(score: ONNXTensor, label: ONNXTensor?), Error>?>(repeating: nil, count: blocks)
    parallelFor(blocks) { b in
      let range = (b * Self.blockRows)..<min(rows, (b + 1) * Self.blockRows)
      results[b] = Result { try self.run(bound, rows: range, labels: wantsLabels) }
    }
    let width = outputKind == .regression ? 1 : classes.count
    var scores = Matrix(rows: rows, columns: width)
    var labels: [String]? = labelSlot == nil || !wantsLabels ? nil : []
    for b in 0..<blocks {
      let (score, label) = try results[b]!.get()
      let first = b * Self.blockRows, count = min(rows, first + Self.blockRows) - first
      guard let v = score.doubleValues, v.count == count * width else {
        throw ModelError.modelGraphFailed(path: path, node: "(output)", opType: "", rows: first...(first + count - 1),
                                          reason: "the output '\(printable(scoreName))' has shape \(score.shape) of \(score.typeName), not \(count) rows of \(width) numbers")
      }
      for k in 0..<(count * width) { scores.storage[first * width + k] = v[k] }
      if let label {
        switch label.storage {
        case let .string(s): labels?.append(contentsOf: s)
        case let .int(i): labels?.append(contentsOf: i.map(String.init))
        default: labels = nil
        }
      }
    }
    return (scores, labels)
  }

  /// P(positive) for a binary classifier (its second column), class probabilities, or the predicted value.
  /// - Throws: `ModelError.modelGraphFailed` when a classifier's output holds values that are not probabilities
  ///   (a model exported without its probability transform, such as a LinearSVC, gives scores): every analysis
  ///   reads them as probabilities.
  public func predict(_ table: Table) throws -> Matrix {
    var scores = try outputs(table, labels: false).scores
    guard outputKind != .regression else { return scores }
    let k = scores.columns
    for r in 0..<scores.rows {
      var total = 0.0
      for c in 0..<k {
        let p = scores[r, c]
        guard p.isNaN || (p >= 0 && p <= 1) else { throw notProbabilities(row: r, "holds \(formatNumber(p)) for class '\(printable(classes[c]))'") }
        total += p
      }
      // float32 probabilities sum to 1 within a few ulps; multiclass rows are made to sum to 1 in double, as the
      // Model contract promises, moving each by less than 1e-6 (a binary model's answer is its column 1 as is).
      guard total.isNaN || abs(total - 1) <= 1e-4 else { throw notProbabilities(row: r, "sums to \(formatNumber(total)) over the classes") }
      if k > 2 && total.isFinite && total > 0 { for c in 0..<k { scores[r, c] /= total } }
    }
    guard outputKind == .binaryProbability else { return scores }
    return Matrix(rows: scores.rows, columns: 1, storage: ContiguousArray((0..<scores.rows).map { scores[$0, 1] }))
  }

  func notProbabilities(row: Int, _ what: String) -> ModelError {
    .modelGraphFailed(path: path, node: "(output)", opType: "", rows: row...row,
                      reason: "its output '\(printable(scoreName))' \(what), so it is not class probabilities (a classifier exported without its probability transform gives scores)")
  }
}

extension ONNXValueInfo {
  var kindDescription: String {
    switch kind {
    case let .tensor(type, dims):
      "a tensor of \(ONNXTensor.ElementType.name(type))" + (dims.map { " [\($0.map { $0.map(String.init) ?? "N" }.joined(separator: ", "))]" } ?? "")
    case let .other(words): words
    }
  }
}
