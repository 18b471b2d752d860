import ArgumentParser
import CandorCore
import CandorModels
import Foundation

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Score a CSV file with a model; write row, prediction and one probability column per class.",
    discussion: "The model format is detected from the file's content.")

  @Option(help: "Model file (candor-model JSON).")
  var model: String

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "Where to write the predictions CSV.")
  var out: String

  @Option(help: "Target column in the data: also print accuracy (classifiers) or R² (regression).")
  var target: String?

  func run() throws {
    let file = try ModelLoader.load(path: model)
    let table = try dataOptions.readTable()
    let predictions = try Predictions(model: file.model.model, table: table)
    try OutputFile.write(predictions.csv(), to: out)
    print("Wrote \(predictions.labels.count) predictions to \(out).")
    if let target {
      let score = try predictions.score(against: table.column(target))
      print("\(score.name) against '\(target)': \(String(format: "%.5f", score.value))")
    }
  }
}
