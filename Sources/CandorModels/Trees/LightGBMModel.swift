import CandorCore
import Foundation

/// Reads a LightGBM text model (`Booster.save_model`; the format is LightGBM's own `gbdt_model_text.cpp` and
/// `tree.cpp`): `key=value` header lines, one `Tree=k` block per tree with space-separated node arrays, up to
/// `end of trees`. Inner node j splits on `split_feature[j]` at `threshold[j]`; a child c ≥ 0 is inner node c,
/// c < 0 is leaf −c − 1.
enum LightGBMModelReader {
  /// Lines of `key=value` (a line without `=` is kept with an empty value), up to the end of the block.
  struct Block {
    var fields: [String: Substring] = [:]
    var line: Int
  }

  static func model(_ data: Data, path: String) throws -> TreeEnsembleModel {
    func invalid(_ reason: String) -> ModelError { .unreadableModel(path: path, format: .lightGBMText, reason: reason) }
    guard let text = String(data: data, encoding: .utf8) else { throw invalid("it is not UTF-8 text") }
    var header = Block(line: 1), trees: [Block] = []
    var current: Block?
    var lineNumber = 0, complete = false
    // Lines split at LF bytes (a String would keep "\r\n" as one Character and never split CRLF text).
    for bytes in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
      lineNumber += 1
      let line = Substring(String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes, as: UTF8.self))
      if line == "end of trees" {
        complete = true
        break
      }
      if line.hasPrefix("Tree=") {
        if let current { trees.append(current) }
        current = Block(line: lineNumber)
        continue
      }
      // A line without "=" is a flag, such as `average_output` (random forests).
      let equals = line.firstIndex(of: "=") ?? line.endIndex
      let key = String(line[..<equals]), value = equals == line.endIndex ? Substring("") : line[line.index(after: equals)...]
      if key.isEmpty { continue }
      if current != nil { current!.fields[key] = value } else if header.fields[key] == nil { header.fields[key] = value }
    }
    if let current { trees.append(current) }
    // LightGBM writes "end of trees" after the last tree: without it the file was cut, perhaps inside a tree.
    guard complete else { throw invalid("it ends before its 'end of trees' line, so the file was cut short") }
    guard header.fields["version"] != nil || header.fields["num_class"] != nil else { throw invalid("it has no LightGBM header") }

    let classCount = Int(header.fields["num_class"] ?? "1") ?? 0
    let perIteration = Int(header.fields["num_tree_per_iteration"] ?? "1") ?? 0
    guard classCount >= 1, perIteration >= 1, classCount <= XGBoostModelReader.maxClasses, perIteration <= XGBoostModelReader.maxClasses else {
      throw invalid("its num_class or num_tree_per_iteration is not a whole number from 1 to \(XGBoostModelReader.maxClasses)")
    }
    let names = (header.fields["feature_names"] ?? "").split(separator: " ").map(String.init)
    let objectiveLine = header.fields["objective"] ?? ""
    let objective = objectiveLine.split(separator: " ").first.map(String.init) ?? "(none)"
    let outputKind: OutputKind, link: TreeEnsemble.Link
    var scale = 1.0
    switch objective {
    case "binary", "cross_entropy":
      (outputKind, link) = (.binaryProbability, .logistic)
      // "binary sigmoid:1": the sigmoid's parameter.
      if let parameter = objectiveLine.split(separator: " ").first(where: { $0.hasPrefix("sigmoid:") }) {
        guard let value = Double(parameter.dropFirst(8)), value > 0 else { throw invalid("its objective's \(parameter) is not a positive number") }
        scale = value
      }
    case "multiclass", "softmax":
      guard classCount >= 2, perIteration == classCount else { throw invalid("its multiclass objective has num_class \(classCount)") }
      (outputKind, link) = (.multiclassProbabilities, .softmax)
    case "regression", "regression_l2", "l2", "mean_squared_error", "mse", "regression_l1", "l1", "huber", "fair", "quantile":
      // reg_sqrt fitted the square root of the target: LightGBM's ConvertOutput squares the margin, keeping its sign.
      (outputKind, link) = (.regression, objectiveLine.split(separator: " ").contains("sqrt") ? .signedSquare : .identity)
    default:
      throw invalid("its objective is '\(objective)'; candor reads binary, multiclass and the regression objectives with an identity link")
    }
    var parsed: [TreeEnsemble.Tree] = []
    for (t, block) in trees.enumerated() { parsed.append(try tree(block, index: t, invalid: invalid)) }
    guard !parsed.isEmpty else { throw invalid("it has no trees") }
    let margins = [Double](repeating: 0, count: outputKind == .multiclassProbabilities ? classCount : 1)
    let ensemble = TreeEnsemble(rules: .lightGBM, link: link, sigmoidScale: scale, trees: parsed,
                                treeClass: parsed.indices.map { $0 % perIteration }, baseMargin: margins,
                                averagesTrees: header.fields["average_output"] != nil, featureNames: names)
    if let problem = ensemble.problem() { throw invalid(problem) }
    let classes = outputKind == .regression ? ["prediction"] : (0..<max(2, margins.count)).map(String.init)
    return TreeEnsembleModel(ensemble: ensemble, outputKind: outputKind, classes: classes, formatDescription: ModelFormat.lightGBMText.description)
  }

  static func tree(_ block: Block, index t: Int, invalid: (String) -> ModelError) throws -> TreeEnsemble.Tree {
    func numbers(_ key: String, count: Int? = nil) throws -> [Double] {
      guard let text = block.fields[key] else { throw invalid("tree \(t) (line \(block.line)) has no \(key)") }
      var values: [Double] = []
      for word in text.split(separator: " ") {
        guard let value = Double(word) else { throw invalid("tree \(t) (line \(block.line)): \(key) holds '\(printable(String(word.prefix(40))))', not a number") }
        values.append(value)
      }
      if let count, values.count != count {
        throw invalid("tree \(t) (line \(block.line)): \(key) has \(values.count) values, expected \(count)")
      }
      return values
    }
    guard let leaves = Int(block.fields["num_leaves"] ?? ""), leaves >= 1, leaves <= 1 << 24 else {
      throw invalid("tree \(t) (line \(block.line)) has no valid num_leaves")
    }
    let leafValues = try numbers("leaf_value", count: leaves)
    if (block.fields["is_linear"] ?? "0") != "0" { throw invalid("tree \(t) is a linear tree (linear_tree=true), which candor does not read yet") }
    if leaves == 1 {
      return TreeEnsemble.Tree(feature: [-1], left: [-1], right: [-1], threshold: [0], flags: [0], categorySet: [-1],
                               value: [leafValues[0]], categorySets: [])
    }
    let inner = leaves - 1
    let features = try numbers("split_feature", count: inner), thresholds = try numbers("threshold", count: inner)
    let decisions = try numbers("decision_type", count: inner)
    let leftChildren = try numbers("left_child", count: inner), rightChildren = try numbers("right_child", count: inner)
    var categorySets: [[UInt32]] = []
    guard let count = Int(block.fields["num_cat"] ?? "0"), count >= 0, count <= leaves else {
      throw invalid("tree \(t) (line \(block.line)) has a num_cat that is not a whole number from 0 to its \(leaves) leaves")
    }
    if count > 0 {
      let boundaries = try numbers("cat_boundaries", count: count + 1), words = try numbers("cat_threshold")
      for k in 0..<count {
        guard let start = Int(exactly: boundaries[k]), let end = Int(exactly: boundaries[k + 1]), start >= 0, start <= end, end <= words.count else {
          throw invalid("tree \(t) (line \(block.line)): cat_boundaries do not fit cat_threshold")
        }
        categorySets.append(try words[start..<end].map { word in
          guard let bits = UInt32(exactly: word) else { throw invalid("tree \(t) (line \(block.line)): cat_threshold holds \(formatNumber(word))") }
          return bits
        })
      }
    }
    // Inner nodes keep their indices; leaf k becomes node inner + k.
    let n = inner + leaves
    var feature = [Int32](repeating: -1, count: n), left = [Int32](repeating: -1, count: n), right = [Int32](repeating: -1, count: n)
    var threshold = [Double](repeating: 0, count: n), flags = [UInt8](repeating: 0, count: n)
    var categorySet = [Int32](repeating: -1, count: n), value = [Double](repeating: 0, count: n)
    func child(_ c: Double) throws -> Int32 {
      guard let c = Int(exactly: c), c >= -leaves, c < inner else { throw invalid("tree \(t) (line \(block.line)) has a child \(formatNumber(c)) outside the tree") }
      return Int32(c >= 0 ? c : inner + (-c - 1))
    }
    for j in 0..<inner {
      guard let f = Int32(exactly: features[j]), let decision = UInt8(exactly: decisions[j]) else {
        throw invalid("tree \(t) (line \(block.line)): node \(j) has split_feature \(formatNumber(features[j])) or decision_type \(formatNumber(decisions[j]))")
      }
      feature[j] = f
      left[j] = try child(leftChildren[j])
      right[j] = try child(rightChildren[j])
      threshold[j] = thresholds[j]
      // decision_type: bit 0 categorical, bit 1 default left, bits 2–3 the missing type — Candor's flag layout.
      flags[j] = decision & 0b1111
      if decision & 1 != 0 {
        guard let set = Int32(exactly: thresholds[j]), set >= 0, Int(set) < categorySets.count else {
          throw invalid("tree \(t) (line \(block.line)): categorical node \(j) names category set \(formatNumber(thresholds[j])) of \(categorySets.count)")
        }
        categorySet[j] = set
      }
    }
    for k in 0..<leaves { value[inner + k] = leafValues[k] }
    return TreeEnsemble.Tree(feature: feature, left: left, right: right, threshold: threshold, flags: flags, categorySet: categorySet,
                             value: value, categorySets: categorySets)
  }
}
