import CandorCore
import CandorModels
import Foundation

/// Partial dependence and ICE curves (Friedman 2001, "Greedy function approximation", §8.2; Goldstein et
/// al. 2015, "Peeking inside the black box"), computed as scikit-learn's `partial_dependence(method="brute")`:
/// every row with the feature set to each grid value, averaged (PDP) or kept per row (ICE). Accumulated local
/// effects (Apley & Zhu 2020, JRSS-B 82(4)) for numeric features, which stay honest when features correlate.
public struct FeatureEffects: Sendable, Equatable, Codable, JSONDocument {
  public struct Curve: Sendable, Equatable, Codable {
    /// Numeric grid values (numeric features), or nil with `levels` for categorical ones.
    public var grid: [Double]?
    public var levels: [String]?
    /// The model output (first output: P(positive) for a binary model) averaged over rows, per grid point.
    public var average: [Double]
    /// ICE: one curve per row (with `--ice`), rows × grid points.
    public var individual: [[Double]]?
  }

  /// `.pdp` or `.ale`.
  public var method: ExplanationMethod
  public var features: [String: Curve]
}

public enum PartialDependence {
  /// scipy's `mquantiles` with alphap = betap = 0.4 (what scikit-learn's grid uses) on sorted values.
  static func mquantile(_ sorted: [Double], _ p: Double) -> Double {
    let n = Double(sorted.count)
    let m = 0.4 + p * 0.2
    let aleph = n * p + m
    let k = min(max(aleph.rounded(.down), 1), n - 1)
    let gamma = min(max(aleph - k, 0), 1)
    return (1 - gamma) * sorted[Int(k) - 1] + gamma * sorted[Int(k)]
  }

  /// scikit-learn's grid: the sorted distinct values when there are fewer than `resolution`, else
  /// `resolution` evenly spaced points between the two percentiles.
  public static func grid(_ values: [Double], resolution: Int, percentiles: (Double, Double)) -> [Double] {
    let present = values.filter { !$0.isNaN }
    let distinct = Array(Set(present)).sorted()
    if distinct.count < resolution { return distinct }
    let sorted = present.sorted()
    let low = mquantile(sorted, percentiles.0), high = mquantile(sorted, percentiles.1)
    let step = (high - low) / Double(resolution - 1)
    return (0..<resolution).map { $0 == resolution - 1 ? high : low + Double($0) * step }
  }

  /// PDP (and ICE) of each feature: one batched model call per grid point (all rows) for models that take
  /// encoded input, one per feature (rows × grid points) for the others.
  public static func compute(model: any Model, table: Table, features: [String], resolution: Int = 20,
                             percentiles: (Double, Double) = (0.05, 0.95), ice: Bool) throws -> FeatureEffects {
    try sums(model: model, table: table, rows: 0..<table.rowCount, features: features, resolution: resolution, percentiles: percentiles, ice: ice)
      .effects
  }

  /// PDP of rows `rows` of `table` as sums over them, the grid taken from all of the table's rows: the part a
  /// shard computes.
  public static func sums(model: any Model, table whole: Table, rows: Range<Int>, features: [String], resolution: Int = 20,
                          percentiles: (Double, Double) = (0.05, 0.95), ice: Bool) throws -> FeatureEffectsPartial {
    guard resolution >= 2 else { throw ExplainError.invalidSetting(.init(.gridResolution, value: "\(resolution)", .atLeast(2))) }
    guard model.providesScores else { throw ExplainError.needsScores(what: "Partial dependence") }
    guard percentiles.0 >= 0, percentiles.0 < percentiles.1, percentiles.1 <= 1 else {
      throw ExplainError.invalidSetting(.init(.percentiles, value: "\(percentiles.0),\(percentiles.1)", .because("give two fractions, low < high")))
    }
    var curves: [String: FeatureEffectsPartial.Curve] = [:]
    let table = rows.count == whole.rowCount ? whole : whole.selecting(rows: Array(rows))
    let n = table.rowCount
    // Models with an encoder: encode the rows once and overwrite one entry per grid point. Other models: the
    // table stacked once per grid point with the feature's column replaced.
    let encodedModel = model as? any EncodedInputModel
    let encoded = try encodedModel.map { try $0.encoder.encodedRows(table) }
    for name in features {
      guard let column = table[name], let wholeColumn = whole[name] else { throw ExplainError.unknownFeature(name, available: model.featureNames) }
      if let encodedModel, let encoded, let slot = encodedModel.encoder.featureNames.firstIndex(of: name),
        encodedModel.encoder.features[slot].kind == .categorical || column.isNumeric
      {
        // The encoder decides the kind: a numeric column of a categorical feature is a column of levels.
        let typed: Column = encodedModel.encoder.features[slot].kind == .categorical ? .categorical(wholeColumn.asCategorical()) : wholeColumn
        curves[name] = try curve(typed, resolution: resolution, percentiles: percentiles, ice: ice, n: n) { points in
          // One copy of the encoded rows, the feature's entry overwritten per grid point: the working set stays
          // the size of the data whatever the grid.
          var rows = encoded
          let stride = encoded.stride
          var storage = ContiguousArray<Double>()
          var outputs = 0
          for point in points {
            let entry = encodedModel.encoder.entry(slot: slot, numeric: point.number, level: point.level)
            for r in 0..<n {
              rows.indices[r * stride + slot] = entry.column
              rows.values[r * stride + slot] = entry.value
            }
            let predictions = encodedModel.predict(encoded: rows)
            outputs = predictions.columns
            storage.reserveCapacity(n * points.count * outputs)
            storage.append(contentsOf: predictions.storage)
          }
          return Matrix(rows: n * points.count, columns: outputs, storage: storage)
        }
      } else {
        curves[name] = try curve(wholeColumn, resolution: resolution, percentiles: percentiles, ice: ice, n: n) { points in
          let stacked = table.selecting(rows: Array(repeatElement(Array(0..<n), count: points.count).joined()))
          switch column {
          case .numeric:
            let values = ContiguousArray(points.flatMap { repeatElement($0.number, count: n) })
            return try model.predict(stacked.replacing(.numeric(NumericColumn(name: name, values: values))))
          case let .categorical(categorical):
            let codes = ContiguousArray(points.flatMap { repeatElement(Int32(categorical.levels.firstIndex(of: $0.level!)!), count: n) })
            return try model.predict(stacked.replacing(.categorical(CategoricalColumn(name: name, codes: codes, levels: categorical.levels))))
          }
        }
      }
    }
    return FeatureEffectsPartial(method: .pdp, rows: n, features: curves)
  }

  /// One feature's curve: scikit-learn's grid (or the sorted levels) from `column` (all rows), the predictions of
  /// every row at every grid point (rows g·n ..< (g+1)·n hold point g), their sum and the ICE curves.
  static func curve(_ column: Column, resolution: Int, percentiles: (Double, Double), ice: Bool, n: Int,
                    predict: ([(number: Double, level: String?)]) throws -> Matrix) throws -> FeatureEffectsPartial.Curve {
    var curve = FeatureEffectsPartial.Curve(grid: nil, levels: nil, sums: [], counts: nil, individual: nil)
    let points: [(number: Double, level: String?)]
    switch column {
    case let .numeric(numeric):
      let grid = Self.grid(Array(numeric.values), resolution: resolution, percentiles: percentiles)
      curve.grid = grid
      points = grid.map { ($0, nil) }
    case let .categorical(categorical):
      let levels = categorical.presentLevels.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
      curve.levels = levels
      points = levels.map { (.nan, $0) }
    }
    guard n > 0 else {
      // A part without rows (a shard past the end): nothing to add.
      curve.sums = [Double](repeating: 0, count: points.count)
      if ice { curve.individual = [] }
      return curve
    }
    let predictions = try predict(points)
    let outputs = predictions.columns
    curve.sums = (0..<points.count).map { g in (0..<n).reduce(0) { $0 + predictions.storage[(g * n + $1) * outputs] } }
    if ice { curve.individual = (0..<n).map { r in (0..<points.count).map { g in predictions.storage[(g * n + r) * outputs] } } }
    return curve
  }

  /// First-order ALE of numeric features on quantile bins (Apley & Zhu 2020, eq. 15): for each bin, the mean
  /// change of the output when the rows in it move from the bin's lower to its upper edge; accumulated and
  /// centred so the row-weighted mean effect is 0. One batched call per feature (2 × rows).
  public static func accumulatedLocalEffects(model: any Model, table: Table, features: [String], bins: Int = 20) throws -> FeatureEffects {
    try aleSums(model: model, table: table, rows: 0..<table.rowCount, features: features, bins: bins).effects
  }

  /// ALE's per-bin sums and counts over rows `rows` of `table`, the bin edges taken from all of its rows: the
  /// part a shard computes.
  public static func aleSums(model: any Model, table: Table, rows part: Range<Int>, features: [String], bins: Int = 20) throws -> FeatureEffectsPartial {
    guard bins >= 1 else { throw ExplainError.invalidSetting(.init(.gridResolution, value: "\(bins)", .atLeast(1))) }
    var curves: [String: FeatureEffectsPartial.Curve] = [:]
    for name in features {
      guard let column = table[name] else { throw ExplainError.unknownFeature(name, available: model.featureNames) }
      guard case let .numeric(numeric) = column else {
        throw ExplainError.invalidSetting(.init(.effectMethod, value: "ale", .because("ALE needs numeric features; '\(name)' is categorical (use pdp)")))
      }
      let sorted = numeric.values.filter { !$0.isNaN }.sorted()
      guard !sorted.isEmpty else { throw TableError.allMissing(column: name, file: table.source) }
      let rows = part.filter { !numeric.values[$0].isNaN }
      // Edges at quantiles of the feature, duplicates merged.
      var edges: [Double] = [sorted.first!]
      for b in 1...bins {
        let q = sorted[min(sorted.count - 1, Int((Double(b) / Double(bins) * Double(sorted.count - 1)).rounded()))]
        if q > edges.last! { edges.append(q) }
      }
      if edges.count == 1 { edges.append(edges[0]) }
      let binOf = rows.map { r -> Int in
        let v = numeric.values[r]
        var low = 1, high = edges.count - 1
        while low < high {
          let mid = (low + high) / 2
          if edges[mid] < v { low = mid + 1 } else { high = mid }
        }
        return low - 1
      }
      guard !rows.isEmpty else {
        curves[name] = FeatureEffectsPartial.Curve(grid: edges, levels: nil, sums: [Double](repeating: 0, count: edges.count - 1),
                                                   counts: [Double](repeating: 0, count: edges.count - 1), individual: nil)
        continue
      }
      let subset = table.selecting(rows: rows + rows)
      var values = ContiguousArray<Double>(repeating: 0, count: 2 * rows.count)
      for (i, b) in binOf.enumerated() {
        values[i] = edges[b]
        values[rows.count + i] = edges[b + 1]
      }
      let predictions = try model.predict(subset.replacing(.numeric(NumericColumn(name: name, values: values))))
      let outputs = predictions.columns
      var sums = [Double](repeating: 0, count: edges.count - 1), counts = sums
      for (i, b) in binOf.enumerated() {
        sums[b] += predictions.storage[(rows.count + i) * outputs] - predictions.storage[i * outputs]
        counts[b] += 1
      }
      curves[name] = FeatureEffectsPartial.Curve(grid: edges, levels: nil, sums: sums, counts: counts, individual: nil)
    }
    return FeatureEffectsPartial(method: .ale, rows: part.count, features: curves)
  }

  /// ALE from its per-bin sums and counts: the mean change per bin, accumulated and centred so the row-weighted
  /// mean effect is 0.
  static func accumulated(sums: [Double], counts: [Double]) -> [Double] {
    var accumulated = [0.0]
    for b in sums.indices { accumulated.append(accumulated.last! + (counts[b] > 0 ? sums[b] / counts[b] : 0)) }
    // Centre: subtract the mean over rows of the effect at their bin (the average of its two edges).
    let total = counts.reduce(0, +)
    let centre = sums.indices.reduce(0.0) { $0 + counts[$1] * (accumulated[$1] + accumulated[$1 + 1]) / 2 } / total
    return accumulated.map { $0 - centre }
  }
}

/// A part of a PDP or ALE run: per feature, the grid (from all rows), and over the part's rows the sums of the
/// predictions at each grid point (PDP) or of the changes in each bin with their counts (ALE), and ICE curves.
/// Parts add up; `effects` finishes them into the curves.
public struct FeatureEffectsPartial: Sendable, Equatable, Codable {
  public struct Curve: Sendable, Equatable, Codable {
    public var grid: [Double]?
    public var levels: [String]?
    public var sums: [Double]
    /// ALE: rows per bin.
    public var counts: [Double]?
    public var individual: [[Double]]?
  }

  public var method: ExplanationMethod
  public var rows: Int
  public var features: [String: Curve]

  /// The curves these sums give.
  public var effects: FeatureEffects {
    FeatureEffects(method: method, features: features.mapValues { part in
      let average = method == .ale ? PartialDependence.accumulated(sums: part.sums, counts: part.counts ?? [])
        : part.sums.map { $0 / Double(rows) }
      return FeatureEffects.Curve(grid: part.grid, levels: part.levels, average: average, individual: part.individual)
    })
  }

  /// The parts' sums added in part order, ICE curves concatenated.
  /// - Throws: `ExplanationMergeError` when a part's method, features or grids differ from the first's.
  public static func merging(_ parts: [FeatureEffectsPartial]) throws(ExplanationMergeError) -> FeatureEffectsPartial {
    var merged = parts[0]
    for (p, part) in parts.enumerated().dropFirst() {
      guard part.method == merged.method, part.features.keys.sorted() == merged.features.keys.sorted() else {
        throw ExplanationMergeError(part: p, reason: "its method or features differ from the first part's")
      }
      merged.rows += part.rows
      for (name, curve) in part.features {
        var into = merged.features[name]!
        guard curve.grid == into.grid, curve.levels == into.levels, curve.sums.count == into.sums.count,
              (curve.counts?.count ?? -1) == (into.counts?.count ?? -1), (curve.individual == nil) == (into.individual == nil) else {
          throw ExplanationMergeError(part: p, reason: "its grid for '\(printable(name))' differs from the first part's")
        }
        for k in into.sums.indices { into.sums[k] += curve.sums[k] }
        if let counts = curve.counts { for k in counts.indices { into.counts![k] += counts[k] } }
        if let individual = curve.individual { into.individual! += individual }
        merged.features[name] = into
      }
    }
    return merged
  }
}

extension FeatureEffects {
  public static var jsonLayout: JSONLayout { .compact }

  enum CodingKeys: String, CodingKey {
    case method, features
  }

  /// `features` in name order.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(method, forKey: .method)
    var curves = container.nestedContainer(keyedBy: NameKey.self, forKey: .features)
    for name in features.keys.sorted() { try curves.encode(features[name]!, forKey: NameKey(name)) }
  }
}
