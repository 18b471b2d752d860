import ArgumentParser
import CandorCore
import CandorExplain
import CandorModels
import CandorReport
import Foundation

extension Scorer: ExpressibleByArgument {}
extension Link: ExpressibleByArgument {}
extension ExplanationMethod: ExpressibleByArgument {}
extension SurrogateRequest.Kind: ExpressibleByArgument {}

struct Explain: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Explain a model in raw features: permutation importance, SHAP (TreeSHAP or KernelSHAP), partial dependence / ICE, ALE, coefficients, surrogates, error analysis.",
    discussion: """
      Every method speaks in raw features (a categorical's one-hot columns move together); --group name=a,b \
      treats several columns as one player. Random steps are seeded (--seed).
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "CSV file (RFC 4180, header row, UTF-8); every method but coefficients reads it.")
  var data: String?

  @OptionGroup var reading: ReadOptions

  @Option(help: "permutation, shap (TreeSHAP for a tree model, KernelSHAP otherwise), kernelshap, treeshap, pdp, ale, coefficients (a linear model's terms; with inference for a logistic model trained with --l2 0), terms (an EBM's shape functions and, with --data, each row's exact contributions), surrogate (a glass-box model of the model's predictions, with its fidelity), or error-analysis (cohorts where the model errs).")
  var method: ExplanationMethod

  @Option(help: "Target column (permutation importance).")
  var target: String?

  @Option(help: ArgumentHelp("Features to explain (default: the model's).", valueName: "a,b"))
  var features: [String] = []

  @Option(help: ArgumentHelp("A group of columns treated as one feature, e.g. --group money=capital_gain,capital_loss. Repeatable.", valueName: "name=a,b"))
  var group: [String] = []

  @Option(help: "Permutation: scorer (accuracy, balanced_accuracy, roc_auc, log_loss, r2, mse, mae); default accuracy or r2.")
  var scorer: Scorer?

  @Option(help: "Permutation: repeats per feature (default 5).")
  var repeats: Int?

  @Option(name: .customLong("sample-weight"), help: "Permutation: column of sample weights for the scorer.")
  var sampleWeight: String?

  @Option(help: "KernelSHAP: background rows — a CSV file, or a number of rows sampled from the data (with --background-kmeans: the rows to cluster; default 100).")
  var background: String?

  @Option(name: .customLong("background-kmeans"), help: "KernelSHAP: summarize the background by k-means into K weighted rows.")
  var backgroundKmeans: Int?

  @Option(help: "KernelSHAP: coalitions per row (default 2M + 2048; every coalition when 2^M - 2 fits).")
  var nsamples: Int?

  @Option(help: "KernelSHAP: keep sampling until every standard error is below this, or nsamples is spent.")
  var tolerance: Double?

  @Option(name: .customLong("max-features"), help: "KernelSHAP: estimate only the K features with the largest |φ| (others reported as 0).")
  var maxFeatures: Int?

  @Option(help: "KernelSHAP: identity (default) or logit.")
  var link: Link?

  @Option(help: "KernelSHAP: rows to explain, a range 0:20 (end excluded) or a list 3,8,13 (default: the first 20).")
  var rows: String?

  @Option(name: .customLong("rows-file"), help: "KernelSHAP: rows to explain, a file with one row index per line.")
  var rowsFile: String?

  @Option(name: .customLong("grid-resolution"), help: "PDP grid points / ALE bins (default 20).")
  var gridResolution: Int?

  @Option(help: "PDP grid percentiles, low,high (default 0.05,0.95).")
  var percentiles: String?

  @Flag(help: "PDP: also return ICE curves (one per row).")
  var ice = false

  @Option(help: "Permutation, KernelSHAP: seed for every random step (default 0).")
  var seed: UInt64?

  @OptionGroup var outputs: ReportOutputs

  @OptionGroup(title: "Sharding (permutation, shap, kernelshap, treeshap, pdp, ale)") var shards: ShardOptions

  @OptionGroup(title: "Streaming (Spark's RDD.pipe; shap, kernelshap, treeshap)") var stream: StreamOptions

  var inputFiles: [(Setting, String?)] {
    [(.model, modelOptions.model), (.data, data), (.rowsFile, rowsFile), (.background, background.flatMap { Int($0) == nil ? $0 : nil })]
  }

  @Option(help: "Surrogate: tree (default) or linear (logistic for a classifier, ridge for a regressor).")
  var surrogate: SurrogateRequest.Kind?

  @Option(name: .customLong("max-depth"), help: "Surrogate or error-analysis tree: its depth (default 3 and 4).")
  var maxDepth: Int?

  @Option(name: .customLong("min-cohort"), help: "Error analysis: the fewest rows a cohort holds (default 30).")
  var minCohort: Int?

  @Option(help: ArgumentHelp("Analyse only the rows of a cohort, e.g. \"age ≤ 25 and workclass = Private\" (as error analysis names them).", valueName: "conditions"))
  var cohort: String?

  @Option(name: .customLong("surrogate-out"), help: "Surrogate: write it as a candor-model file every command takes.")
  var surrogateOut: String?

  var outputFiles: [(Setting, String?)] { outputs.outputFiles + [(.surrogateOut, surrogateOut), (.partialOut, shards.partialOut)] }

  /// Each method's own options, refused with another method, where they would do nothing.
  func validate() throws {
    let here = "with --method \(method.rawValue)"
    try refuseUnused([("--target", target != nil)], unless: method == .permutation || method == .errorAnalysis, here: here,
                     scope: "with --method permutation or error-analysis")
    try refuseUnused([("--scorer", scorer != nil), ("--repeats", repeats != nil), ("--sample-weight", sampleWeight != nil)],
                     unless: method == .permutation, here: here, scope: "with --method permutation")
    let shapMethods: [ExplanationMethod] = [.kernelshap, .treeshap, .shap]
    try refuseUnused([("--background", background != nil)], unless: shapMethods.contains(method), here: here, scope: "with --method shap, kernelshap or treeshap")
    try refuseUnused([("--rows", rows != nil), ("--rows-file", rowsFile != nil)],
                     unless: shapMethods.contains(method) || method == .terms, here: here, scope: "with --method shap, kernelshap, treeshap or terms")
    try refuseUnused(kernelSHAPOnly, unless: method == .kernelshap || method == .shap, here: here,
                     scope: "with --method kernelshap or shap")
    try refuseUnused([("--percentiles", percentiles != nil), ("--ice", ice)], unless: method == .pdp, here: here,
                     scope: "with --method pdp")
    try refuseUnused([("--grid-resolution", gridResolution != nil)], unless: method == .pdp || method == .ale, here: here,
                     scope: "with --method pdp or ale")
    warnUnused([("--seed", seed != nil)], unless: method == .permutation || method == .surrogate || shapMethods.contains(method), here: here,
                     scope: "with --method permutation, surrogate, shap, kernelshap or treeshap")
    if rows != nil && rowsFile != nil { throw ValidationError("Give the rows to explain with --rows or --rows-file, not both.") }
    try refuseUnused([("--surrogate", surrogate != nil), ("--surrogate-out", surrogateOut != nil)],
                     unless: method == .surrogate, here: here, scope: "with --method surrogate")
    try refuseUnused([("--max-depth", maxDepth != nil)], unless: method == .surrogate || method == .errorAnalysis, here: here,
                     scope: "with --method surrogate or error-analysis")
    try refuseUnused([("--min-cohort", minCohort != nil)], unless: method == .errorAnalysis, here: here, scope: "with --method error-analysis")
    if let maxDepth, maxDepth < 1 { throw ValidationError("--max-depth \(maxDepth): a tree needs a depth of at least 1.") }
    if let minCohort, minCohort < 1 { throw ValidationError("--min-cohort \(minCohort): a cohort holds at least 1 row.") }
    if shards.isSharded {
      try refuseUnused([("--shard-count", true)], unless: shapMethods.contains(method) || [.pdp, .ale, .permutation].contains(method), here: here,
                       scope: "with --method permutation, shap, kernelshap, treeshap, pdp or ale")
      if let flag = [("--json", outputs.json), ("--html", outputs.html)].first(where: { $0.1 != nil })?.0 {
        throw ValidationError("\(flag) does nothing with --shard-count: a shard writes its part (--partial-out); candor merge writes the result.")
      }
    }
    if stream.isStreaming {
      try refuseUnused([("--stdin-format", true)], unless: shapMethods.contains(method), here: here, scope: "with --method shap, kernelshap or treeshap")
      let given = [("--data", data != nil), ("--rows", rows != nil), ("--rows-file", rowsFile != nil), ("--shard-count", shards.isSharded),
                   ("--json", outputs.json != nil), ("--html", outputs.html != nil)]
      if let flag = given.first(where: \.1)?.0 {
        throw ValidationError("\(flag) does nothing with --stdin-format: every row on standard input is explained and its values go to standard output.")
      }
      if stream.stdoutFormat == nil { throw ValidationError("--stdin-format needs --stdout-format jsonl: each explained row's values go to standard output, one JSON object per row.") }
      if let background, Int(background) != nil {
        throw ValidationError("--background \(background) would sample from this partition's rows, so partitions would explain against different backgrounds; give --background FILE.csv (the same file for every partition).")
      }
      if method != .treeshap && background == nil {
        throw ValidationError("KernelSHAP on standard input needs --background FILE.csv: the background must be the same for every partition.")
      }
    }
    if method == .coefficients {
      try refuseUnused([("--data", data != nil), ("--features", !features.isEmpty), ("--group", !group.isEmpty)], unless: false, here: here,
                       scope: "with the other methods (the model file holds its coefficients and their standard errors)")
    }
  }

  /// KernelSHAP's own options, which TreeSHAP has no use for.
  var kernelSHAPOnly: [(String, Bool)] {
    [("--background-kmeans", backgroundKmeans != nil), ("--nsamples", nsamples != nil), ("--tolerance", tolerance != nil),
     ("--max-features", maxFeatures != nil), ("--link", link != nil)]
  }

  func run() throws {
    let files = try outputTransaction()
    let loaded = try modelOptions.load()
    let model = loaded.model
    if method == .coefficients {
      let table = try CoefficientTable.make(model, training: loaded.file?.training)
      try outputs.write(into: files, json: { try table.jsonData() }, html: { ExplainPage.coefficientsHTML(table, source: modelOptions.model ?? "the model") })
      try files.commit()
      print(ExplainPage.coefficientsText(table))
      return
    }
    if method == .terms {
      var table = try data.map { try reading.read($0, for: model) }
      if let cohort, let whole = table { table = try Cohort(parsing: cohort).select(whole) }
      let explained = try table.map { try explainedRows($0) } ?? []
      let result = try AdditiveTerms.make(model, data: table, rows: explained)
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.termsHTML(result, source: data ?? modelOptions.model ?? "the model") })
      try files.commit()
      print(ExplainPage.termsText(result))
      return
    }
    if stream.isStreaming { return try explainStandardInput(model: model) }
    guard let data else { throw ValidationError("--method \(method.rawValue) explains the model on data; give --data FILE.csv.") }
    var table = try reading.read(data, for: model)
    if let cohort { table = try Cohort(parsing: cohort).select(table) }
    let players = PlayerSelection(groups: try group.map { try FeatureGroup(parsing: $0) }, features: commaSeparated(features))
    let source = data
    switch method {
    case .coefficients, .terms: return
    case .errorAnalysis:
      guard let target else { throw ValidationError("Error analysis compares the model with the truth; give --target COLUMN.") }
      var request = ErrorAnalysisRequest(targetColumn: target)
      if let maxDepth { request.maxDepth = maxDepth }
      if let minCohort { request.minCohort = minCohort }
      var result = try ErrorAnalysis.run(request, model: model, data: table)
      // Within a --cohort, each cohort is named with the cohort's own conditions too, so it selects the same rows
      // from the whole data.
      if let cohort {
        for i in result.cohorts.indices {
          result.cohorts[i].condition = result.cohorts[i].condition == "all rows" ? cohort : "\(cohort) and \(result.cohorts[i].condition)"
        }
      }
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.errorAnalysisHTML(result, source: source) })
      try files.commit()
      print(ExplainPage.errorAnalysisText(result))
    case .surrogate:
      var request = SurrogateRequest()
      if let surrogate { request.kind = surrogate }
      if let maxDepth { request.maxDepth = maxDepth }
      if let seed { request.seed = seed }
      let (result, fitted) = try Surrogate.run(request, model: model, data: table)
      if surrogateOut != nil {
        try files.write(.surrogateOut, try ModelFile(model: fitted, target: loaded.file?.target ?? "prediction", training: nil).encoded())
      }
      let drawn: DecisionTree? = if case let .tree(tree) = fitted { tree } else { nil }
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.surrogateHTML(result, source: source, tree: drawn) })
      try files.commit()
      print(ExplainPage.surrogateText(result))
    case .permutation:
      guard let target else { throw ValidationError("Permutation importance needs --target.") }
      var request = PermutationImportanceRequest(targetColumn: target)
      request.scorer = scorer
      if let repeats { request.repeats = repeats }
      request.sampleWeightColumn = sampleWeight
      request.players = players
      if let seed { request.seed = seed }
      if shards.isSharded {
        let rows = try shards.rows(of: table.rowCount)
        let part = try PermutationImportance.partial(request, model: model, data: table, rows: rows)
        return try writePart(ExplanationPart(permutation: part, explained: TableExcerpt(table, rows: [], columns: [])),
                             firstPosition: rows.lowerBound, rowCount: rows.count, explainedCount: table.rowCount, files: files)
      }
      let result = try PermutationImportance.run(request, model: model, data: table)
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.permutationHTML(result, source: source) })
      try files.commit()
      print(ExplainPage.permutationText(result))
      for warning in ExplanationWarnings.uncertainImportance(result) { warn(warning) }
    case .treeshap, .shap where model.treeEnsembleView != nil:
      guard model.treeEnsembleView != nil else {
        throw FlagError(.effectMethod, value: "treeshap", .because("TreeSHAP needs a tree ensemble (an XGBoost or LightGBM model, or an ONNX graph scored by one tree node whose features each come from one column); use --method kernelshap or shap"))
      }
      try refuseUnused(kernelSHAPOnly, unless: false, here: "with TreeSHAP", scope: "with KernelSHAP (--method kernelshap)")
      let (rows, firstPosition) = try rowsToExplain(table)
      var request = TreeSHAPRequest(rows: rows)
      if let background { request.background = try backgroundRows(background, model: model) }
      request.players = players
      if let seed { request.seed = seed }
      let result = try TreeSHAP.run(request, model: model, data: table)
      if shards.isSharded {
        return try writePart(ExplanationPart(treeSHAP: result, explained: TableExcerpt(table, rows: rows, columns: result.features)),
                             firstPosition: firstPosition, rowCount: rows.count, explainedCount: try explainedRows(table).count, files: files)
      }
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.treeSHAPHTML(result, explained: table, source: source) })
      try files.commit()
      print(ExplainPage.treeSHAPText(result))
    case .kernelshap, .shap:
      let (rows, firstPosition) = try rowsToExplain(table)
      var request = try kernelSHAPRequest(rows: rows, model: model, players: players)
      request.configuration.firstStream = firstPosition
      let result = try KernelSHAP.run(request, model: model, data: table)
      if shards.isSharded {
        return try writePart(ExplanationPart(kernelSHAP: result, explained: TableExcerpt(table, rows: rows, columns: Self.columns(of: result.features, groups: group))),
                             firstPosition: firstPosition, rowCount: rows.count, explainedCount: try explainedRows(table).count, files: files)
      }
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.shapHTML(result, explained: table, source: source) })
      try files.commit()
      print(ExplainPage.shapText(result))
      for warning in ExplanationWarnings.uncertainShapley(result) { warn(warning) }
    case .pdp, .ale:
      var request = FeatureEffectsRequest(method: method == .pdp ? .pdp : .ale)
      request.players = players
      if let gridResolution { request.gridResolution = gridResolution }
      if let percentiles {
        let bounds = commaSeparated([percentiles]).compactMap(Double.init)
        guard bounds.count == 2 else { throw FlagError(.percentiles, value: percentiles, .because("give two fractions, e.g. 0.05,0.95")) }
        request.percentiles = (bounds[0], bounds[1])
      }
      request.ice = ice
      let rows = try shards.isSharded ? shards.rows(of: table.rowCount) : 0..<table.rowCount
      let part = try FeatureEffects.part(request, model: model, data: table, rows: rows)
      let result = part.effects
      // ALE is the remedy for the correlation, so only partial dependence is warned about.
      let warnings = method == .pdp ? ExplanationWarnings.correlatedFeatures(result.features.keys.sorted(), in: table,
                                                                               others: table.columnNames.filter { $0 != target }) : []
      if shards.isSharded {
        return try writePart(ExplanationPart(effects: part, warnings: warnings, explained: TableExcerpt(table, rows: [], columns: [])),
                             firstPosition: rows.lowerBound, rowCount: rows.count, explainedCount: table.rowCount, files: files)
      }
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.effectsHTML(result, source: source, warnings: warnings) })
      try files.commit()
      print(ExplainPage.effectsText(result))
      for warning in warnings { warn(warning) }
    }
  }

  /// Every row of standard input explained, each row's values written to standard output as one JSON object:
  /// `{"row":0,"base_value":[…],"prediction":[…],"values":{"age":[…],…}}` (one number per output). KernelSHAP's row
  /// at position p of the partition draws its coalitions from random stream p.
  func explainStandardInput(model: any Model) throws {
    var table = try stream.readStandardInput(reading: reading, numericColumns: model.numericFeatureNames).table
    if let cohort { table = try Cohort(parsing: cohort).select(table) }
    guard table.rowCount > 0 else { return }
    let players = PlayerSelection(groups: try group.map { try FeatureGroup(parsing: $0) }, features: commaSeparated(features))
    let rows = Array(0..<table.rowCount)
    let explained: (features: [String], base: [Double], rows: [(row: Int, prediction: [Double], values: [[Double]])])
    if method == .treeshap || (method == .shap && model.treeEnsembleView != nil) {
      var request = TreeSHAPRequest(rows: rows)
      if let background { request.background = try backgroundRows(background, model: model) }
      request.players = players
      let result = try TreeSHAP.run(request, model: model, data: table)
      explained = (result.features, result.baseValue, result.rows.map { ($0.row, $0.prediction, $0.values) })
    } else {
      let result = try KernelSHAP.run(try kernelSHAPRequest(rows: rows, model: model, players: players), model: model, data: table)
      explained = (result.features, result.baseValue, result.rows.map { ($0.row, $0.prediction, $0.values) })
    }
    try StreamOptions.writeLines(count: explained.rows.count) { k in
      let row = explained.rows[k]
      let values = JSONValue.object(explained.features.enumerated().map { j, name in (name, .numberArray(row.values.map { $0[j] })) })
      return .object([("row", .integer(row.row)), ("base_value", .numberArray(explained.base)), ("prediction", .numberArray(row.prediction)),
                      ("values", values)])
    }
  }

  /// KernelSHAP of `rows` as the command line asks.
  func kernelSHAPRequest(rows: [Int], model: any Model, players: PlayerSelection) throws -> KernelSHAPRequest {
    var request = KernelSHAPRequest(rows: rows)
    if let background { request.background = try backgroundRows(background, model: model) }
    request.backgroundClusters = backgroundKmeans
    request.players = players
    request.configuration.nsamples = nsamples
    request.configuration.tolerance = tolerance
    request.configuration.maxFeatures = maxFeatures
    if let link { request.configuration.link = link }
    if let seed { request.configuration.seed = seed }
    return request
  }

  /// The rows this run explains: all of --rows, or this shard's positions among them (and the first one's position).
  func rowsToExplain(_ table: Table) throws -> (rows: [Int], firstPosition: Int) {
    let all = try explainedRows(table)
    guard shards.isSharded else { return (all, 0) }
    let slice = try shards.rows(of: all.count)
    return (Array(all[slice]), slice.lowerBound)
  }

  /// The data columns behind the players (a --group's columns, a feature itself).
  static func columns(of players: [String], groups: [String]) -> [String] {
    let defined = Dictionary(groups.compactMap { try? FeatureGroup(parsing: $0) }.map { ($0.name, $0.columns) }, uniquingKeysWith: { a, _ in a })
    return players.flatMap { defined[$0] ?? [$0] }
  }

  /// A shard's part of an explanation, written to --partial-out.
  func writePart(_ part: ExplanationPart, firstPosition: Int, rowCount: Int, explainedCount: Int, files: OutputTransaction) throws {
    let what = part.holdsSums ? nil : "positions \(firstPosition) to \(firstPosition + rowCount - 1) of the \(explainedCount) explained rows"
    try shards.writePart(part, command: Self.configuration.commandName!, inputs: inputFiles + [(Setting("modelSpec"), modelOptions.modelSpec)],
                         rows: firstPosition..<(firstPosition + rowCount), total: explainedCount, what: what, files: files)
  }

  /// The rows --rows or --rows-file name (default: the first 20).
  func explainedRows(_ table: Table) throws -> [Int] {
    try KernelSHAPRequest.rows(parsing: rowsFile.map(Self.text(ofFile:)) ?? rows ?? "0:\(min(20, table.rowCount))", rowCount: table.rowCount)
  }

  /// --background: a number of rows to sample, or a CSV file read like the data.
  func backgroundRows(_ text: String, model: any Model) throws -> KernelSHAPRequest.Background {
    try Int(text).map { .sample(rows: $0) } ?? .table(reading.read(text, for: model))
  }

  /// A text file's contents, or the same "no such file" / "cannot be read" errors a data file gets.
  static func text(ofFile path: String) throws -> String {
    let data = try InputFile.read(path)
    guard let text = String(data: data, encoding: .utf8) else { throw TableError.unreadable(path, reason: "the text is not valid UTF-8") }
    return text
  }
}


extension Setting {
  static let surrogateOut = Setting("surrogateOut")
}

/// A shard's share of an explanation: its rows' SHAP values with those rows' feature values for the merged page, its
/// rows' PDP/ALE sums with the warnings the whole data calls for, or its rows' scorer sums for permutation importance.
struct ExplanationPart: Codable {
  var kernelSHAP: KernelSHAP?
  var treeSHAP: TreeSHAP?
  var effects: FeatureEffectsPartial?
  var permutation: PermutationImportancePartial?
  var warnings: [String] = []
  var explained: TableExcerpt

  init(kernelSHAP: KernelSHAP? = nil, treeSHAP: TreeSHAP? = nil, effects: FeatureEffectsPartial? = nil,
       permutation: PermutationImportancePartial? = nil, warnings: [String] = [], explained: TableExcerpt) {
    (self.kernelSHAP, self.treeSHAP, self.effects, self.permutation) = (kernelSHAP, treeSHAP, effects, permutation)
    (self.warnings, self.explained) = (warnings, explained)
  }

  /// Which of the four it holds.
  var kind: Int { kernelSHAP != nil ? 0 : treeSHAP != nil ? 1 : effects != nil ? 2 : 3 }
  var holdsOne: Bool { [kernelSHAP != nil, treeSHAP != nil, effects != nil, permutation != nil].filter { $0 }.count == 1 }
  /// Whether it holds sums over the shard's rows rather than one block per explained row.
  var holdsSums: Bool { effects != nil || permutation != nil }
  /// The rows its sums are over.
  var summedRows: Int? { effects?.rows ?? permutation?.rows }

  enum CodingKeys: String, CodingKey {
    case explained, effects, warnings, permutation
    case kernelSHAP = "kernelshap"
    case treeSHAP = "treeshap"
    case shapRows = "shap_rows"
  }

  /// SHAP results are written without their rows, which follow packed (`PackedSHAPRows`) under "shap_rows".
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    var kernel = kernelSHAP, tree = treeSHAP
    if let rows = kernel?.rows {
      kernel!.rows = []
      try container.encode(PackedSHAPRows(rows), forKey: .shapRows)
    } else if let rows = tree?.rows {
      tree!.rows = []
      try container.encode(PackedSHAPRows(rows), forKey: .shapRows)
    }
    try container.encodeIfPresent(kernel, forKey: .kernelSHAP)
    try container.encodeIfPresent(tree, forKey: .treeSHAP)
    try container.encodeIfPresent(effects, forKey: .effects)
    try container.encodeIfPresent(permutation, forKey: .permutation)
    try container.encode(warnings, forKey: .warnings)
    try container.encode(explained, forKey: .explained)
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    kernelSHAP = try container.decodeIfPresent(KernelSHAP.self, forKey: .kernelSHAP)
    treeSHAP = try container.decodeIfPresent(TreeSHAP.self, forKey: .treeSHAP)
    effects = try container.decodeIfPresent(FeatureEffectsPartial.self, forKey: .effects)
    permutation = try container.decodeIfPresent(PermutationImportancePartial.self, forKey: .permutation)
    warnings = try container.decodeIfPresent([String].self, forKey: .warnings) ?? []
    explained = try container.decode(TableExcerpt.self, forKey: .explained)
    guard let packed = try container.decodeIfPresent(PackedSHAPRows.self, forKey: .shapRows) else { return }
    func misfit() -> DecodingError {
      .dataCorruptedError(forKey: .shapRows, in: container, debugDescription: "not one block of the outputs' and features' values per row")
    }
    if let kernel = kernelSHAP, kernel.rows.isEmpty {
      guard let rows = packed.kernelRows(outputs: kernel.outputs.count, players: kernel.features.count) else { throw misfit() }
      kernelSHAP!.rows = rows
    } else if let tree = treeSHAP, tree.rows.isEmpty {
      guard let rows = packed.treeRows(outputs: tree.outputs.count, players: tree.features.count) else { throw misfit() }
      treeSHAP!.rows = rows
    } else {
      throw misfit()
    }
  }
}
