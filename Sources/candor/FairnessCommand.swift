import ArgumentParser
import CandorCore
import CandorFairness
import CandorModels
import CandorReport
import Foundation

struct Fairness: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fairness",
    abstract: "Group metrics, disparities and their uncertainty for a model's predictions.",
    discussion: """
      Two input modes. A model: --model M --data D --target T [--positive V] [--threshold 0.5] (scores from the \
      model; a row is predicted positive when its score is above the threshold; for a threshold policy from \
      candor mitigate threshold, metrics are expectations over its randomized decisions). Or a predictions file: \
      --predictions P --target y_true [--pred-column y_pred] [--score-column y_score] [--positive 1].
      Metrics and aggregates follow Fairlearn's MetricFrame; --privileged adds AIF360's comparisons.
      """)

  @Option(help: "Model file (candor-model JSON).")
  var model: String?

  @Option(help: "Data CSV scored by --model (features, target and sensitive columns).")
  var data: String?

  @Option(help: "Predictions CSV with labels, predictions and/or scores, and the sensitive columns.")
  var predictions: String?

  @Option(help: "Label column.")
  var target: String

  @Option(help: "Label value that is the positive class (default: the model's positive class, or 1).")
  var positive: String?

  @Option(name: .customLong("pred-column"), help: "Predictions mode: column of 0/1 predictions.")
  var predictionColumn: String?

  @Option(name: .customLong("score-column"), help: "Predictions mode: column of scores P(y = positive) in [0, 1].")
  var scoreColumn: String?

  @Option(help: "Predictions mode: binary (0/1 labels and predictions, optional scores) or regression (numeric target and --pred-column).")
  var task: FairnessTask = .binary

  @Option(help: "Scores above this are predicted positive.")
  var threshold: Double = 0.5

  @Option(help: ArgumentHelp("Sensitive features; several give intersectional groups 'a|b'. Repeat for several sets.", valueName: "a,b"))
  var sensitive: [String] = []

  @Option(name: .customLong("weights-column"), help: "Column of sample weights.")
  var weightsColumn: String?

  @Option(help: ArgumentHelp("Control features: also assess each set within each stratum of these.", valueName: "c"))
  var control: [String] = []

  @Option(help: ArgumentHelp("AIF360 comparison of a privileged group against the rest, e.g. sex=Male. Repeatable.", valueName: "col=value"))
  var privileged: [String] = []

  @Option(help: "Bootstrap replicates for intervals on every metric and disparity (0: none).")
  var bootstrap: Int = 0

  @Option(help: "Confidence level of the intervals.")
  var ci: Double = 0.95

  @Option(help: "Seed for the bootstrap.")
  var seed: UInt64 = 0

  @Option(name: .customLong("min-group-size"), help: "Flag groups with fewer rows than this.")
  var minGroupSize: Int = 30

  @Option(help: ArgumentHelp("Extra missing-value tokens besides the empty cell.", valueName: "tokens"))
  var na: [String] = []

  @Option(help: "Write the full result as JSON here.")
  var json: String?

  @Option(help: "Write a self-contained HTML report here.")
  var html: String?

  func validate() throws {
    guard (model != nil) != (predictions != nil) else {
      throw ValidationError("Give either --model with --data, or --predictions.")
    }
    if model != nil && data == nil { throw ValidationError("--model needs --data.") }
    if sensitive.isEmpty { throw ValidationError("Give at least one --sensitive feature.") }
  }

  func run() throws {
    let source = predictions ?? data!
    let table = try CSVReader.read(path: source, options: CSVOptions(missingTokens: commaSeparated(na)))
    let outcomes: Outcomes
    if let model {
      outcomes = try modelOutcomes(try ModelLoader.load(path: model).model.model, table: table)
    } else if task == .regression {
      guard let predictionColumn else { throw ValidationError("--task regression needs --pred-column.") }
      outcomes = .regression(targets: try Outcomes.numbers(table.column(target), file: source),
                             predictions: try Outcomes.numbers(table.column(predictionColumn), file: source))
    } else {
      outcomes = try Outcomes.fromColumns(table: table, labelColumn: target, predictionColumn: predictionColumn,
                                          scoreColumn: scoreColumn, positive: positive ?? "1", threshold: threshold)
    }
    let weights = try weightsColumn.map { try Outcomes.weights(table.column($0), file: source) }
    var configuration = FairnessConfiguration(sensitiveSets: sensitive.map { commaSeparated([$0]) })
    configuration.controlFeatures = commaSeparated(control)
    configuration.privilegedSplits = try privileged.map { text in
      guard let split = PrivilegedSplit(parsing: text) else {
        throw FairnessError.invalidOption(name: "privileged", value: text, reason: "write it as column=value or column=value1|value2")
      }
      return split
    }
    configuration.bootstrapReplicates = bootstrap
    configuration.confidenceLevel = ci
    configuration.seed = seed
    configuration.minGroupSize = minGroupSize
    let report = try FairnessAssessment.assess(outcomes, weights: weights, table: table, configuration: configuration)
    for warning in report.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    if let json { try OutputFile.write(try report.jsonData(), to: json) }
    if let html {
      var curves: [String: [String: [(x: Double, y: Double)]]] = [:]
      if case let .binary(labels, _, scores?) = outcomes {
        for features in configuration.sensitiveSets {
          curves[features.joined(separator: "|")] = ROCCurves.compute(labels: labels, scores: scores, weights: weights,
                                                                      grouping: try table.grouping(by: features))
        }
      }
      try OutputFile.write(FairnessPage.html(report, source: source, rocCurves: curves), to: html)
    }
    print(FairnessPage.text(report))
  }

  /// Scores from a binary model (positive class = --positive, else the model's second class) or values
  /// from a regression model.
  func modelOutcomes(_ model: any Model, table: Table) throws -> Outcomes {
    switch model.outputKind {
    case .multiclassProbabilities:
      throw FairnessError.notABinaryModel(classes: model.classes)
    case .regression:
      return .regression(targets: try Outcomes.numbers(table.column(target), file: table.source),
                         predictions: ContiguousArray(try model.predict(table).storage))
    case .binaryProbability:
      let (positiveClass, probability) = try model.positiveClassProbabilities(table, positive: positive)
      let labels = try Outcomes.binaryLabels(table.column(target), positive: positiveClass, file: table.source)
      // A threshold policy's decisions are random: its metrics are expectations over them.
      if model.isRandomized { return .randomizedBinary(labels: labels, positiveProbabilities: probability) }
      return .binary(labels: labels, predictions: ContiguousArray(probability.map { $0 > threshold ? 1 : 0 }), scores: probability)
    }
  }
}

enum FairnessTask: String, ExpressibleByArgument, CaseIterable {
  case binary, regression
}
