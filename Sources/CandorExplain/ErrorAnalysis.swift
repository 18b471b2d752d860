import CandorCore
import CandorModels
import Foundation

/// `candor explain --method error-analysis`: where the model errs, as the Responsible AI dashboard's error analysis
/// shows it (Nushi, Kamar & Horvitz 2018, "Towards Accountable AI: Hybrid Human-Machine Analyses for Characterizing
/// System Failure"): a shallow CART tree over the raw features fitted to the errors — misclassified or not, or the
/// absolute error of a regressor — whose leaves are cohorts named by readable conditions (which `--cohort` takes
/// back), each with its size, error rate and Wilson interval, worst first; and error heat maps over the tree's first
/// two split features.
public struct ErrorAnalysisRequest: Sendable {
  public var targetColumn: String
  public var maxDepth = 4
  /// The fewest rows a cohort (a leaf) may hold.
  public var minCohort = 30

  public init(targetColumn: String) { self.targetColumn = targetColumn }
}

public struct ErrorAnalysisResult: Sendable, Equatable, Codable, JSONDocument {
  public struct Cohort: Sendable, Equatable, Codable {
    public var condition: String
    public var rows: Int
    /// The share misclassified, or the mean absolute error.
    public var errorRate: Double
    /// Wilson 95 % interval of a share; nil for a mean absolute error.
    public var interval: [Double]?

    enum CodingKeys: String, CodingKey {
      case condition, rows, interval
      case errorRate = "error_rate"
    }
  }

  /// Error rates by one feature's bins, or by two features' bins crossed.
  public struct HeatMap: Sendable, Equatable, Codable {
    public var features: [String]
    /// Bin labels per feature.
    public var bins: [[String]]
    /// rows[i][j]: the rows in bin i of the first feature and bin j of the second (j = 0 for one feature).
    public var rows: [[Int]]
    public var errorRates: [[Double?]]

    enum CodingKeys: String, CodingKey {
      case features, bins, rows
      case errorRates = "error_rates"
    }
  }

  public var method = "error-analysis"
  /// "misclassification" or "absolute_error".
  public var error: String
  public var rows: Int
  public var overallError: Double
  public var overallInterval: [Double]?
  public var cohorts: [Cohort]
  public var heatMaps: [HeatMap]
  /// Why there is one cohort only, when the request left no room to split.
  public var note: String?

  enum CodingKeys: String, CodingKey {
    case method, error, rows, cohorts, note
    case overallError = "overall_error"
    case overallInterval = "overall_interval"
    case heatMaps = "heat_maps"
  }
}

public enum ErrorAnalysis {
  static let errorColumn = "__candor_error"

  /// - Throws: `ExplainError` for a target column the data lacks or a value that is not a class of the model; the
  ///   model's errors.
  public static func run(_ request: ErrorAnalysisRequest, model: any Model, data: Table) throws -> ErrorAnalysisResult {
    guard request.maxDepth >= 1 else { throw ExplainError.invalidSetting(InvalidSetting(.maxDepth, value: String(request.maxDepth), .atLeast(1))) }
    guard request.minCohort >= 1 else { throw ExplainError.invalidSetting(InvalidSetting(.minCohort, value: String(request.minCohort), .atLeast(1))) }
    guard let target = data[request.targetColumn] else { throw ExplainError.unknownFeature(request.targetColumn, available: data.columnNames) }
    let output = try model.predict(data)
    let n = data.rowCount
    var errors = [Double](repeating: 0, count: n)
    if model.isClassifier {
      let classes = model.classes
      for r in 0..<n {
        guard let label = target.text(at: r) else { throw ExplainError.targetNotAClass(column: request.targetColumn, row: r, value: "(missing)", classes: classes) }
        guard classes.contains(label) else { throw ExplainError.targetNotAClass(column: request.targetColumn, row: r, value: label, classes: classes) }
        var best = 0
        if output.columns == 1 { best = output[r, 0] > 0.5 ? 1 : 0 } else { for k in 1..<output.columns where output[r, k] > output[r, best] { best = k } }
        errors[r] = classes[best] == label ? 0 : 1
      }
    } else {
      guard case let .numeric(y) = target else { throw ExplainError.regressionTargetNotNumeric(column: request.targetColumn) }
      for r in 0..<n { errors[r] = abs(y.values[r] - output[r, 0]) }
    }
    let classification = model.isClassifier
    let overall = errors.reduce(0, +) / Double(max(n, 1))
    func interval(_ rate: Double, _ count: Int) -> [Double]? {
      guard classification else { return nil }
      let w = Statistics.wilsonInterval(proportion: rate, trials: Double(count), level: 0.95)
      return [w.low, w.high]
    }
    var result = ErrorAnalysisResult(error: classification ? "misclassification" : "absolute_error", rows: n, overallError: overall,
                                     overallInterval: interval(overall, n), cohorts: [], heatMaps: [])
    // The tree over the errors (a constant error needs none: one cohort, all rows).
    let label: Column = classification
      ? .categorical(CategoricalColumn(name: errorColumn, strings: errors.map { $0 > 0 ? "error" : "correct" }))
      : .numeric(NumericColumn(name: errorColumn, values: ContiguousArray(errors)))
    guard Set(errors).count > 1, 2 * request.minCohort <= n else {
      result.cohorts = [.init(condition: "all rows", rows: n, errorRate: overall, interval: interval(overall, n))]
      if 2 * request.minCohort > n { result.note = "Two cohorts of at least \(request.minCohort) rows need \(2 * request.minCohort); the data has \(n), so all rows are one cohort." }
      return result
    }
    var options = TrainingOptions()
    options.modelType = .tree
    options.tree.maxDepth = request.maxDepth
    options.tree.minSamplesLeaf = request.minCohort
    if !classification { options.tree.criterion = .squaredError }
    let features = model.featureNames.filter { $0 != request.targetColumn && data[$0] != nil }
    let spec = TrainingSpec(target: errorColumn, positive: classification ? "error" : nil, features: features)
    guard case let .tree(tree) = try ModelTrainer.fit(data.replacing(label), spec: spec, options: options).0 else { preconditionFailure("a tree") }
    let reached = try tree.leafIndices(data)
    var members: [Int: [Int]] = [:]
    for (r, leaf) in reached.enumerated() { members[leaf, default: []].append(r) }
    // Numeric features with missing cells: their conditions say which side a missing value takes.
    let missing = Set(features.filter { if case let .numeric(x)? = data[$0] { x.values.contains { $0.isNaN } } else { false } })
    result.cohorts = members.keys.map { leaf in
      let rows = members[leaf]!
      let rate = rows.reduce(0) { $0 + errors[$1] } / Double(rows.count)
      let condition = tree.path(to: leaf, missing: missing).joined(separator: " and ")
      return .init(condition: condition.isEmpty ? "all rows" : condition, rows: rows.count, errorRate: rate, interval: interval(rate, rows.count))
    }.sorted { ($0.errorRate, $1.rows) > ($1.errorRate, $0.rows) || ($0.errorRate == $1.errorRate && $0.rows == $1.rows && $0.condition < $1.condition) }
    // Heat maps over the first two features the tree splits on.
    var splitFeatures: [String] = []
    for node in 0..<tree.nodeCount where tree.left[node] >= 0 {
      let name = rawFeature(of: Int(tree.feature[node]), in: tree.encoder)
      if !splitFeatures.contains(name) { splitFeatures.append(name) }
      if splitFeatures.count == 2 { break }
    }
    let binned = try splitFeatures.map { try bins(data, $0) }
    if let first = binned.first {
      result.heatMaps.append(heatMap([splitFeatures[0]], [first], errors: errors, n: n))
      if binned.count == 2 { result.heatMaps.append(heatMap(splitFeatures, binned, errors: errors, n: n)) }
    }
    return result
  }

  static func rawFeature(of column: Int, in encoder: FeatureEncoder) -> String {
    var start = 0
    for f in encoder.features {
      if column < start + f.width { return f.name }
      start += f.width
    }
    return encoder.features.last?.name ?? ""
  }

  /// A feature's bins: at most 5 quantile bins of a numeric one (labels "≤ a", "a to b", "> b"), the 8 most common
  /// levels of a text one (the rest "other"); each row's bin (−1: missing).
  static func bins(_ data: Table, _ name: String) throws -> (labels: [String], of: [Int]) {
    guard let column = data[name] else { throw ExplainError.unknownFeature(name, available: data.columnNames) }
    switch column {
    case let .numeric(numbers):
      let sorted = numbers.values.filter { !$0.isNaN }.sorted()
      var edges: [Double] = []
      for k in 1..<5 { let q = Statistics.quantile(sorted: sorted, Double(k) / 5); if edges.last != q && q < (sorted.last ?? q) { edges.append(q) } }
      var labels: [String] = []
      for i in 0...edges.count {
        labels.append(i == 0 ? (edges.isEmpty ? "all" : "≤ \(formatRounded(edges[0]))") : i == edges.count ? "> \(formatRounded(edges[i - 1]))"
          : "\(formatRounded(edges[i - 1])) to \(formatRounded(edges[i]))")
      }
      return (labels, numbers.values.map { x in x.isNaN ? -1 : edges.firstIndex { x <= $0 } ?? edges.count })
    case .categorical:
      var counts: [String: Int] = [:]
      for r in 0..<data.rowCount { if let t = column.text(at: r) { counts[t, default: 0] += 1 } }
      let top = counts.keys.sorted { (counts[$0]!, $1) > (counts[$1]!, $0) }.prefix(8)
      let other = counts.count > top.count
      let labels = Array(top) + (other ? ["other"] : [])
      return (labels, (0..<data.rowCount).map { r in column.text(at: r).map { top.firstIndex(of: $0) ?? (other ? top.count : -1) } ?? -1 })
    }
  }

  static func heatMap(_ features: [String], _ binned: [(labels: [String], of: [Int])], errors: [Double], n: Int) -> ErrorAnalysisResult.HeatMap {
    let a = binned[0], b = binned.count > 1 ? binned[1] : (labels: [""], of: [Int](repeating: 0, count: n))
    var rows = [[Int]](repeating: [Int](repeating: 0, count: b.labels.count), count: a.labels.count)
    var sums = [[Double]](repeating: [Double](repeating: 0, count: b.labels.count), count: a.labels.count)
    for r in 0..<n where a.of[r] >= 0 && b.of[r] >= 0 {
      rows[a.of[r]][b.of[r]] += 1
      sums[a.of[r]][b.of[r]] += errors[r]
    }
    let rates = rows.indices.map { i in rows[i].indices.map { j in rows[i][j] > 0 ? sums[i][j] / Double(rows[i][j]) : nil } }
    return .init(features: features, bins: binned.count > 1 ? [a.labels, b.labels] : [a.labels], rows: rows, errorRates: rates)
  }
}

extension Setting {
  public static let minCohort = Setting("minCohort")
}
