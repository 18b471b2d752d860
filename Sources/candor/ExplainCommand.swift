import ArgumentParser
import CandorCore
import CandorExplain
import CandorModels
import CandorReport
import Foundation

extension Scorer: ExpressibleByArgument {}
extension Link: ExpressibleByArgument {}
extension ExplanationMethod: ExpressibleByArgument {}

struct Explain: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Explain a model in raw features: permutation importance, KernelSHAP, partial dependence / ICE, ALE.",
    discussion: """
      Every method speaks in raw features (a categorical's one-hot columns move together); --group name=a,b \
      treats several columns as one player. Random steps are seeded (--seed).
      """)

  @OptionGroup var modelOptions: ModelOptions

  @OptionGroup var dataOptions: DataOptions

  @Option(help: "permutation, kernelshap, pdp or ale.")
  var method: ExplanationMethod

  @Option(help: "Target column (permutation importance).")
  var target: String?

  @Option(help: ArgumentHelp("Features to explain (default: the model's).", valueName: "a,b"))
  var features: [String] = []

  @Option(help: ArgumentHelp("A group of columns treated as one feature, e.g. --group money=capital_gain,capital_loss. Repeatable.", valueName: "name=a,b"))
  var group: [String] = []

  @Option(help: "Permutation: scorer (accuracy, balanced_accuracy, roc_auc, log_loss, r2, mse, mae); default accuracy or r2.")
  var scorer: Scorer?

  @Option(help: "Permutation: repeats per feature.")
  var repeats: Int = 5

  @Option(name: .customLong("sample-weight"), help: "Permutation: column of sample weights for the scorer.")
  var sampleWeight: String?

  @Option(help: "KernelSHAP: background rows — a CSV file, or a number of rows sampled from the data (with --background-kmeans: the rows to cluster).")
  var background: String = "100"

  @Option(name: .customLong("background-kmeans"), help: "KernelSHAP: summarize the background by k-means into K weighted rows.")
  var backgroundKmeans: Int?

  @Option(help: "KernelSHAP: coalitions per row (default 2M + 2048; every coalition when 2^M - 2 fits).")
  var nsamples: Int?

  @Option(help: "KernelSHAP: keep sampling until every standard error is below this, or nsamples is spent.")
  var tolerance: Double?

  @Option(name: .customLong("max-features"), help: "KernelSHAP: estimate only the K features with the largest |φ| (others reported as 0).")
  var maxFeatures: Int?

  @Option(help: "KernelSHAP: identity or logit.")
  var link: Link = .identity

  @Option(help: "Rows to explain: a range 0:20 (end excluded) or a list 3,8,13.")
  var rows: String = "0:20"

  @Option(name: .customLong("rows-file"), help: "Rows to explain: a file with one row index per line.")
  var rowsFile: String?

  @Option(name: .customLong("grid-resolution"), help: "PDP grid points / ALE bins.")
  var gridResolution: Int = 20

  @Option(help: "PDP grid percentiles, low,high.")
  var percentiles: String = "0.05,0.95"

  @Flag(help: "PDP: also return ICE curves (one per row).")
  var ice = false

  @Option(help: "Seed for every random step.")
  var seed: UInt64 = 0

  @OptionGroup var outputs: ReportOutputs

  var inputFiles: [(Setting, String?)] {
    [(.model, modelOptions.model), (.data, dataOptions.data), (.rowsFile, rowsFile), (.background, Int(background) == nil ? background : nil)]
  }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles }

  func run() throws {
    let files = try outputTransaction()
    let model = try modelOptions.load().model
    let table = try dataOptions.readTable()
    let players = PlayerSelection(groups: try group.map { try FeatureGroup(parsing: $0) }, features: commaSeparated(features))
    let source = dataOptions.data
    switch method {
    case .permutation:
      guard let target else { throw ValidationError("Permutation importance needs --target.") }
      var request = PermutationImportanceRequest(targetColumn: target)
      request.scorer = scorer
      request.repeats = repeats
      request.sampleWeightColumn = sampleWeight
      request.players = players
      request.seed = seed
      let result = try PermutationImportance.run(request, model: model, data: table)
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.permutationHTML(result, source: source) })
      try files.commit()
      print(ExplainPage.permutationText(result))
    case .kernelshap:
      var request = KernelSHAPRequest(
        rows: try KernelSHAPRequest.rows(parsing: rowsFile.map(Self.text(ofFile:)) ?? rows,
                                         rowCount: table.rowCount))
      request.background = try Int(background).map { .sample(rows: $0) } ?? .table(dataOptions.reading.read(background))
      request.backgroundClusters = backgroundKmeans
      request.players = players
      request.configuration.nsamples = nsamples
      request.configuration.tolerance = tolerance
      request.configuration.maxFeatures = maxFeatures
      request.configuration.link = link
      request.configuration.seed = seed
      let result = try KernelSHAP.run(request, model: model, data: table)
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.shapHTML(result, explained: table, source: source) })
      try files.commit()
      print(ExplainPage.shapText(result))
    case .pdp, .ale:
      var request = FeatureEffectsRequest(method: method == .pdp ? .pdp : .ale)
      request.players = players
      request.gridResolution = gridResolution
      if method == .pdp {
        let bounds = commaSeparated([percentiles]).compactMap(Double.init)
        guard bounds.count == 2 else { throw FlagError(.percentiles, value: percentiles, .because("give two fractions, e.g. 0.05,0.95")) }
        request.percentiles = (bounds[0], bounds[1])
        request.ice = ice
      }
      let result = try FeatureEffects.run(request, model: model, data: table)
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.effectsHTML(result, source: source) })
      try files.commit()
      print(ExplainPage.effectsText(result))
    }
  }

  /// A text file's contents, or the same "no such file" / "cannot be read" errors a data file gets.
  static func text(ofFile path: String) throws -> String {
    guard FileManager.default.fileExists(atPath: path) else { throw TableError.fileNotFound(path) }
    guard let data = FileManager.default.contents(atPath: path) else { throw TableError.unreadable(path, reason: "permission denied or not a file") }
    guard let text = String(data: data, encoding: .utf8) else { throw TableError.unreadable(path, reason: "the text is not valid UTF-8") }
    return text
  }
}
