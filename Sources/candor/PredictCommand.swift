import ArgumentParser
import CandorCore
import CandorModels
import Foundation

struct Predict: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Score a CSV file with a model; write row, prediction and one probability column per class.",
    discussion: """
      The model format is detected from the file's content. A binary model predicts its positive class when the       probability is above 0.5; a threshold policy (candor mitigate threshold) draws each prediction at random       with its probability, reproducibly with --seed.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "Where to write the predictions CSV.")
  var out: String

  @Option(help: "Target column in the data: also print accuracy (classifiers) or R² (regression).")
  var target: String?

  @Option(help: "Seed for the draws of a randomized model (a threshold policy from candor mitigate threshold).")
  var seed: UInt64 = 0

  var inputFiles: [(Setting, String?)] { [(.model, modelOptions.model), (.data, dataOptions.data)] }
  var outputFiles: [(Setting, String?)] { [(.out, out)] }

  func run() throws {
    let outputs = try outputTransaction()
    let model = try modelOptions.load().model
    let table = try dataOptions.readTable(for: model)
    let predictions = try Predictions(model: model, table: table, seed: seed)
    let score = try target.map { try predictions.score(against: table.column($0)) }
    try outputs.write(.out) { predictions.writeCSV(to: $0) }
    try outputs.commit()
    print("Wrote \(predictions.labels.count) predictions to \(out).")
    if let target, let score {
      print("\(score.name) against '\(target)': \(String(format: "%.5f", score.value))")
    }
  }
}
