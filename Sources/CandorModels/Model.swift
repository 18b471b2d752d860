import CandorCore

/// What a model's output columns mean.
public enum OutputKind: String, Sendable, Codable, Equatable {
  /// One column: the probability of the positive class (`classes[1]`).
  case binaryProbability = "binary_probability"
  /// One column per class in `classes`, each row summing to 1.
  case multiclassProbabilities = "multiclass_probabilities"
  /// One column: the predicted value.
  case regression
}

/// Anything that scores a batch of raw rows: Candor's own estimators, loaded model files, adapters.
///
/// Every analysis calls `predict` with large batches; a model owns its preprocessing, so it takes the raw
/// `Table` (columns by name) and never sees one-hot columns from the caller.
public protocol Model: Sendable {
  var outputKind: OutputKind { get }
  /// Class labels (`[negative, positive]` for a binary model); for a regression model, the target name.
  var classes: [String] { get }
  /// The raw columns the model reads.
  var featureNames: [String] { get }
  /// The features the model reads as numbers (a reader can then refuse a text cell by its line); empty when
  /// the model does not say.
  var numericFeatureNames: [String] { get }
  /// Scores every row: rows × 1 for binary probability and regression, rows × classes for multiclass.
  func predict(_ table: Table) throws -> Matrix
  /// True when the model's decisions are drawn at random from its probabilities (post-processing policies),
  /// rather than taken at probability 0.5.
  var isRandomized: Bool { get }
  /// The model's tree ensemble and how a table feeds it, when the model is one (exact TreeSHAP then applies).
  var treeEnsembleView: TreeEnsembleView? { get }
  /// Features it takes but never uses (a tree feature no split tests, an ONNX input no node reads): explanations
  /// give them φ = 0 exactly and list them.
  var unreadFeatureNames: [String] { get }
  /// False for a model that answers class labels only (its "probabilities" are 0 and 1): analyses that need
  /// scores refuse it, fairness leaves out the score metrics.
  var providesScores: Bool { get }
  /// The model's decision as a hyperplane in the raw features, when it is one (a binary linear classifier):
  /// counterfactual search is then exact.
  var linearDecision: LinearDecision? { get }
}

/// A tree ensemble as a model exposes it: its trees, the data column each tree feature comes from (the Shapley
/// player it belongs to), and the ensemble's feature columns for a table.
public struct TreeEnsembleView: Sendable {
  public let ensemble: TreeEnsemble
  /// Per ensemble feature, the data column it is computed from.
  public let sources: [String]
  /// One column per ensemble feature (NaN for missing), for every row of the table.
  public let columns: @Sendable (Table) throws -> [[Double]]

  public init(ensemble: TreeEnsemble, sources: [String], columns: @escaping @Sendable (Table) throws -> [[Double]]) {
    self.ensemble = ensemble
    self.sources = sources
    self.columns = columns
  }
}

extension Model {
  public var isRandomized: Bool { false }

  public var treeEnsembleView: TreeEnsembleView? { nil }

  public var unreadFeatureNames: [String] { [] }

  public var providesScores: Bool { true }

  public var linearDecision: LinearDecision? { nil }

  public var numericFeatureNames: [String] { [] }

  public var isClassifier: Bool { outputKind != .regression }

  /// A binary model's probability of the class `positive` (either of its two; default its positive class).
  public func positiveClassProbabilities(_ table: Table, positive: String?) throws -> (positive: String, probabilities: ContiguousArray<Double>) {
    precondition(outputKind == .binaryProbability, "a binary model")
    let positiveClass = positive ?? classes[1]
    let scores = ContiguousArray(try predict(table).storage)
    return (positiveClass, positiveClass == classes[0] ? ContiguousArray(scores.map { 1 - $0 }) : scores)
  }

  /// Probabilities of every class (rows × classes), also for a binary model (`[1 − p, p]`).
  public func classProbabilities(_ table: Table) throws -> Matrix {
    let scores = try predict(table)
    guard outputKind == .binaryProbability else { return scores }
    var full = Matrix(rows: scores.rows, columns: 2)
    for r in 0..<scores.rows {
      full[r, 0] = 1 - scores[r, 0]
      full[r, 1] = scores[r, 0]
    }
    return full
  }
}

/// A model whose first step is a `FeatureEncoder`: it can also score rows already encoded by entry, so an
/// analysis that builds many synthetic rows from a few real ones (KernelSHAP) can recombine encoded entries
/// instead of building and re-encoding tables.
public protocol EncodedInputModel: Model {
  var encoder: FeatureEncoder { get }
  func predict(encoded: EncodedRows) -> Matrix
}

extension EncodedInputModel {
  public var numericFeatureNames: [String] { encoder.features.filter { $0.kind == .numeric }.map(\.name) }
}

extension LogisticRegression: EncodedInputModel {
  public func predict(encoded: EncodedRows) -> Matrix { probabilities(encoded) }
}

extension LinearRegression: EncodedInputModel {
  public func predict(encoded: EncodedRows) -> Matrix { predictions(encoded) }
}

extension MLPClassifier: EncodedInputModel {
  public func predict(encoded: EncodedRows) -> Matrix { forward(firstLayer: firstLayer(encoded)).output }
}

/// A model whose first layer is linear in the encoded entries: pre-activations z = bias + Σ entries v·W[column].
/// Rows that mix raw features of a few real rows (KernelSHAP's coalitions) can then be scored from each raw
/// feature's contribution, added instead of recomputed.
public protocol LinearFirstLayerModel: EncodedInputModel {
  /// The first layer's width and bias, and per row and encoder slot its contribution: rows × slots × width.
  func firstLayerContributions(_ rows: EncodedRows) -> (width: Int, bias: [Double], contributions: [Double])
  /// The model output from first-layer pre-activations (rows × width, bias included).
  func output(fromFirstLayer z: consuming Matrix) -> Matrix
}

extension MLPClassifier: LinearFirstLayerModel {
  public func firstLayerContributions(_ rows: EncodedRows) -> (width: Int, bias: [Double], contributions: [Double]) {
    let weights = layers[0].weights
    return (weights.columns, layers[0].bias,
            linearContributions(rows, width: weights.columns) { column, unit in weights.storage[column * weights.columns + unit] })
  }

  /// One ReLU layer and a sigmoid output (the common small network, KernelSHAP's about 10⁵ synthetic rows per
  /// explained row) go through the vector kernel where the CPU has AVX2 and FMA; it agrees with the general pass to
  /// rounding (MLPClassifierTests states and checks the bound).
  public func output(fromFirstLayer z: consuming Matrix) -> Matrix {
    if layers.count == 2, layers[1].weights.columns == 1, VectorKernels.available {
      return VectorKernels.reluDotSigmoid(z, weights: layers[1].weights.storage, bias: layers[1].bias[0])
    }
    return forward(firstLayer: z).output
  }
}

/// Logistic regression's first layer is its scores (one per coefficient row); the link makes the output.
extension LogisticRegression: LinearFirstLayerModel {
  public func firstLayerContributions(_ rows: EncodedRows) -> (width: Int, bias: [Double], contributions: [Double]) {
    let coefficients = self.coefficients
    return (coefficients.rows, intercepts,
            linearContributions(rows, width: coefficients.rows) { column, k in coefficients.storage[k * coefficients.columns + column] })
  }

  public func output(fromFirstLayer z: consuming Matrix) -> Matrix {
    var scores = z
    applyLink(&scores)
    return scores
  }
}

/// Ridge regression is its own first layer.
extension LinearRegression: LinearFirstLayerModel {
  public func firstLayerContributions(_ rows: EncodedRows) -> (width: Int, bias: [Double], contributions: [Double]) {
    let coefficients = self.coefficients
    return (1, [intercept], linearContributions(rows, width: 1) { column, _ in coefficients[column] })
  }

  public func output(fromFirstLayer z: consuming Matrix) -> Matrix { z }
}

/// Per row and encoder slot, the slot's entry v times `weight(column, unit)` for each of `width` linear units:
/// rows × slots × width, 0 for empty slots.
func linearContributions(_ rows: EncodedRows, width: Int, weight: (Int, Int) -> Double) -> [Double] {
  var contributions = [Double](repeating: 0, count: rows.rows * rows.stride * width)
  for entry in 0..<(rows.rows * rows.stride) {
    let column = Int(rows.indices[entry])
    if column < 0 { continue }
    let v = rows.values[entry]
    for unit in 0..<width { contributions[entry * width + unit] = v * weight(column, unit) }
  }
  return contributions
}
