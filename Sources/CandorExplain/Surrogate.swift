import CandorCore
import CandorModels
import Foundation

/// `candor explain --method surrogate`: a global surrogate ("mimic explainer"; Craven & Shavlik 1996, "Extracting
/// tree-structured representations of trained networks"): a glass-box model — a CART tree or a linear model — fitted
/// to the model's own predictions (its predicted class for a classifier, its score for a regressor) on a seeded share
/// of the rows, and judged on the rest: fidelity is the share of held-out rows where the surrogate predicts the
/// model's class (with a Wilson interval), or the R² of the surrogate against the model's scores (with a seeded
/// percentile bootstrap interval). For a tree surrogate, its leaves with the lowest held-out fidelity say where it
/// misrepresents the model.
public struct SurrogateRequest: Sendable {
  public enum Kind: String, Sendable, Codable, CaseIterable {
    case tree, linear
  }

  public var kind: Kind = .tree
  /// A tree surrogate's depth (default 3).
  public var maxDepth = 3
  /// The share of rows held out to measure fidelity.
  public var heldOutShare = 0.3
  public var seed: UInt64 = 0
  /// Bootstrap resamples of the R² interval.
  public var bootstrap = 200

  public init() {}
}

public struct SurrogateResult: Sendable, Equatable, Codable, JSONDocument {
  /// A tree surrogate's leaf, with how well it agrees with the model on the held-out rows that reach it.
  public struct Leaf: Sendable, Equatable, Codable {
    public var condition: String
    public var prediction: String
    public var heldOutRows: Int
    /// Agreement (classifier) or R² within the leaf (regressor) on its held-out rows; nil when none reach it.
    public var fidelity: Double?

    enum CodingKeys: String, CodingKey {
      case condition, prediction, fidelity
      case heldOutRows = "held_out_rows"
    }
  }

  public var method = "surrogate"
  public var surrogate: SurrogateRequest.Kind
  /// "agreement" (share of held-out rows with the model's class) or "r2" (against the model's scores).
  public var fidelityMeasure: String
  public var fidelity: Double
  public var fidelityInterval: [Double]
  public var heldOutRows: Int
  public var trainingRows: Int
  public var seed: UInt64
  /// A tree surrogate's rules, indented by depth.
  public var rules: [String]?
  /// A linear surrogate's coefficients.
  public var coefficients: CoefficientTable?
  /// A tree surrogate's leaves, least faithful first.
  public var leaves: [Leaf]?

  enum CodingKeys: String, CodingKey {
    case method, surrogate, fidelity, seed, rules, coefficients, leaves
    case fidelityMeasure = "fidelity_measure"
    case fidelityInterval = "fidelity_interval"
    case heldOutRows = "held_out_rows"
    case trainingRows = "training_rows"
  }
}

public enum Surrogate {
  /// The column the surrogate is trained to predict (the model's own predictions).
  static let targetColumn = "__candor_model_prediction"

  /// - Returns: the result and the surrogate as a built-in model (written by `--surrogate-out`).
  /// - Throws: `ExplainError` for too few rows, a regression model that answers labels only, a depth below 1; the
  ///   model's and the fit's errors.
  public static func run(_ request: SurrogateRequest, model: any Model, data: Table) throws -> (SurrogateResult, BuiltinModel) {
    guard request.maxDepth >= 1 else { throw ExplainError.invalidSetting(InvalidSetting(.maxDepth, value: String(request.maxDepth), .atLeast(1))) }
    guard model.isClassifier || model.providesScores else {
      throw ExplainError.invalidSetting(InvalidSetting(.explainMethod, value: "surrogate", .because("the model answers labels only for a numeric target, so there is no score to fit")))
    }
    let n = data.rowCount
    let held = Int((Double(n) * request.heldOutShare).rounded())
    guard held >= 10, n - held >= 10 else {
      throw ExplainError.invalidSetting(InvalidSetting(.explainMethod, value: "surrogate", .because("it needs at least 10 rows to fit and 10 to hold out; the data has \(n)")))
    }
    // The model's predictions, in one call.
    let output = try model.predict(data)
    let predictions: Column
    if model.isClassifier {
      let classes = model.classes
      predictions = .categorical(CategoricalColumn(name: targetColumn, strings: (0..<n).map { r in
        if output.columns == 1 { return output[r, 0] > 0.5 ? classes[1] : classes[0] }
        var best = 0
        for k in 1..<output.columns where output[r, k] > output[r, best] { best = k }
        return classes[best]
      }))
    } else {
      predictions = .numeric(NumericColumn(name: targetColumn, values: ContiguousArray((0..<n).map { output[$0, 0] })))
    }
    let table = data.replacing(predictions)
    // A seeded shuffle: the first `held` rows are held out.
    var random = SeededRandom(seed: request.seed)
    var order = Array(0..<n)
    for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, random.nextIndex(below: i + 1)) }
    let heldOut = Array(order[..<held]).sorted(), training = Array(order[held...]).sorted()
    var options = TrainingOptions()
    options.modelType = request.kind == .tree ? .tree : model.isClassifier ? .logistic : .linear
    options.tree.maxDepth = request.maxDepth
    if !model.isClassifier { options.tree.criterion = .squaredError }
    options.allowManyClasses = true
    if model.isClassifier, let only = predictions.asCategorical().presentLevels.first, predictions.asCategorical().presentLevels.count == 1 {
      throw ExplainError.invalidSetting(InvalidSetting(.explainMethod, value: "surrogate", .because("the model predicts class \(printable(only)) for every row, so there is nothing for a surrogate to tell apart")))
    }
    let spec = TrainingSpec(target: targetColumn, positive: model.isClassifier && model.classes.count == 2 ? model.classes[1] : nil, features: model.featureNames)
    let (surrogate, summary) = try ModelTrainer.fit(table.selecting(rows: training), spec: spec, options: options)
    // Fidelity on the held-out rows.
    let test = table.selecting(rows: heldOut)
    let mimic = try surrogate.model.predict(test)
    var result: SurrogateResult
    if model.isClassifier {
      let truth = (0..<held).map { test[targetColumn]!.text(at: $0) ?? "" }
      let guessed = (0..<held).map { r -> String in
        let classes = surrogate.model.classes
        if mimic.columns == 1 { return mimic[r, 0] > 0.5 ? classes[1] : classes[0] }
        var best = 0
        for k in 1..<mimic.columns where mimic[r, k] > mimic[r, best] { best = k }
        return classes[best]
      }
      let agree = zip(truth, guessed).count { $0 == $1 }
      let p = Double(agree) / Double(held)
      let interval = Statistics.wilsonInterval(proportion: p, trials: Double(held), level: 0.95)
      result = SurrogateResult(surrogate: request.kind, fidelityMeasure: "agreement", fidelity: p, fidelityInterval: [interval.low, interval.high],
                               heldOutRows: held, trainingRows: n - held, seed: request.seed)
      if case let .tree(tree) = surrogate {
        result.leaves = try leaves(tree, test: test) { rows in Double(rows.count { truth[$0] == guessed[$0] }) / Double(rows.count) }
      }
    } else {
      guard case let .numeric(scores)? = test[targetColumn] else { preconditionFailure("the scores are numeric") }
      let y = Array(scores.values), f = Array(mimic.storage)
      let r2 = rSquared(y, f, rows: Array(0..<held))
      var bootstrap = SeededRandom(seed: request.seed &+ 1)
      var replicates: [Double] = []
      for _ in 0..<max(request.bootstrap, 1) { replicates.append(rSquared(y, f, rows: (0..<held).map { _ in bootstrap.nextIndex(below: held) })) }
      replicates.sort()
      result = SurrogateResult(surrogate: request.kind, fidelityMeasure: "r2", fidelity: r2,
                               fidelityInterval: [Statistics.quantile(sorted: replicates, 0.025), Statistics.quantile(sorted: replicates, 0.975)],
                               heldOutRows: held, trainingRows: n - held, seed: request.seed)
      if case let .tree(tree) = surrogate { result.leaves = try leaves(tree, test: test) { rows in rSquared(y, f, rows: rows) } }
    }
    if case let .tree(tree) = surrogate { result.rules = tree.rules } else { result.coefficients = try CoefficientTable.make(surrogate.model, training: summary) }
    return (result, surrogate)
  }

  /// Every leaf of `tree` with the fidelity of the held-out rows reaching it, least faithful first.
  static func leaves(_ tree: DecisionTree, test: Table, fidelity: ([Int]) -> Double) throws -> [SurrogateResult.Leaf] {
    let reached = try tree.leafIndices(test)
    var rows: [Int: [Int]] = [:]
    for (r, leaf) in reached.enumerated() { rows[leaf, default: []].append(r) }
    let missing = Set(tree.featureNames.filter { if case let .numeric(x)? = test[$0] { x.values.contains { $0.isNaN } } else { false } })
    let leaves = (0..<tree.nodeCount).filter { tree.left[$0] < 0 }.map { leaf in
      SurrogateResult.Leaf(condition: tree.path(to: leaf, missing: missing).joined(separator: " and "), prediction: tree.prediction(at: leaf), heldOutRows: rows[leaf]?.count ?? 0,
                           fidelity: rows[leaf].map { fidelity($0) })
    }
    return leaves.sorted { ($0.fidelity ?? .infinity, -$0.heldOutRows) < ($1.fidelity ?? .infinity, -$1.heldOutRows) }
  }

  /// 1 − Σ(y − f)² / Σ(y − ȳ)² over `rows` (0 when y is constant there).
  static func rSquared(_ y: [Double], _ f: [Double], rows: [Int]) -> Double {
    let mean = rows.reduce(0) { $0 + y[$1] } / Double(max(rows.count, 1))
    var residual = 0.0, spread = 0.0
    for r in rows { residual += (y[r] - f[r]) * (y[r] - f[r]); spread += (y[r] - mean) * (y[r] - mean) }
    return spread > 0 ? 1 - residual / spread : (residual == 0 ? 1 : 0)
  }
}
