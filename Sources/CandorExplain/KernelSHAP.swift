import CandorCore
import CandorModels
import Foundation

/// The output scale Shapley values are computed on.
public enum Link: String, Sendable, CaseIterable, Codable {
  case identity, logit

  func apply(_ p: Double) -> Double {
    switch self {
    case .identity: p
    case .logit: log(p / (1 - p))
    }
  }
}

/// KernelSHAP (Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions", NeurIPS,
/// Theorem 2): Shapley values of the interventional value function v(S) = link(mean_b f(x_S, b_S̄)) over a
/// background set, as the solution of a weighted least-squares problem with the Shapley kernel weights and
/// the efficiency constraint Σφ = link(f(x)) − link(E f) solved exactly (LAPACK).
///
/// Coalitions: every one when 2^M − 2 ≤ nsamples (the result is then the exact Shapley value); otherwise
/// shap's rule (whole subset sizes from both ends while the budget allows, the rest sampled by kernel mass,
/// each sample with its complement, repeats merged into weights). No L1 feature selection.
/// Standard errors: jackknife over ten blocks of the sampled coalitions (0 when enumeration is complete).
public struct KernelSHAP: Sendable, Equatable, Codable, JSONDocument {
  public struct RowExplanation: Sendable, Equatable, Codable {
    public var row: Int
    public var prediction: [Double]
    /// values[output][feature]
    public var values: [[Double]]
    public var stdErrors: [[Double]]
    public var stoppedBy: StoppingRule

    enum CodingKeys: String, CodingKey {
      case row, prediction, values
      case stdErrors = "std_errors"
      case stoppedBy = "stopped_by"
    }
  }

  public var method = ExplanationMethod.kernelshap
  public var features: [String]
  public var outputs: [String]
  public var link: Link
  public var baseValue: [Double]
  public var nsamples: Int
  public var exact: Bool
  public var seed: UInt64
  public var rows: [RowExplanation]
  public var meanAbs: [String: [Double]]
  /// Set when --max-features selected features; nil otherwise.
  public var maxFeatures: Int?
  public var tolerance: Double?
  /// Players none of whose columns the model uses: φ = 0 exactly, said rather than left to be noticed (nil in
  /// results written before candor reported them).
  public var featuresNotRead: [String]? = nil

  enum CodingKeys: String, CodingKey {
    case method, features, outputs, link, nsamples, exact, seed, rows
    case tolerance
    case baseValue = "base_value"
    case meanAbs = "mean_abs"
    case maxFeatures = "max_features"
    case featuresNotRead = "features_not_read"
  }

  public struct Configuration: Sendable {
    public var nsamples: Int?
    public var link: Link = .identity
    public var seed: UInt64 = 0
    /// Weights of the background rows (k-means centroids carry their cluster sizes); nil: equal.
    public var backgroundWeights: [Double]?
    /// Keep sampling until every standard error is below this (nsamples is then the budget).
    public var tolerance: Double?
    /// Explicit feature selection: only the K largest |φ| are estimated, the rest reported as 0.
    public var maxFeatures: Int?
    /// The random stream of the first explained row: row i of `rows` samples its coalitions from stream
    /// firstStream + i, so a shard explaining positions p… of a longer list draws what the whole run draws there.
    public var firstStream = 0
    public init() {}
  }

  /// - Parameters:
  ///   - rows: indices of `table` rows to explain.
  ///   - background: the background rows (same columns).
  ///   - groups: the players (raw features, or user groups of columns), moved together.
  public static func explain(model: any Model, table: Table, rows: [Int], background: Table, groups: [FeatureGroup],
                             configuration: Configuration) throws -> KernelSHAP {
    guard model.providesScores else { throw ExplainError.needsScores(what: "KernelSHAP") }
    let featureCount = groups.count
    let nsamples = configuration.nsamples ?? 2 * featureCount + 2048
    if let k = configuration.maxFeatures, k < 1 {
      throw ExplainError.invalidSetting(.init(.maxFeatures, value: "\(k)", .atLeast(1)))
    }
    if let t = configuration.tolerance, !(t > 0) {
      throw ExplainError.invalidSetting(.init(.standardErrorTolerance, value: "\(t)", .positive))
    }
    guard nsamples >= featureCount + 2 else {
      throw ExplainError.invalidSetting(.init(.nsamples, value: "\(nsamples)", .because("needs at least M + 2 = \(featureCount + 2) for \(featureCount) features")))
    }
    if featureCount > 30 && nsamples >= 1 << 30 {
      throw ExplainError.invalidSetting(.init(.nsamples, value: "\(nsamples)", .because("more than 2^30 coalitions cannot be enumerated")))
    }
    for row in rows where row < 0 || row >= table.rowCount { throw ExplainError.rowOutOfRange(row: row, rowCount: table.rowCount) }
    if configuration.link == .logit && !model.isClassifier {
      throw ExplainError.invalidSetting(.init(.link, value: "logit", .because("the logit link needs a model with probability outputs")))
    }
    let columns = groups.flatMap(\.columns)
    for name in columns where table.index(of: name) == nil || background.index(of: name) == nil {
      throw ExplainError.unknownFeature(name, available: model.featureNames)
    }
    // Background rows followed by the explained rows, so every synthetic row is a per-column gather.
    let source = try background.selecting(columns: background.columnNames.filter { table.index(of: $0) != nil })
      .concatenating([try table.selecting(columns: background.columnNames.filter { table.index(of: $0) != nil }).selecting(rows: rows)])
    let backgroundCount = background.rowCount
    guard backgroundCount > 0 else { throw ExplainError.invalidSetting(.init(.backgroundSize, value: "0", .atLeast(1, unit: "row"))) }
    if let w = configuration.backgroundWeights {
      guard w.count == backgroundCount, w.allSatisfy({ $0.isFinite && $0 >= 0 }), w.reduce(0, +) > 0 else {
        throw ExplainError.invalidSetting(.init(.backgroundSize, value: "\(w.count) weights",
                                                .because("needs one finite, non-negative weight per background row, not all zero")))
      }
    }
    // One call for the background and the explained rows together.
    let basePredictions = try model.predict(source)
    let outputCount = basePredictions.columns
    let weights = configuration.backgroundWeights.map { w in w.map { $0 / w.reduce(0, +) } }
      ?? [Double](repeating: 1 / Double(backgroundCount), count: backgroundCount)
    let meanBackground = (0..<outputCount).map { k in
      (0..<backgroundCount).reduce(0) { $0 + weights[$1] * basePredictions[$1, k] }
    }
    let outputs = model.outputKind == .binaryProbability ? [model.classes[1]] : model.classes
    let results = DisjointWrites<Result<RowExplanation, any Error>?>(repeating: nil, count: rows.count)
    let groupColumns = groups.map { $0.columns.map { source.index(of: $0)! } }
    let fastPath = try EncodedSource(model: model, source: source, groups: groups)
    let progress = Progress("KernelSHAP rows", total: rows.count)
    parallelFor(rows.count) { i in
      defer { progress.advance() }
      results[i] = Result {
        try explainRow(model: model, source: source, explained: backgroundCount + i, backgroundCount: backgroundCount,
                       groupColumns: groupColumns, nsamples: nsamples, link: configuration.link,
                       random: SeededRandom(seed: configuration.seed, stream: configuration.firstStream + i), row: rows[i],
                       fx: (0..<outputCount).map { basePredictions[backgroundCount + i, $0] }, meanBackground: meanBackground,
                       backgroundWeights: weights, encoded: fastPath, tolerance: configuration.tolerance,
                       maxFeatures: configuration.maxFeatures)
      }
    }
    let explanations = try results.values.map { try $0!.get() }
    let meanAbs = meanAbsolute(explanations.map(\.values), players: groups.map(\.name), outputs: outputCount)
    let exact = featureCount < 31 && (1 << featureCount) - 2 <= nsamples
    let unread = Set(model.unreadFeatureNames)
    let used = Set(model.featureNames).subtracting(unread)
    var result = KernelSHAP(features: groups.map(\.name), outputs: outputs, link: configuration.link,
                      baseValue: meanBackground.map(configuration.link.apply), nsamples: nsamples, exact: exact,
                      seed: configuration.seed, rows: explanations, meanAbs: meanAbs,
                      maxFeatures: configuration.maxFeatures.flatMap { $0 < featureCount ? $0 : nil }, tolerance: configuration.tolerance)
    result.featuresNotRead = groups.filter { !$0.columns.contains(where: used.contains) }.map(\.name)
    return result
  }
}

/// Why KernelSHAP stopped sampling coalitions for a row.
public enum StoppingRule: String, Sendable, Codable {
  /// Every coalition was enumerated.
  case exact
  /// Every standard error fell below the tolerance.
  case tolerance
  /// The budget of nsamples coalitions was spent.
  case budget
}

extension KernelSHAP {
  public static var jsonLayout: JSONLayout { .compact }

  /// The documented key order, `mean_abs` in feature order, and `max_features` / `tolerance` written as null
  /// when unset.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(method, forKey: .method)
    try container.encode(features, forKey: .features)
    try container.encode(outputs, forKey: .outputs)
    try container.encode(link, forKey: .link)
    try container.encode(baseValue, forKey: .baseValue)
    try container.encode(nsamples, forKey: .nsamples)
    try container.encode(exact, forKey: .exact)
    try container.encode(seed, forKey: .seed)
    try container.encode(rows, forKey: .rows)
    var meanAbsolute = container.nestedContainer(keyedBy: NameKey.self, forKey: .meanAbs)
    for name in features { try meanAbsolute.encode(meanAbs[name], forKey: NameKey(name)) }
    try container.encode(maxFeatures, forKey: .maxFeatures)
    try container.encode(tolerance, forKey: .tolerance)
    try container.encode(featuresNotRead ?? [], forKey: .featuresNotRead)
  }
}

/// The background and explained rows encoded once, for models whose first layer is linear in the encoded
/// entries (logistic, ridge, MLP): each source row's per-slot contributions to that layer, from which every
/// synthetic row's first layer is added up instead of being built and re-encoded.
struct EncodedSource: @unchecked Sendable {
  let model: any LinearFirstLayerModel
  let rows: EncodedRows
  /// For each encoder slot (raw feature), the player that owns it, or −1.
  let owner: [Int]
  /// The first layer's width and bias, and each source row's per-slot contributions to it.
  struct FirstLayer {
    let width: Int
    let bias: [Double]
    let contributions: [Double]
  }
  let firstLayer: FirstLayer

  init?(model: any Model, source: Table, groups: [FeatureGroup]) throws {
    guard let linearModel = model as? any LinearFirstLayerModel else { return nil }
    let slots = linearModel.encoder.featureNames
    var owner = [Int](repeating: -1, count: slots.count)
    for (g, group) in groups.enumerated() {
      for column in group.columns {
        guard let slot = slots.firstIndex(of: column) else { continue }
        owner[slot] = g
      }
    }
    self.model = linearModel
    rows = try linearModel.encoder.encodedRows(source)
    self.owner = owner
    let (width, bias, contributions) = linearModel.firstLayerContributions(rows)
    firstLayer = FirstLayer(width: width, bias: bias, contributions: contributions)
  }
}
