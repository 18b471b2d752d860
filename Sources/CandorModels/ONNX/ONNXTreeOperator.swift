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

  /// A tree ensemble in the node and vote lists of TreeEnsembleClassifier/Regressor (opset 1–3): one entry per
  /// node (its tree, id, feature, mode, threshold, children, missing direction), one per leaf vote.
  struct NodeLists {
    var treeIDs: [Int64] = [], nodeIDs: [Int64] = [], featureIDs: [Int64] = [], trueIDs: [Int64] = [], falseIDs: [Int64] = []
    var modes: [String] = [], values: [Double] = [], tracks: [Int64] = []
    var doubleThresholds = false
    var voteTrees: [Int64] = [], voteNodes: [Int64] = [], voteIDs: [Int64] = [], voteWeights: [Double] = []
  }

  /// TreeEnsembleClassifier or TreeEnsembleRegressor.
  init(_ a: ONNXAttributes, classifier: Bool) throws(ONNXKernelError) {
    func ints(_ name: String) throws(ONNXKernelError) -> [Int64] {
      guard let v = try a.ints(name) else { throw ONNXKernelError("the tree ensemble has no \(name)") }
      return v
    }
    var lists = NodeLists()
    lists.treeIDs = try ints("nodes_treeids")
    lists.nodeIDs = try ints("nodes_nodeids")
    lists.featureIDs = try ints("nodes_featureids")
    lists.trueIDs = try ints("nodes_truenodeids")
    lists.falseIDs = try ints("nodes_falsenodeids")
    guard let modes = try a.strings("nodes_modes") else { throw ONNXKernelError("the tree ensemble has no nodes_modes") }
    guard let (values, doubleThresholds) = try a.numbers("nodes_values") else { throw ONNXKernelError("the tree ensemble has no nodes_values") }
    (lists.modes, lists.values, lists.doubleThresholds) = (modes, values, doubleThresholds)
    lists.tracks = try a.ints("nodes_missing_value_tracks_true") ?? []
    let prefix = classifier ? "class" : "target"
    lists.voteTrees = try ints(prefix + "_treeids")
    lists.voteNodes = try ints(prefix + "_nodeids")
    lists.voteIDs = try ints(prefix + "_ids")
    guard let (voteWeights, _) = try a.numbers(prefix + "_weights") else { throw ONNXKernelError("the tree ensemble has no \(prefix)_weights") }
    lists.voteWeights = voteWeights
    let labels: ONNXTensor.Storage, outputs: Int
    if classifier {
      labels = try ONNXMLOperators.classLabels(a)
      outputs = ONNXMLOperators.labelCount(labels)
    } else {
      labels = .int([])
      outputs = Int(try a.int("n_targets", 1))
    }
    let baseValues = (try a.numbers("base_values")?.values ?? []).map { Float($0) }
    guard let post = PostTransform(rawValue: try a.string("post_transform", "NONE")) else { throw ONNXKernelError("the tree ensemble's post_transform is unknown") }
    let aggregateName = try a.string("aggregate_function", "SUM")
    guard let aggregate = Aggregate(rawValue: aggregateName) else {
      throw ONNXKernelError("the tree ensemble's aggregate_function \(printable(aggregateName)) is not supported (SUM and AVERAGE are)")
    }
    try self.init(lists, classifier: classifier, labels: labels, outputs: outputs, baseValues: baseValues, post: post, aggregate: aggregate,
                  prefix: prefix)
  }

  /// TreeEnsemble (ai.onnx.ml opset 5): interior nodes and leaves in separate lists, trees by their roots, a
  /// regressor of `n_targets` outputs. Read into the opset-3 lists as onnxruntime's `TreeEnsembleAttributesV5`
  /// does: nodes renumbered in preorder per tree (true branch first), and a BRANCH_MEMBER node unrolled into a chain
  /// of BRANCH_EQ nodes, one per member, each true branch a copy of the member's subtree and each false branch the
  /// next member (the last one's the node's false branch). A root whose two branches are the same is a one-leaf
  /// tree, that leaf.
  init(opset5 a: ONNXAttributes) throws(ONNXKernelError) {
    func ints(_ name: String) throws(ONNXKernelError) -> [Int64] {
      guard let v = try a.ints(name) else { throw ONNXKernelError("the tree ensemble has no \(name)") }
      return v
    }
    func numbers(_ name: String) throws(ONNXKernelError) -> (values: [Double], isDouble: Bool)? {
      guard let t = try a.tensor(name) else { return nil }
      guard let v = t.doubleValues else { throw ONNXKernelError("attribute '\(name)' should be a tensor of numbers") }
      return (v, t.elementType == ONNXTensor.ElementType.double)
    }
    let featureIDs = try ints("nodes_featureids"), trueIDs = try ints("nodes_truenodeids"), falseIDs = try ints("nodes_falsenodeids")
    let trueLeafs = try ints("nodes_trueleafs"), falseLeafs = try ints("nodes_falseleafs"), roots = try ints("tree_roots")
    let tracks = try a.ints("nodes_missing_value_tracks_true") ?? []
    guard let modeTensor = try a.tensor("nodes_modes"), let modeValues = modeTensor.doubleValues else {
      throw ONNXKernelError("the tree ensemble has no nodes_modes tensor")
    }
    let splits = try numbers("nodes_splits") ?? ([], false)
    guard let (leafWeights, doubleWeights) = try numbers("leaf_weights") else { throw ONNXKernelError("the tree ensemble has no leaf_weights") }
    let leafTargets = try ints("leaf_targetids")
    let members = try numbers("membership_values")?.values ?? []
    let n = featureIDs.count
    guard [trueIDs.count, falseIDs.count, trueLeafs.count, falseLeafs.count, modeValues.count].allSatisfy({ $0 == n }),
      splits.values.count == n, tracks.isEmpty || tracks.count == n, leafTargets.count == leafWeights.count, !roots.isEmpty
    else { throw ONNXKernelError("the tree ensemble's node or leaf attributes have different lengths, or there are no trees") }
    // Each BRANCH_MEMBER node's members: the membership values in node order, sets ended by NaN.
    var memberSets = [[Double]](repeating: [], count: n), next = 0
    for i in 0..<n where modeValues[i] == 6 {
      while next < members.count && !members[next].isNaN {
        memberSets[i].append(members[next])
        next += 1
      }
      next += 1
      guard !memberSets[i].isEmpty else { throw ONNXKernelError("BRANCH_MEMBER node \(i) of the tree ensemble has no members") }
    }
    let modeNames = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ", "BRANCH_EQ"]
    for i in 0..<n {
      guard modeValues[i] >= 0 && modeValues[i] < Double(modeNames.count) && modeValues[i] == modeValues[i].rounded() else {
        throw ONNXKernelError("node \(i) of the tree ensemble has mode \(formatNumber(modeValues[i]))")
      }
      for (child, leaf) in [(trueIDs[i], trueLeafs[i]), (falseIDs[i], falseLeafs[i])] {
        guard child >= 0 && child < (leaf != 0 ? leafWeights.count : n) else {
          throw ONNXKernelError("node \(i) of the tree ensemble has a branch to \(leaf != 0 ? "leaf" : "node") \(child), which does not exist")
        }
      }
    }
    // The unrolled size of every node's subtree (a member's true subtree is copied once per member), found depth
    // first so that a loop is refused and an unrolling past `limit` nodes is refused before it is built.
    let limit = 1 << 22
    var size = [Int](repeating: 0, count: n), state = [UInt8](repeating: 0, count: n)
    for root in roots {
      guard root >= 0 && root < n else { throw ONNXKernelError("a tree of the ensemble has root \(root) of \(n) nodes") }
      if trueIDs[Int(root)] == falseIDs[Int(root)] {
        guard trueIDs[Int(root)] < leafWeights.count else { throw ONNXKernelError("the one-leaf tree at node \(root) has leaf \(trueIDs[Int(root)]), which does not exist") }
        continue
      }
      var stack = [Int(root)]
      while let i = stack.last {
        if state[i] == 2 {
          stack.removeLast()
          continue
        }
        let children = [(trueIDs[i], trueLeafs[i]), (falseIDs[i], falseLeafs[i])].filter { $0.1 == 0 }.map { Int($0.0) }
        if state[i] == 0 {
          state[i] = 1
          for c in children {
            guard state[c] != 1 else { throw ONNXKernelError("node \(c) of the tree ensemble is its own descendant: the tree does not end") }
            if state[c] == 0 { stack.append(c) }
          }
          continue
        }
        func subtree(_ child: Int64, _ leaf: Int64) -> Int { leaf != 0 ? 1 : size[Int(child)] }
        let copies = modeValues[i] == 6 ? memberSets[i].count : 1
        size[i] = min(limit + 1, copies * (1 + subtree(trueIDs[i], trueLeafs[i])) + subtree(falseIDs[i], falseLeafs[i]))
        state[i] = 2
        stack.removeLast()
      }
    }
    let total = roots.reduce(0) { min(limit + 1, $0 + (trueIDs[Int($1)] == falseIDs[Int($1)] ? 1 : size[Int($1)])) }
    guard total <= limit else { throw ONNXKernelError("the tree ensemble unrolls to more than \(limit) nodes (each member of a BRANCH_MEMBER node copies its true branch)") }
    var lists = NodeLists()
    lists.doubleThresholds = splits.isDouble || doubleWeights
    for (t, root) in roots.enumerated() {
      // Preorder with an explicit stack: (node or leaf index, is a leaf, member position, where to record its id).
      let oneLeaf = trueIDs[Int(root)] == falseIDs[Int(root)]
      var stack: [(index: Int, leaf: Bool, member: Int, parent: Int, isTrue: Bool)] = [(oneLeaf ? Int(trueIDs[Int(root)]) : Int(root), oneLeaf, 0, -1, false)]
      var nodeID: Int64 = 0
      while let (i, leaf, member, parent, isTrue) = stack.popLast() {
        let position = lists.nodeIDs.count
        if parent >= 0 { if isTrue { lists.trueIDs[parent] = nodeID } else { lists.falseIDs[parent] = nodeID } }
        lists.treeIDs.append(Int64(t))
        lists.nodeIDs.append(nodeID)
        lists.trueIDs.append(0)
        lists.falseIDs.append(0)
        if leaf {
          lists.featureIDs.append(0)
          lists.modes.append("LEAF")
          lists.values.append(0)
          lists.tracks.append(0)
          lists.voteTrees.append(Int64(t))
          lists.voteNodes.append(nodeID)
          lists.voteIDs.append(leafTargets[i])
          lists.voteWeights.append(leafWeights[i])
          nodeID += 1
          continue
        }
        let mode = Int(modeValues[i])
        lists.featureIDs.append(featureIDs[i])
        lists.modes.append(modeNames[mode])
        lists.values.append(mode == 6 ? memberSets[i][member] : splits.values[i])
        lists.tracks.append(tracks.isEmpty ? 0 : tracks[i])
        nodeID += 1
        // The false branch: the next member of a BRANCH_MEMBER node, else the node's false child.
        if mode == 6 && member + 1 < memberSets[i].count {
          stack.append((i, false, member + 1, position, false))
        } else {
          stack.append((Int(falseIDs[i]), falseLeafs[i] != 0, 0, position, false))
        }
        stack.append((Int(trueIDs[i]), trueLeafs[i] != 0, 0, position, true))
      }
    }
    let outputs = Int(try a.int("n_targets", 0))
    let postNames: [PostTransform] = [.none, .softmax, .logistic, .softmaxZero, .probit]
    let postCode = try a.int("post_transform", 0), aggregateCode = try a.int("aggregate_function", 1)
    guard postCode >= 0 && postCode < postNames.count else { throw ONNXKernelError("the tree ensemble's post_transform \(postCode) is unknown") }
    guard aggregateCode == 0 || aggregateCode == 1 else {
      throw ONNXKernelError("the tree ensemble's aggregate_function \(aggregateCode) is not supported (SUM (1) and AVERAGE (0) are)")
    }
    try self.init(lists, classifier: false, labels: .int([]), outputs: outputs, baseValues: [], post: postNames[Int(postCode)],
                  aggregate: aggregateCode == 0 ? .average : .sum, prefix: "leaf")
  }

  private init(_ lists: NodeLists, classifier: Bool, labels: ONNXTensor.Storage, outputs: Int, baseValues: [Float], post: PostTransform,
               aggregate: Aggregate, prefix: String) throws(ONNXKernelError) {
    self.classifier = classifier
    self.labels = labels
    self.outputs = outputs
    self.baseValues = baseValues
    self.post = post
    self.aggregate = aggregate
    let (treeIDs, nodeIDs, featureIDs, trueIDs, falseIDs) = (lists.treeIDs, lists.nodeIDs, lists.featureIDs, lists.trueIDs, lists.falseIDs)
    let (modes, values, doubleThresholds, tracks) = (lists.modes, lists.values, lists.doubleThresholds, lists.tracks)
    let (voteTrees, voteNodes, voteIDs, voteWeights) = (lists.voteTrees, lists.voteNodes, lists.voteIDs, lists.voteWeights)
    let n = treeIDs.count
    guard [nodeIDs.count, featureIDs.count, trueIDs.count, falseIDs.count, modes.count, values.count].allSatisfy({ $0 == n }),
      tracks.isEmpty || tracks.count == n, n > 0
    else { throw ONNXKernelError("the tree ensemble's node attributes have different lengths, or there are no nodes") }
    guard [voteNodes.count, voteIDs.count, voteWeights.count].allSatisfy({ $0 == voteTrees.count }) else {
      throw ONNXKernelError("the tree ensemble's \(prefix)_ attributes have different lengths")
    }
    guard outputs >= 1 && outputs <= 100_000 else { throw ONNXKernelError("the tree ensemble has \(outputs) outputs") }

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
