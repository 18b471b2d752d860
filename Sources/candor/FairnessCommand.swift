import ArgumentParser
import CandorCore
import CandorFairness
import CandorModels
import CandorReport
import Foundation

struct Fairness: ParsableCommand, FileCommand {
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

  @OptionGroup var modelOptions: ModelOptions

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

  @Option(help: "Predictions mode: binary (0/1 labels and predictions, optional scores; the default) or regression (numeric target and --pred-column).")
  var task: PredictionsTask?

  @Option(help: "Scores above this are predicted positive (default 0.5).")
  var threshold: Double?

  @Option(help: ArgumentHelp("Sensitive features; several give intersectional groups 'a|b'. Repeat for several sets.", valueName: "a,b"))
  var sensitive: [String] = []

  @Option(name: .customLong("weights-column"), help: "Column of sample weights.")
  var weightsColumn: String?

  @Option(help: ArgumentHelp("Control features: also assess each set within each stratum of these.", valueName: "c"))
  var control: [String] = []

  @Option(help: ArgumentHelp("AIF360 comparison of a privileged group against the rest, e.g. sex=Male. Repeatable.", valueName: "col=value"))
  var privileged: [String] = []

  @Option(name: .customLong("gei-alpha"),
          help: ArgumentHelp("With --privileged: the orders α of AIF360's generalized entropy index to report beside the Theil index (α = 1); default 2.", valueName: "a,b"))
  var entropyAlphas: [String] = []

  @Option(help: "Bootstrap replicates for intervals on every metric and disparity (0: none).")
  var bootstrap: Int = 0

  @Option(help: "Confidence level of the bootstrap intervals (default 0.95).")
  var ci: Double?

  @Option(help: "Seed for the bootstrap (default 0).")
  var seed: UInt64?

  @Option(name: .customLong("min-group-size"), help: "Flag groups with fewer rows than this.")
  var minGroupSize: Int = 30

  @OptionGroup var reading: ReadOptions

  @OptionGroup var outputs: ReportOutputs

  @OptionGroup(title: "Sharding") var shards: ShardOptions

  @OptionGroup(title: "Streaming (Spark's RDD.pipe)") var stream: StreamOptions

  func validate() throws {
    if stream.isStreaming {
      // Standard input holds the data a --model scores, or the predictions.
      if let flag = [("--data", data != nil), ("--predictions", predictions != nil), ("--shard-count", shards.isSharded)].first(where: \.1)?.0 {
        throw ValidationError("\(flag) does nothing with --stdin-format: the rows come from standard input.")
      }
      if stream.stdoutFormat == .jsonl && bootstrap > 0 {
        throw ValidationError("--bootstrap does not stream: its replicates are keyed by each row's number in the whole data, which a partition of Spark's pipe does not know. Shard by --shard-index, or run it unsharded.")
      }
    } else {
      guard modelOptions.isGiven != (predictions != nil) else {
        throw ValidationError("Give either --model with --data, or --predictions.")
      }
      if modelOptions.isGiven && data == nil { throw ValidationError("--model needs --data.") }
    }
    if sensitive.isEmpty { throw ValidationError("Give at least one --sensitive feature.") }
    let mode = modelOptions.isGiven ? "with --model" : "with --predictions"
    try refuseUnused([("--pred-column", predictionColumn != nil), ("--score-column", scoreColumn != nil), ("--task", task != nil)],
                     unless: !modelOptions.isGiven, here: mode, scope: "with --predictions")
    try refuseUnused([("--threshold", threshold != nil)], unless: modelOptions.isGiven || (scoreColumn != nil && predictionColumn == nil),
                     here: "with --pred-column", scope: "to scores: --model, or --score-column without --pred-column")
    try refuseUnused([("--gei-alpha", !entropyAlphas.isEmpty)], unless: !privileged.isEmpty, here: "without --privileged",
                     scope: "to the privileged comparisons (--privileged)")
    warnUnused([("--ci", ci != nil), ("--seed", seed != nil)], unless: bootstrap > 0, here: "without --bootstrap",
                     scope: "with --bootstrap")
    // A shard, and a partition of Spark's pipe, write a part; the merge writes the result.
    if let (flag, part) = shards.isSharded ? ("--shard-count", "a shard writes its part (--partial-out)")
      : stream.stdoutFormat == .jsonl ? ("--stdout-format jsonl", "the partition's part goes to standard output") : nil {
      if let output = [("--json", outputs.json), ("--html", outputs.html)].first(where: { $0.1 != nil })?.0 {
        throw ValidationError("\(output) does nothing with \(flag): \(part); candor merge writes the result.")
      }
      if !control.isEmpty { throw ValidationError("--control does not shard yet: run it unsharded.") }
    }
  }


  @Option(help: ArgumentHelp("Assess only the rows of a cohort, e.g. \"age ≤ 25 and workclass = Private\" (as error analysis names them).", valueName: "conditions"))
  var cohort: String?

  var inputFiles: [(Setting, String?)] { [(.model, modelOptions.model), (.data, data), (.predictions, predictions)] }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles + [(.partialOut, shards.partialOut)] }

  func run() throws {
    let files = try outputTransaction()
    let source = predictions ?? data ?? StreamOptions.source
    let model = try modelOptions.loadIfGiven()?.model
    let input = try stream.isStreaming ? stream.readStandardInput(reading: reading, numericColumns: model?.numericFeatureNames ?? []) : nil
    // A shard of a file reads only its rows; with a cohort, rows are numbered within the cohort, so the whole file.
    let shardRead = try shards.isSharded && cohort == nil ? shards.readRows(source, reading: reading, numericColumns: model?.numericFeatureNames ?? []) : nil
    var table = try input?.table ?? shardRead?.shard.table ?? reading.read(source, for: model)
    if let cohort { table = try Cohort(parsing: cohort).select(table) }
    let request = try request()
    if let input, stream.stdoutFormat == .jsonl {
      // A partition of Spark's pipe: its part as one line on standard output, for candor merge.
      let part = try FairnessAssessment.partial(request, data: table, model: model, firstRow: 0)
      let slice = ShardSlice(index: input.shard.index, count: input.shard.count, firstRow: 0, rows: table.rowCount, totalRows: table.rowCount, streamed: true)
      let document = try Sharding.part(part, command: Self.configuration.commandName!, inputs: inputFiles + [(Setting("modelSpec"), modelOptions.modelSpec)], slice: slice)
      try StreamOptions.writeOut(try CandorJSON.data(document, layout: .line))
      return
    }
    if shards.isSharded {
      // Rows of the file as read (or, with a cohort, of the cohort's table).
      let (rows, total) = try shardRead.map { ($0.shard.rows, $0.shard.totalRows) } ?? (shards.rows(of: table.rowCount), table.rowCount)
      let part = try FairnessAssessment.partial(request, data: shardRead == nil ? table.selecting(rows: Array(rows)) : table, model: model,
                                                firstRow: rows.lowerBound)
      try shards.writePart(part, command: Self.configuration.commandName!, inputs: inputFiles + [(Setting("modelSpec"), modelOptions.modelSpec)],
                           rows: rows, total: total, read: shardRead, files: files)
      return
    }
    let analysis = try FairnessAssessment.run(request, data: table, model: model)
    for warning in analysis.report.warnings { warn(warning) }
    try outputs.write(into: files, json: { try analysis.report.jsonData() },
                      html: { FairnessPage.html(analysis.report, source: source, rocCurves: analysis.rocCurves) })
    try files.commit()
    print(FairnessPage.text(analysis.report))
  }

  /// The assessment these flags ask for (everything but the data).
  func request() throws -> FairnessRequest {
    let outcome: FairnessRequest.Outcome
    let threshold = threshold ?? 0.5
    if modelOptions.isGiven {
      outcome = .model(threshold: threshold)
    } else if task == .regression {
      guard let predictionColumn else { throw ValidationError("--task regression needs --pred-column.") }
      outcome = .regressionColumn(prediction: predictionColumn)
    } else {
      outcome = .binaryColumns(prediction: predictionColumn, score: scoreColumn, threshold: threshold)
    }
    var request = FairnessRequest(targetColumn: target, outcome: outcome, sensitiveSets: sensitive.map { commaSeparated([$0]) })
    request.positive = positive
    request.weightsColumn = weightsColumn
    request.configuration.controlFeatures = commaSeparated(control)
    request.configuration.privilegedSplits = try privileged.map { text in
      guard let split = PrivilegedSplit(parsing: text) else {
        throw FlagError(.privilegedSplits, value: text, .form("column=value or column=value1|value2"))
      }
      return split
    }
    if !entropyAlphas.isEmpty {
      var alphas: [Double] = []
      for text in commaSeparated(entropyAlphas) {
        guard let alpha = Double(text), alpha.isFinite else { throw FlagError(.entropyAlphas, value: text, .form("finite numbers such as 0.5,2,3")) }
        if !alphas.contains(alpha) { alphas.append(alpha) }
      }
      request.configuration.entropyAlphas = alphas
    }
    request.configuration.bootstrapReplicates = bootstrap
    if let ci { request.configuration.confidenceLevel = ci }
    if let seed { request.configuration.seed = seed }
    request.configuration.minGroupSize = minGroupSize
    request.rocCurves = outputs.html != nil
    return request
  }
}

enum PredictionsTask: String, ExpressibleByArgument, CaseIterable {
  case binary, regression
}
