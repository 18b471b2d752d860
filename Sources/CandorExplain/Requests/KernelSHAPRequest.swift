import CandorCore
import CandorModels

/// What a KernelSHAP run computes, as data (`candor explain --method kernelshap`).
public struct KernelSHAPRequest: Sendable {
  /// Where the background rows come from.
  public enum Background: Sendable {
    /// This many rows drawn from the data without replacement (seeded); all of them when the data has fewer.
    case sample(rows: Int)
    /// These rows (the columns the data also has are used).
    case table(Table)
  }

  /// Indices of the data rows to explain.
  public var rows: [Int]
  public var background: Background = .sample(rows: 100)
  /// Summarize the background by k-means into this many weighted rows (`shap.kmeans`).
  public var backgroundClusters: Int?
  public var players = PlayerSelection()
  /// nsamples, link, seed, tolerance and feature selection; the background weights are set by the run.
  public var configuration = KernelSHAP.Configuration()

  public init(rows: [Int]) {
    self.rows = rows
  }
}

extension KernelSHAP {
  /// KernelSHAP values of `request.rows` of `data` as `request` asks.
  /// - Throws: `TableError`, or `ExplainError` for a bad setting, row or feature.
  public static func run(_ request: KernelSHAPRequest, model: any Model, data: Table) throws -> KernelSHAP {
    let players = try request.players.players(model: model, table: data)
    var background = try backgroundRows(request.background, data: data, seed: request.configuration.seed)
    var configuration = request.configuration
    if let clusters = request.backgroundClusters {
      // The model's own encoding when it has one; otherwise one fitted on the background (numbers standardized,
      // categories one-hot), so distances weigh every feature alike for any model. Without one, only the columns
      // the model declares as numbers are averaged; the others take each cluster's most frequent value, so a
      // code or an integer stays one the model can read.
      let own = (model as? any EncodedInputModel)?.encoder
      let encoder = try own ?? FeatureEncoder.fit(background, features: model.featureNames)
      let numbers = Set(model.numericFeatureNames)
      let summary = try BackgroundSummary.kmeans(background, encoder: encoder, clusters: clusters, seed: configuration.seed,
                                                 averaged: { own != nil || numbers.contains($0) })
      background = summary.rows
      configuration.backgroundWeights = summary.weights
    }
    return try explain(model: model, table: data, rows: request.rows, background: background, groups: players, configuration: configuration)
  }

  static func backgroundRows(_ background: KernelSHAPRequest.Background, data: Table, seed: UInt64) throws -> Table {
    switch background {
    case let .sample(size):
      guard size >= 1 else { throw ExplainError.invalidSetting(.init(.backgroundSize, value: "\(size)", .atLeast(1, unit: "row"))) }
      if size >= data.rowCount { return data }
      // Its own stream, so the background does not move when the coalition draws change.
      var random = SeededRandom(seed: seed, stream: 1_000_000)
      return data.selecting(rows: Array(Array(0..<data.rowCount).shuffled(using: &random).prefix(size)).sorted())
    case let .table(file):
      if let column = file.columnNames.first(where: { data.index(of: $0) == nil }) {
        throw ExplainError.backgroundColumnNotInData(column: column, file: file.source)
      }
      return try file.selecting(columns: data.columnNames.filter { file.index(of: $0) != nil })
    }
  }
}

extension KernelSHAPRequest {
  /// Row indices written as ranges `0:20` (end excluded) and single rows `3,8`, separated by commas or new
  /// lines. A range is cut at the end of the data.
  /// - Throws: `ExplainError.invalidSetting` (`rows`) for text that is no row, `.rowOutOfRange` past the data.
  public static func rows(parsing text: String, rowCount count: Int) throws(ExplainError) -> [Int] {
    var result: [Int] = []
    for part in text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
      if let colon = part.firstIndex(of: ":") {
        guard let low = Int(part[..<colon]), let high = Int(part[part.index(after: colon)...]), low <= high else {
          throw .invalidSetting(.init(.rows, value: part, .because("write a range as start:end")))
        }
        if high > count { throw .rowOutOfRange(row: max(low, count), rowCount: count) }
        result += Array(low..<high)
      } else {
        guard let row = Int(part) else { throw .invalidSetting(.init(.rows, value: part, .because("not a row number"))) }
        result.append(row)
      }
    }
    if let row = result.first(where: { $0 < 0 || $0 >= count }) { throw .rowOutOfRange(row: row, rowCount: count) }
    if result.isEmpty { throw .invalidSetting(.init(.rows, value: "'\(text)'", .because("no rows to explain"))) }
    return result
  }
}
