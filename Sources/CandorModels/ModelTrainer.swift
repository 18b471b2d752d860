import CandorCore

/// Fits any of the built-in trainable models: the one place `candor train` and retraining after
/// mitigation go through.
public struct TrainingOptions: Sendable, Equatable {
  public var modelType: ModelType = .logistic
  /// Inverse L2 strength C (logistic: scikit-learn's C; linear: Ridge alpha = 1/C). 0 means no penalty
  /// (logistic only): reference coding, and the fit keeps its standard errors.
  public var inverseRegularization: Double = 1
  public var mlp = MLPClassifier.Options()
  public var tree = DecisionTree.Options()
  public var ebm = ExplainableBoostingMachine.Options()
  /// Train a classifier even when the target has more than `maxClasses` classes (usually a numeric target
  /// meant for regression).
  public var allowManyClasses = false

  /// The most classes a classifier is trained on without `allowManyClasses`.
  public static let maxClasses = 50

  public init() {}
}

public enum ModelTrainer {
  /// - Parameter weights: sample weights that replace the spec's weights column (which still stays out of the
  ///   features), e.g. reweighing weights that already include it.
  public static func fit(_ table: Table, spec: TrainingSpec, options: TrainingOptions, weights: [Double]? = nil) throws
    -> (BuiltinModel, TrainingSummary)
  {
    if options.modelType == .linear, let positive = spec.positive {
      throw ModelError.invalidSetting(.init(.positiveClass, value: positive, .because("a linear (regression) model has no positive class")))
    }
    if options.modelType == .ebm, options.ebm.regression, let positive = spec.positive {
      throw ModelError.invalidSetting(.init(.positiveClass, value: positive, .because("a regression EBM (objective squared_error) has no positive class")))
    }
    if options.modelType == .tree, options.tree.criterion == .squaredError, let positive = spec.positive {
      throw ModelError.invalidSetting(.init(.positiveClass, value: positive, .because("a regression tree (criterion squared_error) has no positive class")))
    }
    let unpenalized = options.inverseRegularization == 0
    if unpenalized && options.modelType != .logistic {
      throw ModelError.invalidSetting(.init(.inverseRegularization, value: "0", .because("no penalty is for --model-type logistic (an unpenalized \(options.modelType.rawValue) model is not built)")))
    }
    var spec = spec
    spec.referenceCoding = unpenalized
    spec.scaling = options.modelType != .tree && options.modelType != .ebm
    // A tree is a regression tree when asked to split on squared error; every other kind but linear classifies.
    let classification = options.modelType != .linear && !(options.modelType == .tree && options.tree.criterion == .squaredError)
      && !(options.modelType == .ebm && options.ebm.regression)
    var data = try TrainingSet.prepare(table, spec: spec, classification: classification)
    if case let .classes(classes, _) = data.target, classes.count > TrainingOptions.maxClasses, !options.allowManyClasses {
      throw ModelError.tooManyClasses(target: spec.target, count: classes.count, limit: TrainingOptions.maxClasses,
                                      isNumeric: try table.column(spec.target).isNumeric, file: table.source)
    }
    if let weights {
      precondition(weights.count == data.rowCount, "one weight per row")
      data = TrainingSet(encoder: data.encoder, encoded: data.encoded, target: data.target,
                         weights: weights, targetName: data.targetName)
    }
    switch options.modelType {
    case .logistic:
      var logistic = LogisticRegression.Options(inverseRegularization: unpenalized ? 1 : options.inverseRegularization)
      logistic.penalized = !unpenalized
      let (model, summary) = try LogisticRegression.fit(data, options: logistic)
      return (.logistic(model), summary)
    case .linear:
      let (model, summary) = try LinearRegression.fit(data, inverseRegularization: options.inverseRegularization)
      return (.linear(model), summary)
    case .mlp:
      let (model, summary) = try MLPClassifier.fit(data, options: options.mlp)
      return (.mlp(model), summary)
    case .tree:
      let (model, summary) = try DecisionTree.fit(data, options: options.tree)
      return (.tree(model), summary)
    case .ebm:
      let (model, summary, _) = try ExplainableBoostingMachine.fit(table, data: data, options: options.ebm)
      return (.ebm(model), summary)
    case .thresholded:
      throw ModelError.invalidSetting(.init(.modelType, value: "thresholded", .because("threshold policies come from candor mitigate threshold")))
    }
  }
}
