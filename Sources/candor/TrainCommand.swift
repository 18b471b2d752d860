import ArgumentParser
import CandorCore
import CandorModels
import Foundation

struct Train: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Fit a built-in model (logistic, linear or mlp) and save it as a candor-model JSON file.",
    discussion: """
      Features are standardized (numeric) and one-hot encoded (categorical, missing as its own level), as \
      scikit-learn's StandardScaler + OneHotEncoder(handle_unknown='ignore') do. Logistic regression is \
      fitted to the optimum by Newton's method and reports its final gradient norm.
      """)

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "Column to predict.")
  var target: String

  @Option(name: .customLong("weights-column"), help: "Column of non-negative sample weights.")
  var weightsColumn: String?

  @OptionGroup var training: TrainOptions

  @Option(help: "Where to write the model (candor-model JSON).")
  var out: String

  var inputFiles: [(Setting, String?)] { [(.data, dataOptions.data)] }
  var outputFiles: [(Setting, String?)] { [(.out, out)] }

  func run() throws {
    let outputs = try outputTransaction()
    let table = try dataOptions.readTable()
    let (model, summary) = try ModelTrainer.fit(table, spec: training.spec(target: target, weightsColumn: weightsColumn),
                                                options: training.trainingOptions())
    try outputs.write(.out, try ModelFile(model: model, target: target, training: summary).encoded())
    try outputs.commit()
    print(summary.text)
    print("Wrote \(out).")
  }
}
