import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// TreeSHAP's interventional values are the exact Shapley values of E_z f(x_S, z_S̄) on the margin: KernelSHAP
/// enumerating every coalition of the same game (a model whose output is the margin) gives the same numbers.
@Suite struct TreeSHAPTests {
  /// A tree model's margins (what TreeSHAP explains: its view's ensemble on its view's columns) as a regression
  /// output, or one output per class, so KernelSHAP explains the game TreeSHAP does.
  struct MarginModel: Model {
    let base: any Model
    let view: TreeEnsembleView
    init(_ base: any Model) throws {
      self.base = base
      view = try #require(base.treeEnsembleView)
    }
    init(trees: TreeEnsembleModel) throws { try self.init(trees) }
    var outputKind: OutputKind { view.ensemble.classCount > 1 ? .multiclassProbabilities : .regression }
    var classes: [String] { view.ensemble.classCount > 1 ? base.classes : ["margin"] }
    var featureNames: [String] { base.featureNames }
    func predict(_ table: Table) throws -> Matrix {
      let k = view.ensemble.classCount
      return Matrix(rows: table.rowCount, columns: k,
                    storage: ContiguousArray(view.ensemble.margins(columns: try view.columns(table), rows: table.rowCount)))
    }
  }

  static func model(_ path: String) throws -> TreeEnsembleModel {
    try #require(try ModelLoader.loadModel(path: path).model as? TreeEnsembleModel)
  }

  static let small = Fixtures.repositoryRoot.appendingPathComponent("Fuzz/corpus/TreeModelFile").path

  /// Three features a, b, c, with missing values, a category code column and edge values.
  static let abc = try! CSVReader.parse(Data("a,b,c\n0.5,1,2\n,3,-1\n2,0,0.3\n-1.2,2,1.1\n0.1,1,-0.4\n1.5,,0.8\n-0.3,3,-2\n".utf8), source: "abc.csv")

  @Test("LightGBM (binary, categorical, multiclass, regression): TreeSHAP = KernelSHAP's full enumeration within 1e-9",
        arguments: ["lgbm_binary.txt", "lgbm_categorical.txt", "lgbm_multiclass.txt", "lgbm_regression.txt"])
  func equalsExactKernelSHAP(_ name: String) throws {
    let trees = try Self.model(Self.small + "/" + name)
    try Self.compare(trees, table: Self.abc, rows: [0, 1, 2, 3], background: Self.abc.selecting(rows: [3, 4, 5, 6, 0]), tolerance: 1e-9)
  }

  /// The rows' `writeJSON` (the stream writer's path) writes what their `encode(to:)` does (the tree writer's
  /// path), multiclass rows, a non-finite value and a one-line layout included.
  @Test("SHAP rows streamed without containers: the same bytes as through the tree, both methods")
  func rowsStreamLikeTheTree() throws {
    let trees = try Self.model(Self.small + "/lgbm_multiclass.txt")
    let players = trees.featureNames.map { FeatureGroup(name: $0, columns: [$0]) }
    var tree = try TreeSHAP.explain(model: trees, table: Self.abc, rows: [0, 1, 2], background: Self.abc.selecting(rows: [3, 4]), players: players)
    var configuration = KernelSHAP.Configuration()
    configuration.nsamples = 20
    var kernel = try KernelSHAP.explain(model: try MarginModel(trees: trees), table: Self.abc, rows: [0, 1, 2],
                                        background: Self.abc.selecting(rows: [3, 4]), groups: players, configuration: configuration)
    #expect(tree.rows[0].values.count == 3 && kernel.rows[0].stdErrors.count == 3)
    tree.rows[1].values[2][0] = .nan
    kernel.rows[2].stdErrors[1][1] = -.infinity
    var none = kernel
    none.rows = []
    #expect(try CandorJSON.data(none, layout: .compact) == (try JSONTreeEncoder.encode(none).data(layout: .compact)))
    for layout in [KernelSHAP.jsonLayout, .line] {
      let streamed = try CandorJSON.data(kernel, layout: layout)
      #expect(String(decoding: streamed, as: UTF8.self) == String(decoding: try JSONTreeEncoder.encode(kernel).data(layout: layout), as: UTF8.self))
      #expect(String(decoding: streamed, as: UTF8.self).contains("\"-inf\""))
      let treeStreamed = try CandorJSON.data(tree, layout: layout)
      #expect(String(decoding: treeStreamed, as: UTF8.self) == String(decoding: try JSONTreeEncoder.encode(tree).data(layout: layout), as: UTF8.self))
    }
  }

  // XGBoost sums its leaves in float32, so its margin (what KernelSHAP sees) differs from TreeSHAP's double sum
  // of the same leaves by float32 rounding.
  @Test("XGBoost (binary, categorical, multiclass, regression): the same within float32 rounding (1e-6)",
        arguments: ["xgb_binary.json", "xgb_categorical.ubj", "xgb_multiclass.json", "xgb_regression.ubj"])
  func equalsExactKernelSHAPFloat32(_ name: String) throws {
    let trees = try Self.model(Self.small + "/" + name)
    try Self.compare(trees, table: Self.abc, rows: [0, 1, 2, 3], background: Self.abc.selecting(rows: [3, 4, 5, 6, 0]), tolerance: 1e-6)
  }

  @Test("Adult LightGBM (13 features, 100 trees of 31 leaves): every coalition enumerated, 1e-9; efficiency per row")
  func adult() throws {
    let trees = try Self.model(Fixtures.path("models/adult_lgbm.txt"))
    let data = try CSVReader.read(path: Fixtures.path("models/adult_numeric_features_missing.csv"))
    try Self.compare(trees, table: data, rows: [0, 7, 14], background: data.selecting(rows: Array(100..<108)), tolerance: 1e-9)
  }

  static func compare(_ trees: TreeEnsembleModel, table: Table, rows: [Int], background: Table, tolerance: Double) throws {
    let players = trees.featureNames.map { FeatureGroup(name: $0, columns: [$0]) }
    let tree = try TreeSHAP.explain(model: trees, table: table, rows: rows, background: background, players: players)
    var configuration = KernelSHAP.Configuration()
    configuration.nsamples = (1 << players.count) + 10
    let kernel = try KernelSHAP.explain(model: try MarginModel(trees: trees), table: table, rows: rows, background: background,
                                        groups: players, configuration: configuration)
    #expect(kernel.exact)
    for (k, base) in tree.baseValue.enumerated() { #expect(abs(base - kernel.baseValue[k]) <= tolerance) }
    for (ours, theirs) in zip(tree.rows, kernel.rows) {
      for k in ours.values.indices {
        #expect(maxAbsoluteDifference(ours.values[k], theirs.values[k]) <= tolerance, "row \(ours.row) output \(k)")
        // Efficiency: the values add up to the margin minus the base.
        #expect(abs(ours.values[k].reduce(0, +) - (ours.prediction[k] - tree.baseValue[k])) <= max(tolerance, 1e-9))
      }
    }
  }

  @Test("a tree model behind a --model-spec: TreeSHAP over the raw columns equals TreeSHAP over the codes the model sees")
  func specBound() throws {
    let base = try Self.model(Fixtures.path("models/adult_xgb.json"))
    let specPath = Fixtures.path("models/adult_numeric_v1.spec.json")
    let bound = try SpecBoundModel(base: base, spec: ModelSpec.read(path: specPath), specPath: specPath, checkingInputs: true)
    let raw = try Fixtures.adult("test").selecting(rows: Array(0..<200))
    let encoded = try CSVReader.read(path: Fixtures.path("models/adult_numeric_features.csv")).selecting(rows: Array(0..<200))
    let players = bound.featureNames.map { FeatureGroup(name: $0, columns: [$0]) }
    let rows = [0, 5, 17], background = Array(100..<150)
    let ours = try TreeSHAP.explain(model: bound, table: raw, rows: rows, background: raw.selecting(rows: background), players: players)
    let theirs = try TreeSHAP.explain(model: base, table: encoded, rows: rows, background: encoded.selecting(rows: background), players: players)
    #expect(ours.rows == theirs.rows && ours.baseValue == theirs.baseValue && ours.meanAbs == theirs.meanAbs)
    // The spec names the classes XGBoost numbers.
    #expect(ours.outputs == [">50K"] && theirs.outputs == ["1"])
    #expect(ours.features == ["age", "workclass", "education", "education_num", "marital_status", "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country"])
  }

  @Test("a feature no split tests (c of xgb_binary.json, found by reading the file's split_indices) is listed as not read, φ = 0 exactly, by TreeSHAP and KernelSHAP")
  func unreadFeature() throws {
    let trees = try Self.model(Self.small + "/xgb_binary.json")
    let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.small + "/xgb_binary.json"))) as! [String: Any]
    let booster = ((document["learner"] as! [String: Any])["gradient_booster"] as! [String: Any])["model"] as! [String: Any]
    var used = Set<Int>()
    for tree in booster["trees"] as! [[String: Any]] {
      for (left, feature) in zip(tree["left_children"] as! [Int], tree["split_indices"] as! [Int]) where left != -1 { used.insert(feature) }
    }
    let expected = trees.featureNames.enumerated().filter { !used.contains($0.offset) }.map(\.element)
    #expect(expected == ["c"] && trees.unreadFeatureNames == expected)
    let players = trees.featureNames.map { FeatureGroup(name: $0, columns: [$0]) }
    let background = Self.abc.selecting(rows: [3, 4, 5, 6])
    let tree = try TreeSHAP.explain(model: trees, table: Self.abc, rows: [0, 1, 2], background: background, players: players)
    let kernel = try KernelSHAP.explain(model: trees, table: Self.abc, rows: [0, 1, 2], background: background, groups: players, configuration: .init())
    #expect(tree.featuresNotRead == ["c"] && kernel.featuresNotRead == ["c"])
    for row in tree.rows { #expect(row.values[0][2] == 0) }
    for row in kernel.rows { #expect(row.values[0][2] == 0 && row.stdErrors[0][2] == 0) }
  }

  @Test("a feature in no player keeps the explained row's value: φ only for the players, still efficient over them")
  func players() throws {
    let trees = try Self.model(Self.small + "/lgbm_binary.txt")
    let background = Self.abc.selecting(rows: [3, 4, 5])
    let grouped = try TreeSHAP.explain(model: trees, table: Self.abc, rows: [0, 1], background: background,
                                       players: [FeatureGroup(name: "ab", columns: ["a", "b"])])
    // With c fixed at the explained row's value, the game's grand total is f(x) − E f(x_c, z_ab).
    var fixed = background
    let c = try Self.abc.column("c")
    for (i, row) in grouped.rows.enumerated() {
      fixed = try Table(columns: background.columns.map { $0.name == "c" ? c.selecting([Int](repeating: [0, 1][i], count: 3)) : $0 })
      let margins = trees.ensemble.margins(columns: try trees.columns(fixed), rows: 3)
      let expected = row.prediction[0] - margins.reduce(0, +) / 3
      #expect(abs(row.values[0][0] - expected) < 1e-12)
    }
  }
}

@Suite struct BackgroundRefusalTests {
  @Test("an empty background, or background weights that are negative or sum to 0, are refused by TreeSHAP and KernelSHAP, naming the setting")
  func refused() throws {
    let trees = try TreeSHAPTests.model(TreeSHAPTests.small + "/lgbm_binary.txt")
    let players = trees.featureNames.map { FeatureGroup(name: $0, columns: [$0]) }
    let table = TreeSHAPTests.abc, empty = TreeSHAPTests.abc.selecting(rows: [])
    func message(_ body: () throws -> Void) -> String {
      do {
        try body()
        return "no error"
      } catch let error as ExplainError {
        return error.message(naming: \.rawValue)
      } catch {
        return "\(error)"
      }
    }
    let none = "backgroundSize 0: needs at least 1 row."
    #expect(message { _ = try TreeSHAP.explain(model: trees, table: table, rows: [0], background: empty, players: players) } == none)
    #expect(message { _ = try KernelSHAP.explain(model: trees, table: table, rows: [0], background: empty, groups: players, configuration: .init()) } == none)
    let zero = "backgroundSize 3 weights: needs one finite, non-negative weight per background row, not all zero."
    let background = table.selecting(rows: [3, 4, 5])
    #expect(message { _ = try TreeSHAP.explain(model: trees, table: table, rows: [0], background: background, players: players, weights: [0, 0, 0]) } == zero)
    var configuration = KernelSHAP.Configuration()
    configuration.backgroundWeights = [1, -1, 1]
    #expect(message { _ = try KernelSHAP.explain(model: trees, table: table, rows: [0], background: background, groups: players, configuration: configuration) } == zero)
  }
}
