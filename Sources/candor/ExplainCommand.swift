import ArgumentParser
import CandorCore
import CandorExplain
import CandorModels
import CandorReport
import Foundation

extension Scorer: ExpressibleByArgument {}
extension Link: ExpressibleByArgument {}
extension EffectMethod: ExpressibleByArgument {}

enum ExplainMethod: String, ExpressibleByArgument, CaseIterable {
  case permutation, kernelshap, pdp, ale
}

struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Explain a model in raw features: permutation importance, KernelSHAP, partial dependence / ICE, ALE.",
    discussion: """
      Every method speaks in raw features (a categorical's one-hot columns move together); --group name=a,b \
      treats several columns as one player. Random steps are seeded (--seed).
      """)

  @Option(help: "Model file (candor-model JSON).")
  var model: String

  @Option(help: "Data CSV.")
  var data: String

  @Option(help: "permutation, kernelshap, pdp or ale.")
  var method: ExplainMethod

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

  @Option(help: ArgumentHelp("Extra missing-value tokens besides the empty cell.", valueName: "tokens"))
  var na: [String] = []

  @Option(help: "Write the result as JSON here.")
  var json: String?

  @Option(help: "Write a self-contained HTML report here.")
  var html: String?

  func run() throws {
    let loaded = try ModelLoader.load(path: model).model.model
    let table = try CSVReader.read(path: data, options: CSVOptions(missingTokens: commaSeparated(na)))
    let players = try self.players(model: loaded, table: table)
    let encoder = CandorJSON.encoder()
    var outputs: [(Data, String)] = []
    let text: String
    switch method {
    case .permutation:
      guard let target else { throw ValidationError("Permutation importance needs --target.") }
      let truth = try Self.truth(loaded, column: table.column(target), file: data)
      let weights = try sampleWeight.map { name -> [Double] in
        guard case let .numeric(column) = try table.column(name) else {
          throw ExplainError.invalidOption(name: "sample-weight", value: name, reason: "the column must be numeric")
        }
        return Array(column.values)
      }
      let result = try PermutationImportance.compute(model: loaded, table: table, truth: truth, weights: weights,
                                                     scorer: scorer ?? (loaded.isClassifier ? .accuracy : .r2), groups: players,
                                                     repeats: repeats, seed: seed)
      if let json { outputs.append((try encoder.encode(result), json)) }
      if let html { outputs.append((Data(ExplainPage.permutationHTML(result, source: data).utf8), html)) }
      text = ExplainPage.permutationText(result)
    case .kernelshap:
      let rowIndices = try self.rowIndices(count: table.rowCount)
      var backgroundTable = try self.backgroundTable(table)
      var configuration = KernelSHAP.Configuration()
      if let clusters = backgroundKmeans {
        guard let encoderModel = loaded as? any EncodedInputModel else {
          throw ExplainError.invalidOption(name: "background-kmeans", value: "\(clusters)", reason: "k-means needs a model with a feature encoder")
        }
        let summary = try BackgroundSummary.kmeans(backgroundTable, encoder: encoderModel.encoder, clusters: clusters, seed: seed)
        backgroundTable = summary.rows
        configuration.backgroundWeights = summary.weights
      }
      configuration.tolerance = tolerance
      configuration.maxFeatures = maxFeatures
      configuration.nsamples = nsamples
      configuration.link = link
      configuration.seed = seed
      let result = try KernelSHAP.explain(model: loaded, table: table, rows: rowIndices, background: backgroundTable, groups: players,
                                          configuration: configuration)
      if let json { outputs.append((result.json.data(), json)) }
      if let html { outputs.append((Data(ExplainPage.shapHTML(result, explained: table, source: data).utf8), html)) }
      text = ExplainPage.shapText(result)
    case .pdp, .ale:
      let names = players.flatMap(\.columns)
      let result: FeatureEffects
      if method == .pdp {
        let bounds = commaSeparated([percentiles]).compactMap(Double.init)
        guard bounds.count == 2 else {
          throw ExplainError.invalidOption(name: "percentiles", value: percentiles, reason: "give two fractions, e.g. 0.05,0.95")
        }
        result = try PartialDependence.compute(model: loaded, table: table, features: names, resolution: gridResolution,
                                               percentiles: (bounds[0], bounds[1]), ice: ice)
      } else {
        result = try PartialDependence.accumulatedLocalEffects(model: loaded, table: table, features: names, bins: gridResolution)
      }
      if let json { outputs.append((result.json.data(), json)) }
      if let html { outputs.append((Data(ExplainPage.effectsHTML(result, source: data).utf8), html)) }
      text = ExplainPage.effectsText(result)
    }
    for (bytes, path) in outputs { try OutputFile.write(bytes, to: path) }
    print(text)
  }

  /// The players: --group entries, then the listed (or all the model's) features not in a group.
  func players(model: any Model, table: Table) throws -> [FeatureGroup] {
    var result: [FeatureGroup] = []
    for text in group {
      guard let equals = text.firstIndex(of: "=") else {
        throw ExplainError.invalidOption(name: "group", value: text, reason: "write it as name=column1,column2")
      }
      result.append(FeatureGroup(name: String(text[..<equals]), columns: commaSeparated([String(text[text.index(after: equals)...])])))
    }
    let grouped = Set(result.flatMap(\.columns))
    let names = features.isEmpty ? model.featureNames : commaSeparated(features)
    for name in names where !grouped.contains(name) { result.append(FeatureGroup(name: name, columns: [name])) }
    for column in result.flatMap(\.columns) where table.index(of: column) == nil {
      throw ExplainError.unknownFeature(column, available: model.featureNames)
    }
    return result
  }

  static func truth(_ model: any Model, column: Column, file: String) throws -> [Double] {
    if model.isClassifier {
      let categorical = column.asCategorical()
      let index = Dictionary(uniqueKeysWithValues: model.classes.enumerated().map { ($1, Double($0)) })
      return try categorical.codes.enumerated().map { row, code in
        guard code >= 0, let value = index[categorical.levels[Int(code)]] else {
          throw ExplainError.invalidOption(name: "target", value: column.name,
                                           reason: "data row \(row + 1) holds '\(code >= 0 ? categorical.levels[Int(code)] : "")', which is not one of the model's classes (\(model.classes.joined(separator: ", ")))")
        }
        return value
      }
    }
    guard case let .numeric(numeric) = column else {
      throw ExplainError.invalidOption(name: "target", value: column.name, reason: "a regression target must be numeric")
    }
    return Array(numeric.values)
  }

  func rowIndices(count: Int) throws -> [Int] {
    let text = try rowsFile.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? rows
    var result: [Int] = []
    for part in text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
      if let colon = part.firstIndex(of: ":") {
        guard let low = Int(part[..<colon]), let high = Int(part[part.index(after: colon)...]), low <= high else {
          throw ExplainError.invalidOption(name: "rows", value: part, reason: "write a range as start:end")
        }
        result += Array(low..<min(high, count))
        if high > count && low >= count { throw ExplainError.rowOutOfRange(row: low, rowCount: count) }
      } else {
        guard let row = Int(part) else { throw ExplainError.invalidOption(name: "rows", value: part, reason: "not a row number") }
        result.append(row)
      }
    }
    for row in result where row < 0 || row >= count { throw ExplainError.rowOutOfRange(row: row, rowCount: count) }
    return result
  }

  func backgroundTable(_ table: Table) throws -> Table {
    if let size = Int(background) {
      guard size >= 1 else { throw ExplainError.invalidOption(name: "background", value: background, reason: "needs at least 1 row") }
      if size >= table.rowCount { return table }
      var random = SeededRandom(seed: seed, stream: 1_000_000)
      return table.selecting(rows: Array(Array(0..<table.rowCount).shuffled(using: &random).prefix(size)).sorted())
    }
    let file = try CSVReader.read(path: background, options: CSVOptions(missingTokens: commaSeparated(na)))
    for column in file.columnNames where table.index(of: column) == nil {
      throw ExplainError.invalidOption(name: "background", value: background, reason: "its column '\(column)' is not in the data")
    }
    return try file.selecting(columns: table.columnNames.filter { file.index(of: $0) != nil })
  }
}
