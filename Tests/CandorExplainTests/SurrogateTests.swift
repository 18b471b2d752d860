import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// `candor explain --method surrogate`: laws (a surrogate that can represent the model exactly is exactly faithful),
/// the Wilson interval against statsmodels' `proportion_confint`, and the surrogate as a model.
@Suite struct SurrogateTests {
  static let data = try! CSVReader.read(path: Fixtures.sample("german_credit.csv"))

  static func stump(target: String, positive: String?, regression: Bool) throws -> any Model {
    var options = TrainingOptions()
    options.modelType = .tree
    options.tree.maxDepth = 1
    if regression { options.tree.criterion = .squaredError }
    return try ModelTrainer.fit(Self.data, spec: TrainingSpec(target: target, positive: positive), options: options).0.model
  }

  /// Class 1 exactly when duration is at most 24: one split.
  struct DurationRule: Model {
    var outputKind: OutputKind { .binaryProbability }
    var classes: [String] { ["0", "1"] }
    var featureNames: [String] { ["duration", "age", "purpose"] }
    func predict(_ table: Table) throws -> Matrix {
      guard case let .numeric(d)? = table["duration"] else { throw ExplainError.unknownFeature("duration", available: table.columnNames) }
      return Matrix(rows: table.rowCount, columns: 1, storage: ContiguousArray(d.values.map { $0 <= 24 ? 0.9 : 0.2 }))
    }
  }

  @Test("a depth-3 tree surrogate of a one-split rule agrees on every held-out row; its interval is statsmodels' Wilson interval for 300 of 300")
  func exactClassifier() throws {
    let (result, surrogate) = try Surrogate.run(SurrogateRequest(), model: DurationRule(), data: Self.data)
    #expect(result.fidelity == 1 && result.heldOutRows == 300 && result.trainingRows == 700 && result.fidelityMeasure == "agreement")
    // statsmodels.stats.proportion.proportion_confint(300, 300, alpha=0.05, method='wilson')
    #expect(abs(result.fidelityInterval[0] - 0.9873570287754538) <= 1e-12 && abs(result.fidelityInterval[1] - 0.9999999999999998) <= 1e-12)
    #expect(result.leaves?.allSatisfy { $0.fidelity == nil || $0.fidelity == 1 } == true)
    // One split between 24 and the next duration in the data (26) separates the classes: the root is that split
    // and both children are pure leaves.
    #expect(result.rules?.count == 2, "\(result.rules ?? [])")
    #expect(result.rules?.first?.hasPrefix("duration ≤ 25: class 1 (P(1) = 1)") == true && result.rules?.last?.hasPrefix("duration > 25: class 0 (P(0) = 1)") == true, "\(result.rules ?? [])")
    guard case .tree = surrogate else { Issue.record("a tree surrogate"); return }
  }

  @Test("a tree surrogate of a one-split regression tree explains all of its scores (R² = 1, interval [1, 1])")
  func exactRegressor() throws {
    let (result, _) = try Surrogate.run(SurrogateRequest(), model: try Self.stump(target: "credit_amount", positive: nil, regression: true), data: Self.data)
    #expect(result.fidelityMeasure == "r2" && result.fidelity == 1 && result.fidelityInterval == [1, 1])
  }

  @Test("the agreement is the surrogate's own predictions against the model's on held-out rows: the same seed gives the same split and fidelity, another seed another split; Wilson for 17 of 23 is statsmodels'")
  func seeded() throws {
    let model = try ModelLoader.load(path: Fixtures.path("whatif/german_logreg.json")).model.model
    var request = SurrogateRequest()
    request.kind = .linear
    let a = try Surrogate.run(request, model: model, data: Self.data).0, b = try Surrogate.run(request, model: model, data: Self.data).0
    #expect(a == b && a.fidelity > 0.9 && a.coefficients != nil)
    request.seed = 5
    let c = try Surrogate.run(request, model: model, data: Self.data).0
    #expect(c.seed == 5 && c.heldOutRows == 300)
    let w = Statistics.wilsonInterval(proportion: 17.0 / 23, trials: 23, level: 0.95)
    #expect(abs(w.low - 0.5352999516257462) <= 1e-12 && abs(w.high - 0.8745138395501364) <= 1e-12)
  }
}

/// CART trees explained exactly: TreeSHAP over a tree's one-tree ensemble view equals KernelSHAP's enumeration of
/// every coalition, and each row's values sum to its prediction minus the base value.
@Suite struct DecisionTreeSHAPTests {
  @Test("TreeSHAP on a depth-4 German tree equals exact KernelSHAP (all 512 coalitions) within 1e-12; efficiency per row")
  func treeSHAPEqualsKernelSHAP() throws {
    let data = SurrogateTests.data
    var options = TrainingOptions()
    options.modelType = .tree
    options.tree.maxDepth = 4
    let model = try ModelTrainer.fit(data, spec: TrainingSpec(target: "risk", positive: "1"), options: options).0.model
    _ = try #require(model.treeEnsembleView)
    let background = data.selecting(rows: Array(stride(from: 0, to: 1000, by: 50)))
    let players = model.featureNames.map { FeatureGroup(name: $0, columns: [$0]) }
    let tree = try TreeSHAP.explain(model: model, table: data, rows: [0, 1, 7], background: background, players: players)
    var configuration = KernelSHAP.Configuration()
    configuration.nsamples = (1 << players.count) + 10
    let kernel = try KernelSHAP.explain(model: model, table: data, rows: [0, 1, 7], background: background, groups: players, configuration: configuration)
    #expect(kernel.exact && abs(tree.baseValue[0] - kernel.baseValue[0]) <= 1e-12)
    for (ours, theirs) in zip(tree.rows, kernel.rows) {
      for (a, b) in zip(ours.values[0], theirs.values[0]) { #expect(abs(a - b) <= 1e-12, "row \(ours.row)") }
      #expect(abs(ours.values[0].reduce(0, +) - (ours.prediction[0] - tree.baseValue[0])) <= 1e-12)
    }
  }
}
