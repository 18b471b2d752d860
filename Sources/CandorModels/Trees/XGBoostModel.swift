import CandorCore
import Foundation

/// Reads a model saved by XGBoost's `Booster.save_model` (JSON or UBJSON; the schema of XGBoost's
/// `doc/model.schema`): the gbtree booster's trees, their classes (`tree_info`), the objective and base score.
enum XGBoostModelReader {
  /// The largest category code a categorical split may list (a bitset of this many bits is allocated).
  static let maxCategory = 1 << 20

  static func model(_ document: JSONValue, format: ModelFormat, path: String) throws -> TreeEnsembleModel {
    func invalid(_ reason: String) -> ModelError { .unreadableModel(path: path, format: format, reason: reason) }
    guard let learner = document[member: "learner"] else { throw invalid("it has no \"learner\"") }
    guard let parameters = learner[member: "learner_model_param"] else { throw invalid("it has no learner_model_param") }
    let objective = learner[member: "objective"]?[member: "name"]?.stringValue ?? "(none)"
    let classCount = Int(parameters[member: "num_class"]?.stringValue ?? "0") ?? 0
    let featureCount = Int(parameters[member: "num_feature"]?.stringValue ?? "") ?? 0
    // XGBoost ≥ 3 writes "[2.4080956E-1]" (one value per output); earlier versions a bare "5E-1".
    let baseText = parameters[member: "base_score"]?.stringValue ?? "0.5"
    let baseScores = baseText.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Double($0) }
    guard !baseScores.isEmpty else { throw invalid("its base_score '\(baseText)' is not a number") }

    guard let booster = learner[member: "gradient_booster"] else { throw invalid("it has no gradient_booster") }
    let boosterName = booster[member: "name"]?.stringValue ?? "(none)"
    guard boosterName == "gbtree" else {
      throw invalid("its booster is '\(boosterName)'; candor reads gbtree boosters (dart and gblinear are not supported yet)")
    }
    guard let model = booster[member: "model"], let treeDocuments = model[member: "trees"]?.elements else {
      throw invalid("its gbtree booster has no trees")
    }
    let treeInfo = (model[member: "tree_info"]?.numbers ?? []).map { Int($0) }

    let outputKind: OutputKind, link: TreeEnsemble.Link, margins: [Double]
    switch objective {
    case "binary:logistic":
      guard let p = baseScores.first, p > 0, p < 1 else { throw invalid("its base_score \(baseText) is not a probability") }
      // The margin starts at logit(base_score): base_score is a probability for binary:logistic. XGBoost's
      // ProbToMargin computes it in float32 as −log(1/p − 1), one ulp away from the double logit; margins match
      // the library's bit for bit only from its value.
      let probability = Float(p)
      (outputKind, link, margins) = (.binaryProbability, .logistic, [Double(-logf(1 / probability - 1))])
    case "multi:softprob", "multi:softmax":
      guard classCount >= 2 else { throw invalid("its objective \(objective) has num_class \(classCount)") }
      let base = baseScores.count == classCount ? baseScores : [Double](repeating: baseScores[0], count: classCount)
      (outputKind, link, margins) = (.multiclassProbabilities, .softmax, base)
    case "reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror", "reg:linear":
      (outputKind, link, margins) = (.regression, .identity, [baseScores[0]])
    default:
      throw invalid("its objective is '\(objective)'; candor reads binary:logistic, multi:softprob, multi:softmax, reg:squarederror, reg:absoluteerror and reg:pseudohubererror")
    }
    var names = learner[member: "feature_names"]?.strings ?? []
    if names.isEmpty { names = (0..<featureCount).map { "f\($0)" } }
    guard treeInfo.count == treeDocuments.count else {
      throw invalid("it lists \(treeInfo.count) tree classes (tree_info) for \(treeDocuments.count) trees")
    }
    var trees: [TreeEnsemble.Tree] = []
    trees.reserveCapacity(treeDocuments.count)
    for (t, document) in treeDocuments.enumerated() {
      trees.append(try tree(document, index: t, invalid: invalid))
    }
    let ensemble = TreeEnsemble(rules: .xgboost, link: link, trees: trees, treeClass: treeInfo, baseMargin: margins, featureNames: names)
    if let problem = ensemble.problem() { throw invalid(problem) }
    let classes = outputKind == .regression ? ["prediction"] : (0..<max(2, margins.count)).map(String.init)
    return TreeEnsembleModel(ensemble: ensemble, outputKind: outputKind, classes: classes, formatDescription: format.description)
  }

  static func tree(_ document: JSONValue, index t: Int, invalid: (String) -> ModelError) throws -> TreeEnsemble.Tree {
    func numbers(_ key: String, required: Bool = true) throws -> [Double] {
      guard let values = document[member: key]?.numbers else {
        if required { throw invalid("tree \(t) has no \(key)") }
        return []
      }
      return values
    }
    let left = try numbers("left_children"), right = try numbers("right_children")
    // XGBoost holds thresholds and leaf values as float32: JSON prints them shortest, UBJSON stores the floats.
    let conditions = try numbers("split_conditions").map { Double(Float($0)) }, indices = try numbers("split_indices")
    let defaultLeft = try numbers("default_left")
    let n = left.count
    var splitType = try numbers("split_type", required: false)
    if splitType.isEmpty { splitType = [Double](repeating: 0, count: n) }
    guard [right.count, conditions.count, indices.count, defaultLeft.count, splitType.count].allSatisfy({ $0 == n }) else {
      throw invalid("tree \(t) has node arrays of different lengths")
    }
    func index(_ x: Double) -> Int32? { x.rounded() == x && x >= -1 && x < 2_147_483_647 ? Int32(x) : nil }
    var feature = [Int32](repeating: -1, count: n), flags = [UInt8](repeating: 0, count: n)
    var categorySet = [Int32](repeating: -1, count: n)
    var leftChildren = [Int32](repeating: -1, count: n), rightChildren = [Int32](repeating: -1, count: n)
    for i in 0..<n {
      guard let l = index(left[i]), let r = index(right[i]), let f = index(indices[i]) else {
        throw invalid("node \(i) of tree \(t) has a child or feature index that is not an integer")
      }
      if l == -1 { continue }  // a leaf: its split_conditions entry is its value
      (leftChildren[i], rightChildren[i], feature[i]) = (l, r, f)
      if defaultLeft[i] != 0 { flags[i] |= TreeEnsemble.Flags.defaultLeft }
    }
    // Categorical splits: categories_nodes lists the nodes; each one's categories (those that go right) are
    // categories[segment ..< segment + size].
    var sets: [[UInt32]] = []
    let categoryNodes = try numbers("categories_nodes", required: false)
    if !categoryNodes.isEmpty {
      let segments = try numbers("categories_segments"), sizes = try numbers("categories_sizes"), categories = try numbers("categories")
      guard segments.count == categoryNodes.count, sizes.count == categoryNodes.count else {
        throw invalid("tree \(t) has categories_nodes, categories_segments and categories_sizes of different lengths")
      }
      for (k, node) in categoryNodes.enumerated() {
        guard let i = index(node), i >= 0, Int(i) < n, splitType[Int(i)] == 1,
              let start = index(segments[k]), let size = index(sizes[k]), start >= 0, size >= 0,
              Int(start) + Int(size) <= categories.count else {
          throw invalid("tree \(t) lists a categorical split (entry \(k)) that does not fit its nodes or categories")
        }
        var bits = [UInt32]()
        for category in categories[Int(start)..<Int(start + size)] {
          guard let c = index(category), c >= 0, Int(c) <= maxCategory else {
            throw invalid("tree \(t) has a category \(formatNumber(category)) that is not a code from 0 to \(maxCategory)")
          }
          let word = Int(c) / 32
          if bits.count <= word { bits += [UInt32](repeating: 0, count: word + 1 - bits.count) }
          bits[word] |= 1 << UInt32(Int(c) % 32)
        }
        flags[Int(i)] |= TreeEnsemble.Flags.categorical
        categorySet[Int(i)] = Int32(sets.count)
        sets.append(bits)
      }
    }
    for i in 0..<n where splitType[i] == 1 && leftChildren[i] >= 0 && categorySet[i] < 0 {
      throw invalid("node \(i) of tree \(t) is a categorical split without categories")
    }
    return TreeEnsemble.Tree(feature: feature, left: leftChildren, right: rightChildren, threshold: conditions, flags: flags,
                             categorySet: categorySet, value: conditions, categorySets: sets)
  }
}
