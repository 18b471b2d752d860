import CandorCore
import CandorModels

/// Scores, labels and sensitive columns of one data set, as threshold mitigation reads them.
public struct ScoredData: Sendable {
  public var scores: ContiguousArray<Double>
  public var labels: ContiguousArray<UInt8>
  public var weights: ContiguousArray<Double>?
  public var table: Table

  public init(scores: ContiguousArray<Double>, labels: ContiguousArray<UInt8>, weights: ContiguousArray<Double>?, table: Table) {
    self.scores = scores
    self.labels = labels
    self.weights = weights
    self.table = table
  }
}

/// The result of `candor mitigate threshold`, as written to JSON.
public struct ThresholdMitigationResult: Sendable, Codable, JSONDocument {
  public struct Search: Sendable, Codable {
    public enum Mode: String, Sendable, Codable {
      /// Fairlearn's grid.
      case grid
      /// Every hull vertex, by linear programming.
      case exact
    }
    public var mode: Mode
    public var gridSize: Int?
    public var tolerance: Double?
    /// Whether flipped thresholds (`score < t`) were allowed (Fairlearn's `flip`).
    public var flip: Bool
    enum CodingKeys: String, CodingKey {
      case mode, tolerance, flip
      case gridSize = "grid_size"
    }

    public init(mode: Mode, gridSize: Int?, tolerance: Double?, flip: Bool) {
      self.mode = mode
      self.gridSize = gridSize
      self.tolerance = tolerance
      self.flip = flip
    }

    /// Results written before flipped thresholds existed have no `flip`: theirs is false.
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      self.init(mode: try container.decode(Mode.self, forKey: .mode), gridSize: try container.decodeIfPresent(Int.self, forKey: .gridSize),
                tolerance: try container.decodeIfPresent(Double.self, forKey: .tolerance),
                flip: try container.decodeIfPresent(Bool.self, forKey: .flip) ?? false)
    }
  }

  public struct Fit: Sendable, Codable {
    public var xBest: Double?
    public var yBest: Double
    public var operatingPoints: [String: [Double]]
    enum CodingKeys: String, CodingKey {
      case xBest = "x_best"
      case yBest = "y_best"
      case operatingPoints = "operating_points"
    }
  }

  /// One point of the accuracy / disparity trade-off.
  public struct TradeoffPoint: Sendable, Codable {
    public var label: String
    public var tolerance: Double?
    public var accuracy: Double
    public var disparity: Double
  }

  public var constraint: FairnessConstraint
  public var objective: ObjectiveScore
  public var sensitiveFeatures: [String]
  public var search: Search
  public var policy: [String: GroupThresholdPolicy.Rule]
  public var fit: Fit
  public var evaluation: MitigationComparison?
  /// The disparity the trade-off is measured in (the constraint's metric difference between groups).
  public var disparityName: String
  public var sweep: [TradeoffPoint]?

  enum CodingKeys: String, CodingKey {
    case constraint, objective, search, policy, fit, evaluation, sweep
    case sensitiveFeatures = "sensitive_features"
    case disparityName = "disparity_name"
  }
}

public enum ThresholdMitigation {
  /// The difference that measures a constraint's violation on evaluated data.
  public static func disparityName(_ constraint: FairnessConstraint) -> String {
    switch constraint {
    case .demographicParity: Disparity.demographicParityDifference.rawValue
    case .equalizedOdds: Disparity.equalizedOddsDifference.rawValue
    case .truePositiveRateParity, .falseNegativeRateParity: Disparity.equalOpportunityDifference.rawValue
    // Not one of Fairlearn's named disparities: the difference between groups of the false positive rate.
    case .falsePositiveRateParity, .trueNegativeRateParity: "false_positive_rate_difference"
    }
  }

  static func disparity(_ block: MitigationBlock, _ constraint: FairnessConstraint) -> Double {
    if let value = block.disparities[disparityName(constraint)] { return value }
    let rates = block.byGroup[FairnessMetric.falsePositiveRate.rawValue]?.values.map { $0 } ?? []
    return Aggregation.differenceBetweenGroups.apply(rates, overall: .nan)
  }

  /// The unmitigated model on `data`: its scores thresholded at `threshold`.
  static func baseline(_ data: ScoredData, sensitiveFeatures: [String], threshold: Double) throws -> MitigationBlock {
    let hard = Outcomes.binary(labels: data.labels, predictions: ContiguousArray(data.scores.map { $0 > threshold ? 1 : 0 }), scores: nil)
    return try MitigationEvaluation.block(hard, weights: data.weights, table: data.table, sensitiveFeatures: sensitiveFeatures)
  }

  /// The policy on `data`, in expectation over its randomized decisions.
  static func mitigated(_ policy: GroupThresholdPolicy, _ data: ScoredData) throws -> MitigationBlock {
    let soft = Outcomes.randomizedBinary(labels: data.labels,
                                        positiveProbabilities: try policy.positiveProbabilities(scores: data.scores, table: data.table))
    return try MitigationEvaluation.block(soft, weights: data.weights, table: data.table, sensitiveFeatures: policy.sensitiveFeatures)
  }

  /// Before (the base scores thresholded at `baseThreshold`) and after (the policy, in expectation) on `data`.
  public static func evaluate(_ policy: GroupThresholdPolicy, on data: ScoredData, baseThreshold: Double = 0.5) throws -> MitigationComparison {
    .init(before: try baseline(data, sensitiveFeatures: policy.sensitiveFeatures, threshold: baseThreshold), after: try mitigated(policy, data))
  }

  /// Where another model's hard decisions (probability above 0.5) sit on the trade-off, on `data`.
  public static func tradeoffPoint(of model: any Model, label: String, on data: ScoredData, sensitiveFeatures: [String],
                                   constraint: FairnessConstraint) throws -> ThresholdMitigationResult.TradeoffPoint {
    let scores = try model.predict(data.table).storage
    let outcomes = Outcomes.binary(labels: data.labels, predictions: ContiguousArray(scores.map { $0 > 0.5 ? 1 : 0 }), scores: nil)
    let block = try MitigationEvaluation.block(outcomes, weights: data.weights, table: data.table, sensitiveFeatures: sensitiveFeatures)
    return .init(label: label, tolerance: nil, accuracy: block.accuracy, disparity: disparity(block, constraint))
  }

  /// The fit, evaluation and sweep `request` asks for, on data already scored.
  static func run(fitData: ScoredData, evalData: ScoredData?, request: ThresholdRequest) throws -> (ThresholdMitigationResult, ThresholdFit) {
    let sensitiveFeatures = request.sensitiveFeatures, constraint = request.constraint
    func fitPolicy(_ search: ThresholdSearch) throws -> ThresholdFit {
      try ThresholdOptimizer.fit(scores: fitData.scores, labels: fitData.labels, weights: fitData.weights,
                                 grouping: try fitData.table.grouping(by: sensitiveFeatures), constraint: constraint,
                                 objective: request.objective, search: search, flip: request.flip)
    }
    let fit = try fitPolicy(request.search)
    let evaluation = try evalData.map { try evaluate(fit.policy, on: $0, baseThreshold: request.baseThreshold) }
    var sweep: [ThresholdMitigationResult.TradeoffPoint]?
    if let tolerances = request.sweepTolerances {
      let target = evalData ?? fitData
      let baseline = try evaluation?.before ?? Self.baseline(target, sensitiveFeatures: sensitiveFeatures, threshold: request.baseThreshold)
      var points = [ThresholdMitigationResult.TradeoffPoint(label: "unmitigated", tolerance: nil, accuracy: baseline.accuracy,
                                                            disparity: disparity(baseline, constraint))]
      for tolerance in tolerances {
        let relaxed = try mitigated(try fitPolicy(.exact(tolerance: tolerance)).policy, target)
        points.append(.init(label: "tolerance \(tolerance)", tolerance: tolerance, accuracy: relaxed.accuracy,
                            disparity: disparity(relaxed, constraint)))
      }
      sweep = points
    }
    let searchDescription: ThresholdMitigationResult.Search
    switch request.search {
    case let .grid(size): searchDescription = .init(mode: .grid, gridSize: size, tolerance: nil, flip: request.flip)
    case let .exact(tolerance): searchDescription = .init(mode: .exact, gridSize: nil, tolerance: tolerance, flip: request.flip)
    }
    let result = ThresholdMitigationResult(
      constraint: constraint, objective: request.objective.name, sensitiveFeatures: sensitiveFeatures, search: searchDescription,
      policy: fit.policy.rules, fit: .init(xBest: fit.xBest, yBest: fit.yBest, operatingPoints: fit.operatingPoints),
      evaluation: evaluation, disparityName: disparityName(constraint), sweep: sweep)
    return (result, fit)
  }
}
