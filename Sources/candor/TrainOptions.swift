import ArgumentParser
import CandorCore
import CandorModels

extension ModelType: ExpressibleByArgument {
  public static var allValueStrings: [String] { trainable.map(\.rawValue) }
}

extension DecisionTree.Criterion: ExpressibleByArgument {}

/// How to train a built-in model; shared by `candor train` and `candor mitigate reweigh --retrain-out`.
struct TrainOptions: ParsableArguments {
  @Option(help: "Target value that counts as the positive class (binary classification).")
  var positive: String?

  @Option(name: .customLong("model-type"), help: "logistic (default), linear (ridge), mlp or tree (CART).")
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

  @Option(help: "MLP: seed for every random step (initialization and batches; default 0).")
  var seed: UInt64?

  @Option(help: ArgumentHelp("MLP hidden layer widths (default 32,16).", valueName: "n,m"))
  var hidden: String?

  @Option(help: "MLP: most epochs (training stops earlier after 10 epochs without improvement; default 200).")
  var epochs: Int?

  @Option(name: .customLong("batch-size"), help: "MLP mini-batch size (default 200).")
  var batchSize: Int?

  @Option(name: .customLong("learning-rate"), help: "MLP Adam learning rate (default 0.001).")
  var learningRate: Double?

  @Option(name: .customLong("max-depth"), help: "Tree: the deepest a leaf may be (default: grow until leaves are pure or too small).")
  var maxDepth: Int?

  @Option(name: .customLong("min-samples-leaf"), help: "Tree: the fewest training rows a leaf may hold (default 1).")
  var minSamplesLeaf: Int?

  @Option(help: "Tree: gini (default) or entropy for classes, squared_error for a numeric target.")
  var criterion: DecisionTree.Criterion?

  /// The options that shape a model (all but --positive), as (spelling, given) pairs.
  var modelFlags: [(String, Bool)] {
    [("--model-type", givenModelType != nil), ("--l2", inverseRegularization != nil), ("--drop", !drop.isEmpty),
     ("--features", !features.isEmpty), ("--hidden", hidden != nil), ("--epochs", epochs != nil),
     ("--batch-size", batchSize != nil), ("--learning-rate", learningRate != nil), ("--seed", seed != nil),
     ("--allow-many-classes", allowManyClasses), ("--max-depth", maxDepth != nil), ("--min-samples-leaf", minSamplesLeaf != nil),
     ("--criterion", criterion != nil)]
  }

  /// Refuses options that do nothing: MLP options for another model type, `--features` with `--drop`.
  func validate() throws {
    let here = "with --model-type \(modelType.rawValue)"
    try refuseUnused([("--hidden", hidden != nil), ("--epochs", epochs != nil), ("--batch-size", batchSize != nil),
                      ("--learning-rate", learningRate != nil)],
                     unless: modelType == .mlp, here: here, scope: "with --model-type mlp")
    warnUnused([("--seed", seed != nil)], unless: modelType == .mlp, here: here, scope: "with --model-type mlp")
    try refuseUnused([("--l2", inverseRegularization != nil)], unless: modelType != .mlp && modelType != .tree, here: here,
                     scope: "with --model-type logistic or linear")
    try refuseUnused([("--max-depth", maxDepth != nil), ("--min-samples-leaf", minSamplesLeaf != nil), ("--criterion", criterion != nil)],
                     unless: modelType == .tree, here: here, scope: "with --model-type tree")
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
    if let learningRate { options.mlp.learningRate = learningRate }
    if let seed { options.mlp.seed = seed }
    options.tree.maxDepth = maxDepth
    if let minSamplesLeaf { options.tree.minSamplesLeaf = minSamplesLeaf }
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
