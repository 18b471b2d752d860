import CandorCore
import CandorModels

/// What a reweighing run computes, as data (`candor mitigate reweigh`).
public struct ReweighingRequest: Sendable {
  /// How to retrain a built-in model with the weights.
  public struct Retraining: Sendable {
    public var spec: TrainingSpec
    public var options: TrainingOptions
    public init(spec: TrainingSpec, options: TrainingOptions) {
      self.spec = spec
      self.options = options
    }
  }

  public var targetColumn: String
  /// The label value of the positive class; nil: the second class in sorted order.
  public var positive: String?
  /// One or several features (intersectional groups `a|b`, keyed by `Grouping.key`).
  public var sensitiveFeatures: [String]
  /// Existing sample weights to reweigh on top of.
  public var weightsColumn: String?
  /// Retrain with the weights; with evaluation data, also compare with the model trained without them.
  public var retraining: Retraining?

  public init(targetColumn: String, sensitiveFeatures: [String]) {
    self.targetColumn = targetColumn
    self.sensitiveFeatures = sensitiveFeatures
  }
}

/// Reweighing weights, and the retrained model with its comparison when asked for.
public struct ReweighingAnalysis: Sendable {
  public var reweighing: Reweighing
  public var retrained: (model: BuiltinModel, summary: TrainingSummary)?
  /// The original and the retrained model's hard decisions on the evaluation data.
  public var evaluation: MitigationComparison?

  /// The JSON result (schema: docs/schemas/mitigation.schema.json).
  public var report: ReweighingReport { ReweighingReport(reweighing: reweighing, evaluation: evaluation) }
}

extension Reweighing {
  /// Reweighing of `data` as `request` asks; `evaluationData` (with `request.retraining`) compares the model
  /// trained without the weights and the one trained with them.
  /// - Throws: `TableError`, `ModelError` (training), `FairnessError` for a label that is not binary or bad weights.
  public static func run(_ request: ReweighingRequest, data: Table, evaluationData: Table? = nil) throws -> ReweighingAnalysis {
    if request.sensitiveFeatures.isEmpty { throw FairnessError.noSensitiveFeatures }
    try ColumnRoles(target: request.targetColumn, sensitive: request.sensitiveFeatures, weights: request.weightsColumn).check()
    let targetColumn = try data.column(request.targetColumn)
    guard case let .classes(classes, labels) = try TrainingSet.classificationTarget(targetColumn, positive: request.positive, file: data.source),
      classes.count == 2
    else {
      throw FairnessError.labelNotBinary(column: request.targetColumn, values: targetColumn.asCategorical().levels, file: data.source)
    }
    let base = try request.weightsColumn.map { try Outcomes.weights(data.column($0), file: data.source) }
    let reweighing = fit(labels: ContiguousArray(labels.map { UInt8($0) }), grouping: try data.grouping(by: request.sensitiveFeatures),
                         baseWeights: base)
    var analysis = ReweighingAnalysis(reweighing: reweighing, retrained: nil, evaluation: nil)
    if let retraining = request.retraining {
      // The reweighing weights already include any base weights.
      analysis.retrained = try ModelTrainer.fit(data, spec: retraining.spec, options: retraining.options, weights: reweighing.rowWeights)
      if let evaluationData {
        let (original, _) = try ModelTrainer.fit(data, spec: retraining.spec, options: retraining.options)
        analysis.evaluation = try MitigationEvaluation.compare(original.model, analysis.retrained!.model.model, on: evaluationData,
                                                               target: request.targetColumn, positive: classes[1],
                                                               sensitiveFeatures: request.sensitiveFeatures)
      }
    }
    return analysis
  }
}
