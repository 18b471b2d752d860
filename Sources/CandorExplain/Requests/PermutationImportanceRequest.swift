import CandorCore
import CandorModels

/// What a permutation-importance run computes, as data (`candor explain --method permutation`).
public struct PermutationImportanceRequest: Sendable, Equatable {
  public var targetColumn: String
  /// nil: accuracy for a classifier, r² for a regression model.
  public var scorer: Scorer?
  public var repeats = 5
  public var sampleWeightColumn: String?
  public var players = PlayerSelection()
  public var seed: UInt64 = 0

  public init(targetColumn: String) {
    self.targetColumn = targetColumn
  }
}

extension PermutationImportance {
  /// Permutation importance of `model` on `data` as `request` asks.
  /// - Throws: `TableError` for an absent column, `ExplainError` for a bad setting or target.
  public static func run(_ request: PermutationImportanceRequest, model: any Model, data: Table) throws -> PermutationImportance {
    let (players, truth, weights, scorer) = try inputs(request, model: model, data: data)
    return try compute(model: model, table: data, truth: truth, weights: weights, scorer: scorer, groups: players,
                       repeats: request.repeats, seed: request.seed)
  }

  /// The part of `run`'s result that rows `rows` of `data` give (a shard's), for `PermutationImportancePartial.merging`.
  public static func partial(_ request: PermutationImportanceRequest, model: any Model, data: Table, rows: Range<Int>) throws -> PermutationImportancePartial {
    let (players, truth, weights, scorer) = try inputs(request, model: model, data: data)
    return try partial(model: model, table: data, truth: truth, weights: weights, scorer: scorer, groups: players,
                       repeats: request.repeats, seed: request.seed, rows: rows)
  }

  /// The players, the target as the scorers read it, the sample weights and the scorer `request` asks for.
  static func inputs(_ request: PermutationImportanceRequest, model: any Model, data: Table) throws
    -> (players: [FeatureGroup], truth: [Double], weights: [Double]?, scorer: Scorer)
  {
    let players = try request.players.players(model: model, table: data)
    let truth = try Self.truth(model, column: data.column(request.targetColumn))
    let weights = try request.sampleWeightColumn.map { name -> [Double] in
      guard case let .numeric(column) = try data.column(name) else { throw ExplainError.weightsNotNumeric(column: name) }
      return Array(column.values)
    }
    return (players, truth, weights, request.scorer ?? (model.isClassifier ? .accuracy : .r2))
  }

  /// The target as the scorers read it: a class index of the model's classes, or the value (regression).
  static func truth(_ model: any Model, column: Column) throws(ExplainError) -> [Double] {
    guard model.isClassifier else {
      guard case let .numeric(numeric) = column else { throw .regressionTargetNotNumeric(column: column.name) }
      return Array(numeric.values)
    }
    let categorical = column.asCategorical()
    let index = Dictionary(uniqueKeysWithValues: model.classes.enumerated().map { ($1, Double($0)) })
    var truth = [Double](repeating: 0, count: categorical.codes.count)
    for (row, code) in categorical.codes.enumerated() {
      guard code >= 0, let value = index[categorical.levels[Int(code)]] else {
        throw .targetNotAClass(column: column.name, row: row + 1, value: code >= 0 ? categorical.levels[Int(code)] : "",
                               classes: model.classes)
      }
      truth[row] = value
    }
    return truth
  }
}
