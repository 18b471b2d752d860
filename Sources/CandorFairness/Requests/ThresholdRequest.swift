import CandorCore
import CandorModels

/// What a threshold optimization computes, as data (`candor mitigate threshold`).
public struct ThresholdRequest: Sendable {
  /// The tolerances of the default trade-off sweep (the relaxed problem at each).
  public static let defaultSweepTolerances = [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5]

  public var targetColumn: String
  /// The label value of the positive class; nil: the model's positive class, or "1" for a score column.
  public var positive: String?
  public var sensitiveFeatures: [String]
  public var constraint: FairnessConstraint
  public var objective: ThresholdObjective = .accuracy
  public var search: ThresholdSearch = .grid(size: 1000)
  /// Sample weights of the fitting (and evaluation) data.
  public var weightsColumn: String?
  /// Scores from this column of the data instead of a model's.
  public var scoreColumn: String?
  /// Also solve the relaxed problem at each of these tolerances (the accuracy / disparity trade-off).
  public var sweepTolerances: [Double]?
  /// Also allow flipped thresholds, selecting scores below a threshold (Fairlearn's `flip=True`).
  public var flip = false
  /// The unmitigated model's decisions in the evaluation: scores above this.
  public var baseThreshold = 0.5

  public init(targetColumn: String, sensitiveFeatures: [String], constraint: FairnessConstraint) {
    self.targetColumn = targetColumn
    self.sensitiveFeatures = sensitiveFeatures
    self.constraint = constraint
  }
}

/// A fitted threshold policy, its result, and the policy as a model every analysis accepts.
public struct ThresholdAnalysis: Sendable {
  public var result: ThresholdMitigationResult
  public var fit: ThresholdFit
  /// Base model + policy (when the scores came from a model).
  public var thresholdedModel: BuiltinModel?
  /// What the reader should know about the inputs, in words.
  public var warnings: [String] = []
}

extension ThresholdMitigation {
  /// Threshold optimization as `request` asks: fitted on `fitData` scored by `model` (or by the request's
  /// score column), evaluated on `evaluationData`, with `comparedModel` placed on the trade-off. The policy is
  /// also given as a model (base + policy) when the base is a built-in model that a model file can hold.
  /// - Throws: `TableError`, `FairnessError` for a model that is not a binary classifier or bad labels,
  ///   scores and weights.
  public static func run(_ request: ThresholdRequest, fitData: Table, evaluationData: Table? = nil, model: LoadedModel? = nil,
                         comparedModel: (label: String, model: any Model)? = nil) throws -> ThresholdAnalysis {
    precondition((model == nil) != (request.scoreColumn == nil), "scores come from a model or from a column")
    if request.sensitiveFeatures.isEmpty { throw FairnessError.noSensitiveFeatures }
    try request.validate()
    if let model { try checkBase(model.model) }
    let fitScores = try scored(fitData, request: request, model: model?.model)
    let evaluation = try evaluationData.map { try scored($0, request: request, model: model?.model) }
    var (result, fit) = try run(fitData: fitScores, evalData: evaluation, request: request)
    if let comparedModel, result.sweep != nil {
      result.sweep!.append(try tradeoffPoint(of: comparedModel.model, label: comparedModel.label, on: evaluation ?? fitScores,
                                             sensitiveFeatures: request.sensitiveFeatures, constraint: request.constraint))
    }
    var warnings: [String] = []
    let compared = evaluation ?? (request.sweepTolerances != nil ? fitScores : nil)
    if let compared, let outside = compared.scores.first(where: { !($0 >= 0 && $0 <= 1) }) {
      warnings.append("The scores are not probabilities (\(formatNumber(outside)) is outside [0, 1]): the unmitigated model's "
        + "decisions in the evaluation are scores above \(formatNumber(request.baseThreshold)); give --threshold for its own cut-off.")
    }
    return ThresholdAnalysis(result: result, fit: fit,
                             thresholdedModel: model?.file.map { .thresholded(ThresholdedModel(base: $0.model, policy: fit.policy)) },
                             warnings: warnings)
  }

  /// Refuses a base model that is not a deterministic binary classifier; front ends call it before reading data.
  public static func checkBase(_ model: any Model) throws(FairnessError) {
    if model.isRandomized { throw .thresholdPolicyAsBase }
    if !model.providesScores { throw .needsScores(analysis: "Threshold optimization") }
    if model.outputKind != .binaryProbability { throw .notABinaryModel(classes: model.classes) }
  }

  /// Scores (from the model or the score column), binary labels and weights of one data set.
  static func scored(_ table: Table, request: ThresholdRequest, model: (any Model)?) throws -> ScoredData {
    let weights = try request.weightsColumn.map { try Outcomes.weights(table.column($0), file: table.source) }
    let labelColumn = try table.column(request.targetColumn)
    if let model {
      let (positiveClass, scores) = try model.positiveClassProbabilities(table, positive: request.positive)
      return ScoredData(scores: scores, labels: try Outcomes.binaryLabels(labelColumn, positive: positiveClass, file: table.source),
                        weights: weights, table: table)
    }
    // Any finite score, as Fairlearn's ThresholdOptimizer takes a decision_function's margins: only their order
    // and the thresholds between them matter.
    return ScoredData(scores: try Outcomes.finiteScores(table.column(request.scoreColumn!), file: table.source),
                      labels: try Outcomes.binaryLabels(labelColumn, positive: request.positive ?? "1", file: table.source),
                      weights: weights, table: table)
  }
}

extension ThresholdRequest {
  /// Refuses settings no search can use: a cost that is negative or not finite (or both zero), a grid of no
  /// intervals, a tolerance outside [0, 1], an objective equalized odds cannot maximize.
  func validate() throws(FairnessError) {
    if constraint == .equalizedOdds && !objective.suitsEqualizedOdds {
      throw .invalidSetting(.init(.objective, value: objective.name.rawValue, .because(
        "equalized odds maximizes accuracy_score, balanced_accuracy_score or a cost, as Fairlearn's ThresholdOptimizer does")))
    }
    try ColumnRoles(target: targetColumn, sensitive: sensitiveFeatures, weights: weightsColumn,
                    extra: [(.scoreColumn, scoreColumn)]).check()
    if case let .cost(falsePositive, falseNegative) = objective {
      for (setting, cost) in [(Setting.costFalsePositive, falsePositive), (.costFalseNegative, falseNegative)]
      where !(cost >= 0 && cost.isFinite) {
        throw .invalidSetting(.init(setting, value: formatNumber(cost), .nonNegativeFinite))
      }
      if falsePositive == 0 && falseNegative == 0 {
        throw .invalidSetting(.init(.costFalsePositive, value: "0", .because("one of the two costs must be positive")))
      }
    }
    guard baseThreshold.isFinite else { throw .invalidSetting(.init(.threshold, value: formatNumber(baseThreshold), .because("it must be a finite number"))) }
    switch search {
    case let .grid(size) where size < 1: throw .invalidSetting(.init(.gridSize, value: "\(size)", .atLeast(1)))
    case let .exact(tolerance) where !(tolerance >= 0 && tolerance <= 1):
      throw .invalidSetting(.init(.constraintTolerance, value: formatNumber(tolerance), .fromZeroToOne))
    default: break
    }
  }
}
