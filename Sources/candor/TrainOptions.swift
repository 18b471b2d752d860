import ArgumentParser
import CandorCore
import CandorModels

extension ModelType: ExpressibleByArgument {
  public static var allValueStrings: [String] { trainable.map(\.rawValue) }
}

extension DecisionTree.Criterion: ExpressibleByArgument {}

/// An EBM's loss: InterpretML's `objective` names.
enum EBMObjective: String, ExpressibleByArgument, CaseIterable {
  case logLoss = "log_loss"
  case squaredError = "squared_error"
}

/// How to train a built-in model; shared by `candor train` and `candor mitigate reweigh --retrain-out`.
struct TrainOptions: ParsableArguments {
  @Option(help: "Target value that counts as the positive class (binary classification).")
  var positive: String?

  @Option(name: .customLong("model-type"), help: "logistic (default), linear (ridge), mlp, tree (CART) or ebm (explainable boosting machine).")
  var givenModelType: ModelType?

  var modelType: ModelType { givenModelType ?? .logistic }

  @Option(name: .customLong("l2"), help: "Inverse L2 strength C, as in scikit-learn (linear: Ridge alpha = 1/C; default 1); 0 fits a logistic model without penalty (reference coding, standard errors kept).")
  var inverseRegularization: Double?

  @Option(help: ArgumentHelp("Columns not to use.", valueName: "a,b"))
  var drop: [String] = []

  @Option(help: ArgumentHelp("Feature columns (default: all but target, weights and dropped).", valueName: "a,b"))
  var features: [String] = []

  @Flag(name: .customLong("allow-many-classes"), help: "Train a classifier even on a target with more than 50 classes.")
  var allowManyClasses = false

  @Option(help: "MLP: seed for every random step (initialization and batches; default 0). EBM: seed of the bags' validation splits (default 42).")
  var seed: UInt64?

  @Option(help: ArgumentHelp("MLP hidden layer widths (default 32,16).", valueName: "n,m"))
  var hidden: String?

  @Option(help: "MLP: most epochs (training stops earlier after 10 epochs without improvement; default 200).")
  var epochs: Int?

  @Option(name: .customLong("batch-size"), help: "MLP mini-batch size (default 200).")
  var batchSize: Int?

  @Option(name: .customLong("learning-rate"), help: "MLP: Adam learning rate (default 0.001). EBM: the shrinkage of each boosting step (default 0.04).")
  var learningRate: Double?

  @Option(name: .customLong("max-depth"), help: "Tree: the deepest a leaf may be (default: grow until leaves are pure or too small).")
  var maxDepth: Int?

  @Option(name: .customLong("min-samples-leaf"), help: "Tree: the fewest training rows a leaf may hold (default 1). EBM: the fewest a boosting step's leaf may hold (default 4).")
  var minSamplesLeaf: Int?

  @Option(help: "Tree: gini (default) or entropy for classes, squared_error for a numeric target.")
  var criterion: DecisionTree.Criterion?

  @Option(help: "EBM: log_loss (default, a binary target) or squared_error (a numeric target).")
  var objective: EBMObjective?

  @Option(help: "EBM: how many pair terms (default three per feature, InterpretML's \"3x\"; 0 for main effects only).")
  var interactions: Int?

  @Option(name: .customLong("outer-bags"), help: "EBM: bags boosted on their own split and averaged (default 8).")
  var outerBags: Int?

  @Option(name: .customLong("max-bins"), help: "EBM: most bins of a numeric feature's main effect (default 1024).")
  var maxBins: Int?

  @Option(name: .customLong("max-interaction-bins"), help: "EBM: most bins of a numeric feature in a pair (default 64).")
  var maxInteractionBins: Int?

  @Option(name: .customLong("max-leaves"), help: "EBM: most leaves of a main-effect step's tree (default 3).")
  var maxLeaves: Int?

  @Option(name: .customLong("max-rounds"), help: "EBM: most boosting cycles per stage and bag (default 5000).")
  var maxRounds: Int?

  @Option(name: .customLong("early-stopping-rounds"), help: "EBM: stop after this many cycles without improving the validation loss (default 30).")
  var earlyStoppingRounds: Int?

  @Option(name: .customLong("validation-size"), help: "EBM: the share of rows each bag holds out for early stopping (default 0.15).")
  var validationSize: Double?

  var ebmFlags: [(String, Bool)] {
    [("--objective", objective != nil), ("--interactions", interactions != nil), ("--outer-bags", outerBags != nil), ("--max-bins", maxBins != nil),
     ("--max-interaction-bins", maxInteractionBins != nil), ("--max-leaves", maxLeaves != nil), ("--max-rounds", maxRounds != nil),
     ("--early-stopping-rounds", earlyStoppingRounds != nil), ("--validation-size", validationSize != nil)]
  }

  /// The options that shape a model (all but --positive), as (spelling, given) pairs.
  var modelFlags: [(String, Bool)] {
    [("--model-type", givenModelType != nil), ("--l2", inverseRegularization != nil), ("--drop", !drop.isEmpty),
     ("--features", !features.isEmpty), ("--hidden", hidden != nil), ("--epochs", epochs != nil),
     ("--batch-size", batchSize != nil), ("--learning-rate", learningRate != nil), ("--seed", seed != nil),
     ("--allow-many-classes", allowManyClasses), ("--max-depth", maxDepth != nil), ("--min-samples-leaf", minSamplesLeaf != nil),
     ("--criterion", criterion != nil)] + ebmFlags
  }

  /// Refuses options that do nothing: MLP options for another model type, `--features` with `--drop`.
  func validate() throws {
    let here = "with --model-type \(modelType.rawValue)"
    try refuseUnused([("--hidden", hidden != nil), ("--epochs", epochs != nil), ("--batch-size", batchSize != nil)],
                     unless: modelType == .mlp, here: here, scope: "with --model-type mlp")
    try refuseUnused([("--learning-rate", learningRate != nil)], unless: modelType == .mlp || modelType == .ebm, here: here, scope: "with --model-type mlp or ebm")
    warnUnused([("--seed", seed != nil)], unless: modelType == .mlp || modelType == .ebm, here: here, scope: "with --model-type mlp or ebm")
    try refuseUnused([("--l2", inverseRegularization != nil)], unless: modelType == .logistic || modelType == .linear, here: here,
                     scope: "with --model-type logistic or linear")
    try refuseUnused([("--max-depth", maxDepth != nil), ("--criterion", criterion != nil)],
                     unless: modelType == .tree, here: here, scope: "with --model-type tree")
    try refuseUnused([("--min-samples-leaf", minSamplesLeaf != nil)], unless: modelType == .tree || modelType == .ebm, here: here, scope: "with --model-type tree or ebm")
    try refuseUnused(ebmFlags, unless: modelType == .ebm, here: here, scope: "with --model-type ebm")
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate \(formatNumber(learningRate)): it needs a positive finite number.") }
    if let maxDepth, maxDepth < 1 { throw ValidationError("--max-depth \(maxDepth): a tree needs a depth of at least 1 (a root that splits once).") }
    if let minSamplesLeaf, minSamplesLeaf < 1 { throw ValidationError("--min-samples-leaf \(minSamplesLeaf): a leaf holds at least 1 row.") }
    if !features.isEmpty && !drop.isEmpty {
      throw ValidationError("Give --features (the columns to use) or --drop (the columns not to use), not both.")
    }
  }

  func spec(target: String, weightsColumn: String?) -> TrainingSpec {
    TrainingSpec(target: target, positive: positive, features: features.isEmpty ? nil : commaSeparated(features),
                 drop: commaSeparated(drop), weightsColumn: weightsColumn)
  }

  func trainingOptions() throws -> TrainingOptions {
    var options = TrainingOptions()
    options.modelType = modelType
    if let inverseRegularization { options.inverseRegularization = inverseRegularization }
    options.allowManyClasses = allowManyClasses
    if let hidden { options.mlp.hiddenLayers = try layerWidths(hidden) }
    if let epochs { options.mlp.maxEpochs = epochs }
    if let batchSize { options.mlp.batchSize = batchSize }
    if let learningRate { options.mlp.learningRate = learningRate; options.ebm.learningRate = learningRate }
    if let seed { options.mlp.seed = seed; options.ebm.seed = seed }
    options.tree.maxDepth = maxDepth
    if let minSamplesLeaf { options.tree.minSamplesLeaf = minSamplesLeaf; options.ebm.minSamplesLeaf = minSamplesLeaf }
    options.ebm.regression = objective == .squaredError
    options.ebm.interactions = interactions
    if let outerBags { options.ebm.outerBags = outerBags }
    if let maxBins { options.ebm.maxBins = maxBins }
    if let maxInteractionBins { options.ebm.maxInteractionBins = maxInteractionBins }
    if let maxLeaves { options.ebm.maxLeaves = maxLeaves }
    if let maxRounds { options.ebm.maxRounds = maxRounds }
    if let earlyStoppingRounds { options.ebm.earlyStoppingRounds = earlyStoppingRounds }
    if let validationSize { options.ebm.validationShare = validationSize }
    options.tree.criterion = criterion
    return options
  }
}

/// `--hidden`'s layer widths: positive whole numbers between commas, none empty ("32,,16" is refused, not read as
/// two layers).
func layerWidths(_ text: String) throws -> [Int] {
  let widths = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
  guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
    throw FlagError(.hiddenLayers, value: text, .because("give layer widths as positive whole numbers, e.g. 32,16"))
  }
  return widths.map { $0! }
}
