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
    guard resolution >= 2 else { throw ExplainError.invalidSetting(.init(.gridResolution, value: "\(resolution)", .atLeast(2))) }
    guard model.providesScores else { throw ExplainError.needsScores(what: "Partial dependence") }
    guard percentiles.0 >= 0, percentiles.0 < percentiles.1, percentiles.1 <= 1 else {
      throw ExplainError.invalidSetting(.init(.percentiles, value: "\(percentiles.0),\(percentiles.1)", .because("give two fractions, low < high")))
    }
    var curves: [String: FeatureEffects.Curve] = [:]
    let n = table.rowCount
    // Models with an encoder: encode the rows once and overwrite one entry per grid point. Other models: the
    // table stacked once per grid point with the feature's column replaced.
    let encodedModel = model as? any EncodedInputModel
    let encoded = try encodedModel.map { try $0.encoder.encodedRows(table) }
    for name in features {
      guard let column = table[name] else { throw ExplainError.unknownFeature(name, available: model.featureNames) }
      if let encodedModel, let encoded, let slot = encodedModel.encoder.featureNames.firstIndex(of: name),
        encodedModel.encoder.features[slot].kind == .categorical || column.isNumeric
      {
        // The encoder decides the kind: a numeric column of a categorical feature is a column of levels.
        let typed: Column = encodedModel.encoder.features[slot].kind == .categorical ? .categorical(column.asCategorical()) : column
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
        curves[name] = try curve(column, resolution: resolution, percentiles: percentiles, ice: ice, n: n) { points in
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
    return FeatureEffects(method: .pdp, features: curves)
  }

  /// One feature's curve: scikit-learn's grid (or the sorted levels), the predictions of every row at every
  /// grid point (rows g·n ..< (g+1)·n hold point g), the average and the ICE curves.
  static func curve(_ column: Column, resolution: Int, percentiles: (Double, Double), ice: Bool, n: Int,
                    predict: ([(number: Double, level: String?)]) throws -> Matrix) throws -> FeatureEffects.Curve {
    var curve = FeatureEffects.Curve(grid: nil, levels: nil, average: [], individual: nil)
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
    let predictions = try predict(points)
    let outputs = predictions.columns
    curve.average = (0..<points.count).map { g in (0..<n).reduce(0) { $0 + predictions.storage[(g * n + $1) * outputs] } / Double(n) }
    if ice { curve.individual = (0..<n).map { r in (0..<points.count).map { g in predictions.storage[(g * n + r) * outputs] } } }
    return curve
  }

  /// First-order ALE of numeric features on quantile bins (Apley & Zhu 2020, eq. 15): for each bin, the mean
  /// change of the output when the rows in it move from the bin's lower to its upper edge; accumulated and
  /// centred so the row-weighted mean effect is 0. One batched call per feature (2 × rows).
  public static func accumulatedLocalEffects(model: any Model, table: Table, features: [String], bins: Int = 20) throws -> FeatureEffects {
    guard bins >= 1 else { throw ExplainError.invalidSetting(.init(.gridResolution, value: "\(bins)", .atLeast(1))) }
    var curves: [String: FeatureEffects.Curve] = [:]
    for name in features {
      guard let column = table[name] else { throw ExplainError.unknownFeature(name, available: model.featureNames) }
      guard case let .numeric(numeric) = column else {
        throw ExplainError.invalidSetting(.init(.effectMethod, value: "ale", .because("ALE needs numeric features; '\(name)' is categorical (use pdp)")))
      }
      let rows = numeric.values.indices.filter { !numeric.values[$0].isNaN }
      let sorted = rows.map { numeric.values[$0] }.sorted()
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
      var accumulated = [0.0]
      for b in sums.indices { accumulated.append(accumulated.last! + (counts[b] > 0 ? sums[b] / counts[b] : 0)) }
      // Centre: subtract the mean over rows of the effect at their bin (the average of its two edges).
      let total = counts.reduce(0, +)
      let centre = sums.indices.reduce(0.0) { $0 + counts[$1] * (accumulated[$1] + accumulated[$1 + 1]) / 2 } / total
      curves[name] = FeatureEffects.Curve(grid: edges, levels: nil, average: accumulated.map { $0 - centre }, individual: nil)
    }
    return FeatureEffects(method: .ale, features: curves)
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
