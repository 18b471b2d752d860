import CandorCore
import CandorModels

/// What a partial-dependence or ALE run computes, as data (`candor explain --method pdp|ale`).
public struct FeatureEffectsRequest: Sendable {
  public var method: EffectMethod
  /// The features to trace (groups contribute their columns one by one).
  public var players = PlayerSelection()
  /// PDP grid points, or ALE bins.
  public var gridResolution = 20
  /// PDP: the grid spans these percentiles of each numeric feature.
  public var percentiles: (low: Double, high: Double) = (0.05, 0.95)
  /// PDP: also keep one curve per row.
  public var ice = false

  public init(method: EffectMethod) {
    self.method = method
  }
}

extension FeatureEffects {
  /// PDP (with ICE) or ALE curves of `model` on `data` as `request` asks.
  public static func run(_ request: FeatureEffectsRequest, model: any Model, data: Table) throws -> FeatureEffects {
    try part(request, model: model, data: data, rows: 0..<data.rowCount).effects
  }

  /// The sums rows `rows` of `data` give, grids and bins taken from all of its rows: a shard's part, which
  /// `FeatureEffectsPartial.merging` adds to the others'.
  public static func part(_ request: FeatureEffectsRequest, model: any Model, data: Table, rows: Range<Int>) throws -> FeatureEffectsPartial {
    let names = try request.players.players(model: model, table: data).flatMap(\.columns)
    switch request.method {
    case .pdp:
      return try PartialDependence.sums(model: model, table: data, rows: rows, features: names, resolution: request.gridResolution,
                                        percentiles: request.percentiles, ice: request.ice)
    case .ale:
      return try PartialDependence.aleSums(model: model, table: data, rows: rows, features: names, bins: request.gridResolution)
    }
  }
}
