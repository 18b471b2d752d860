import ArgumentParser
import CandorCore
import CandorFairness
import CandorModels
import CandorReport
import Foundation

struct Mitigate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mitigate",
    abstract: "Reduce a disparity: reweigh training rows, or post-process a model's scores with group thresholds.",
    subcommands: [Reweigh.self, Threshold.self])
}

extension FairnessConstraint: ExpressibleByArgument {}

enum ObjectiveName: String, ExpressibleByArgument, CaseIterable {
  case accuracy
  case balancedAccuracy = "balanced_accuracy"
  case cost
}

struct Reweigh: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reweigh",
    abstract: "Reweighing (Kamiran & Calders): one weight per row that makes label and group independent.",
    discussion: "Optionally retrains a built-in model with the weights (--retrain-out, same options as candor train) and "
      + "compares the original and the retrained model on --eval-data.")

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "Label column.")
  var target: String

  @Option(help: ArgumentHelp("Sensitive features; several give intersectional groups.", valueName: "a,b"))
  var sensitive: String

  @Option(name: .customLong("weights-column"), help: "Existing sample weights to reweigh on top of.")
  var weightsColumn: String?

  @Option(name: .customLong("weights-out"), help: "Write the weights here (CSV, column 'weight', one per input row).")
  var weightsOut: String?

  @Option(name: .customLong("retrain-out"), help: "Retrain a built-in model with the weights and save it here.")
  var retrainOut: String?

  @Option(name: .customLong("eval-data"), help: "Evaluate the original and the retrained model on this CSV (needs --retrain-out).")
  var evalData: String?

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "Write the result as JSON here.")
  var json: String?

  @Option(help: "Write a self-contained HTML report here.")
  var html: String?

  func validate() throws {
    if evalData != nil && retrainOut == nil { throw ValidationError("--eval-data needs --retrain-out (a model to evaluate).") }
    if weightsOut == nil && retrainOut == nil && json == nil && html == nil {
      throw ValidationError("Say where the result goes: --weights-out, --retrain-out, --json or --html.")
    }
  }

  func run() throws {
    let table = try dataOptions.readTable()
    let features = commaSeparated([sensitive])
    let spec = modelOptions.spec(target: target, weightsColumn: weightsColumn)
    guard case let .classes(classes, labels) = try TrainingSet.classificationTarget(table.column(target), positive: modelOptions.positive,
                                                                                    file: table.source), classes.count == 2
    else {
      throw FairnessError.labelNotBinary(column: target, values: try table.column(target).asCategorical().levels, file: table.source)
    }
    let base = try weightsColumn.map { try Outcomes.weights(table.column($0), file: table.source) }
    let reweighing = Reweighing.fit(labels: ContiguousArray(labels.map { UInt8($0) }), grouping: try table.grouping(by: features), baseWeights: base)
    // Everything is computed before the first file is written; the weights stream straight to their file.
    var outputs: [(Data, String)] = []
    let weights = reweighing.rowWeights
    var evaluation: MitigationComparison?
    if let retrainOut {
      let options = try modelOptions.trainingOptions()
      // The reweighing weights already include any --weights-column weights.
      let (retrained, summary) = try ModelTrainer.fit(table, spec: spec, options: options, weights: reweighing.rowWeights)
      outputs.append((try ModelFile(model: retrained, target: target, training: summary).encoded(), retrainOut))
      if let evalData {
        let (original, _) = try ModelTrainer.fit(table, spec: spec, options: options)
        let test = try CSVReader.read(path: evalData, options: dataOptions.csvOptions)
        evaluation = try MitigationEvaluation.compare(original.model, retrained.model, on: test, target: target, positive: classes[1],
                                                      sensitiveFeatures: features)
      }
    }
    if let json {
      let encoder = CandorJSON.encoder()
      outputs.append((try encoder.encode(ReweighingReport(reweighing: reweighing, evaluation: evaluation)), json))
    }
    if let html {
      outputs.append((Data(MitigationPage.reweighingHTML(reweighing, evaluation: evaluation, source: dataOptions.data).utf8), html))
    }
    if let weightsOut { try OutputFile.write(to: weightsOut) { CSVWriter.writeColumn("weight", values: weights, to: $0) } }
    for (data, path) in outputs { try OutputFile.write(data, to: path) }
    print(MitigationPage.reweighingText(reweighing, evaluation: evaluation))
  }
}

struct Threshold: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "threshold",
    abstract: "Group-specific randomized thresholds on a model's scores (Hardt et al.; Fairlearn's ThresholdOptimizer).",
    discussion: """
      Fit on data with labels: a model (--model M --data FIT.csv --target T) or scores (--predictions P.csv \
      --score-column s --target y). By default the search is Fairlearn's grid, which reproduces its policies; \
      --exact searches every hull vertex, and --tolerance ε lets the groups' equalized metric differ by up to ε \
      (both solved exactly). --out saves base model + policy as a model every command accepts.
      """)

  @Option(help: "Base model file (candor-model JSON, binary classifier).")
  var model: String?

  @Option(help: "Fitting data scored by --model.")
  var data: String?

  @Option(help: "Fitting data with a score column (instead of --model).")
  var predictions: String?

  @Option(name: .customLong("score-column"), help: "Predictions mode: the score column P(y = positive).")
  var scoreColumn: String?

  @Option(help: "Label column.")
  var target: String

  @Option(help: "Label value that is the positive class (default: the model's positive class, or 1).")
  var positive: String?

  @Option(help: ArgumentHelp("Sensitive features; several give intersectional groups.", valueName: "a,b"))
  var sensitive: String

  @Option(help: "demographic_parity, equalized_odds, true_positive_rate_parity, false_positive_rate_parity, false_negative_rate_parity or true_negative_rate_parity.")
  var constraint: FairnessConstraint

  @Option(help: "accuracy, balanced_accuracy or cost (with --cost-fp and --cost-fn).")
  var objective: ObjectiveName = .accuracy

  @Option(name: .customLong("cost-fp"), help: "Cost of a false positive (objective cost).")
  var costFalsePositive: Double = 1

  @Option(name: .customLong("cost-fn"), help: "Cost of a false negative (objective cost).")
  var costFalseNegative: Double = 1

  @Option(name: .customLong("weights-column"), help: "Sample weights of the fitting (and evaluation) data.")
  var weightsColumn: String?

  @Option(help: "Let the groups' equalized metric differ by at most this (exact search).")
  var tolerance: Double?

  @Flag(help: "Search every hull vertex exactly instead of Fairlearn's grid.")
  var exact = false

  @Option(name: .customLong("grid-size"), help: "Grid intervals for the grid search (Fairlearn's grid_size).")
  var gridSize: Int = 1000

  @Flag(help: "Also run the relaxed problem for a range of tolerances and report accuracy vs disparity.")
  var sweep = false

  @Option(name: .customLong("compare-model"), help: "With --sweep: also place this model (e.g. a reweighed retrain) on the trade-off.")
  var compareModel: String?

  @Option(name: .customLong("eval-data"), help: "Evaluate before/after on this CSV (scored like the fitting data).")
  var evalData: String?

  @Option(help: "Save base model + policy here (model mode).")
  var out: String?

  @Option(help: ArgumentHelp("Extra missing-value tokens besides the empty cell.", valueName: "tokens"))
  var na: [String] = []

  @Option(help: "Write the result as JSON here.")
  var json: String?

  @Option(help: "Write a self-contained HTML report here.")
  var html: String?

  func validate() throws {
    guard (model != nil) != (predictions != nil) else { throw ValidationError("Give either --model with --data, or --predictions with --score-column.") }
    if model != nil && data == nil { throw ValidationError("--model needs --data.") }
    if predictions != nil && scoreColumn == nil { throw ValidationError("--predictions needs --score-column.") }
    if out != nil && model == nil { throw ValidationError("--out saves base model + policy, so it needs --model.") }
    if let tolerance, !(tolerance >= 0 && tolerance <= 1) { throw ValidationError("--tolerance must be between 0 and 1.") }
    if gridSize < 1 { throw ValidationError("--grid-size must be at least 1.") }
    if compareModel != nil && (!sweep || model == nil) { throw ValidationError("--compare-model needs --sweep and --model.") }
  }

  func scored(_ table: Table, base: BuiltinModel?) throws -> ScoredData {
    let path = table.source ?? ""
    let weights = try weightsColumn.map { try Outcomes.weights(table.column($0), file: path) }
    if let base {
      let (positiveClass, scores) = try base.model.positiveClassProbabilities(table, positive: positive)
      return ScoredData(scores: scores, labels: try Outcomes.binaryLabels(table.column(target), positive: positiveClass, file: path),
                        weights: weights, table: table)
    }
    return ScoredData(scores: try Outcomes.scores(table.column(scoreColumn!), file: path),
                      labels: try Outcomes.binaryLabels(table.column(target), positive: positive ?? "1", file: path), weights: weights, table: table)
  }

  func run() throws {
    var base: BuiltinModel?
    if let model {
      base = try ModelLoader.load(path: model).model
      guard base!.model.outputKind == .binaryProbability, !base!.model.isRandomized else {
        throw FairnessError.notABinaryModel(classes: base!.model.classes)
      }
    }
    let tables = try CSVReader.read(paths: [predictions ?? data!] + (evalData.map { [$0] } ?? []),
                                    options: CSVOptions(missingTokens: commaSeparated(na)))
    let fitData = try scored(tables[0], base: base)
    let evaluation = try tables.count > 1 ? scored(tables[1], base: base) : nil
    let search: ThresholdSearch = tolerance != nil || exact ? .exact(tolerance: tolerance ?? 0) : .grid(size: gridSize)
    let objectiveValue: ThresholdObjective = switch objective {
    case .accuracy: .accuracy
    case .balancedAccuracy: .balancedAccuracy
    case .cost: .cost(falsePositive: costFalsePositive, falseNegative: costFalseNegative)
    }
    var (result, fit) = try ThresholdMitigation.run(
      fitData: fitData, evalData: evaluation, sensitiveFeatures: commaSeparated([sensitive]), constraint: constraint,
      objective: objectiveValue, search: search,
      sweepTolerances: sweep ? [0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5] : nil)
    if let compareModel {
      let other = try ModelLoader.load(path: compareModel).model
      let point = try ThresholdMitigation.tradeoffPoint(of: other.model, label: "compared: \(compareModel)", on: evaluation ?? fitData,
                                                        sensitiveFeatures: commaSeparated([sensitive]), constraint: constraint)
      result.sweep?.append(point)
    }
    var outputs: [(Data, String)] = []
    if let out, let base {
      outputs.append((try ModelFile(model: .thresholded(ThresholdedModel(base: base, policy: fit.policy)), target: target, training: nil).encoded(), out))
    }
    if let json {
      let encoder = CandorJSON.encoder()
      outputs.append((try encoder.encode(result), json))
    }
    if let html {
      outputs.append((Data(MitigationPage.thresholdHTML(result, hulls: fit.hulls, source: predictions ?? data!).utf8), html))
    }
    for (data, path) in outputs { try OutputFile.write(data, to: path) }
    print(MitigationPage.thresholdText(result))
  }
}
