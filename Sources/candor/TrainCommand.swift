import ArgumentParser
import CandorCore
import CandorModels
import Foundation

extension ModelType: ExpressibleByArgument {}

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fit a built-in model (logistic, linear or mlp) and save it as a candor-model JSON file.",
    discussion: """
      Features are standardized (numeric) and one-hot encoded (categorical, missing as its own level), as \
      scikit-learn's StandardScaler + OneHotEncoder(handle_unknown='ignore') do. Logistic regression is \
      fitted to the optimum by Newton's method and reports its final gradient norm.
      """)

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "Column to predict.")
  var target: String

  @Option(help: "Target value that counts as the positive class (binary classification).")
  var positive: String?

  @Option(name: .customLong("model-type"), help: "logistic, linear (ridge) or mlp.")
  var modelType: ModelType = .logistic

  @Option(name: .customLong("l2"), help: "Inverse L2 strength C, as in scikit-learn (linear: Ridge alpha = 1/C).")
  var inverseRegularization: Double = 1

  @Option(name: .customLong("weights-column"), help: "Column of non-negative sample weights.")
  var weightsColumn: String?

  @Option(help: ArgumentHelp("Columns not to use.", valueName: "a,b"))
  var drop: [String] = []

  @Option(help: ArgumentHelp("Feature columns (default: all but target, weights and dropped).", valueName: "a,b"))
  var features: [String] = []

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

  @Option(help: "Where to write the model (candor-model JSON).")
  var out: String

  func run() throws {
    let table = try dataOptions.readTable()
    let spec = TrainingSpec(target: target, positive: positive, features: features.isEmpty ? nil : commaSeparated(features),
                            drop: commaSeparated(drop), weightsColumn: weightsColumn)
    let data = try TrainingSet.prepare(table, spec: spec, classification: modelType != .linear)
    let model: BuiltinModel
    let summary: TrainingSummary
    switch modelType {
    case .logistic:
      let fitted = try LogisticRegression.fit(data, options: .init(inverseRegularization: inverseRegularization))
      (model, summary) = (.logistic(fitted.0), fitted.1)
    case .linear:
      let fitted = try LinearRegression.fit(data, inverseRegularization: inverseRegularization)
      (model, summary) = (.linear(fitted.0), fitted.1)
    case .mlp:
      var options = MLPClassifier.Options()
      let widths = commaSeparated([hidden]).map { Int($0) }
      guard !widths.contains(nil), !widths.isEmpty else {
        throw ModelError.invalidOption(name: "hidden", value: hidden, reason: "give layer widths as whole numbers, e.g. 32,16")
      }
      options.hiddenLayers = widths.map { $0! }
      options.maxEpochs = epochs
      options.batchSize = batchSize
      options.learningRate = learningRate
      options.seed = seed
      let fitted = try MLPClassifier.fit(data, options: options)
      (model, summary) = (.mlp(fitted.0), fitted.1)
    }
    let file = ModelFile(model: model, target: target, training: summary)
    try OutputFile.write(try file.encoded(), to: out)
    print(summary.text)
    print("Wrote \(out).")
  }
}
