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

extension FairnessConstraint: ExpressibleByArgument {
  /// Also Fairlearn's synonym `selection_rate_parity` for demographic parity.
  public init?(argument: String) {
    self.init(fairlearnName: argument)
  }
}

enum ObjectiveName: String, ExpressibleByArgument, CaseIterable {
  case accuracy
  case balancedAccuracy = "balanced_accuracy"
  case cost
  case selectionRate = "selection_rate"
  case truePositiveRate = "true_positive_rate"
  case trueNegativeRate = "true_negative_rate"

  /// Also Fairlearn's spellings `accuracy_score` and `balanced_accuracy_score`.
  init?(argument: String) {
    let fairlearnNames = ["accuracy_score": ObjectiveName.accuracy, "balanced_accuracy_score": .balancedAccuracy]
    guard let name = fairlearnNames[argument] ?? ObjectiveName(rawValue: argument) else { return nil }
    self = name
  }

  var objective: ThresholdObjective? {
    switch self {
    case .accuracy: .accuracy
    case .balancedAccuracy: .balancedAccuracy
    case .cost: nil
    case .selectionRate: .selectionRate
    case .truePositiveRate: .truePositiveRate
    case .trueNegativeRate: .trueNegativeRate
    }
  }
}

struct Reweigh: ParsableCommand, FileCommand {
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

  @OptionGroup var training: TrainOptions

  @OptionGroup var outputs: ReportOutputs

  func validate() throws {
    if evalData != nil && retrainOut == nil { throw ValidationError("--eval-data needs --retrain-out (a model to evaluate).") }
    try refuseUnused(training.modelFlags, unless: retrainOut != nil, here: "without --retrain-out", scope: "with --retrain-out")
    if weightsOut == nil && retrainOut == nil && outputs.isEmpty {
      throw ValidationError("Say where the result goes: --weights-out, --retrain-out, --json or --html.")
    }
  }

  var inputFiles: [(Setting, String?)] { [(.data, dataOptions.data), (.evalData, evalData)] }
  var outputFiles: [(Setting, String?)] { [(.weightsOut, weightsOut), (.retrainOut, retrainOut)] + outputs.outputFiles }

  func run() throws {
    let files = try outputTransaction()
    let tables = try dataOptions.reading.read([dataOptions.data] + (evalData.map { [$0] } ?? []))
    var request = ReweighingRequest(targetColumn: target, sensitiveFeatures: commaSeparated([sensitive]))
    request.positive = training.positive
    request.weightsColumn = weightsColumn
    if retrainOut != nil {
      request.retraining = .init(spec: training.spec(target: target, weightsColumn: weightsColumn), options: try training.trainingOptions())
    }
    let analysis = try Reweighing.run(request, data: tables[0], evaluationData: tables.count > 1 ? tables[1] : nil)
    if retrainOut != nil, let (model, summary) = analysis.retrained {
      try files.write(.retrainOut, try ModelFile(model: model, target: target, training: summary).encoded())
    }
    if weightsOut != nil {
      try files.write(.weightsOut) { CSVWriter.writeColumn("weight", values: analysis.reweighing.rowWeights, to: $0) }
    }
    try outputs.write(into: files, json: { try analysis.report.jsonData() },
                      html: { MitigationPage.reweighingHTML(analysis.reweighing, evaluation: analysis.evaluation, source: dataOptions.data) })
    try files.commit()
    print(MitigationPage.reweighingText(analysis.reweighing, evaluation: analysis.evaluation))
  }
}

struct Threshold: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "threshold",
    abstract: "Group-specific randomized thresholds on a model's scores (Hardt et al.; Fairlearn's ThresholdOptimizer).",
    discussion: """
      Fit on data with labels: a model (--model M --data FIT.csv --target T) or scores (--predictions P.csv \
      --score-column s --target y). By default the search is Fairlearn's grid, which reproduces its policies; \
      --exact searches every hull vertex, and --tolerance ε lets the groups' equalized metric differ by up to ε \
      (both solved exactly). --out saves base model + policy as a model every command accepts.
      """)

  @OptionGroup var modelOptions: ModelOptions

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

  @Option(help: "demographic_parity (or selection_rate_parity), equalized_odds, true_positive_rate_parity, false_positive_rate_parity, false_negative_rate_parity or true_negative_rate_parity.")
  var constraint: FairnessConstraint

  @Option(help: "accuracy, balanced_accuracy, cost (with --cost-fp and --cost-fn), or, except with equalized_odds, selection_rate, true_positive_rate or true_negative_rate (Fairlearn's accuracy_score and balanced_accuracy_score are accepted).")
  var objective: ObjectiveName = .accuracy

  @Option(name: .customLong("cost-fp"), help: "Cost of a false positive (objective cost; default 1).")
  var costFalsePositive: Double?

  @Option(name: .customLong("cost-fn"), help: "Cost of a false negative (objective cost; default 1).")
  var costFalseNegative: Double?

  @Option(name: .customLong("weights-column"), help: "Sample weights of the fitting (and evaluation) data.")
  var weightsColumn: String?

  @Option(help: "Let the groups' equalized metric differ by at most this (exact search).")
  var tolerance: Double?

  @Flag(help: "Also allow flipped thresholds, predicting positive below a threshold (Fairlearn's flip=True).")
  var flip = false

  @Option(help: "The unmitigated model's decisions in the before/after evaluation: scores above this (default 0.5).")
  var threshold: Double?

  @Flag(help: "Search every hull vertex exactly instead of Fairlearn's grid.")
  var exact = false

  @Option(name: .customLong("grid-size"), help: "Grid intervals for the grid search (Fairlearn's grid_size; default 1000).")
  var gridSize: Int?

  @Flag(help: "Also run the relaxed problem for a range of tolerances and report accuracy vs disparity.")
  var sweep = false

  @Option(name: .customLong("compare-model"), help: "With --sweep: also place this model (e.g. a reweighed retrain) on the trade-off.")
  var compareModel: String?

  @Option(name: .customLong("eval-data"), help: "Evaluate before/after on this CSV (scored like the fitting data).")
  var evalData: String?

  @Option(help: "Save the policy over its base model here (model mode): a candor-model holding both for a built-in base; for any other model file a candor-threshold-policy naming the base (and its --model-spec) by relative path and SHA-256.")
  var out: String?

  @OptionGroup var reading: ReadOptions

  @OptionGroup var outputs: ReportOutputs

  func validate() throws {
    guard modelOptions.isGiven != (predictions != nil) else { throw ValidationError("Give either --model with --data, or --predictions with --score-column.") }
    if modelOptions.isGiven && data == nil { throw ValidationError("--model needs --data.") }
    if predictions != nil && scoreColumn == nil { throw ValidationError("--predictions needs --score-column.") }
    if out != nil && !modelOptions.isGiven { throw ValidationError("--out saves base model + policy, so it needs --model.") }
    try refuseUnused([("--cost-fp", costFalsePositive != nil), ("--cost-fn", costFalseNegative != nil)],
                     unless: objective == .cost, here: "with --objective \(objective.rawValue)", scope: "with --objective cost")
    try refuseUnused([("--score-column", scoreColumn != nil)], unless: predictions != nil, here: "with --model",
                     scope: "with --predictions")
    try refuseUnused([("--grid-size", gridSize != nil)], unless: !exact && tolerance == nil, here: "with --exact or --tolerance",
                     scope: "to the grid search")
    if compareModel != nil && (!sweep || !modelOptions.isGiven) { throw ValidationError("--compare-model needs --sweep and --model.") }
    try refuseUnused([("--threshold", threshold != nil)], unless: evalData != nil || sweep, here: "without --eval-data or --sweep",
                     scope: "to the unmitigated model's decisions in the evaluation (--eval-data) and the sweep")
  }

  /// How the saved policy names its base: a built-in model is embedded in a candor-model file; any other model
  /// file (and a spec it is bound with) is referred to by its path relative to `out` and its SHA-256, so one
  /// artifact stays deployed and a changed base is refused when the policy is loaded.
  func pin(_ base: LoadedModel, out: String) throws -> ThresholdPolicyFile.Base {
    guard let digest = base.sha256 else {
      throw FlagError(.out, value: out, .because("a saved policy pins its base model by the SHA-256 of its file, and \(base.format.description) has no file to pin, "
        + "so the policy could silently sit on a changed model; the policy's rules are in the --json result"))
    }
    let folder = ThresholdPolicyFile.absoluteComponents(out).dropLast().joined(separator: "/")
    return ThresholdPolicyFile.Base(
      path: ThresholdPolicyFile.relativePath(of: base.path, from: "/" + folder), sha256: digest, format: base.format.description,
      modelFeatures: modelOptions.modelFeatures.isEmpty ? nil : commaSeparated(modelOptions.modelFeatures),
      modelSpec: base.spec.map { ThresholdPolicyFile.Pinned(path: ThresholdPolicyFile.relativePath(of: $0.path, from: "/" + folder), sha256: $0.sha256) })
  }

  var inputFiles: [(Setting, String?)] {
    [(.model, modelOptions.model), (.data, data), (.predictions, predictions), (.evalData, evalData), (.compareModel, compareModel)]
  }
  var outputFiles: [(Setting, String?)] { [(.out, out)] + outputs.outputFiles }

  func run() throws {
    let files = try outputTransaction()
    let base = try modelOptions.loadIfGiven()
    var pinnedBase: ThresholdPolicyFile.Base?
    if let base {
      try ThresholdMitigation.checkBase(base.model)
      if let out, base.file == nil || base.spec != nil { pinnedBase = try pin(base, out: out) }
    }
    let tables = try reading.read([predictions ?? data!] + (evalData.map { [$0] } ?? []), for: base?.model)
    var request = ThresholdRequest(targetColumn: target, sensitiveFeatures: commaSeparated([sensitive]), constraint: constraint)
    request.positive = positive
    request.weightsColumn = weightsColumn
    request.scoreColumn = base == nil ? scoreColumn : nil
    request.search = tolerance != nil || exact ? .exact(tolerance: tolerance ?? 0) : .grid(size: gridSize ?? 1000)
    request.objective = objective.objective ?? .cost(falsePositive: costFalsePositive ?? 1, falseNegative: costFalseNegative ?? 1)
    request.sweepTolerances = sweep ? ThresholdRequest.defaultSweepTolerances : nil
    request.flip = flip
    if let threshold { request.baseThreshold = threshold }
    let compared = try compareModel.map { (label: "compared: \($0)", model: try ModelLoader.loadModel(path: $0).model) }
    let analysis = try ThresholdMitigation.run(request, fitData: tables[0], evaluationData: tables.count > 1 ? tables[1] : nil,
                                               model: base, comparedModel: compared)
    for warning in analysis.warnings { warn(warning) }
    if let pinnedBase, let base {
      let saved = ThresholdPolicyFile(target: target, classes: base.model.classes, base: pinnedBase, policy: analysis.fit.policy)
      try files.write(.out, try saved.encoded())
    } else if out != nil, let thresholded = analysis.thresholdedModel {
      try files.write(.out, try ModelFile(model: thresholded, target: target, training: nil).encoded())
    }
    try outputs.write(into: files, json: { try analysis.result.jsonData() },
                      html: { MitigationPage.thresholdHTML(analysis.result, hulls: analysis.fit.hulls, source: predictions ?? data!) })
    try files.commit()
    print(MitigationPage.thresholdText(analysis.result))
  }
}
