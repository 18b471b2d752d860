import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// The CART tree against scikit-learn's DecisionTreeClassifier (Tests/Fixtures/glassbox/make_trees.py) on German
/// credit and Adult, three settings each: the same nodes in the same order — split column, threshold, impurity, rows,
/// class fractions and the impurity decrease of every split within 1e-12 — and the same training accuracy; where a
/// two-level feature's indicators tie, the same nodes up to the mirror image.
@Suite struct DecisionTreeTests {
  nonisolated(unsafe) static let reference = (try! Fixtures.json("glassbox/trees_sklearn.json") as! [String: Any])["cases"] as! [[String: Any]]

  static func grow(_ c: [String: Any]) throws -> (DecisionTree, TrainingSummary) {
    let table = try CSVReader.read(path: Fixtures.sample(c["data"] as! String))
    var options = TrainingOptions()
    options.modelType = .tree
    options.tree.maxDepth = c["max_depth"] as? Int
    options.tree.minSamplesLeaf = c["min_samples_leaf"] as! Int
    options.tree.criterion = DecisionTree.Criterion(rawValue: c["criterion"] as! String)
    let spec = TrainingSpec(target: c["target"] as! String, positive: c["positive"] as? String, drop: c["drop"] as! [String])
    let (model, summary) = try ModelTrainer.fit(table, spec: spec, options: options)
    guard case let .tree(tree) = model else { throw ModelError.invalidSetting(.init(.modelType, value: "tree", .because("not a tree"))) }
    return (tree, summary)
  }

  @Test("the same tree as scikit-learn, node by node, within 1e-12", arguments: 0..<6)
  func matchesScikitLearn(_ index: Int) throws {
    let c = Self.reference[index]
    let (tree, summary) = try Self.grow(c)
    let nodes = c["nodes"] as! [[String: Any]]
    let label = "\(c["data"]!) depth \(c["max_depth"]!) \(c["criterion"]!)"
    #expect(tree.nodeCount == nodes.count, "\(label): \(tree.nodeCount) nodes vs \(nodes.count)")
    #expect(abs(summary.metric - (c["train_accuracy"] as! Double)) <= 1e-12, "\(label) accuracy")
    if c["ties"] as! Bool {
      // A two-level feature's indicators tie (the same partition, children swapped), and sklearn's random feature
      // order picks one: the trees are then mirror images — the same nodes by depth, rows and impurity.
      func depths(_ left: [Int], _ right: [Int]) -> [Int] {
        var d = [Int](repeating: 0, count: left.count)
        for i in left.indices where left[i] >= 0 { d[left[i]] = d[i] + 1; d[right[i]] = d[i] + 1 }
        return d
      }
      let mine = zip(zip(depths(tree.left.map(Int.init), tree.right.map(Int.init)), tree.samples), tree.impurity).map { ($0.0, $0.1, $1) }
        .sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
      let theirDepths = depths(nodes.map { $0["left"] as! Int }, nodes.map { $0["right"] as! Int })
      let theirs = nodes.indices.map { (theirDepths[$0], nodes[$0]["samples"] as! Int, nodes[$0]["impurity"] as! Double) }
        .sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
      for (a, b) in zip(mine, theirs) { #expect(a.0 == b.0 && a.1 == b.1 && abs(a.2 - b.2) <= 1e-12, "\(label): \(a) vs \(b)") }
      return
    }
    let names = tree.encoder.encodedNames
    let means: [Double] = tree.encoder.features.flatMap { f -> [Double] in f.mean.map { [$0] } ?? [Double](repeating: 0, count: f.width) }
    for (i, node) in nodes.enumerated() where i < tree.nodeCount {
      #expect(Int(tree.left[i]) == node["left"] as! Int && Int(tree.right[i]) == node["right"] as! Int, "\(label) node \(i) children")
      #expect(tree.samples[i] == node["samples"] as! Int, "\(label) node \(i) rows")
      #expect(abs(tree.impurity[i] - (node["impurity"] as! Double)) <= 1e-12, "\(label) node \(i) impurity")
      for (mine, theirs) in zip(tree.value[i], node["value"] as! [Double]) { #expect(abs(mine - theirs) <= 1e-12, "\(label) node \(i) value") }
      guard tree.left[i] >= 0, let feature = node["feature"] as? String else { continue }
      let column = Int(tree.feature[i])
      #expect(names[column] == feature, "\(label) node \(i): \(names[column]) vs \(feature)")
      // Thresholds in the data's units: the tree splits the centred value.
      #expect(abs(tree.threshold[i] + means[column] - (node["threshold"] as! Double)) <= 1e-9 * max(1, abs(node["threshold"] as! Double)), "\(label) node \(i) threshold")
      let l = Int(tree.left[i]), r = Int(tree.right[i]), w = tree.weightedSamples[i]
      let decrease = w / tree.weightedSamples[0] * (tree.impurity[i] - tree.weightedSamples[l] / w * tree.impurity[l] - tree.weightedSamples[r] / w * tree.impurity[r])
      #expect(abs(decrease - (node["impurity_decrease"] as! Double)) <= 1e-12, "\(label) node \(i) decrease")
    }
  }

  @Test("a tree survives a save and load unchanged and scores the same")
  func roundTrip() throws {
    let (tree, summary) = try Self.grow(Self.reference[1])
    let file = ModelFile(model: .tree(tree), target: "risk", training: summary)
    let decoded = try ModelFile.decode(try file.encoded(), path: "t.json")
    #expect(decoded == file)
  }

  @Test("a tree file whose class fractions are not shares summing to 1 is refused (the fuzzer found a probability of 5.6)")
  func badFractions() throws {
    let (tree, summary) = try Self.grow(Self.reference[0])
    var json = try JSONSerialization.jsonObject(with: try ModelFile(model: .tree(tree), target: "risk", training: summary).encoded()) as! [String: Any]
    var parameters = json["parameters"] as! [String: Any], stored = parameters["tree"] as! [String: Any]
    var values = stored["value"] as! [[Double]]
    values[values.count - 1] = [-4.6, 5.6]
    stored["value"] = values
    parameters["tree"] = stored
    json["parameters"] = parameters
    #expect { try ModelFile.decode(try JSONSerialization.data(withJSONObject: json), path: "t.json") } throws: { "\($0)".contains("are not shares that sum to 1") }
  }

  @Test("a depth below 1 and a leaf below 1 row are refused; a criterion that does not fit the target too")
  func refused() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "risk", positive: "1"), classification: true)
    var options = DecisionTree.Options()
    options.maxDepth = 0
    #expect { try DecisionTree.fit(data, options: options) } throws: { "\($0)".contains("maxDepth 0: needs at least 1") }
    options = DecisionTree.Options()
    options.criterion = .squaredError
    #expect { try DecisionTree.fit(data, options: options) } throws: { "\($0)".contains("a classification tree splits on gini or entropy") }
  }
}
