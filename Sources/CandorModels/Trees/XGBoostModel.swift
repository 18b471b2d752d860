import CandorCore
import Foundation

/// Reads a model saved by XGBoost's `Booster.save_model` (JSON or UBJSON; the schema of XGBoost's
/// `doc/model.schema`): the gbtree booster's trees, their classes (`tree_info`), the objective and base score.
enum XGBoostModelReader {
  /// Limits on what a file declares before anything is allocated from it.
  static let maxClasses = 10_000, maxUnnamedFeatures = 1_000_000

  static func model(_ document: JSONValue, format: ModelFormat, path: String) throws -> TreeEnsembleModel {
    func invalid(_ reason: String) -> ModelError { .unreadableModel(path: path, format: format, reason: reason) }
    guard let learner = document[member: "learner"] else { throw invalid("it has no \"learner\"") }
    guard let parameters = learner[member: "learner_model_param"] else { throw invalid("it has no learner_model_param") }
    let objective = learner[member: "objective"]?[member: "name"]?.stringValue ?? "(none)"
    let classText = parameters[member: "num_class"]?.stringValue ?? "0"
    guard let classCount = Int(classText), classCount >= 0, classCount <= maxClasses else {
      throw invalid("its num_class '\(printable(classText))' is not a number of classes from 0 to \(maxClasses)")
    }
    let targets = parameters[member: "num_target"]?.stringValue ?? "1"
    guard targets == "1" else { throw invalid("it has \(printable(targets)) targets; candor reads single-target models") }
    let featureText = parameters[member: "num_feature"]?.stringValue ?? "0"
    guard let featureCount = Int(featureText), featureCount >= 0 else {
      throw invalid("its num_feature '\(printable(featureText))' is not a number of features")
    }
    // XGBoost ≥ 3 writes "[2.4080956E-1]" (one value per output); earlier versions a bare "5E-1".
    let baseText = parameters[member: "base_score"]?.stringValue ?? "0.5"
    let baseWords = baseText.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",")
    let baseScores = baseWords.compactMap { Double($0) }
    guard !baseScores.isEmpty, baseScores.count == baseWords.count, baseScores.allSatisfy(\.isFinite) else {
      throw invalid("its base_score '\(printable(baseText))' is not a list of numbers")
    }

    guard let booster = learner[member: "gradient_booster"] else { throw invalid("it has no gradient_booster") }
    let boosterName = booster[member: "name"]?.stringValue ?? "(none)"
    guard boosterName == "gbtree" else {
      throw invalid("its booster is '\(boosterName)'; candor reads gbtree boosters (dart and gblinear are not supported yet)")
    }
    guard let model = booster[member: "model"], let treeDocuments = model[member: "trees"]?.elements else {
      throw invalid("its gbtree booster has no trees")
    }
    var treeInfo: [Int] = []
    for value in model[member: "tree_info"]?.numbers ?? [] {
      guard value.rounded() == value, value >= 0, value < Double(max(classCount, 1)) else {
        throw invalid("its tree_info holds \(formatNumber(value)), which is not an output of the model (0 to \(max(classCount, 1) - 1))")
      }
      treeInfo.append(Int(value))
    }
    guard !treeDocuments.isEmpty else { throw invalid("it has no trees") }
    let outputKind: OutputKind, link: TreeEnsemble.Link, margins: [Double]
    switch objective {
    case "binary:logistic":
      guard let p = baseScores.first, p >= 0, p <= 1 else { throw invalid("its base_score \(printable(baseText)) is not a probability") }
      // The margin starts at logit(base_score): base_score is a probability for binary:logistic. XGBoost's
      // ProbToMargin clamps it into [1e-6, 1 − 1e-6] and computes −log(1/p − 1) in float32, one ulp away from the
      // double logit; margins match the library's bit for bit only from its value.
      let probability = min(max(Float(p), 1e-6), 1 - 1e-6)
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
    let named = learner[member: "feature_names"]?.elements ?? []
    var names = named.compactMap(\.stringValue)
    guard names.count == named.count else { throw invalid("its feature_names are not all strings") }
    if names.isEmpty {
      guard featureCount <= maxUnnamedFeatures else {
        throw invalid("it declares \(featureCount) features without names, more than the \(maxUnnamedFeatures) candor names f0, f1, …")
      }
      names = (0..<featureCount).map { "f\($0)" }
    }
    if let repeated = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
      throw invalid("its feature_names hold '\(printable(repeated))' twice, so its columns cannot be bound by name")
    }
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
    let leafSize = document[member: "tree_param"]?[member: "size_leaf_vector"]?.stringValue ?? "1"
    guard leafSize == "1" || leafSize == "0" else {
      throw invalid("tree \(t) has leaves of \(printable(leafSize)) values (multi_strategy=multi_output_tree), which candor does not read yet")
    }
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
      // A leaf (or a node the pruner deleted, which nothing points to) has no children; its split_conditions entry
      // is its value and its split index is not read.
      if left[i] == -1 { continue }
      guard let l = index(left[i]), let r = index(right[i]), let f = index(indices[i]) else {
        throw invalid("node \(i) of tree \(t) has a child or feature index that is not an integer")
      }
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
        // Kept as the sorted list of codes (XGBoost's own form), not a bitset: a code can be in the millions.
        var bits = [UInt32]()
        for category in categories[Int(start)..<Int(start + size)] {
          guard let c = index(category), c >= 0 else {
            throw invalid("tree \(t) has a category \(formatNumber(category)) that is not a code from 0 to 2147483646")
          }
          bits.append(UInt32(c))
        }
        bits.sort()
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
