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
    var phases = PhaseClock()
    let model = try modelOptions.load().model
    phases.mark("load model")
    let table = try dataOptions.readTable(for: model)
    phases.mark("read data")
    let predictions = try Predictions(model: model, table: table, seed: seed)
    phases.mark("score")
    let score = try target.map { try predictions.score(against: table.column($0)) }
    try outputs.write(.out) { predictions.writeCSV(to: $0) }
    try outputs.commit()
    phases.mark("write")
    phases.report()
    print("Wrote \(predictions.labels.count) predictions to \(out).")
    if let target, let score {
      print("\(score.name) against '\(target)': \(String(format: "%.5f", score.value))")
    }
  }
}

/// Wall time of a command's phases, printed to stderr when CANDOR_PHASE_TIMES=1 (for bench/, which times the
/// scoring part alone against the peers').
struct PhaseClock {
  private var last = DispatchTime.now().uptimeNanoseconds
  private var phases: [(String, Double)] = []
  private let enabled = ProcessInfo.processInfo.environment["CANDOR_PHASE_TIMES"] == "1"

  mutating func mark(_ phase: String) {
    guard enabled else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    phases.append((phase, Double(now - last) / 1e9))
    last = now
  }

  func report() {
    guard enabled else { return }
    FileHandle.standardError.write(Data(("phases: " + phases.map { "\($0.0) \(String(format: "%.4f", $0.1)) s" }.joined(separator: ", ") + "\n").utf8))
  }
}
