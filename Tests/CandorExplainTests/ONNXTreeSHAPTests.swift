import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// TreeSHAP on ONNX graphs: the tree node's scores before its post transform, each tree feature traced back to the
/// data column it is computed from. Checked against KernelSHAP enumerating every coalition of the same game over the
/// raw columns (which runs the real graph — one-hot encoders, scalers — on every mixed row), against the native
/// model an ONNX file was exported from, and against the graph's own probabilities.
@Suite struct ONNXTreeSHAPTests {
  static let adultRaw = ["age", "workclass", "education", "education_num", "marital_status", "occupation", "relationship", "race", "sex",
                         "capital_gain", "capital_loss", "hours_per_week", "native_country"]

  /// adult_test's first rows with the empty cells of three columns as "missing", as the pipelines were trained.
  static func adult(_ rows: Int) throws -> Table {
    var table = try Fixtures.adult("test").selecting(rows: Array(0..<rows))
    for name in ["workclass", "occupation", "native_country"] {
      let column = try table.column(name)
      table = table.replacing(.categorical(CategoricalColumn(name: name, strings: (0..<table.rowCount).map { column.text(at: $0) ?? "missing" })))
    }
    return table
  }

  static func load(_ name: String, inputColumns: [String]? = nil) throws -> any Model {
    try ModelLoader.loadModel(path: Fixtures.path("models/" + name), inputColumns: inputColumns).model
  }

  @Test("a skl2onnx pipeline's tree features are traced to the raw columns: five scaled numbers, then each categorical's one-hot indicators",
        arguments: ["adult_rf.onnx", "adult_gbdt.onnx"])
  func sources(_ name: String) throws {
    let view = try #require(try Self.load(name).treeEnsembleView)
    var runs: [String] = []
    for s in view.sources where runs.last != s { runs.append(s) }
    #expect(runs == ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week", "workclass", "education", "marital_status",
                     "occupation", "relationship", "race", "sex", "native_country"])
    #expect(view.sources.count == view.ensemble.featureNames.count && view.sources.count > 90)
  }

  // The graph sums its leaves in float32, so its scores (what KernelSHAP sees) differ from TreeSHAP's double sums
  // of the same leaves by float32 rounding.
  @Test("TreeSHAP over the raw columns of a pipeline equals KernelSHAP's enumeration of all 8,192 coalitions run through the graph (within float32 rounding, 1e-6); efficiency per row",
        arguments: ["adult_rf.onnx", "adult_gbdt.onnx"])
  func equalsExactKernelSHAP(_ name: String) throws {
    let model = try Self.load(name)
    _ = try #require(model.treeEnsembleView)
    let table = try Self.adult(60)
    let background = table.selecting(rows: [10, 20, 30, 40, 50])
    let players = Self.adultRaw.map { FeatureGroup(name: $0, columns: [$0]) }
    let tree = try TreeSHAP.explain(model: model, table: table, rows: [0, 7], background: background, players: players)
    var configuration = KernelSHAP.Configuration()
    configuration.nsamples = (1 << players.count) + 10
    let kernel = try KernelSHAP.explain(model: try TreeSHAPTests.MarginModel(model), table: table, rows: [0, 7], background: background,
                                        groups: players, configuration: configuration)
    #expect(kernel.exact)
    #expect(abs(tree.baseValue[0] - kernel.baseValue[0]) <= 1e-6)
    for (ours, theirs) in zip(tree.rows, kernel.rows) {
      #expect(maxAbsoluteDifference(ours.values[0], theirs.values[0]) <= 1e-6, "row \(ours.row)")
      #expect(abs(ours.values[0].reduce(0, +) - (ours.prediction[0] - tree.baseValue[0])) <= 1e-6)
    }
    #expect(tree.features == Self.adultRaw && tree.outputs == ["1"] && tree.featuresNotRead == [])
  }

  @Test("the explained score is the graph's before its post transform: logistic(score) is the probability (gradient boosting, onnxmltools' XGBoost and LightGBM), a forest's score the probability itself (1e-5)",
        arguments: [("adult_rf.onnx", false), ("adult_gbdt.onnx", true), ("adult_xgb.onnx", true), ("adult_lgbm.onnx", true)])
  func scoreIsTheProbability(_ name: String, _ logistic: Bool) throws {
    let native = name == "adult_xgb.onnx" || name == "adult_lgbm.onnx"
    let model = try Self.load(name, inputColumns: native ? Self.adultRaw : nil)
    let view = try #require(model.treeEnsembleView)
    let table = native ? try CSVReader.read(path: Fixtures.path("models/adult_numeric_features.csv")).selecting(rows: Array(0..<500)) : try Self.adult(500)
    let scores = view.ensemble.margins(columns: try view.columns(table), rows: table.rowCount)
    let probabilities = Array(try model.predict(table).storage)
    let mapped = scores.map { logistic ? 1 / (1 + exp(-$0)) : $0 }
    #expect(maxAbsoluteDifference(mapped, probabilities) <= 1e-5)
    if native { #expect(view.sources == Self.adultRaw) }
  }

  // The values are sums in double of the same float32 leaves; the predictions are float32 sums in each runtime's
  // order.
  @Test("adult_xgb.onnx, onnxmltools' export of adult_xgb.json, gets the native model's TreeSHAP values (1e-6; predictions 1e-5)")
  func sameAsNative() throws {
    let onnx = try Self.load("adult_xgb.onnx", inputColumns: Self.adultRaw)
    let native = try Self.load("adult_xgb.json")
    let table = try CSVReader.read(path: Fixtures.path("models/adult_numeric_features.csv")).selecting(rows: Array(0..<300))
    let players = Self.adultRaw.map { FeatureGroup(name: $0, columns: [$0]) }
    let rows = [0, 3, 11, 250], background = table.selecting(rows: Array(100..<200))
    let a = try TreeSHAP.explain(model: onnx, table: table, rows: rows, background: background, players: players)
    let b = try TreeSHAP.explain(model: native, table: table, rows: rows, background: background, players: players)
    #expect(abs(a.baseValue[0] - b.baseValue[0]) <= 1e-6)
    for (x, y) in zip(a.rows, b.rows) {
      #expect(maxAbsoluteDifference(x.values[0], y.values[0]) <= 1e-6 && abs(x.prediction[0] - y.prediction[0]) <= 1e-5)
    }
  }

  @Test("columns moved by Gather and scaled by Mul keep their sources (TreeSHAP = exact KernelSHAP); a MatMul mixes them and there is no tree view")
  func computedFeatures() throws {
    let rows = try CSVReader.read(path: Fixtures.path("models/onnx_ops/rows.csv"))
    let load = { (name: String) in try ONNXModel(Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/onnx_ops/\(name).onnx"))), path: name,
                                                 inputColumns: ["x0", "x1", "x2"]) }
    let gathered = try load("tree_after_gather")
    let view = try #require(gathered.treeEnsembleView)
    #expect(view.sources == ["x2", "x0", "x0"])
    let players = ["x0", "x1", "x2"].map { FeatureGroup(name: $0, columns: [$0]) }
    let background = rows.selecting(rows: [4, 5, 6, 8, 9])
    let tree = try TreeSHAP.explain(model: gathered, table: rows, rows: [0, 1, 2, 3, 7], background: background, players: players)
    let kernel = try KernelSHAP.explain(model: try TreeSHAPTests.MarginModel(gathered), table: rows, rows: [0, 1, 2, 3, 7],
                                        background: background, groups: players, configuration: .init())
    #expect(kernel.exact)
    for (ours, theirs) in zip(tree.rows, kernel.rows) { #expect(maxAbsoluteDifference(ours.values[0], theirs.values[0]) <= 1e-6) }
    // x1 reaches the tree's input only past the features it reads: φ = 0, and it is listed as not read.
    #expect(tree.rows.allSatisfy { $0.values[0][1] == 0 } && tree.featuresNotRead == ["x1"])
    #expect(try load("tree_after_matmul").treeEnsembleView.map { _ in true } == nil)
  }
}
