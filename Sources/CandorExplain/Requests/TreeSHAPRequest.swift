import CandorCore
import CandorModels

/// What a TreeSHAP run computes, as data (`candor explain --method shap` on a tree model, or `--method treeshap`).
public struct TreeSHAPRequest: Sendable {
  /// Indices of the data rows to explain.
  public var rows: [Int]
  public var background: KernelSHAPRequest.Background = .sample(rows: 100)
  public var players = PlayerSelection()
  /// Seeds the background sample.
  public var seed: UInt64 = 0

  public init(rows: [Int]) {
    self.rows = rows
  }
}

extension TreeSHAP {
  /// TreeSHAP values of `request.rows` of `data`: the background drawn as KernelSHAP draws it (the same rows for
  /// the same seed), the players as every explanation selects them.
  /// - Throws: `TableError`, or `ExplainError` for a bad setting, row or feature.
  public static func run(_ request: TreeSHAPRequest, model: any Model, data: Table) throws -> TreeSHAP {
    let players = try request.players.players(model: model, table: data)
    let background = try KernelSHAP.backgroundRows(request.background, data: data, seed: request.seed)
    return try explain(model: model, table: data, rows: request.rows, background: background, players: players)
  }
}
