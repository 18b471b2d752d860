import ArgumentParser
import CandorCore
import CandorModels

extension ModelType: ExpressibleByArgument {
  public static var allValueStrings: [String] { trainable.map(\.rawValue) }
}

/// How to train a built-in model; shared by `candor train` and `candor mitigate reweigh --retrain-out`.
struct TrainOptions: ParsableArguments {
  @Option(help: "Target value that counts as the positive class (binary classification).")
  var positive: String?

  @Option(name: .customLong("model-type"), help: "logistic, linear (ridge) or mlp.")
  var modelType: ModelType = .logistic

  @Option(name: .customLong("l2"), help: "Inverse L2 strength C, as in scikit-learn (linear: Ridge alpha = 1/C).")
  var inverseRegularization: Double = 1

  @Option(help: ArgumentHelp("Columns not to use.", valueName: "a,b"))
  var drop: [String] = []

  @Option(help: ArgumentHelp("Feature columns (default: all but target, weights and dropped).", valueName: "a,b"))
  var features: [String] = []

  @Flag(name: .customLong("allow-many-classes"), help: "Train a classifier even on a target with more than 50 classes.")
  var allowManyClasses = false

  @Option(help: "Seed for every random step (MLP initialization and batches).")
  var seed: UInt64 = 0

  @Option(help: ArgumentHelp("MLP hidden layer widths.", valueName: "n,m"))
  var hidden: String = "32,16"

  @Option(help: "MLP: most epochs (training stops earlier after 10 epochs without improvement).")
  var epochs: Int = 200

  @Option(name: .customLong("batch-size"), help: "MLP mini-batch size.")
  var batchSize: Int = 200

  @Option(name: .customLong("learning-rate"), help: "MLP Adam learning rate.")
  var learningRate: Double = 0.001

  func spec(target: String, weightsColumn: String?) -> TrainingSpec {
    TrainingSpec(target: target, positive: positive, features: features.isEmpty ? nil : commaSeparated(features),
                 drop: commaSeparated(drop), weightsColumn: weightsColumn)
  }

  func trainingOptions() throws -> TrainingOptions {
    var options = TrainingOptions()
    options.modelType = modelType
    options.inverseRegularization = inverseRegularization
    options.allowManyClasses = allowManyClasses
    let widths = commaSeparated([hidden]).map { Int($0) }
    guard !widths.contains(nil), !widths.isEmpty else {
      throw FlagError(.hiddenLayers, value: hidden, .because("give layer widths as whole numbers, e.g. 32,16"))
    }
    options.mlp.hiddenLayers = widths.map { $0! }
    options.mlp.maxEpochs = epochs
    options.mlp.batchSize = batchSize
    options.mlp.learningRate = learningRate
    options.mlp.seed = seed
    return options
  }
}
