import CandorCore
/// ai.onnx.ml TreeEnsembleClassifier and TreeEnsembleRegressor (opset 1–3): the trees are read into a
/// `TreeEnsemble` with `Rules.onnx` (float32 thresholds and sums, the node's own comparison, missing values to the
/// true branch when tracked), renumbered in preorder so every walk provably ends; the votes are then finished as
/// onnxruntime's `TreeAggregatorClassifier` / `TreeAggregatorSum` do.
struct ONNXTreeOperator {
  enum Aggregate: String { case sum = "SUM", average = "AVERAGE" }

  let ensemble: TreeEnsemble
  /// The ONNX file's tree count, which AVERAGE divides by: a tree voting for k classes is k trees of `ensemble`.
  let onnxTreeCount: Int
  let outputs: Int
  let baseValues: [Float]
  let post: PostTransform
  let aggregate: Aggregate
  let classifier: Bool
  let labels: ONNXTensor.Storage
  /// Classes that receive a vote somewhere (onnxruntime's `has_score`).
  let scored: [Bool]
  let binaryCase: Bool
  let weightsArePositive: Bool

  init(_ a: ONNXAttributes, classifier: Bool) throws(ONNXKernelError) {
    self.classifier = classifier
    func ints(_ name: String) throws(ONNXKernelError) -> [Int64] {
      guard let v = try a.ints(name) else { throw ONNXKernelError("the tree ensemble has no \(name)") }
      return v
    }
    let treeIDs = try ints("nodes_treeids"), nodeIDs = try ints("nodes_nodeids"), featureIDs = try ints("nodes_featureids")
    let trueIDs = try ints("nodes_truenodeids"), falseIDs = try ints("nodes_falsenodeids")
    guard let modes = try a.strings("nodes_modes") else { throw ONNXKernelError("the tree ensemble has no nodes_modes") }
    guard let (values, doubleThresholds) = try a.numbers("nodes_values") else { throw ONNXKernelError("the tree ensemble has no nodes_values") }
    let tracks = try a.ints("nodes_missing_value_tracks_true") ?? []
    let n = treeIDs.count
    guard [nodeIDs.count, featureIDs.count, trueIDs.count, falseIDs.count, modes.count, values.count].allSatisfy({ $0 == n }),
      tracks.isEmpty || tracks.count == n, n > 0
    else { throw ONNXKernelError("the tree ensemble's node attributes have different lengths, or there are no nodes") }

    let prefix = classifier ? "class" : "target"
    let voteTrees = try ints(prefix + "_treeids"), voteNodes = try ints(prefix + "_nodeids"), voteIDs = try ints(prefix + "_ids")
    guard let (voteWeights, _) = try a.numbers(prefix + "_weights") else { throw ONNXKernelError("the tree ensemble has no \(prefix)_weights") }
    guard [voteNodes.count, voteIDs.count, voteWeights.count].allSatisfy({ $0 == voteTrees.count }) else {
      throw ONNXKernelError("the tree ensemble's \(prefix)_ attributes have different lengths")
    }
    if classifier {
      labels = try ONNXMLOperators.classLabels(a)
      outputs = ONNXMLOperators.labelCount(labels)
    } else {
      labels = .int([])
      outputs = Int(try a.int("n_targets", 1))
    }
    guard outputs >= 1 && outputs <= 100_000 else { throw ONNXKernelError("the tree ensemble has \(outputs) outputs") }
    baseValues = (try a.numbers("base_values")?.values ?? []).map { Float($0) }
    guard let post = PostTransform(rawValue: try a.string("post_transform", "NONE")) else { throw ONNXKernelError("the tree ensemble's post_transform is unknown") }
    self.post = post
    let aggregateName = try a.string("aggregate_function", "SUM")
    guard let aggregate = Aggregate(rawValue: aggregateName) else {
      throw ONNXKernelError("the tree ensemble's aggregate_function \(printable(aggregateName)) is not supported (SUM and AVERAGE are)")
    }
    self.aggregate = aggregate

    // Nodes of each tree, trees in the order they first appear; the first node listed is the root, as in
    // onnxruntime.
    var treeOrder: [Int64] = [], nodesOfTree: [Int64: [Int64: Int]] = [:], rootOfTree: [Int64: Int] = [:]
    for i in 0..<n {
      if nodesOfTree[treeIDs[i]] == nil {
        treeOrder.append(treeIDs[i])
        rootOfTree[treeIDs[i]] = i
      }
      guard nodesOfTree[treeIDs[i], default: [:]].updateValue(i, forKey: nodeIDs[i]) == nil else {
        throw ONNXKernelError("node \(nodeIDs[i]) of tree \(treeIDs[i]) is listed twice")
      }
    }
    var votes: [Int: [(Int, Double)]] = [:]
    var scored = [Bool](repeating: false, count: outputs)
    for v in 0..<voteTrees.count {
      guard let node = nodesOfTree[voteTrees[v]]?[voteNodes[v]] else {
        throw ONNXKernelError("a \(prefix) weight is for node \(voteNodes[v]) of tree \(voteTrees[v]), which does not exist")
      }
      guard voteIDs[v] >= 0 && voteIDs[v] < outputs else { throw ONNXKernelError("a \(prefix) weight is for output \(voteIDs[v]) of \(outputs)") }
      votes[node, default: []].append((Int(voteIDs[v]), voteWeights[v]))
      scored[Int(voteIDs[v])] = true
    }
    self.scored = scored
    binaryCase = classifier && outputs == 2 && Set(voteIDs).count == 1
    weightsArePositive = voteWeights.allSatisfy { $0 >= 0 }

    let modeCodes: [String: UInt8] = ["BRANCH_LEQ": 0, "BRANCH_LT": 1, "BRANCH_GTE": 2, "BRANCH_GT": 3, "BRANCH_EQ": 4, "BRANCH_NEQ": 5]
    var trees: [TreeEnsemble.Tree] = [], treeClass: [Int] = [], maxFeature: Int64 = 0
    for id in treeOrder {
      let nodes = nodesOfTree[id]!
      // Preorder from the root: new index of every reachable node; a node reached twice (a cycle, a shared
      // child) is refused.
      var order: [Int] = [], newIndex: [Int: Int32] = [:], stack = [rootOfTree[id]!]
      var left: [Int32] = [], right: [Int32] = []
      while let i = stack.popLast() {
        guard newIndex[i] == nil else { throw ONNXKernelError("tree \(id) reaches node \(nodeIDs[i]) twice") }
        newIndex[i] = Int32(order.count)
        order.append(i)
        guard order.count <= n else { throw ONNXKernelError("tree \(id) does not end") }
        if modes[i] != "LEAF" {
          guard let t = nodes[trueIDs[i]], let f = nodes[falseIDs[i]] else {
            throw ONNXKernelError("node \(nodeIDs[i]) of tree \(id) has a child that is not in the tree")
          }
          stack.append(f)
          stack.append(t)
        }
      }
      var feature: [Int32] = [], flags: [UInt8] = [], threshold: [Double] = []
      for i in order {
        if modes[i] == "LEAF" {
          feature.append(-1); flags.append(0); threshold.append(0); left.append(-1); right.append(-1)
          continue
        }
        guard let mode = modeCodes[modes[i]] else { throw ONNXKernelError("node \(nodeIDs[i]) of tree \(id) has mode \(printable(modes[i]))") }
        guard featureIDs[i] >= 0 && featureIDs[i] < 1 << 24 else { throw ONNXKernelError("node \(nodeIDs[i]) of tree \(id) reads feature \(featureIDs[i])") }
        maxFeature = max(maxFeature, featureIDs[i])
        feature.append(Int32(featureIDs[i]))
        flags.append(mode << TreeEnsemble.Flags.onnxModeShift | (!tracks.isEmpty && tracks[i] == 1 ? TreeEnsemble.Flags.defaultLeft : 0))
        threshold.append(doubleThresholds ? values[i] : Double(Float(values[i])))
        left.append(newIndex[nodes[trueIDs[i]]!]!)
        right.append(newIndex[nodes[falseIDs[i]]!]!)
      }
      // One ensemble tree per output the tree votes for, its leaves holding that output's weight.
      let classes = Set(order.flatMap { votes[$0]?.map(\.0) ?? [] }).sorted()
      for c in classes.isEmpty ? [0] : classes {
        let value = order.map { i -> Double in
          let weights = (votes[i] ?? []).filter { $0.0 == c }.map(\.1)
          // Summed in the threshold's type, as onnxruntime adds each weight of a leaf.
          return doubleThresholds ? weights.reduce(0, +) : Double(weights.reduce(Float(0)) { $0 + Float($1) })
        }
        trees.append(TreeEnsemble.Tree(feature: feature, left: left, right: right, threshold: threshold, flags: flags,
                                       categorySet: [Int32](repeating: -1, count: order.count), value: value, categorySets: []))
        treeClass.append(c)
      }
    }
    onnxTreeCount = treeOrder.count
    ensemble = TreeEnsemble(rules: doubleThresholds ? .onnxDouble : .onnx, link: .identity, trees: trees, treeClass: treeClass,
                            baseMargin: [Double](repeating: 0, count: outputs),
                            featureNames: (0...Int(maxFeature)).map { "x\($0)" })
    if let problem = ensemble.problem() { throw ONNXKernelError(problem) }
  }

  var kernel: ONNXKernel {
    let op = self
    return { inputs in try op.run(try required(inputs, 0)) }
  }

  func run(_ x: ONNXTensor) throws(ONNXKernelError) -> [ONNXTensor] {
    var (v, rows, columns) = try ONNXMLOperators.floatMatrix(x, "the tree ensemble")
    let needed = ensemble.featureNames.count
    guard columns >= needed else { throw ONNXKernelError("the trees read feature \(needed - 1) but the input has \(columns) columns") }
    if columns > needed {
      var narrow = [Float](repeating: 0, count: rows * needed)
      for r in 0..<rows { for j in 0..<needed { narrow[r * needed + j] = v[r * columns + j] } }
      v = narrow
    }
    if case .double = x.storage, ensemble.rules == .onnxDouble {
      // Double input against double thresholds: keep the doubles.
      let d = x.doubleValues!
      var columnsOfInput = [[Double]](repeating: [], count: needed)
      for j in 0..<needed { columnsOfInput[j] = (0..<rows).map { d[$0 * columns + j] } }
      return finish(ensemble.margins(columns: columnsOfInput, rows: rows), rows: rows)
    }
    return finish(ensemble.margins(rowMajor: v, rows: rows), rows: rows)
  }

  /// Base values, averaging, the post transform and the label, per row, as onnxruntime's aggregators.
  func finish(_ sums: [Double], rows: Int) -> [ONNXTensor] {
    let k = outputs
    var scores = [Float](repeating: 0, count: rows * (classifier ? max(k, 2) : k))
    var labelIndex = [Int](repeating: 0, count: rows)
    let average = aggregate == .average ? Float(onnxTreeCount) : 1
    for r in 0..<rows {
      var s = (0..<k).map { Float(sums[r * k + $0]) / average }
      if !classifier {
        if baseValues.count == k { for c in 0..<k { s[c] += baseValues[c] } }
        var row = s[...]
        if k > 1 || post == .probit { post.apply(&row) }
        scores.replaceSubrange((r * k)..<((r + 1) * k), with: row)
        continue
      }
      if k > 2 {
        for c in 0..<min(baseValues.count, k) { s[c] += baseValues[c] }
        var best = -1
        for c in 0..<k where scored[c] || c < baseValues.count {
          if best < 0 || s[c] > s[best] { best = c }
        }
        labelIndex[r] = max(best, 0)
        var row = s[...]
        post.apply(&row)
        scores.replaceSubrange((r * k)..<((r + 1) * k), with: row)
        continue
      }
      // Two labels.
      var count = 2
      var addSecond = -1
      if baseValues.count == 2 {
        if scored[1] {
          s[1] = baseValues[1] + s[0]
          s[0] = -s[1]
        } else {
          s[0] += baseValues[0]
          s[1] += baseValues[1]
        }
      } else if baseValues.count == 1 {
        s[0] += baseValues[0]
        if !scored[1] { count = 1 }
      } else {
        addSecond = 3
        if !scored[1] { count = 1 }
      }
      let positive = count == 2 && scored[1] ? s[1] : (scored[0] ? s[0] : 0)
      if binaryCase {
        if weightsArePositive {
          (addSecond, labelIndex[r]) = positive > 0.5 ? (0, 1) : (1, 0)
        } else {
          (addSecond, labelIndex[r]) = positive > 0 ? (2, 1) : (3, 0)
        }
      } else {
        labelIndex[r] = positive > 0 ? 1 : 0
      }
      if count == 2 {
        var row = s[...]
        post.apply(&row)
        scores[2 * r] = row[0]
        scores[2 * r + 1] = row[1]
      } else if post == .probit {
        scores[2 * r] = PostTransform.probit(s[0])
        scores[2 * r + 1] = scores[2 * r]
      } else if addSecond >= 2 {
        (scores[2 * r], scores[2 * r + 1]) = post == .logistic ? (onnxLogistic(-s[0]), onnxLogistic(s[0])) : (-s[0], s[0])
      } else {
        (scores[2 * r], scores[2 * r + 1]) = (1 - s[0], s[0])
      }
    }
    if !classifier { return [.float(scores, shape: [rows, k])] }
    return [ONNXMLOperators.labelTensor(labels, indices: labelIndex, shape: [rows]), .float(scores, shape: [rows, max(k, 2)])]
  }
}
